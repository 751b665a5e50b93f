package sqlstore_test

import (
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestPlanOverdue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = func() time.Time { return time.Date(2021, 6, 15, 4, 0, 0, 0, time.UTC) }
		a := f.Actor("villageclerk")
		va := f.VillageA.ID
		mk := func(month int, title string) *guangong.PlanItem {
			t.Helper()
			p := &guangong.PlanItem{OrgID: va, Year: 2021, Month: month, Type: "activity", Category: "moral", Subcategory: "qingming", Title: title, Large: true}
			if err := db.CreatePlanItem(ctx, a, p); err != nil {
				t.Fatal(err)
			}
			return p
		}
		march, april, may, july := mk(3, "三月"), mk(4, "四月"), mk(5, "五月"), mk(7, "七月")
		// April is carried out by an event naming the item; May by the item naming a done event.
		addEvent(t, db, ev{org: va, typ: "activity", cat: "moral", sub: "qingming", on: "2021-04-04", planItem: april.ID})
		mayEvent := addEvent(t, db, ev{org: va, typ: "activity", cat: "moral", sub: "qingming", on: "2021-05-04"})
		may.EventID = mayEvent
		if err := db.UpdatePlanItem(ctx, a, may); err != nil {
			t.Fatal(err)
		}
		list, err := db.PlanItems(ctx, a, va, 2021)
		if err != nil {
			t.Fatal(err)
		}
		state := map[string][2]bool{}
		for _, p := range list {
			state[p.Title] = [2]bool{p.Done, p.Overdue}
		}
		want := map[string][2]bool{"三月": {false, true}, "四月": {true, false}, "五月": {true, false}, "七月": {false, false}}
		for k, w := range want {
			if state[k] != w {
				t.Errorf("%s done/overdue = %v, want %v", k, state[k], w)
			}
		}
		p, err := db.Progress(ctx, a, va, 2021, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Overdue) != 1 || p.Overdue[0].ID != march.ID || p.PlanCount != 4 || p.PlanDone != 2 {
			t.Errorf("progress plan = %d overdue, %d/%d done", len(p.Overdue), p.PlanDone, p.PlanCount)
		}
		// The town's subtree sees the village's overdue item too.
		if p, _ := db.Progress(ctx, f.Actor("townclerk"), f.Town.ID, 2021, true); len(p.Overdue) != 1 {
			t.Errorf("subtree overdue = %d", len(p.Overdue))
		}
		// Recording the March event clears it.
		addEvent(t, db, ev{org: va, typ: "activity", cat: "moral", sub: "qingming", on: "2021-06-01", planItem: march.ID})
		if p, _ := db.Progress(ctx, a, va, 2021, false); len(p.Overdue) != 0 {
			t.Errorf("still overdue: %+v", p.Overdue)
		}

		// Bad input saves nothing.
		n := len(list)
		err = db.CreatePlanItem(ctx, a, &guangong.PlanItem{OrgID: va, Year: 2021, Month: 13, Type: "meeting", Kind: "party"})
		wantField(t, err, "month", "月份")
		wantField(t, err, "kind", "会议类别")
		wantField(t, err, "title", "事项")
		err = db.CreatePlanItem(ctx, a, &guangong.PlanItem{OrgID: va, Year: 2021, Month: 1, Type: "activity", Category: "care", Subcategory: "qingming", Title: "x"})
		wantField(t, err, "subcategory", "子类")
		other := addEvent(t, db, ev{org: f.VillageB.ID, typ: "activity", cat: "care", on: "2021-01-05"})
		err = db.CreatePlanItem(ctx, a, &guangong.PlanItem{OrgID: va, Year: 2021, Month: 1, Type: "activity", Category: "care", Title: "x", EventID: other})
		wantField(t, err, "eventId", "不是本组织")
		if list, _ := db.PlanItems(ctx, a, va, 2021); len(list) != n {
			t.Errorf("items after bad input = %d, want %d", len(list), n)
		}

		// Versions, scope and delete.
		stale := *july
		july.Title = "七月·改"
		if err := db.UpdatePlanItem(ctx, a, july); err != nil || july.Version != 2 {
			t.Fatalf("update: %v %d", err, july.Version)
		}
		stale.Title = "旧"
		if err := db.UpdatePlanItem(ctx, a, &stale); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Errorf("stale update: %v", err)
		}
		if _, err := db.FindPlanItem(ctx, f.Actor("otheradmin"), july.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Errorf("other town reads: %v", err)
		}
		if err := db.DeletePlanItem(ctx, f.Actor("villageviewer"), july.ID, july.Version); guangong.ErrorCode(err) != guangong.EFORBIDDEN {
			t.Errorf("viewer deletes: %v", err)
		}
		if err := db.DeletePlanItem(ctx, a, july.ID, 1); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Errorf("stale delete: %v", err)
		}
		if err := db.DeletePlanItem(ctx, a, july.ID, july.Version); err != nil {
			t.Fatal(err)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionDelete || e.ObjectType != "plan_item" || e.OrgID != va {
			t.Errorf("last audit = %+v", e)
		}
		if _, err := db.FindPlanItem(ctx, a, july.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Errorf("deleted item: %v", err)
		}
		verifyOK(t, db)
	})
}
