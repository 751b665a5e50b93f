package sqlstore_test

import (
	"fmt"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestPostsAndComposition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow // 2025-06-15
		ta := f.Actor("townadmin")
		mk := func(name, birth string, cat guangong.ElderCategory, party bool) *guangong.Volunteer {
			p := newVolunteer(f.Town, name, birth)
			p.Category, p.PartyMember = cat, party
			if !party {
				p.PartyBranch = ""
			}
			return mustVolunteer(t, db, ta, p)
		}
		dir := mk("周主任", "1958-01-01", guangong.ElderCadre, true)    // 67
		dep := mk("吴副主任", "1950-01-01", guangong.ElderTeacher, true) // 75
		mem := mk("郑委员", "1944-01-01", guangong.ElderVeteran, false) // 81
		old := mk("王前任", "1940-01-01", guangong.ElderCadre, true)    // 85, former director
		add := func(v *guangong.Volunteer, title, from, to string) *guangong.Post {
			p := &guangong.Post{OrgID: f.Town.ID, VolunteerID: v.ID, Title: title, From: from, To: to}
			if err := db.AddPost(ctx, ta, p); err != nil {
				t.Fatalf("add post %s: %v", v.Name, err)
			}
			return p
		}
		add(old, "director", "2015-01-01", "2020-12-31")
		add(mem, "member", "2021-01-01", "")
		add(dep, "deputy", "2021-01-01", "")
		dp := add(dir, "director", "2021-01-01", "")
		// One current post per committee and person.
		err := db.AddPost(ctx, ta, &guangong.Post{OrgID: f.Town.ID, VolunteerID: dir.ID, Title: "member", From: "2022-01-01"})
		wantField(t, err, "volunteerId", "现任职务")
		// ...but history may be added.
		add(dir, "member", "2016-01-01", "2020-12-31")
		err = db.AddPost(ctx, ta, &guangong.Post{OrgID: f.Town.ID, VolunteerID: dir.ID, Title: "boss", From: "2022-01-01"})
		wantField(t, err, "title", "")
		err = db.AddPost(ctx, ta, &guangong.Post{OrgID: f.Town.ID, VolunteerID: dir.ID, Title: "member", From: "2022-01-01", To: "2021-01-01"})
		wantField(t, err, "to", "")

		cur, err := db.Posts(ctx, f.Actor("townclerk"), f.Town.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := postNames(cur); got != "周主任:director,吴副主任:deputy,郑委员:member" {
			t.Fatalf("current posts %s", got)
		}
		all, _ := db.Posts(ctx, ta, f.Town.ID, false)
		if got := postNames(all); got != "王前任:director,周主任:director,吴副主任:deputy,周主任:member,郑委员:member" {
			t.Fatalf("history %s", got)
		}
		c, err := db.Composition(ctx, ta, f.Town.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Size != 3 || c.PartyMembers != 2 || c.ByCategory["cadre"] != 1 || c.ByCategory["teacher"] != 1 ||
			c.ByCategory["veteran"] != 1 || c.AgeBands["60-69"] != 1 || c.AgeBands["70-79"] != 1 || c.AgeBands["80+"] != 1 ||
			len(c.Posts) != 3 {
			t.Fatalf("composition %+v", c)
		}
		// Ending a post keeps it in the history and takes it out of the figures.
		if err := db.EndPost(ctx, ta, dp.ID, "2025-06-01", dp.Version); err != nil {
			t.Fatal(err)
		}
		wantField(t, db.EndPost(ctx, ta, dp.ID, "2020-01-01", dp.Version+1), "to", "")
		c, _ = db.Composition(ctx, ta, f.Town.ID)
		if c.Size != 2 || c.PartyMembers != 1 {
			t.Fatalf("after ending %+v", c)
		}
		// Scope: a village clerk sees neither the town's posts nor its composition.
		_, err = db.Composition(ctx, f.Actor("villageclerk"), f.Town.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		wantCode(t, db.EndPost(ctx, f.Actor("otheradmin"), dp.ID, "2025-06-01", dp.Version+1), guangong.ENOTFOUND)
		wantCode(t, db.EndPost(ctx, f.Actor("villageviewer"), dp.ID, "2025-06-01", dp.Version+1), guangong.EFORBIDDEN)
		// A volunteer out of scope cannot be seated.
		vb := mustVolunteer(t, db, f.Actor("otheradmin"), newVolunteer(f.OtherTown, "外镇人", "1950-01-01"))
		err = db.AddPost(ctx, ta, &guangong.Post{OrgID: f.Town.ID, VolunteerID: vb.ID, Title: "member", From: "2022-01-01"})
		wantField(t, err, "volunteerId", "不存在")
	})
}

func postNames(ps []*guangong.Post) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("%s:%s", p.VolunteerName, p.Title)
	}
	return s
}

func TestMembershipsAndBodies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		ta, vc := f.Actor("townadmin"), f.Actor("villageclerk")
		p := mustVolunteer(t, db, ta, newVolunteer(f.Town, "陈老师", "1950-01-01"))
		m := &guangong.Membership{VolunteerID: p.ID, OrgID: f.VillageA.ID, From: "2023-01-01", Note: "兼任村关工委"}
		if err := db.AddMembership(ctx, ta, m); err != nil {
			t.Fatal(err)
		}
		if err := db.AddMembership(ctx, ta, &guangong.Membership{VolunteerID: p.ID, OrgID: f.School.ID, From: "2020-01-01"}); err != nil {
			t.Fatal(err)
		}
		wantField(t, db.AddMembership(ctx, ta, &guangong.Membership{VolunteerID: p.ID, OrgID: f.School.ID}), "from", "")
		wantField(t, db.AddMembership(ctx, ta, &guangong.Membership{VolunteerID: p.ID, OrgID: f.OtherTown.ID, From: "2020-01-01"}), "orgId", "不存在")
		wantField(t, db.AddMembership(ctx, ta, &guangong.Membership{VolunteerID: guangong.NewID(), OrgID: f.School.ID, From: "2020-01-01"}), "volunteerId", "不存在")
		list, err := db.Memberships(ctx, ta, p.ID)
		if err != nil || len(list) != 2 || list[0].OrgName != "青松村" || list[0].Note != "兼任村关工委" || list[1].OrgName != "低庄镇中心小学" {
			t.Fatalf("memberships %+v %v", list, err)
		}
		if err := db.EndMembership(ctx, ta, m.ID, "2024-12-31", m.Version); err != nil {
			t.Fatal(err)
		}
		list, _ = db.Memberships(ctx, ta, p.ID)
		if list[0].To != "2024-12-31" {
			t.Fatalf("ended %+v", list[0])
		}
		// The town's volunteer is out of the village clerk's scope.
		_, err = db.Memberships(ctx, vc, p.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		wantCode(t, db.EndMembership(ctx, f.Actor("otheradmin"), m.ID, "2024-12-31", m.Version+1), guangong.ENOTFOUND)

		b := &guangong.Body{OrgID: f.Town.ID, Kind: "party_branch", Name: "低庄镇离退休干部党支部", Founded: "2019-05-01"}
		if err := db.CreateBody(ctx, ta, b); err != nil {
			t.Fatal(err)
		}
		wantField(t, db.CreateBody(ctx, ta, &guangong.Body{OrgID: f.Town.ID, Kind: "club", Name: "x"}), "kind", "")
		wantField(t, db.CreateBody(ctx, ta, &guangong.Body{OrgID: f.Town.ID, Kind: "elder_school"}), "name", "")
		if err := db.AddBodyMember(ctx, ta, &guangong.BodyMember{BodyID: b.ID, VolunteerID: p.ID, Role: "书记", From: "2019-05-01"}); err != nil {
			t.Fatal(err)
		}
		q := mustVolunteer(t, db, ta, newVolunteer(f.VillageA, "林委员", "1952-01-01"))
		if err := db.AddBodyMember(ctx, ta, &guangong.BodyMember{BodyID: b.ID, VolunteerID: q.ID, From: "2019-05-01", To: "2022-01-01"}); err != nil {
			t.Fatal(err)
		}
		bodies, err := db.Bodies(ctx, f.Actor("townclerk"), f.Town.ID)
		if err != nil || len(bodies) != 1 || bodies[0].Members != 1 || bodies[0].Name != b.Name {
			t.Fatalf("bodies %+v %v", bodies, err)
		}
		members, err := db.BodyMembers(ctx, ta, b.ID)
		if err != nil || len(members) != 2 || members[0].VolunteerName != "陈老师" || members[0].Role != "书记" {
			t.Fatalf("members %+v %v", members, err)
		}
		_, err = db.BodyMembers(ctx, vc, b.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.Bodies(ctx, vc, f.Town.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		wantCode(t, db.AddBodyMember(ctx, vc, &guangong.BodyMember{BodyID: b.ID, VolunteerID: q.ID, From: "2019-05-01"}), guangong.ENOTFOUND)
		wantCode(t, db.CreateBody(ctx, f.Actor("villageviewer"), &guangong.Body{OrgID: f.VillageA.ID, Kind: "other", Name: "x"}), guangong.EFORBIDDEN)
		verifyOK(t, db)
	})
}
