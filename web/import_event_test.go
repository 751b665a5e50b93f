package web

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
	"guangong/xlsx"
)

// eventSheet fills the downloadable events template from row 3 (below its example).
func eventSheet(t *testing.T, tpl []byte, rows []map[string]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[0]
	cols := xlsx.Columns(xlsx.Events)
	for i, row := range rows {
		for h, v := range row {
			j := slices.Index(cols, h)
			if j < 0 {
				t.Fatalf("no column %q", h)
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+3)
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Past meetings and activities through the import pages: the template from the events
// list, the row-by-row report, nothing saved until the choice, then the valid rows.
func TestImportEventsThroughPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		c := s.loginAs("townclerk")
		check(t, scenario{status: 200, want: []string{`id="event-import"`, `href="/imports?kind=event"`}}, c.get("/events"), s)
		check(t, scenario{status: 200, want: []string{`href="/templates/event.xlsx"`, `id="f-kind-event" checked`, "会议活动（过去的记录）"}},
			c.get("/imports?kind=event"), s)
		tpl := c.get("/templates/event.xlsx")
		if tpl.status != 200 || !strings.Contains(tpl.header.Get("Content-Disposition"), "event.xlsx") {
			t.Fatalf("template: %d %v", tpl.status, tpl.header)
		}
		if text := sheetText(t, []byte(tpl.body)); !strings.Contains(text, "会议记录/活动成效") || !strings.Contains(text, "协办组织代码") {
			t.Fatalf("template text: %s", text)
		}
		data := eventSheet(t, []byte(tpl.body), []map[string]string{
			{"类型": "会议", "会议类别": "总结表彰会", "名称": "2020年度总结表彰会", "开始时间": "2021-01-20 09:00", "其他参加人数": "60"},
			{"类型": "会议", "会议类别": "座谈会", "名称": "倒序座谈会", "开始时间": "2021-02-01 10:00", "结束时间": "2021-02-01 09:00"},
			{"类型": "活动", "活动类别": "立德树人", "子类": "清明祭扫", "名称": "清明祭扫", "主办组织代码": s.fx.School.Code,
				"开始时间": "2021-04-02", "服务青少年人数": "120", "协办组织代码": s.fx.VillageA.Code + "、" + s.fx.VillageB.Code},
			{"类型": "活动", "活动类别": "帮教关爱", "名称": "外镇活动", "主办组织代码": s.fx.OtherTown.Code, "开始时间": "2021-05-01 09:00"},
		})
		// A viewer may not import.
		check(t, scenario{status: 403}, s.loginAs("villageviewer").upload("/imports", map[string]string{"kind": "event", "orgId": "{VillageA}"}, "e.xlsx", data), s)

		r := c.upload("/imports", map[string]string{"kind": "event", "orgId": "{Town}"}, "会议活动.xlsx", data)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/imports/") {
			t.Fatalf("upload: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		page := r.location
		check(t, scenario{status: 200, want: []string{`data-status="checked"`, `id="import-valid">2<`, `id="import-invalid">2<`,
			"仅导入有效行（2行）", `<td class="num">4</td><td>结束时间</td><td>2021-02-01 09:00</td><td>结束时间不能早于开始时间</td>`,
			`<td class="num">6</td><td>主办组织代码</td><td>` + s.fx.OtherTown.Code + `</td>`}},
			waitChecked(t, c, page), s)
		town := s.fx.Town.ID
		if _, n, err := db.FindEvents(context.Background(), guangong.SystemActor("t"), guangong.EventFilter{OrgID: &town}); err != nil || n != 0 {
			t.Fatalf("events before the choice: %d %v", n, err)
		}
		check(t, scenario{status: 303, location: page}, c.post(page+"/commit", nil), s)
		check(t, scenario{status: 200, want: []string{`data-status="done"`, `id="import-imported">2<`, `href="/events"`, "查看会议与活动"}}, c.get(page), s)
		list, n, err := db.FindEvents(context.Background(), guangong.SystemActor("t"), guangong.EventFilter{OrgID: &town})
		if err != nil || n != 2 {
			t.Fatalf("after commit: %d %v", n, err)
		}
		for _, e := range list {
			if e.Title == "清明祭扫" && (e.OrgID != s.fx.School.ID || !e.Large || e.StartsOn != "2021-04-02") {
				t.Errorf("qingming: %+v", e)
			}
			if e.Title == "2020年度总结表彰会" && (e.OrgID != s.fx.Town.ID || !e.Large || e.Status != guangong.EventHeld) {
				t.Errorf("meeting: %+v", e)
			}
		}
		if got := auditEntries(t, db, guangong.ActionCreate, "event"); len(got) != 2 || !strings.Contains(got[0].Detail, "import") {
			t.Errorf("audit: %+v", got)
		}
		check(t, scenario{status: 200, want: []string{"2020年度总结表彰会", "清明祭扫"}}, c.get("/events"), s)
	})
}
