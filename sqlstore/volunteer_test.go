package sqlstore_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

var idSeq atomic.Int64

// fixedNow is 2025-06-15 12:00 in Shanghai, for age bands.
func fixedNow() time.Time { return time.Date(2025, 6, 15, 4, 0, 0, 0, time.UTC) }

// idFor makes a valid ID number for a birth date (YYYY-MM-DD), each call a new one.
func idFor(birth string) string {
	first := fmt.Sprintf("431224%s%03d", strings.ReplaceAll(birth, "-", ""), idSeq.Add(1)%1000)
	return first + string(guangong.IDCheckChar(first))
}

func newVolunteer(org *guangong.Org, name, birth string) *guangong.Volunteer {
	return &guangong.Volunteer{OrgID: org.ID, Name: name, Gender: guangong.Male, BirthDate: birth,
		Phone: "138 1234 5678", IDNumber: strings.ToLower(idFor(birth)), Category: guangong.ElderTeacher,
		PartyMember: true, PartyBranch: "离退休干部党支部", Skills: []string{"tutoring", "lecture", "tutoring"},
		Status: "active", ConsentDate: "2024-03-01"}
}

func mustVolunteer(t *testing.T, db *sqlstore.DB, a *guangong.Actor, p *guangong.Volunteer) *guangong.Volunteer {
	t.Helper()
	if err := db.CreateVolunteer(ctx, a, p); err != nil {
		t.Fatalf("create volunteer %s: %v", p.Name, err)
	}
	return p
}

func volunteerCount(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	var n int
	if err := db.RawQueryRow(ctx, `SELECT COUNT(*) FROM volunteers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestVolunteerCRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		clerk := f.Actor("villageclerk")
		p := mustVolunteer(t, db, clerk, newVolunteer(f.VillageA, " 李德明 ", "1950-04-12"))
		if p.ID == "" || p.Version != 1 || p.OrgName != "青松村" || p.Name != "李德明" || p.Phone != "13812345678" ||
			p.IDNumber != strings.ToUpper(p.IDNumber) || strings.Join(p.Skills, ",") != "lecture,tutoring" {
			t.Fatalf("created %+v", p)
		}
		got, err := db.FindVolunteerByID(ctx, f.Actor("villageviewer"), p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != p.Name || got.Phone != p.Phone || got.IDNumber != p.IDNumber || !got.PartyMember ||
			got.Category != guangong.ElderTeacher || got.OrgName != "青松村" || len(got.Skills) != 2 {
			t.Fatalf("read %+v", got)
		}
		// The trail holds the ID number and phone only masked.
		e := lastAudit(t, db)
		if e.Action != guangong.ActionCreate || e.ObjectType != "volunteer" || e.ObjectID != p.ID || e.OrgID != f.VillageA.ID {
			t.Fatalf("audit %+v", e)
		}
		var sawID bool
		for _, c := range e.Changes {
			if strings.Contains(c.After, p.IDNumber) || strings.Contains(c.After, p.Phone) {
				t.Fatalf("audit holds a plain value: %+v", c)
			}
			if c.Field == "idNumber" {
				sawID = c.After == guangong.MaskIDNumber(p.IDNumber)
			}
		}
		if !sawID {
			t.Fatalf("audit changes %+v lack the masked ID number", e.Changes)
		}

		// Invalid records save nothing.
		n, audits := volunteerCount(t, db), auditCount(t, db, "")
		for _, c := range []struct {
			edit  func(p *guangong.Volunteer)
			field string
			zh    string
		}{
			{func(p *guangong.Volunteer) { p.IDNumber = p.IDNumber[:17] + "0"; p.IDNumber = fixBad(p.IDNumber) }, "idNumber", "校验位"},
			{func(p *guangong.Volunteer) { p.BirthDate = "1950-04-13" }, "idNumber", "不一致"},
			{func(p *guangong.Volunteer) { p.Phone = "1234" }, "phone", "电话"},
			{func(p *guangong.Volunteer) { p.ConsentDate = "" }, "consentDate", ""},
			{func(p *guangong.Volunteer) { p.Category = "boss" }, "category", ""},
			{func(p *guangong.Volunteer) { p.OrgID = guangong.NewID() }, "orgId", "不存在"},
		} {
			q := newVolunteer(f.VillageA, "王五", "1952-01-01")
			c.edit(q)
			err := db.CreateVolunteer(ctx, clerk, q)
			wantCode(t, err, guangong.EINVALID)
			wantField(t, err, c.field, c.zh)
			if q.ID != "" {
				t.Fatalf("failed create left id %q", q.ID)
			}
		}
		// Only the committee that does not exist is audited, as a denial (like one outside scope).
		if volunteerCount(t, db) != n || auditCount(t, db, "") != audits+1 || lastAudit(t, db).Action != guangong.ActionDenied {
			t.Fatalf("failed creates wrote: volunteers %d -> %d, audit %d -> %d", n, volunteerCount(t, db), audits, auditCount(t, db, ""))
		}
		audits++

		// Update: changes audited masked; two clerks on one version: the second is refused.
		first, _ := db.FindVolunteerByID(ctx, clerk, p.ID)
		second, _ := db.FindVolunteerByID(ctx, f.Actor("townclerk"), p.ID)
		first.Phone = "13987654321"
		first.Notes = "腿脚不便"
		if err := db.UpdateVolunteer(ctx, clerk, first); err != nil {
			t.Fatal(err)
		}
		if first.Version != 2 {
			t.Fatalf("version %d", first.Version)
		}
		e = lastAudit(t, db)
		if e.Action != guangong.ActionUpdate || len(e.Changes) != 2 || strings.Contains(fmt.Sprint(e.Changes), "13987654321") {
			t.Fatalf("update audit %+v", e.Changes)
		}
		second.Notes = "别的修改"
		err = db.UpdateVolunteer(ctx, f.Actor("townclerk"), second)
		wantCode(t, err, guangong.ECONFLICT)
		if !strings.Contains(guangong.ErrorMsg(err).Zh, "已被他人修改") {
			t.Fatalf("stale message %v", err)
		}
		got, _ = db.FindVolunteerByID(ctx, clerk, p.ID)
		if got.Notes != "腿脚不便" || got.Phone != "13987654321" || got.Version != 2 {
			t.Fatalf("after stale save %+v", got)
		}
		// A changed name is found by its new name only.
		got.Name = "李德亮"
		if err := db.UpdateVolunteer(ctx, clerk, got); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]int{"德亮": 1, "德明": 0} {
			_, total, err := db.FindVolunteers(ctx, clerk, guangong.PersonFilter{Query: ptr(q)})
			if err != nil || total != want {
				t.Fatalf("search %q: %d %v", q, total, err)
			}
		}
		verifyOK(t, db)
	})
}

// fixBad returns id with a check character that is surely wrong.
func fixBad(id string) string {
	good := guangong.IDCheckChar(id[:17])
	bad := byte('0')
	if good == '0' {
		bad = '1'
	}
	return id[:17] + string(bad)
}

func TestVolunteerScopeAndRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		inB := mustVolunteer(t, db, f.Actor("townclerk"), newVolunteer(f.VillageB, "赵白沙", "1948-02-02"))
		inA := mustVolunteer(t, db, f.Actor("villageclerk"), newVolunteer(f.VillageA, "钱青松", "1949-03-03"))
		vc := f.Actor("villageclerk")
		denied := auditCount(t, db, guangong.ActionDenied)
		for _, id := range []string{inB.ID, guangong.NewID()} {
			_, err := db.FindVolunteerByID(ctx, vc, id)
			wantCode(t, err, guangong.ENOTFOUND)
			q := *inB
			q.ID = id
			wantCode(t, db.UpdateVolunteer(ctx, vc, &q), guangong.ENOTFOUND)
			_, err = db.Memberships(ctx, vc, id)
			wantCode(t, err, guangong.ENOTFOUND)
		}
		if got := auditCount(t, db, guangong.ActionDenied); got != denied+6 {
			t.Fatalf("denials %d -> %d, want 6 more (the existing record and the guessed id, three ways each)", denied, got)
		}
		// Creating in another village: the committee is reported missing.
		err := db.CreateVolunteer(ctx, vc, newVolunteer(f.VillageB, "孙", "1950-01-01"))
		wantField(t, err, "orgId", "不存在")
		list, total, err := db.FindVolunteers(ctx, vc, guangong.PersonFilter{})
		if err != nil || total != 1 || list[0].ID != inA.ID {
			t.Fatalf("villageclerk lists %v %d %v", list, total, err)
		}
		_, total, _ = db.FindVolunteers(ctx, f.Actor("townadmin"), guangong.PersonFilter{})
		if total != 2 {
			t.Fatalf("townadmin sees %d", total)
		}
		_, total, _ = db.FindVolunteers(ctx, f.Actor("otheradmin"), guangong.PersonFilter{})
		if total != 0 {
			t.Fatalf("otheradmin sees %d", total)
		}
		// The viewer reads but does not write; the system administrator and the auditor see no people.
		wantCode(t, db.CreateVolunteer(ctx, f.Actor("villageviewer"), newVolunteer(f.VillageA, "周", "1950-01-01")), guangong.EFORBIDDEN)
		got, _ := db.FindVolunteerByID(ctx, f.Actor("villageviewer"), inA.ID)
		got.Notes = "x"
		wantCode(t, db.UpdateVolunteer(ctx, f.Actor("villageviewer"), got), guangong.EFORBIDDEN)
		for _, name := range []string{"admin", "auditor"} {
			_, _, err := db.FindVolunteers(ctx, f.Actor(name), guangong.PersonFilter{})
			wantCode(t, err, guangong.EFORBIDDEN)
			_, err = db.FindVolunteerByID(ctx, f.Actor(name), inA.ID)
			wantCode(t, err, guangong.EFORBIDDEN)
			_, _, err = db.FindYouths(ctx, f.Actor(name), guangong.PersonFilter{})
			wantCode(t, err, guangong.EFORBIDDEN)
			_, err = db.Composition(ctx, f.Actor(name), f.Town.ID)
			wantCode(t, err, guangong.EFORBIDDEN)
			_, err = db.Duplicates(ctx, f.Actor(name), "volunteer", guangong.Page{})
			wantCode(t, err, guangong.EFORBIDDEN)
			wantCode(t, db.CreateVolunteer(ctx, f.Actor(name), newVolunteer(f.County, "吴", "1950-01-01")), guangong.EFORBIDDEN)
		}
	})
}

func TestVolunteerFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		tc := f.Actor("townclerk")
		mk := func(org *guangong.Org, name, birth string, cat guangong.ElderCategory, party bool, status string) {
			p := newVolunteer(org, name, birth)
			p.Category, p.PartyMember, p.Status = cat, party, status
			if !party {
				p.PartyBranch = ""
			}
			mustVolunteer(t, db, tc, p)
		}
		mk(f.VillageA, "甲一", "1970-06-01", guangong.ElderCadre, true, "active")     // 55
		mk(f.VillageA, "甲二", "1965-06-02", guangong.ElderTeacher, false, "active")  // 60 (birthday passed)
		mk(f.VillageB, "乙一", "1955-06-16", guangong.ElderTeacher, true, "inactive") // 69 (turns 70 tomorrow)
		mk(f.VillageB, "乙二", "1945-06-14", guangong.ElderVeteran, true, "deceased") // 80 (since yesterday)
		for _, c := range []struct {
			f    guangong.PersonFilter
			want string
		}{
			{guangong.PersonFilter{}, "乙一,乙二,甲一,甲二"},
			{guangong.PersonFilter{OrgID: &f.VillageA.ID}, "甲一,甲二"},
			{guangong.PersonFilter{Category: ptr("teacher")}, "乙一,甲二"},
			{guangong.PersonFilter{PartyMember: ptr(false)}, "甲二"},
			{guangong.PersonFilter{Status: ptr("deceased")}, "乙二"},
			{guangong.PersonFilter{AgeBand: ptr("<60")}, "甲一"},
			{guangong.PersonFilter{AgeBand: ptr("60-69")}, "乙一,甲二"},
			{guangong.PersonFilter{AgeBand: ptr("70-79")}, ""},
			{guangong.PersonFilter{AgeBand: ptr("80+")}, "乙二"},
			{guangong.PersonFilter{Query: ptr("一")}, "乙一,甲一"},
			{guangong.PersonFilter{Query: ptr("甲"), Category: ptr("cadre")}, "甲一"},
			{guangong.PersonFilter{Page: guangong.Page{Offset: 1, Limit: 2}}, "乙二,甲一"},
		} {
			list, total, err := db.FindVolunteers(ctx, tc, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range list {
				names = append(names, p.Name)
			}
			if strings.Join(names, ",") != c.want {
				t.Errorf("filter %+v: %v, want %s", c.f, names, c.want)
			}
			if c.f.Page.Limit == 0 && total != len(names) {
				t.Errorf("filter %+v: total %d for %d", c.f, total, len(names))
			}
		}
		_, _, err := db.FindVolunteers(ctx, tc, guangong.PersonFilter{AgeBand: ptr("old")})
		wantField(t, err, "ageBand", "")
	})
}
