package api

import (
	"context"
	"strings"
	"testing"

	"guangong"
)

// TestCollectPagesAndCaps checks the export's paging through the store and its cap, which
// the HTTP tests cannot reach without 100,000 rows.
func TestCollectPagesAndCaps(t *testing.T) {
	a := &guangong.Actor{UserID: "u", Role: guangong.RoleClerk, OrgID: "o"}
	for _, c := range []struct {
		total, calls int
		err          string
	}{
		{0, 1, ""}, {200, 1, ""}, {450, 3, ""}, {maxExportRows, maxExportRows / guangong.MaxPageSize, ""},
		{maxExportRows + 1, 1, "超过单次导出上限 100000 条，请缩小筛选范围"},
	} {
		var offsets []int
		find := func(_ context.Context, _ *guangong.Actor, f guangong.PersonFilter) ([]int, int, error) {
			offsets = append(offsets, f.Offset)
			n := min(f.Limit, max(c.total-f.Offset, 0))
			page := make([]int, n)
			for i := range page {
				page[i] = f.Offset + i
			}
			return page, c.total, nil
		}
		got, err := collect(context.Background(), a, guangong.PersonFilter{Page: guangong.Page{Offset: 7, Limit: 3}}, find)
		if c.err != "" {
			if guangong.ErrorCode(err) != guangong.EINVALID || !strings.Contains(guangong.ErrorMsg(err).Zh, c.err) || got != nil {
				t.Errorf("total %d: %v", c.total, err)
			}
			continue
		}
		if err != nil || len(got) != c.total || len(offsets) != c.calls || offsets[0] != 0 {
			t.Errorf("total %d: %d rows in %d calls (offsets from %v), %v", c.total, len(got), len(offsets), offsets[:min(3, len(offsets))], err)
			continue
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("total %d: row %d is %d", c.total, i, v)
			}
		}
	}
}
