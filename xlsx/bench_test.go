package xlsx

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guangong/internal/benchmem"
)

// The benchmark file: 100,000 fictional volunteers in 15 columns, all valid (ID numbers
// carry correct check digits), written once per process with the StreamWriter. Set
// GUANGONG_XLSX_BIG to a path to keep it between runs (the peak-memory test needs that, so
// that writing the file is not measured with the check).
const (
	benchRows = 100_000
	benchKind = "五老志愿者"
)

var benchHead = []string{"姓名", "性别", "出生日期", "身份证号", "联系电话", "五老类别", "原工作单位", "原职务",
	"是否党员", "所在党支部", "特长", "健康状况", "状态", "加入日期", "自愿登记日期"}

var (
	bigOnce sync.Once
	bigData []byte
	bigErr  error
)

// bigFile returns the benchmark file's bytes.
func bigFile(tb testing.TB) []byte {
	tb.Helper()
	bigOnce.Do(func() {
		path := os.Getenv("GUANGONG_XLSX_BIG")
		if path != "" {
			if bigData, bigErr = os.ReadFile(path); bigErr == nil {
				return
			}
		}
		var buf bytes.Buffer
		if bigErr = writeBig(&buf); bigErr != nil {
			return
		}
		bigData = buf.Bytes()
		if path != "" {
			bigErr = os.WriteFile(path, bigData, 0o644)
		}
	})
	if bigErr != nil {
		tb.Fatal(bigErr)
	}
	return bigData
}

func writeBig(w *bytes.Buffer) error {
	surnames := []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given := []rune("建国明华英秀兰德福志强军平安春梅玉珍桂芳海林红云霞清新文武忠诚良顺利勇刚")
	units := []string{"低庄镇中心小学", "溆浦县人民医院", "低庄镇人民政府", "溆浦县第一中学", "青松村村委会"}
	posts := []string{"校长", "医生", "镇长", "教师", "村支书"}
	cats := []string{"老干部", "老战士", "老专家", "老教师", "老模范"}
	skills := []string{"宣讲", "学业辅导、文艺", "法律", "医疗、体育", "宣讲、学业辅导"}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", benchKind); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(benchKind)
	if err != nil {
		return err
	}
	row := make([]any, len(benchHead))
	for i, h := range benchHead {
		row[i] = h
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	start := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range benchRows {
		// Birth dates over ~25 years, and a sequence number, make every ID and every
		// name-and-birth pair unique.
		birth := start.AddDate(0, 0, i%9000).Format("2006-01-02")
		name := string(surnames[i%len(surnames)]) + string(given[(i/100)%len(given)]) + string(given[(i/5000)%len(given)])
		party := i%3 != 0
		branch := ""
		if party {
			branch = "低庄镇离退休干部党支部"
		}
		gender := "男"
		if i%2 == 1 {
			gender = "女"
		}
		seq := i / 9000 * 2 // even sequence digits: female
		if gender == "男" {
			seq++
		}
		vals := []any{name, gender, birth, id(birth, seq), fmt.Sprintf("138%08d", i), cats[i%5], units[i%5], posts[i%5],
			map[bool]string{true: "是", false: "否"}[party], branch, skills[i%5], "良好", "在册", "2015-06-01", "2024-03-01"}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// BenchmarkExcelizeBareRead100k is the yardstick: excelize alone streaming the same file,
// touching every cell, formatted (as GetRows would) and raw (as the check reads).
func BenchmarkExcelizeBareRead100k(b *testing.B) {
	data := bigFile(b)
	for _, mode := range []struct {
		name string
		opts excelize.Options
	}{{"formatted", excelize.Options{}}, {"raw", excelize.Options{RawCellValue: true}}} {
		b.Run(mode.name, func(b *testing.B) {
			runtime.GC()
			stop := benchmem.PeakMemory()
			for b.Loop() {
				n, cells := bareRead(b, data, mode.opts)
				if n != benchRows+1 || cells < benchRows*len(benchHead) {
					b.Fatalf("%d rows, %d bytes", n, cells)
				}
			}
			b.ReportMetric(float64(stop())/(1<<20), "peak-MB")
		})
	}
}

func bareRead(b *testing.B, data []byte, opts excelize.Options) (rows, size int) {
	f, err := excelize.OpenReader(bytes.NewReader(data), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	it, err := f.Rows(benchKind)
	if err != nil {
		b.Fatal(err)
	}
	defer it.Close()
	for it.Next() {
		cells, err := it.Columns(opts)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range cells {
			size += len(c)
		}
		rows++
	}
	return rows, size
}

// BenchmarkCheckVolunteers100k reads, converts, validates and de-duplicates every row, with
// a progress callback (which also makes it count the rows for the progress bar's total). It
// reports the Go runtime's peak memory (Sys, sampled every 20 ms) as peak-MB; set
// GUANGONG_XLSX_BIG to a file written by an earlier run so that writing the file is not in
// the process's maximum resident set size either.
func BenchmarkCheckVolunteers100k(b *testing.B) {
	data := bigFile(b)
	runtime.GC()
	stop := benchmem.PeakMemory()
	for b.Loop() {
		last := 0
		rows, problems, err := CheckVolunteers(bytes.NewReader(data), "bench.xlsx", "org-town", nil, testNow,
			func(done, total int) { last = total })
		if err != nil {
			b.Fatal(err)
		}
		if len(rows) != benchRows || len(problems) != 0 || last != benchRows {
			b.Fatalf("%d rows, %d problems (%s), total %d", len(rows), len(problems), problemsText(problems[:min(3, len(problems))]), last)
		}
	}
	b.ReportMetric(float64(stop())/(1<<20), "peak-MB")
}
