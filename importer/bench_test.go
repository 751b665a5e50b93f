package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guangong"
	"guangong/importer"
	"guangong/internal/benchmem"
	"guangong/sqlstore/storetest"
)

// benchRows fictional volunteers in the template's first 15 columns, all valid and unique.
const benchRows = 100_000

var (
	benchOnce sync.Once
	benchData []byte
)

func benchFile(b *testing.B) []byte {
	b.Helper()
	benchOnce.Do(func() {
		path := os.Getenv("GUANGONG_IMPORT_BIG") // keep the file between runs
		if path != "" {
			if data, err := os.ReadFile(path); err == nil {
				benchData = data
				return
			}
		}
		benchData = writeBench(b)
		if path != "" {
			_ = os.WriteFile(path, benchData, 0o644)
		}
	})
	return benchData
}

func writeBench(b *testing.B) []byte {
	head := []any{"姓名", "性别", "出生日期", "身份证号", "联系电话", "五老类别", "原工作单位", "原职务",
		"是否党员", "所在党支部", "特长", "健康状况", "状态", "加入日期", "自愿登记日期"}
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范")
	given := []rune("建国明华英秀兰德福志强军平安春梅玉珍桂芳海林红云霞清新文武忠诚良顺利勇刚")
	cats := []string{"老干部", "老战士", "老专家", "老教师", "老模范"}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	if err := sw.SetRow("A1", head); err != nil {
		b.Fatal(err)
	}
	start := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range benchRows {
		day := start.AddDate(0, 0, i%9000)
		birth := day.Format("2006-01-02")
		name := string(surnames[i%len(surnames)]) + string(given[(i/100)%len(given)]) + string(given[(i/9000)%len(given)]) // unique with the birth date
		gender, seq := "女", i/9000*2
		if i%2 == 0 {
			gender, seq = "男", seq+1
		}
		party, branch := "否", ""
		if i%3 != 0 {
			party, branch = "是", "低庄镇离退休干部党支部"
		}
		row := []any{name, gender, birth, idNumber(day.Format("20060102"), seq), fmt.Sprintf("138%08d", i), cats[i%5],
			"低庄镇中心小学", "教师", party, branch, "宣讲、学业辅导", "良好", "在册", "2015-06-01", "2024-03-01"}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// bareRead is the yardstick: excelize alone streaming every cell of the same file.
func bareRead(b *testing.B, data []byte) time.Duration {
	began := time.Now()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	rows.Close()
	if n != benchRows+1 {
		b.Fatalf("bare read: %d rows", n)
	}
	return time.Since(began)
}

// BenchmarkImportVolunteers100k measures a whole import on SQLite: upload, background check
// (file, then duplicates against the database), and the commit that checks the stored file
// again and writes every row in one transaction. It reports the time as a multiple of a
// bare excelize read of the same file (x-bare), the two phases' seconds (check-s, until the
// report is ready; commit-s), the runtime's peak memory (peak-MB, the Go runtime's Sys) and
// the process's peak resident memory during the import (rss-MB, Linux).
//
//	go test ./importer -run '^$' -bench Import -benchtime 1x -timeout 30m
func BenchmarkImportVolunteers100k(b *testing.B) {
	data := benchFile(b)
	bare := bareRead(b, data)
	b.ResetTimer()
	var total, check time.Duration
	var peak, rss uint64
	for range b.N {
		b.StopTimer()
		db := storetest.Open(b, "sqlite")
		fx := storetest.NewFixture(b, db)
		a := fx.Actor("townclerk")
		r := &importer.Runner{Store: db}
		runtime.GC()
		benchmem.ResetPeakRSS()
		stop := benchmem.PeakMemory()
		b.StartTimer()
		began := time.Now()
		imp, err := r.Start(context.Background(), a, "volunteer", "bench.xlsx", data, fx.Town.ID)
		if err != nil {
			b.Fatal(err)
		}
		r.Wait()
		check += time.Since(began)
		done, err := r.Commit(context.Background(), a, imp.ID)
		if err != nil {
			b.Fatal(err)
		}
		total += time.Since(began)
		b.StopTimer()
		peak = max(peak, stop())
		rss = max(rss, benchmem.PeakRSS())
		if done.Imported != benchRows {
			b.Fatalf("imported %d of %d: %+v", done.Imported, benchRows, done.Problems[:min(3, len(done.Problems))])
		}
		if _, n, err := db.FindVolunteers(context.Background(), a, guangong.PersonFilter{}); err != nil || n != benchRows {
			b.Fatalf("%d volunteers stored: %v", n, err)
		}
		db.Close()
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(bare), "x-bare")
	b.ReportMetric(bare.Seconds(), "bare-s")
	b.ReportMetric(check.Seconds()/float64(b.N), "check-s")
	b.ReportMetric((total-check).Seconds()/float64(b.N), "commit-s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	if rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	}
}
