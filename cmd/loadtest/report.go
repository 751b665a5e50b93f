package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// request is one row of the kit: what scripts/loadtest.sh runs under its name, and issue
// 15's target for it, as a percentage of /healthz's throughput in the same round.
type request struct {
	name, label string
	target      float64 // 0: none
	read        bool    // p99 must stay under 50 ms
}

var requests = []request{
	{"healthz", "`/healthz` (the floor)", 0, false},
	{"village", "a village's year, 20 rows with the total", 10, true},
	{"village-skiptotal", "the same with `skipTotal=true`", 0, true},
	{"town", "a town's subtree year, 20 rows with the total", 5, true},
	{"byid", "one activity by id", 25, true},
	{"create", "create an activity", 5, false},
}

// wrkResult is what scripts/loadtest.lua's done() prints for one run of wrk.
type wrkResult struct {
	Requests     int64 `json:"requests"`
	DurationUS   int64 `json:"duration_us"`
	StatusErrors int64 `json:"status_errors"` // responses with a status of 400 or more
	SocketErrors int64 `json:"socket_errors"` // connect, read and write
	// Timeouts are answers slower than wrk's --timeout: counted as requests, but missing
	// from the latencies.
	Timeouts int64 `json:"timeouts"`
	P50US    int64 `json:"p50_us"`
	P99US    int64 `json:"p99_us"`
}

func (w wrkResult) perSecond() float64 {
	if w.DurationUS == 0 {
		return 0
	}
	return float64(w.Requests) / (float64(w.DurationUS) / 1e6)
}

const (
	targetP99MS  = 50
	targetRSSMB  = 150
	targetDataMB = 80
)

// report reads the results file the script wrote, one tab-separated record a line:
//
//	meta KEY VALUE           what was run (db, rounds, duration, connections, commit)
//	result ROUND NAME JSON   one wrk run (wrkResult)
//	skip NAME STATUS BODY    a request the server refused before the rounds, not measured
//	rss LABEL KB             the server's resident memory (ready: VmRSS at start; peak: VmHWM)
//	size LABEL BYTES         the data set on disk (generated; after the run)
//	check NAME STATUS LINE   figures check and audit verify after the run
//
// and prints the Markdown table against the targets.
func report(in io.Reader, out io.Writer) error {
	meta := map[string]string{}
	runs := map[string]map[int]wrkResult{} // name → round → result
	skipped := map[string]string{}
	rss := map[string]int64{}
	sizes := map[string]int64{}
	var checks [][3]string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		switch {
		case f[0] == "meta" && len(f) == 3:
			meta[f[1]] = f[2]
		case f[0] == "result" && len(f) == 4:
			round, err := strconv.Atoi(f[1])
			if err != nil {
				return fmt.Errorf("results: %q: %w", sc.Text(), err)
			}
			var w wrkResult
			if err := json.Unmarshal([]byte(f[3]), &w); err != nil {
				return fmt.Errorf("results: %q: %w", sc.Text(), err)
			}
			if runs[f[2]] == nil {
				runs[f[2]] = map[int]wrkResult{}
			}
			runs[f[2]][round] = w
		case f[0] == "skip" && len(f) == 4:
			skipped[f[1]] = refusal(f[2], f[3])
		case f[0] == "rss" && len(f) == 3:
			rss[f[1]], _ = strconv.ParseInt(f[2], 10, 64)
		case f[0] == "size" && len(f) == 3:
			sizes[f[1]], _ = strconv.ParseInt(f[2], 10, 64)
		case f[0] == "check" && len(f) == 4:
			checks = append(checks, [3]string{f[1], f[2], f[3]})
		case strings.TrimSpace(sc.Text()) == "":
		default:
			return fmt.Errorf("results: unknown record %q", sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	floor := runs["healthz"]
	if len(floor) == 0 {
		return fmt.Errorf("results: no /healthz run, so no shares")
	}

	fmt.Fprintf(out, "guangong load test on %s: %s rounds × %s, %s connections, wrk %s threads; commit %s\n\n",
		meta["db"], meta["rounds"], meta["duration"], meta["connections"], meta["threads"], meta["commit"])
	fmt.Fprintln(out, "| request | share of /healthz (median) | per round | req/s (median) | p50 ms (median) | p99 ms (worst round) | errors | target | met |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|")
	for _, rq := range requests {
		if reason, ok := skipped[rq.name]; ok {
			fmt.Fprintf(out, "| %s | **not measured**: %s | | | | | | %s | not measured |\n", rq.label, cell(reason), target(rq))
			continue
		}
		rs := runs[rq.name]
		if len(rs) == 0 {
			fmt.Fprintf(out, "| %s | not run | | | | | | %s | no |\n", rq.label, target(rq))
			continue
		}
		var shares, perSec, p50 []float64
		var p99, statusErr, sockErr, timeouts int64
		var perRound []string
		for _, round := range sortedKeys(rs) {
			w := rs[round]
			perSec = append(perSec, w.perSecond())
			p50 = append(p50, float64(w.P50US)/1000)
			p99 = max(p99, w.P99US)
			statusErr += w.StatusErrors
			sockErr += w.SocketErrors
			timeouts += w.Timeouts
			if rq.name == "healthz" {
				perRound = append(perRound, fmt.Sprintf("%.0f req/s", w.perSecond()))
			} else if h, ok := floor[round]; ok && h.perSecond() > 0 {
				s := 100 * w.perSecond() / h.perSecond()
				shares = append(shares, s)
				perRound = append(perRound, fmt.Sprintf("%.2f", s))
			}
		}
		share := median(shares)
		errs := "0"
		if statusErr+sockErr > 0 {
			errs = fmt.Sprintf("**%d HTTP ≥400, %d socket: throughput not valid**", statusErr, sockErr)
		}
		if timeouts > 0 {
			errs = strings.TrimPrefix(errs+"; ", "0; ") + fmt.Sprintf("**%d slower than wrk's timeout: not in p50/p99**", timeouts)
		}
		met := "—"
		if rq.target > 0 || rq.read {
			ok := (rq.target == 0 || share >= rq.target) && (!rq.read || float64(p99)/1000 < targetP99MS)
			met = yesNo(ok && statusErr+sockErr+timeouts == 0)
		}
		shareCell := fmt.Sprintf("%.2f%%", share)
		if rq.name == "healthz" {
			shareCell = "100%"
		}
		fmt.Fprintf(out, "| %s | %s | %s | %.0f | %.2f | %.2f | %s | %s | %s |\n", rq.label, shareCell,
			strings.Join(perRound, " / "), median(perSec), median(p50), float64(p99)/1000, errs, target(rq), met)
	}

	fmt.Fprintln(out)
	fmt.Fprintln(out, "| also | measured | target | met |")
	fmt.Fprintln(out, "|---|---|---|---|")
	if kb, ok := rss["ready"]; ok {
		fmt.Fprintf(out, "| server RSS once ready (VmRSS) | %.1f MB | — | — |\n", float64(kb)/1024)
	}
	if kb, ok := rss["peak"]; ok {
		mb := float64(kb) / 1024
		fmt.Fprintf(out, "| server peak RSS under load (VmHWM) | %.1f MB | < %d MB | %s |\n", mb, targetRSSMB, yesNo(mb < targetRSSMB))
	}
	sqlite := meta["db"] == "sqlite"
	for _, label := range []string{"generated", "after"} {
		n, ok := sizes[label]
		if !ok {
			continue
		}
		mb := float64(n) / (1 << 20)
		what := map[string]string{"generated": "data set on disk, as generated", "after": "data set on disk after the run"}[label]
		tgt, met := "—", "—"
		if sqlite && label == "generated" {
			tgt, met = fmt.Sprintf("≤ %d MB (SQLite)", targetDataMB), yesNo(mb <= targetDataMB)
		}
		fmt.Fprintf(out, "| %s | %.1f MB | %s | %s |\n", what, mb, tgt, met)
	}
	for _, c := range checks {
		fmt.Fprintf(out, "| `guangong %s` after the run | %s: %s | passes | %s |\n", c[0], c[1], cell(c[2]), yesNo(c[1] == "ok"))
	}
	return nil
}

// refusal says why the server refused a request: its status and, from a problem+json
// body, the fields it named.
func refusal(status, body string) string {
	var p struct {
		Detail string `json:"detail"`
		Errors []struct{ Field, Message string }
	}
	why := "the server answers HTTP " + status
	if json.Unmarshal([]byte(body), &p) != nil {
		return why + ": " + body
	}
	for _, e := range p.Errors {
		why += fmt.Sprintf("; %s: %s", e.Field, e.Message)
	}
	if len(p.Errors) == 0 && p.Detail != "" {
		why += ": " + p.Detail
	}
	return why
}

func target(rq request) string {
	var t []string
	if rq.target > 0 {
		t = append(t, fmt.Sprintf("≥ %g%%", rq.target))
	}
	if rq.read {
		t = append(t, fmt.Sprintf("p99 < %d ms", targetP99MS))
	}
	if len(t) == 0 {
		return "—"
	}
	return strings.Join(t, ", ")
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func sortedKeys(m map[int]wrkResult) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
