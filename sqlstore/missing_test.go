package sqlstore_test

import (
	"reflect"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// A guessed id that names nothing costs what an id outside scope costs: on every store
// read or write by id, both get the same answer (code, message, fields) and both write
// exactly one denied audit entry, so neither the answer nor the work behind it tells them
// apart (docs/security.md, Scope).
func TestMissingAuditedLikeOutOfScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow // 2025-06-15
		vc, tc := f.Actor("villageclerk"), f.Actor("townclerk")

		// VillageB's records, outside the village clerk's scope (VillageA).
		v := mustVolunteer(t, db, tc, newVolunteer(f.VillageB, "赵白沙", "1948-02-02"))
		mine := mustVolunteer(t, db, vc, newVolunteer(f.VillageA, "钱青松", "1949-03-03"))
		tr := &guangong.Troupe{OrgID: f.VillageB.ID, Name: "白沙村腰鼓队", Kind: "drum"}
		if err := db.CreateTroupe(ctx, tc, tr); err != nil {
			t.Fatal(err)
		}
		m := &guangong.TroupeMember{TroupeID: tr.ID, Name: "白沙队员", From: "2021-01-01"}
		if err := db.AddTroupeMember(ctx, tc, m); err != nil {
			t.Fatal(err)
		}
		ms := &guangong.Membership{VolunteerID: v.ID, OrgID: f.VillageB.ID, From: "2020-01-01"}
		if err := db.AddMembership(ctx, tc, ms); err != nil {
			t.Fatal(err)
		}
		ev := rawEvent(t, db, f.VillageB, "白沙护考", sh("2025-06-01", "08:00"), sh("2025-06-01", "11:00"), nil, v.ID)
		sid := rawShift(t, db, f.VillageB, "白沙小学护学岗", sh("2025-06-02", "07:00"), sh("2025-06-02", "09:00"), v.ID)
		post := mustPost(t, db, tc, f.VillageB, "school_gate", "白沙小学校门")
		h := &guangong.ServiceHours{VolunteerID: v.ID, EventID: ev, ServedOn: "2025-06-01", Minutes: 60, Content: "护考"}
		if err := db.RecordHours(ctx, tc, h); err != nil {
			t.Fatal(err)
		}
		_, tok, err := db.CreateToken(ctx, tc, tc.UserID, "脚本", 0)
		if err != nil {
			t.Fatal(err)
		}

		plan := &guangong.PlanItem{OrgID: f.VillageB.ID, Year: 2025, Month: 4, Type: guangong.EventActivity, Category: "moral",
			Subcategory: "qingming", Title: "清明祭扫"}
		if err := db.CreatePlanItem(ctx, tc, plan); err != nil {
			t.Fatal(err)
		}
		// An activity of the village clerk's own linking a troupe or a plan item by id.
		link := func(troupe, planItem string) error {
			e := newActivity(f.VillageA, "借队演出", "performance", "2025-01-21 19:00")
			e.Scale, e.TroupeID, e.PlanItemID = "small", troupe, planItem
			return db.CreateEvent(ctx, vc, e)
		}

		read := func(fn func(a *guangong.Actor, id string) (any, error)) func(a *guangong.Actor, id string) error {
			return func(a *guangong.Actor, id string) error { _, err := fn(a, id); return err }
		}
		hours := func(event, shift string) error {
			return db.RecordHours(ctx, vc, &guangong.ServiceHours{VolunteerID: mine.ID, EventID: event, ShiftID: shift,
				ServedOn: "2025-06-01", Minutes: 30, Content: "护考"})
		}
		for _, c := range []struct {
			name  string
			as    *guangong.Actor
			id    string // outside the actor's scope
			call  func(a *guangong.Actor, id string) error
			code  string
			field string
		}{
			{"read volunteer", vc, v.ID, read(func(a *guangong.Actor, id string) (any, error) { return db.FindVolunteerByID(ctx, a, id) }), guangong.ENOTFOUND, ""},
			{"read troupe", vc, tr.ID, read(func(a *guangong.Actor, id string) (any, error) { return db.FindTroupeByID(ctx, a, id) }), guangong.ENOTFOUND, ""},
			{"read event", vc, ev, read(func(a *guangong.Actor, id string) (any, error) { return db.FindEventByID(ctx, a, id) }), guangong.ENOTFOUND, ""},
			{"read shift", vc, sid, read(func(a *guangong.Actor, id string) (any, error) { return db.FindShiftByID(ctx, a, id) }), guangong.ENOTFOUND, ""},
			{"read duty post", vc, post.ID, read(func(a *guangong.Actor, id string) (any, error) { return db.FindDutyPostByID(ctx, a, id) }), guangong.ENOTFOUND, ""},
			{"read hours", vc, h.ID, read(func(a *guangong.Actor, id string) (any, error) { return db.FindHoursByID(ctx, a, id) }), guangong.ENOTFOUND, ""},
			{"read account", f.Actor("otheradmin"), f.Users["townclerk"].ID,
				read(func(a *guangong.Actor, id string) (any, error) { return db.FindUserByID(ctx, a, id) }), guangong.ENOTFOUND, ""},
			{"end troupe member", vc, m.ID, func(a *guangong.Actor, id string) error { return db.EndTroupeMember(ctx, a, id, "2025-06-01", 1) },
				guangong.ENOTFOUND, ""},
			{"end membership", vc, ms.ID, func(a *guangong.Actor, id string) error { return db.EndMembership(ctx, a, id, "2025-06-01", 1) },
				guangong.ENOTFOUND, ""},
			{"revoke token", vc, tok.ID, func(a *guangong.Actor, id string) error { return db.RevokeToken(ctx, a, id) }, guangong.ENOTFOUND, ""},
			{"hours in an activity", vc, ev, func(_ *guangong.Actor, id string) error { return hours(id, "") }, guangong.EINVALID, "eventId"},
			{"hours in a shift", vc, sid, func(_ *guangong.Actor, id string) error { return hours("", id) }, guangong.EINVALID, "shiftId"},
			{"create in a committee", vc, f.VillageB.ID, func(a *guangong.Actor, id string) error {
				return db.CreateVolunteer(ctx, a, newVolunteer(&guangong.Org{ID: id}, "孙", "1950-01-01"))
			}, guangong.EINVALID, "orgId"},
			{"read committee by code", vc, f.VillageB.Code,
				read(func(a *guangong.Actor, ref string) (any, error) { return db.FindOrgByRef(ctx, a, ref) }), guangong.ENOTFOUND, ""},
			{"read account by username", f.Actor("otheradmin"), "townclerk",
				read(func(a *guangong.Actor, name string) (any, error) { return db.FindUserByUsername(ctx, a, name) }), guangong.ENOTFOUND, ""},
			{"activity linking a troupe", vc, tr.ID, func(_ *guangong.Actor, id string) error { return link(id, "") }, guangong.EINVALID, "troupeId"},
			{"activity linking a plan item", vc, plan.ID, func(_ *guangong.Actor, id string) error { return link("", id) }, guangong.EINVALID, "planItemId"},
			{"list narrowed to a committee", vc, f.VillageB.ID, func(a *guangong.Actor, id string) error {
				_, _, err := db.FindDutyPosts(ctx, a, guangong.DutyPostFilter{OrgID: &id})
				return err
			}, guangong.ENOTFOUND, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				var errs [2]error
				for i, id := range []string{c.id, guangong.NewID()} {
					denied := auditCount(t, db, guangong.ActionDenied)
					errs[i] = c.call(c.as, id)
					wantCode(t, errs[i], c.code)
					if c.field != "" {
						wantField(t, errs[i], c.field, "不存在")
					}
					if got := auditCount(t, db, guangong.ActionDenied) - denied; got != 1 {
						t.Errorf("%s id: %d denied entries, want 1", []string{"out-of-scope", "unknown"}[i], got)
					}
				}
				if guangong.ErrorMsg(errs[0]) != guangong.ErrorMsg(errs[1]) ||
					!reflect.DeepEqual(guangong.FieldErrors(errs[0]), guangong.FieldErrors(errs[1])) {
					t.Errorf("out of scope: %v %v; unknown: %v %v", errs[0], guangong.FieldErrors(errs[0]), errs[1], guangong.FieldErrors(errs[1]))
				}
			})
		}
		verifyOK(t, db)
	})
}
