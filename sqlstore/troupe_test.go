package sqlstore_test

import (
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestTroupesAndPerformances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		clerk := f.Actor("townclerk")
		v := mustVolunteer(t, db, clerk, newVolunteer(f.Town, "赵琴", "1955-01-01"))
		tr := &guangong.Troupe{OrgID: f.Town.ID, Name: "老年大学乐队", Kind: "orchestra", Founded: "2019-03-01"}
		if err := db.CreateTroupe(ctx, clerk, tr); err != nil {
			t.Fatal(err)
		}
		wantField(t, db.CreateTroupe(ctx, clerk, &guangong.Troupe{OrgID: f.Town.ID, Name: "", Kind: "rock"}), "kind", "")
		vt := &guangong.Troupe{OrgID: f.VillageA.ID, Name: "青松村腰鼓队", Kind: "drum"}
		if err := db.CreateTroupe(ctx, f.Actor("villageclerk"), vt); err != nil {
			t.Fatal(err)
		}
		add := func(m *guangong.TroupeMember) *guangong.TroupeMember {
			t.Helper()
			if err := db.AddTroupeMember(ctx, clerk, m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		add(&guangong.TroupeMember{TroupeID: tr.ID, VolunteerID: v.ID, Role: "指挥", From: "2019-03-01"})
		add(&guangong.TroupeMember{TroupeID: tr.ID, Name: "社会人员甲", From: "2020-01-01"})
		left := add(&guangong.TroupeMember{TroupeID: tr.ID, Name: "社会人员乙", From: "2020-01-01"})
		add(&guangong.TroupeMember{TroupeID: vt.ID, Name: "村民丙", From: "2021-01-01"})
		wantField(t, db.AddTroupeMember(ctx, clerk, &guangong.TroupeMember{TroupeID: tr.ID, VolunteerID: v.ID, From: "2020-01-01"}), "volunteerId", "现任")
		wantField(t, db.AddTroupeMember(ctx, clerk, &guangong.TroupeMember{TroupeID: tr.ID, From: "2020-01-01"}), "name", "")
		if err := db.EndTroupeMember(ctx, clerk, left.ID, "2024-12-31", left.Version); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindTroupeByID(ctx, clerk, tr.ID)
		if err != nil || got.Members != 2 || got.RegistryMembers != 1 {
			t.Fatalf("troupe counts %+v %v", got, err)
		}
		list, n, totals, err := db.FindTroupes(ctx, clerk, guangong.TroupeFilter{})
		if err != nil || n != 2 || len(list) != 2 || totals.Members != 3 || totals.RegistryMembers != 1 {
			t.Fatalf("troupes %d %+v %v", n, totals, err)
		}
		if _, n, totals, _ := db.FindTroupes(ctx, clerk, guangong.TroupeFilter{OrgID: &f.VillageA.ID}); n != 1 || totals.Members != 1 {
			t.Fatalf("village troupes %d %+v", n, totals)
		}
		members, _ := db.TroupeMembers(ctx, clerk, tr.ID)
		if len(members) != 3 || members[0].Name != "赵琴" || members[2].To != "2024-12-31" {
			t.Fatalf("members %+v", members)
		}
		_, err = db.FindTroupeByID(ctx, f.Actor("otheradmin"), tr.ID)
		wantCode(t, err, guangong.ENOTFOUND)

		// A performance links a troupe in scope; its scale decides 大型.
		p := newActivity(f.Town, "迎新春文艺汇演", "performance", "2025-01-20 19:00")
		p.Scale, p.Audience, p.TroupeID = "large", 800, tr.ID
		mustEvent(t, db, clerk, p)
		if !p.Large || p.TroupeName != "老年大学乐队" || p.Headcount != 0 {
			t.Fatalf("performance %+v", p)
		}
		ot := &guangong.Troupe{OrgID: f.OtherTown.ID, Name: "外镇舞蹈队", Kind: "dance"}
		if err := db.CreateTroupe(ctx, f.Actor("otheradmin"), ot); err != nil {
			t.Fatal(err)
		}
		p2 := newActivity(f.Town, "借队演出", "performance", "2025-01-21 19:00")
		p2.Scale, p2.TroupeID = "small", ot.ID
		wantField(t, db.CreateEvent(ctx, clerk, p2), "troupeId", "")
		tr2, _ := db.FindTroupeByID(ctx, clerk, tr.ID)
		tr2.Name = "老年大学管弦乐队"
		if err := db.UpdateTroupe(ctx, clerk, tr2); err != nil {
			t.Fatal(err)
		}
		got.Name = "旧版本"
		wantCode(t, db.UpdateTroupe(ctx, clerk, got), guangong.ECONFLICT)
		verifyOK(t, db)
	})
}
