//go:build unix

package xlsx

import (
	"bytes"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkCheckVsBareRead100k runs the bare read and the check alternately and reports the
// best wall time and the best process CPU time (user+system, GC included) of each, in
// seconds, and their ratios: on a shared machine the best of several alternating runs is
// the figure other people's load disturbs least. Use -benchtime=3x or more.
func BenchmarkCheckVsBareRead100k(b *testing.B) {
	data := bigFile(b)
	measure := func(f func()) (wall, cpu time.Duration) {
		runtime.GC()
		c0, w0 := cpuTime(b), time.Now()
		f()
		return time.Since(w0), cpuTime(b) - c0
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
	for b.Loop() {
		w, c := measure(func() { bareRead(b, data, excelize.Options{RawCellValue: true}) })
		best(&bare, w, c)
		w, c = measure(func() {
			rows, _, err := CheckVolunteers(bytes.NewReader(data), "bench.xlsx", "org-town", nil, testNow, func(int, int) {})
			if err != nil || len(rows) != benchRows {
				b.Fatalf("%d rows, %v", len(rows), err)
			}
		})
		best(&check, w, c)
	}
	b.ReportMetric(bare[0].Seconds(), "bare-wall-s")
	b.ReportMetric(bare[1].Seconds(), "bare-cpu-s")
	b.ReportMetric(check[0].Seconds(), "check-wall-s")
	b.ReportMetric(check[1].Seconds(), "check-cpu-s")
	b.ReportMetric(float64(check[0])/float64(bare[0]), "wall-ratio")
	b.ReportMetric(float64(check[1])/float64(bare[1]), "cpu-ratio")
}

func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
