package sqlstore_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

var (
	benchSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	benchGiven    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力志林德春燕云凤梅海波成荣新宇亮俊峰光金山福生东中兴礼义智信忠孝仁和顺安宁庆祥瑞喜乐昌盛")
)

// benchName is a realistic, deterministic Chinese name for i: a common surname and one or
// two given-name characters.
func benchName(i int) string {
	h := uint64(i)*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	h ^= h >> 29
	s := benchSurnames[h%uint64(len(benchSurnames))]
	h /= uint64(len(benchSurnames))
	g1 := benchGiven[h%uint64(len(benchGiven))]
	h /= uint64(len(benchGiven))
	if h%4 == 0 {
		return string([]rune{s, g1})
	}
	return string([]rune{s, g1, benchGiven[(h/4)%uint64(len(benchGiven))]})
}

func TestNameSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		tc := f.Actor("townclerk")
		for _, c := range []struct {
			org  *guangong.Org
			name string
		}{
			{f.VillageA, "王建国"}, {f.VillageA, "王建"}, {f.VillageB, "李建国"}, {f.VillageB, "建国王"},
			{f.VillageA, "欧阳建华"}, {f.School, "王%国"}, {f.VillageA, "张王王"},
		} {
			mustVolunteer(t, db, tc, newVolunteer(c.org, c.name, "1950-01-01"))
		}
		mustVolunteer(t, db, f.Actor("otheradmin"), newVolunteer(f.OtherTown, "王建国", "1950-01-01"))
		// Both ways of searching: from the subtree (small scopes) and from the gram index.
		for _, small := range []int{1000, 0} {
			restore := sqlstore.SetSmallScope(small)
			nameSearchCases(t, db, f)
			restore()
		}
	})
}

func nameSearchCases(t *testing.T, db *sqlstore.DB, f *storetest.Fixture) {
	t.Helper()
	tc := f.Actor("townclerk")
	{
		search := func(a *guangong.Actor, q string) string {
			t.Helper()
			list, total, err := db.FindVolunteers(ctx, a, guangong.PersonFilter{Query: ptr(q)})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range list {
				names = append(names, p.Name+"@"+p.OrgName)
			}
			if total != len(names) {
				t.Fatalf("%q: total %d for %d", q, total, len(names))
			}
			return strings.Join(names, ",")
		}
		for q, want := range map[string]string{
			"建国":    "建国王@白沙村,李建国@白沙村,王建国@青松村",
			"王建国":   "王建国@青松村",
			"建":     "建国王@白沙村,李建国@白沙村,欧阳建华@青松村,王建@青松村,王建国@青松村",
			"王":     "建国王@白沙村,张王王@青松村,王%国@低庄镇中心小学,王建@青松村,王建国@青松村",
			"王王":    "张王王@青松村",
			"欧阳建华":  "欧阳建华@青松村",
			"阳建华":   "欧阳建华@青松村",
			"欧阳华":   "",
			"%":     "王%国@低庄镇中心小学",
			"王%":    "王%国@低庄镇中心小学",
			" 建国王 ": "建国王@白沙村",
			"赵":     "",
		} {
			if got := search(tc, q); got != want {
				t.Errorf("search %q: %s, want %s", q, got, want)
			}
		}
		// Scope: the village clerk finds only their village's; the other town only its own.
		if got := search(f.Actor("villageclerk"), "建国"); got != "王建国@青松村" {
			t.Errorf("village scope: %s", got)
		}
		if got := search(f.Actor("otheradmin"), "建国"); got != "王建国@龙潭镇" {
			t.Errorf("other town: %s", got)
		}
		// Paging in name order.
		list, total, _ := db.FindVolunteers(ctx, tc, guangong.PersonFilter{Query: ptr("王"), Page: guangong.Page{Offset: 1, Limit: 2}})
		if total != 5 || len(list) != 2 || list[0].Name != "张王王" || list[1].Name != "王%国" {
			t.Fatalf("page %d %v", total, list)
		}
		// A subtree asked for narrows the search.
		list, _, _ = db.FindVolunteers(ctx, tc, guangong.PersonFilter{Query: ptr("建国"), OrgID: &f.VillageB.ID})
		if len(list) != 2 {
			t.Fatalf("in VillageB: %v", list)
		}
		list, _, _ = db.FindVolunteers(ctx, tc, guangong.PersonFilter{Query: ptr("建国"), OrgID: &f.OtherTown.ID})
		if len(list) != 0 {
			t.Fatalf("a subtree outside scope: %v", list)
		}
		list, _, _ = db.FindVolunteers(ctx, sys, guangong.PersonFilter{Query: ptr("建国")})
		if len(list) != 4 {
			t.Fatalf("system: %v", list)
		}
	}
}

func TestDuplicatesAndMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		ta := f.Actor("townadmin")
		a := mustVolunteer(t, db, ta, newVolunteer(f.VillageA, "刘一", "1950-01-01"))
		same := newVolunteer(f.VillageB, "刘一手", "1950-01-01")
		same.IDNumber = a.IDNumber
		b := mustVolunteer(t, db, ta, same)
		c := newVolunteer(f.VillageA, "刘一", "1950-01-01")
		c.IDNumber, c.Phone = "", ""
		mustVolunteer(t, db, ta, c)
		mustVolunteer(t, db, ta, newVolunteer(f.VillageB, "刘一", "1950-01-01")) // another village: not a duplicate
		other := mustVolunteer(t, db, f.Actor("otheradmin"), newVolunteer(f.OtherTown, "刘二", "1950-01-01"))
		other2 := newVolunteer(f.OtherTown, "刘二", "1950-01-01")
		mustVolunteer(t, db, f.Actor("otheradmin"), other2)
		_ = other
		d, err := db.Duplicates(ctx, ta, "volunteer", guangong.Page{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{pair(a.ID, b.ID): "id_number", pair(a.ID, c.ID): "name_birth_org"}
		if len(d) != len(want) {
			t.Fatalf("duplicates %+v", d)
		}
		for _, x := range d {
			if want[x.A+"|"+x.B] != x.Reason || x.A >= x.B {
				t.Fatalf("duplicate %+v, want %v", x, want)
			}
		}
		// The village clerk sees neither pair whole (b lies in the other village).
		d, _ = db.Duplicates(ctx, f.Actor("villageclerk"), "volunteer", guangong.Page{})
		if len(d) != 1 || d[0].Reason != "name_birth_org" {
			t.Fatalf("village duplicates %+v", d)
		}
		// Merge b into a: b's membership, post and body seat move; both keep their trails.
		if err := db.AddMembership(ctx, ta, &guangong.Membership{VolunteerID: b.ID, OrgID: f.School.ID, From: "2020-01-01"}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddPost(ctx, ta, &guangong.Post{OrgID: f.VillageB.ID, VolunteerID: b.ID, Title: "member", From: "2020-01-01"}); err != nil {
			t.Fatal(err)
		}
		body := &guangong.Body{OrgID: f.Town.ID, Kind: "elder_school", Name: "老年学校"}
		if err := db.CreateBody(ctx, ta, body); err != nil {
			t.Fatal(err)
		}
		if err := db.AddBodyMember(ctx, ta, &guangong.BodyMember{BodyID: body.ID, VolunteerID: b.ID, From: "2020-01-01"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.MergeVolunteers(ctx, f.Actor("villageclerk"), a.ID, b.ID), guangong.ENOTFOUND)
		wantCode(t, db.MergeVolunteers(ctx, f.Actor("villageviewer"), a.ID, c.ID), guangong.EFORBIDDEN)
		wantField(t, db.MergeVolunteers(ctx, ta, a.ID, a.ID), "dropId", "")
		if err := db.MergeVolunteers(ctx, ta, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		ms, _ := db.Memberships(ctx, ta, a.ID)
		posts, _ := db.Posts(ctx, ta, f.VillageB.ID, true)
		members, _ := db.BodyMembers(ctx, ta, body.ID)
		if len(ms) != 1 || len(posts) != 1 || posts[0].VolunteerID != a.ID || len(members) != 1 || members[0].VolunteerID != a.ID {
			t.Fatalf("after merge: memberships %v posts %v members %v", ms, posts, members)
		}
		gone, err := db.FindVolunteerByID(ctx, ta, b.ID)
		if err != nil || gone.MergedInto != a.ID || gone.Status != "active" {
			t.Fatalf("merged record %+v %v", gone, err)
		}
		_, total, _ := db.FindVolunteers(ctx, ta, guangong.PersonFilter{Query: ptr("刘一手")})
		if total != 0 {
			t.Fatal("merged record still listed")
		}
		for _, id := range []string{a.ID, b.ID} {
			// (b also carries the village clerk's denied attempt.)
			es, _, _ := db.FindAudit(ctx, sys, guangong.AuditFilter{ObjectID: ptr(id), Action: ptr(guangong.ActionUpdate)})
			cr, _, _ := db.FindAudit(ctx, sys, guangong.AuditFilter{ObjectID: ptr(id), Action: ptr(guangong.ActionCreate)})
			es = append(es, cr...)
			if len(es) != 2 || es[1].Action != guangong.ActionCreate || !strings.Contains(es[0].Detail, "merged") {
				t.Fatalf("trail of %s: %+v", id, es)
			}
		}
		wantCode(t, db.MergeVolunteers(ctx, ta, a.ID, b.ID), guangong.EINVALID)
		gone.Notes = "x"
		wantCode(t, db.UpdateVolunteer(ctx, ta, gone), guangong.EINVALID)
		d, _ = db.Duplicates(ctx, ta, "volunteer", guangong.Page{})
		if len(d) != 1 || d[0].Reason != "name_birth_org" {
			t.Fatalf("duplicates after merge %+v", d)
		}

		// Youths likewise (written by an account with 未成年人信息 access).
		ta = withMinors(ta)
		y1 := mustYouth(t, db, ta, newYouth(f.VillageA, "小明", "2014-01-01"))
		y2 := newYouth(f.VillageA, "小明", "2014-01-01")
		mustYouth(t, db, ta, y2)
		d, _ = db.Duplicates(ctx, ta, "youth", guangong.Page{})
		if len(d) != 1 || d[0].Reason != "name_birth_org" {
			t.Fatalf("youth duplicates %+v", d)
		}
		if err := db.MergeYouths(ctx, ta, y1.ID, y2.ID); err != nil {
			t.Fatal(err)
		}
		_, total, _ = db.FindYouths(ctx, ta, guangong.PersonFilter{})
		if total != 1 {
			t.Fatalf("youths after merge %d", total)
		}
		es, _, _ := db.FindAudit(ctx, sys, guangong.AuditFilter{ObjectID: ptr(y2.ID)})
		if len(es) != 2 {
			t.Fatalf("trail of merged youth %+v", es)
		}
		verifyOK(t, db)
	})
}

func pair(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "|" + b
}

// BenchmarkSearchVolunteerByName searches names among 1,000,000 volunteers spread over
// the 30,000 villages of a generated province, asking for the first page (50, with the
// total) as an account of the province and as one of a county (1% of the people). Setup
// takes minutes; benchmarks run only with -bench:
//
//	GUANGONG_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./sqlstore/ -run '^$' -bench SearchVolunteerByName -benchtime 200x -timeout 60m
func BenchmarkSearchVolunteerByName(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("GUANGONG_BENCH_PEOPLE"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			db := storetest.Open(b, kind)
			tr := bulkProvince(b, db)
			start := time.Now()
			const batch = 20_000
			for i := 0; i < n; i += batch {
				var vs []*guangong.Volunteer
				for k := i; k < min(i+batch, n); k++ {
					h := uint64(k) * 0x2545F4914F6CDD1D
					vs = append(vs, &guangong.Volunteer{ID: guangong.NewID(), OrgID: tr.villages[k%len(tr.villages)],
						Name: benchName(k), Gender: guangong.Male, Category: guangong.ElderCategories[h%5],
						BirthDate:   fmt.Sprintf("%d-%02d-%02d", 1940+h%26, 1+(h>>8)%12, 1+(h>>16)%28),
						PartyMember: h%3 == 0, Status: "active", ConsentDate: "2024-01-01"})
				}
				if err := db.BulkVolunteers(ctx, vs); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := db.RawExec(ctx, `ANALYZE`); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d volunteers with name grams inserted in %v", kind, n, time.Since(start))
			province := &guangong.Actor{UserID: "bench", Username: "bench", Role: guangong.RoleClerk, OrgID: tr.province}
			county := &guangong.Actor{UserID: "bench", Username: "bench", Role: guangong.RoleClerk, OrgID: tr.counties[7]}
			full := benchName(424242)
			for _, c := range []struct {
				name string
				a    *guangong.Actor
				q    string
			}{
				{"province/2chars", province, string([]rune(full)[:2])},
				{"province/fullname", province, full},
				{"province/given2", province, string([]rune(benchName(777))[1:])},
				{"province/1char", province, "王"},
				{"county/2chars", county, string([]rune(full)[:2])},
				{"county/1char", county, "王"},
			} {
				b.Run(c.name, func(b *testing.B) {
					var total int
					for b.Loop() {
						var err error
						if _, total, err = db.FindVolunteers(ctx, c.a, guangong.PersonFilter{Query: &c.q, Page: guangong.Page{Limit: 50}}); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(total), "matches")
				})
			}
		})
	}
}

// A name search counts at most SearchCountCap matches; beyond, the total says "more".
func TestNameSearchCountCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		var rows []*guangong.Volunteer
		for i := range sqlstore.SearchCountCap + 5 {
			p := newVolunteer(f.VillageA, fmt.Sprintf("王%04d", i), "1950-01-01")
			p.IDNumber, p.Phone = "", ""
			rows = append(rows, p)
		}
		if err := db.ImportVolunteers(ctx, f.Actor("townclerk"), rows); err != nil {
			t.Fatal(err)
		}
		list, total, err := db.FindVolunteers(ctx, f.Actor("townclerk"), guangong.PersonFilter{Query: ptr("王")})
		if err != nil || total != sqlstore.SearchCountCap+1 || len(list) != 50 || list[0].Name != "王0000" {
			t.Fatalf("capped search: %d, %d rows, %v", total, len(list), err)
		}
		_, total, _ = db.FindVolunteers(ctx, f.Actor("townclerk"), guangong.PersonFilter{Query: ptr("王01")})
		if total != 100 {
			t.Fatalf("narrower search: %d", total)
		}
		// Lists without a name are counted exactly.
		_, total, _ = db.FindVolunteers(ctx, f.Actor("townclerk"), guangong.PersonFilter{})
		if total != sqlstore.SearchCountCap+5 {
			t.Fatalf("list total %d", total)
		}
	})
}
