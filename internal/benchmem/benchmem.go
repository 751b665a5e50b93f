// Package benchmem measures the memory a benchmark uses: the Go runtime's peak Sys, sampled,
// and the process's peak resident set, which also counts memory outside the Go heap (such
// as SQLite's page cache).
package benchmem

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// PeakMemory samples the runtime's Sys every 20 ms until the returned function is called,
// which returns the highest Sys seen.
func PeakMemory() func() uint64 {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			peak = max(peak, m.Sys)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// ResetPeakRSS restarts the kernel's count of the process's peak resident memory (Linux;
// elsewhere it does nothing), so PeakRSS covers only what follows.
func ResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakRSS is the process's peak resident memory (VmHWM), or 0 where unknown.
func PeakRSS() uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
