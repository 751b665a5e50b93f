package sqlstore_test

import (
	"fmt"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func newYouth(org *guangong.Org, name, birth string) *guangong.Youth {
	return &guangong.Youth{OrgID: org.ID, Name: name, Gender: guangong.Female, BirthDate: birth, IDNumber: idFor(birth),
		School: "低庄镇中心小学", Grade: "三年级", GuardianName: "张大山", GuardianRelation: "祖父",
		GuardianPhone: "13900001111", ParentsWork: "广东东莞", Categories: []string{"left_behind", "poverty"},
		ConsentBy: "张大山", ConsentRelation: "祖父", ConsentDate: "2024-01-01", ConsentPurpose: "关爱帮扶"}
}

func mustYouth(t *testing.T, db *sqlstore.DB, a *guangong.Actor, y *guangong.Youth) *guangong.Youth {
	t.Helper()
	if err := db.CreateYouth(ctx, a, y); err != nil {
		t.Fatalf("create youth %s: %v", y.Name, err)
	}
	return y
}

// plain fails if y shows any sensitive value other than masked.
func wantMasked(t *testing.T, where string, y *guangong.Youth, name, idn, phone string) {
	t.Helper()
	if !y.Masked || y.Name != guangong.MaskName(name) || y.IDNumber != guangong.MaskIDNumber(idn) ||
		y.GuardianPhone != guangong.MaskPhone(phone) || y.GuardianName != guangong.MaskName("张大山") ||
		y.ConsentBy != guangong.MaskName("张大山") {
		t.Fatalf("%s: not masked: %+v", where, y)
	}
	if strings.Contains(fmt.Sprintf("%+v", *y), idn) || strings.Contains(fmt.Sprintf("%+v", *y), phone) ||
		strings.Contains(fmt.Sprintf("%+v", *y), name) || strings.Contains(fmt.Sprintf("%+v", *y), "张大山") {
		t.Fatalf("%s: plain value in %+v", where, y)
	}
}

func TestYouthMasking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("villageclerk") // no 未成年人信息 access
		y := newYouth(f.VillageA, "张小花", "2015-05-05")
		idn, phone := y.IDNumber, y.GuardianPhone
		// Writing a youth needs the access: the clerk would write blind.
		wantCode(t, db.CreateYouth(ctx, clerk, y), guangong.EFORBIDDEN)
		mustYouth(t, db, withMinors(clerk), y)
		got0, _ := db.FindYouthByID(ctx, clerk, y.ID)
		wantMasked(t, "create", got0, "张小花", idn, phone)
		// Every read path masks for an account without access.
		got, err := db.FindYouthByID(ctx, clerk, y.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantMasked(t, "FindYouthByID", got, "张小花", idn, phone)
		list, total, err := db.FindYouths(ctx, clerk, guangong.PersonFilter{Category: ptr("poverty")})
		if err != nil || total != 1 {
			t.Fatalf("list %v %d", err, total)
		}
		wantMasked(t, "FindYouths", list[0], "张小花", idn, phone)
		// No name search without access.
		_, _, err = db.FindYouths(ctx, clerk, guangong.PersonFilter{Query: ptr("小花")})
		wantField(t, err, "q", "无未成年人信息权限")
		// Nor may the clerk save the masked form back, or guess a value by an edit that
		// changes nothing: refused, audited, nothing saved.
		denied0 := auditCount(t, db, guangong.ActionDenied)
		got.Notes = "需要课业辅导"
		wantCode(t, db.UpdateYouth(ctx, clerk, got), guangong.EFORBIDDEN)
		if auditCount(t, db, guangong.ActionDenied) != denied0+1 {
			t.Fatal("refused youth edit not audited once")
		}
		wantCode(t, db.MergeYouths(ctx, clerk, y.ID, y.ID), guangong.EFORBIDDEN)
		// With access: the masked form saved back keeps the real values; plain values,
		// search by name, and a reveal is still audited.
		f.GrantMinorAccess(t, "villageclerk")
		full := f.Actor("villageclerk")
		got, err = db.FindYouthByID(ctx, full, y.ID)
		if err != nil || got.Version != 1 || got.Notes != "" {
			t.Fatalf("the refused edit changed the record: %+v %v", got, err)
		}
		got.Name, got.IDNumber, got.GuardianPhone = guangong.MaskName(got.Name), guangong.MaskIDNumber(got.IDNumber), guangong.MaskPhone(got.GuardianPhone)
		got.Notes = "需要课业辅导"
		if err := db.UpdateYouth(ctx, full, got); err != nil {
			t.Fatal(err)
		}
		e := lastAudit(t, db)
		if len(e.Changes) != 1 || e.Changes[0].Field != "notes" {
			t.Fatalf("masked save changed %+v", e.Changes)
		}
		got, err = db.FindYouthByID(ctx, full, y.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Masked || got.Name != "张小花" || got.IDNumber != idn || got.GuardianPhone != phone || got.Notes != "需要课业辅导" {
			t.Fatalf("with access %+v", got)
		}
		list, _, err = db.FindYouths(ctx, full, guangong.PersonFilter{Query: ptr("小花")})
		if err != nil || len(list) != 1 || list[0].Name != "张小花" {
			t.Fatalf("search with access %v %v", list, err)
		}
		// Reveal: refused without access (audited), a reason required, then audited with field and reason.
		denied := auditCount(t, db, guangong.ActionDenied)
		_, err = db.RevealYouth(ctx, f.Actor("townclerk"), y.ID, "idNumber", "核对身份")
		wantCode(t, err, guangong.EFORBIDDEN)
		if auditCount(t, db, guangong.ActionDenied) != denied+1 {
			t.Fatal("refused reveal not audited")
		}
		_, err = db.RevealYouth(ctx, full, y.ID, "idNumber", "  ")
		wantField(t, err, "reason", "原因")
		_, err = db.RevealYouth(ctx, full, y.ID, "notes", "x")
		wantField(t, err, "field", "")
		_, err = db.RevealYouth(ctx, f.Actor("townadmin"), y.ID, "idNumber", "x")
		wantCode(t, err, guangong.EFORBIDDEN)
		reveals := auditCount(t, db, guangong.ActionReveal)
		v, err := db.RevealYouth(ctx, full, y.ID, "guardianPhone", "联系监护人")
		if err != nil || v != phone {
			t.Fatalf("reveal %q %v", v, err)
		}
		if auditCount(t, db, guangong.ActionReveal) != reveals+1 {
			t.Fatal("reveal not audited")
		}
		e = lastAudit(t, db)
		if e.Action != "reveal" || e.ObjectID != y.ID || e.Username != "villageclerk" ||
			!strings.Contains(e.Detail, "guardianPhone") || !strings.Contains(e.Detail, "联系监护人") || strings.Contains(e.Detail, phone) {
			t.Fatalf("reveal audit %+v", e)
		}
		// Out of scope: NotFound even with access.
		f.GrantMinorAccess(t, "otheradmin")
		_, err = db.RevealYouth(ctx, f.Actor("otheradmin"), y.ID, "name", "查看")
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.FindYouthByID(ctx, f.Actor("otheradmin"), y.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		// The trail never holds the child's name, ID number or the guardian's phone.
		var stored string
		rows, err := db.RawReader().Query(`SELECT changes || detail FROM audit_log`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			rows.Scan(&stored)
			for _, s := range []string{"张小花", idn, phone, "张大山"} {
				if strings.Contains(stored, s) {
					t.Fatalf("audit holds %q: %s", s, stored)
				}
			}
		}
		verifyOK(t, db)
	})
}

func TestYouthValidationAndScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		tc := withMinors(f.Actor("townclerk"))
		n := auditCount(t, db, "")
		for _, c := range []struct {
			edit  func(y *guangong.Youth)
			field string
		}{
			{func(y *guangong.Youth) { y.IDNumber = fixBad(y.IDNumber) }, "idNumber"},
			{func(y *guangong.Youth) { y.BirthDate = "2015-05-06" }, "idNumber"},
			{func(y *guangong.Youth) { y.GuardianPhone = "139" }, "guardianPhone"},
			{func(y *guangong.Youth) { y.ConsentPurpose = "" }, "consentPurpose"},
			{func(y *guangong.Youth) { y.ConsentBy = "" }, "consentBy"},
			{func(y *guangong.Youth) { y.Categories = []string{"rich"} }, "categories"},
		} {
			y := newYouth(f.VillageA, "李小", "2015-05-05")
			c.edit(y)
			err := db.CreateYouth(ctx, tc, y)
			wantField(t, err, c.field, "")
		}
		if auditCount(t, db, "") != n {
			t.Fatal("invalid youths audited")
		}
		var count int
		db.RawQueryRow(ctx, `SELECT COUNT(*) FROM youths`).Scan(&count)
		if count != 0 {
			t.Fatalf("%d youths saved", count)
		}
		yb := mustYouth(t, db, tc, newYouth(f.VillageB, "王小白", "2014-01-01"))
		vc := f.Actor("villageclerk")
		_, err := db.FindYouthByID(ctx, vc, yb.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		got, _ := db.FindYouthByID(ctx, sys, yb.ID)
		wantCode(t, db.UpdateYouth(ctx, withMinors(vc), got), guangong.ENOTFOUND)
		_, total, _ := db.FindYouths(ctx, vc, guangong.PersonFilter{})
		if total != 0 {
			t.Fatalf("villageclerk sees %d youths", total)
		}
		wantCode(t, db.CreateYouth(ctx, f.Actor("villageviewer"), newYouth(f.VillageA, "李小", "2015-05-05")), guangong.EFORBIDDEN)
		// Age bands work for youths too: under 14 are the sensitive ones.
		db.Now = fixedNow
		mustYouth(t, db, tc, newYouth(f.VillageB, "王大白", "2008-01-01"))
		list, _, err := db.FindYouths(ctx, tc, guangong.PersonFilter{AgeBand: ptr("<14")})
		if err != nil || len(list) != 1 || list[0].ID != yb.ID {
			t.Fatalf("under 14: %v %v", list, err)
		}
		// Two clerks editing one youth: the second save is refused.
		a1, _ := db.FindYouthByID(ctx, tc, yb.ID)
		ta := withMinors(f.Actor("townadmin"))
		a2, _ := db.FindYouthByID(ctx, ta, yb.ID)
		a1.Needs, a2.Needs = "心理辅导", "学习用品"
		if err := db.UpdateYouth(ctx, tc, a1); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.UpdateYouth(ctx, ta, a2), guangong.ECONFLICT)
	})
}

// 未成年人信息 access is kept on the account, changed only by an administrator (audited),
// and read back by every path that resolves an account.
func TestMinorAccessGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		vc := f.Users["villageclerk"]
		if vc.MinorAccess {
			t.Fatal("granted by default")
		}
		_, err := db.UpdateUser(ctx, f.Actor("townclerk"), vc.ID, guangong.UserUpdate{MinorAccess: ptr(true), Version: vc.Version})
		wantCode(t, err, guangong.EFORBIDDEN)
		u, err := db.UpdateUser(ctx, f.Actor("townadmin"), vc.ID, guangong.UserUpdate{MinorAccess: ptr(true), Version: vc.Version})
		if err != nil || !u.MinorAccess || u.Version != vc.Version+1 {
			t.Fatalf("grant: %+v %v", u, err)
		}
		e := lastAudit(t, db)
		if len(e.Changes) != 1 || e.Changes[0].Field != "minorAccess" || e.Changes[0].After != "true" {
			t.Fatalf("grant audit %+v", e.Changes)
		}
		if got, _ := db.FindUserByID(ctx, sys, vc.ID); !got.MinorAccess {
			t.Fatal("not stored")
		}
		if got, err := db.Login(ctx, "villageclerk", storetest.Password, "127.0.0.1"); err != nil || !got.MinorAccess {
			t.Fatalf("login: %+v %v", got, err)
		}
		s, err := db.CreateSession(ctx, vc.ID, "127.0.0.1", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, got, err := db.SessionUser(ctx, s.ID); err != nil || !got.MinorAccess {
			t.Fatalf("session user: %+v %v", got, err)
		}
		u, err = db.UpdateUser(ctx, f.Actor("townadmin"), vc.ID, guangong.UserUpdate{MinorAccess: ptr(false), Version: u.Version})
		if err != nil || u.MinorAccess {
			t.Fatalf("revoke: %+v %v", u, err)
		}
	})
}

// withMinors is a as an account granted 未成年人信息 access, which writing youths needs.
func withMinors(a *guangong.Actor) *guangong.Actor {
	c := *a
	c.MinorAccess = true
	return &c
}
