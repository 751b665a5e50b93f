//go:build unix

package xlsx

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestCheck100kRatio runs the bare read and the check alternately, rounds times, and logs
// the best wall time and the best process CPU time (user+system, GC included) of each, and
// their ratios: on a shared machine the best of several alternating runs is the figure that
// other people's load disturbs least. Runs only with GUANGONG_XLSX_BIG set.
func TestCheck100kRatio(t *testing.T) {
	if os.Getenv("GUANGONG_XLSX_BIG") == "" {
		t.Skip("set GUANGONG_XLSX_BIG=/tmp/volunteers-100k.xlsx to compare the check with a bare excelize read")
	}
	data := bigFile(t)
	rounds := 3
	if n, err := strconv.Atoi(os.Getenv("GUANGONG_XLSX_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	measure := func(f func()) (wall, cpu time.Duration) {
		runtime.GC()
		c0, w0 := cpuTime(t), time.Now()
		f()
		return time.Since(w0), cpuTime(t) - c0
	}
	best := func(d *[2]time.Duration, wall, cpu time.Duration) {
		if d[0] == 0 || wall < d[0] {
			d[0] = wall
		}
		if d[1] == 0 || cpu < d[1] {
			d[1] = cpu
		}
	}
	var bare, check [2]time.Duration
	for range rounds {
		w, c := measure(func() {
			f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			it, err := f.Rows(benchKind)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for it.Next() {
				cells, _ := it.Columns(excelize.Options{RawCellValue: true})
				for _, c := range cells {
					n += len(c)
				}
			}
			it.Close()
		})
		best(&bare, w, c)
		w, c = measure(func() {
			rows, _, err := CheckVolunteers(bytes.NewReader(data), "bench.xlsx", "org-town", nil, testNow, func(int, int) {})
			if err != nil || len(rows) != benchRows {
				t.Fatalf("%d rows, %v", len(rows), err)
			}
		})
		best(&check, w, c)
	}
	t.Logf("best of %d: bare read %v wall, %v CPU; check %v wall, %v CPU; ratio %.2f wall, %.2f CPU",
		rounds, bare[0].Round(time.Millisecond), bare[1].Round(time.Millisecond), check[0].Round(time.Millisecond),
		check[1].Round(time.Millisecond), float64(check[0])/float64(bare[0]), float64(check[1])/float64(bare[1]))
}

func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
