package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"guangong"
	"guangong/importer"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
	"guangong/xlsx"
)

func meeting(title, start string) row {
	return row{"类型": "会议", "会议类别": "推进会", "名称": title, "开始时间": start, "其他参加人数": "35"}
}

func townEvents(t *testing.T, db *sqlstore.DB, a *guangong.Actor, org string) []*guangong.Event {
	t.Helper()
	list, _, err := db.FindEvents(context.Background(), a, guangong.EventFilter{OrgID: &org, Page: guangong.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// A sheet of past events: checked row by row (nothing written), duplicates of stored
// events and rows naming a dissolved committee left out, then the valid rows written.
func TestEventImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		ctx := context.Background()
		a := fx.Actor("townclerk")
		stored := &guangong.Event{Type: guangong.EventMeeting, OrgID: fx.Town.ID, Kind: "study", Title: "集中学习",
			StartsAt: time.Date(2021, 5, 6, 1, 0, 0, 0, time.UTC), EndsAt: time.Date(2021, 5, 6, 3, 0, 0, 0, time.UTC), Status: guangong.EventHeld}
		if err := db.CreateEvent(ctx, a, stored); err != nil {
			t.Fatal(err)
		}
		// A committee dissolved since the records were kept on paper.
		sys := guangong.SystemActor("test")
		if _, err := db.DissolveOrg(ctx, sys, fx.VillageB.ID, fx.VillageB.Version); err != nil {
			t.Fatal(err)
		}
		village := row{"类型": "活动", "活动类别": "志愿服务", "子类": "护学", "名称": "护学岗", "主办组织代码": fx.VillageA.Code,
			"开始时间": "2021-09-01 07:00", "结束时间": "2021-09-01 08:00", "服务青少年人数": "40", "协办组织代码": fx.School.Code}
		outside := meeting("外镇会议", "2021-03-01 09:00")
		outside["主办组织代码"] = fx.OtherTown.Code
		gone := meeting("共建会", "2021-03-02 09:00")
		gone["协办组织代码"] = fx.VillageB.Code
		future := meeting("明年会议", time.Now().AddDate(1, 0, 0).Format("2006-01-02 15:04"))
		data := book(t, xlsx.Events, []row{
			meeting("全镇推进会", "2021-03-05 09:00"), // 2: large by the default (35 ≥ 30)
			village, // 3
			meeting("集中学习", "2021-05-06 14:00"), // 4: the stored one (same host, title, Shanghai date)
			outside, // 5
			gone,    // 6
			future,  // 7
			meeting("全镇推进会", "2021-03-05 15:00"), // 8: repeats row 2
		})
		r := &importer.Runner{Store: db}
		imp := checked(t, r, db, a, "event", "会议活动.xlsx", data, fx.Town.ID)
		if imp.Status != guangong.ImportChecked || imp.Total != 7 || imp.Valid != 2 || imp.Invalid != 5 {
			t.Fatalf("report: status %s total %d valid %d invalid %d: %+v", imp.Status, imp.Total, imp.Valid, imp.Invalid, imp.Problems)
		}
		for _, want := range []struct {
			line         int
			column, text string
		}{
			{4, "名称", "与已有会议活动重复"},
			{5, "主办组织代码", "不存在或不在您的管辖范围内"},
			{6, "协办组织代码", "已撤销"},
			{7, "开始时间", "只能导入过去的会议或活动"},
			{8, "名称", "与第2行的主办组织、名称和开始日期相同"},
		} {
			if !hasProblem(imp, want.line, want.column, want.text) {
				t.Errorf("no problem at row %d, column %s (%s): %+v", want.line, want.column, want.text, imp.Problems)
			}
		}
		if got := townEvents(t, db, a, fx.Town.ID); len(got) != 1 {
			t.Fatalf("checking wrote events: %d", len(got))
		}
		done, err := r.Commit(ctx, a, imp.ID)
		if err != nil || done.Status != guangong.ImportDone || done.Imported != 2 {
			t.Fatalf("commit: %+v %v", done, err)
		}
		got := townEvents(t, db, a, fx.Town.ID)
		byTitle := map[string]*guangong.Event{}
		for _, e := range got {
			byTitle[e.Title] = e
		}
		if len(got) != 3 || byTitle["全镇推进会"] == nil || !byTitle["全镇推进会"].Large || byTitle["护学岗"] == nil ||
			byTitle["护学岗"].OrgID != fx.VillageA.ID || byTitle["护学岗"].Large || byTitle["护学岗"].YouthsServed != 40 {
			t.Fatalf("events after commit: %d %+v %+v", len(got), byTitle["全镇推进会"], byTitle["护学岗"])
		}
		e, err := db.FindEventByID(ctx, a, byTitle["护学岗"].ID)
		if err != nil || len(e.CoOrgIDs) != 1 || e.CoOrgIDs[0] != fx.School.ID {
			t.Errorf("co-organisers: %+v %v", e, err)
		}
		if _, err := r.Commit(ctx, a, imp.ID); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Errorf("second commit: %v", err)
		}
	})
}

// A large GBK CSV of events: progress is saved while checking, and every row is written
// in one commit.
func TestEventImportProgressGBK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		a := fx.Actor("villageclerk")
		var rows []row
		start := time.Date(2019, 1, 1, 9, 0, 0, 0, guangong.Shanghai)
		for i := range 2500 {
			rows = append(rows, row{"类型": "活动", "活动类别": "中心工作", "子类": "环境卫生", "名称": fmt.Sprintf("清扫村道第%04d次", i),
				"开始时间": start.Add(time.Duration(i) * 12 * time.Hour).Format("2006/1/2 15:04"), "其他参加人数": "8",
				"会议记录/活动成效": "清理垃圾"})
		}
		enc, err := simplifiedchinese.GBK.NewEncoder().String(csvFile(xlsx.Events, rows))
		if err != nil {
			t.Fatal(err)
		}
		st := &progressStore{DB: db}
		r := &importer.Runner{Store: st}
		imp := checked(t, r, db, a, "event", "活动.csv", []byte(enc), fx.VillageA.ID)
		if imp.Status != guangong.ImportChecked || imp.Total != 2500 || imp.Valid != 2500 {
			t.Fatalf("report: status %s total %d valid %d: %v %+v", imp.Status, imp.Total, imp.Valid, imp.Error, firstProblems(imp))
		}
		var during []int
		for _, s := range st.saves {
			if s.Status == guangong.ImportChecking {
				during = append(during, s.Done)
			}
		}
		if len(during) < 1 || during[0] < 1000 || during[len(during)-1] >= 2500 {
			t.Errorf("progress saved while checking: %v", during)
		}
		began := time.Now()
		if _, err := r.Commit(context.Background(), a, imp.ID); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: 2500 events committed in %v", db.Dialect(), time.Since(began).Round(time.Millisecond))
		org := fx.VillageA.ID
		list, total, err := db.FindEvents(context.Background(), a, guangong.EventFilter{OrgID: &org, Page: guangong.Page{Limit: 1}})
		if err != nil || total != 2500 || !strings.HasPrefix(list[0].Title, "清扫村道第") || list[0].Outcome != "清理垃圾" {
			t.Fatalf("read back: %d %+v %v", total, list, err)
		}
	})
}
