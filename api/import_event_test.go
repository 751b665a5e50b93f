package api

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// fillEvents writes rows (by header) below the events template's example row.
func fillEvents(t *testing.T, tmpl []byte, rows []map[string]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatalf("template is not an xlsx file: %v", err)
	}
	sheet := f.GetSheetList()[0]
	existing, err := f.GetRows(sheet)
	if err != nil || len(existing) == 0 || existing[0][0] != "类型" {
		t.Fatalf("template rows %v %v", existing, err)
	}
	for n, r := range rows {
		for h, v := range r {
			i := slices.Index(existing[0], h)
			if i < 0 {
				t.Fatalf("no column %q", h)
			}
			cell, _ := excelize.CoordinatesToCellName(i+1, len(existing)+1+n)
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Past meetings and activities through the API: the template, the upload and its report,
// the commit, and the same file again reported as duplicates of what is stored.
func TestImportEventsFromTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		tmpl := e.do("GET", "/api/v1/templates/event.xlsx", "townclerk", "")
		if tmpl.Code != http.StatusOK || tmpl.Header().Get("Content-Type") != xlsxType ||
			!strings.Contains(tmpl.Header().Get("Content-Disposition"), "attachment") {
			t.Fatalf("template: %d %v", tmpl.Code, tmpl.Header())
		}
		filled := fillEvents(t, tmpl.Body.Bytes(), []map[string]string{
			{"类型": "会议", "会议类别": "集中学习", "名称": "集中学习第一期", "开始时间": "2019-03-12 09:00", "结束时间": "2019-03-12 11:00",
				"地点": "镇政府会议室", "主持人": "周主任", "其他参加人数": "40", "会议记录/活动成效": "学习文件"},
			{"类型": "活动", "活动类别": "文艺汇演", "名称": "国庆汇演", "开始时间": "2019-10-01 19:30", "规模": "大型", "观众人数": "1200",
				"协办组织代码": e.fx.School.Code},
			{"类型": "活动", "活动类别": "文艺汇演", "名称": "无规模汇演", "开始时间": "2019-10-02 19:30"},
			{"类型": "会议", "会议类别": "班子会", "名称": "计划会议", "开始时间": "2019-11-02 09:00", "状态": "计划"},
		})
		body, ct := upload(t, map[string]string{"kind": "event", "orgId": e.ids.Replace("{Town}")}, "会议活动.xlsx", filled)
		rec := e.do("POST", "/api/v1/imports", "townclerk", body, "Content-Type", ct)
		if rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), `"kind":"event"`) {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body)
		}
		var started guangong.Import
		e.decodeInto(rec, &started)
		e.alias("Imp", started.ID)
		imp := e.waitImport("{Imp}", "townclerk")
		if imp.Status != guangong.ImportChecked || imp.Total != 4 || imp.Valid != 2 || imp.Invalid != 2 {
			t.Fatalf("report: %+v", imp)
		}
		var report []string
		for _, p := range imp.Problems {
			report = append(report, fmt.Sprintf("%d|%s|%s|%s", p.Row, p.Column, p.Value, p.Message.Zh))
		}
		text := strings.Join(report, "\n")
		for _, want := range []string{"5|规模||请选择汇演规模", "6|状态|计划|状态只能填：已举行、已归档"} {
			if !strings.Contains(text, want) {
				t.Errorf("report lacks %q:\n%s", want, text)
			}
		}
		if n := e.count("/api/v1/events?orgId={Town}", "townclerk"); n != 0 {
			t.Fatalf("%d events saved before the user chose", n)
		}
		e.run([]scenario{
			{name: "another account cannot commit", method: "POST", path: "/api/v1/imports/{Imp}/commit", user: "townadmin", status: 404},
			{name: "the uploader commits", method: "POST", path: "/api/v1/imports/{Imp}/commit", user: "townclerk", status: 200,
				want: []string{`"status":"done"`, `"imported":2`, `"kind":"event"`}},
			{name: "the events exist", method: "GET", path: "/api/v1/events?orgId={Town}&from=2019-01-01&to=2019-12-31", user: "townclerk", status: 200,
				want: []string{`"total":2`, "集中学习第一期", "国庆汇演"}, notWant: []string{"无规模汇演", "计划会议"}},
			{name: "large performances by their scale", method: "GET", path: "/api/v1/events?orgId={Town}&large=true", user: "townclerk", status: 200,
				want: []string{`"total":2`}},
			{name: "the school co-organised", method: "GET", path: "/api/v1/events?orgId={School}", user: "townclerk", status: 200,
				want: []string{`"total":1`, "国庆汇演"}},
		})
		// The same file again: the stored rows are duplicates now.
		rec = e.do("POST", "/api/v1/imports", "townclerk", body, "Content-Type", ct)
		var again guangong.Import
		e.decodeInto(rec, &again)
		e.alias("Again", again.ID)
		if imp := e.waitImport("{Again}", "townclerk"); imp.Valid != 0 || !strings.Contains(fmt.Sprint(imp.Problems), "与已有会议活动重复") {
			t.Errorf("re-import: %+v", imp)
		}
		e.run([]scenario{
			{name: "nothing valid to commit", method: "POST", path: "/api/v1/imports/{Again}/commit", user: "townclerk", status: 422},
			{name: "unknown template", method: "GET", path: "/api/v1/templates/meeting.xlsx", user: "townclerk", status: 404,
				want: []string{"event.xlsx"}},
		})
		if n := e.count("/api/v1/events?orgId={Town}", "townclerk"); n != 2 {
			t.Errorf("%d events after the re-import", n)
		}
	})
}
