package main

import (
	"strconv"
	"strings"
	"testing"
)

// The table takes each request's share of /healthz within its own round and the median of
// those; a row with errors or a refused request is never passed as met.
func TestReport(t *testing.T) {
	res := func(requests, statusErr, p99us int) string {
		return `{"requests":` + strconv.Itoa(requests) + `,"duration_us":10000000,"status_errors":` + strconv.Itoa(statusErr) +
			`,"socket_errors":0,"p50_us":2000,"p99_us":` + strconv.Itoa(p99us) + `}`
	}
	lines := []string{
		"meta\tdb\tsqlite", "meta\trounds\t3",
		// /healthz halves in round 2 (a noisy neighbour): the village's share stays 12%.
		"result\t1\thealthz\t" + res(100000, 0, 1000),
		"result\t1\tvillage\t" + res(12000, 0, 30000),
		"result\t1\ttown\t" + res(9000, 0, 30000),
		"result\t1\tbyid\t" + res(30000, 0, 70000),
		"result\t2\thealthz\t" + res(50000, 0, 1000),
		"result\t2\tvillage\t" + res(6000, 0, 30000),
		"result\t2\ttown\t" + res(4000, 0, 30000),
		"result\t2\tbyid\t" + strings.Replace(res(15000, 0, 20000), "}", `,"timeouts":5}`, 1),
		"result\t3\thealthz\t" + res(100000, 0, 1000),
		"result\t3\tvillage\t" + res(30000, 0, 40000),
		"result\t3\ttown\t" + res(8000, 0, 30000),
		"result\t3\tbyid\t" + res(30000, 0, 20000),
		"result\t1\tcreate\t" + res(9000, 3, 90000),
		"skip\tvillage-skiptotal\t422\t" + `{"status":422,"errors":[{"field":"skipTotal","message":"不支持的查询参数"}]}`,
		"rss\tpeak\t204800",
		"size\tgenerated\t73400320",
		"check\tfigures check\tok\tall equal",
		"check\taudit verify\tfailed\tbroken at 7",
	}
	var out strings.Builder
	if err := report(strings.NewReader(strings.Join(lines, "\n")), &out); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	for _, want := range []string{
		"| a village's year, 20 rows with the total | 12.00% | 12.00 / 12.00 / 30.00 |",
		"| a town's subtree year, 20 rows with the total | 8.00% |",
		// By id: 30%, but one round's p99 was 70 ms, and 5 answers came after wrk's timeout.
		"| 70.00 | **5 slower than wrk's timeout: not in p50/p99** | ≥ 25%, p99 < 50 ms | **no** |",
		"| create an activity | 9.00% |",
		"**3 HTTP ≥400, 0 socket: throughput not valid** | ≥ 5% | **no** |",
		"**not measured**: the server answers HTTP 422; skipTotal: 不支持的查询参数",
		"| server peak RSS under load (VmHWM) | 200.0 MB | < 150 MB | **no** |",
		"| data set on disk, as generated | 70.0 MB | ≤ 80 MB (SQLite) | yes |",
		"| `guangong audit verify` after the run | failed: broken at 7 | passes | **no** |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if !strings.Contains(table, "| a village's year, 20 rows with the total | 12.00% | 12.00 / 12.00 / 30.00 | 1200 | 2.00 | 40.00 | 0 | ≥ 10%, p99 < 50 ms | yes |") {
		t.Errorf("the village row is not met as it should be:\n%s", table)
	}
}
