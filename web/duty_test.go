package web

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	goqr "github.com/piglig/go-qr"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// dutySetup is a post at VillageA with a shift starting in ten minutes, a volunteer with an
// account of their own, and one volunteer of another town.
type dutySetup struct {
	post    *guangong.DutyPost
	shift   *guangong.Shift
	vol     *guangong.Volunteer
	far     *guangong.Volunteer
	account *guangong.User
}

func newDutySetup(t *testing.T, s *site) *dutySetup {
	t.Helper()
	ctx := context.Background()
	d := &dutySetup{}
	d.vol = newVolunteer(t, s.db, s.fx.VillageA.ID, "周守岗", "1955-05-05")
	d.far = newVolunteer(t, s.db, s.fx.OtherTown.ID, "龙外人", "1956-06-06")
	vc := s.fx.Actor("villageclerk")
	d.post = &guangong.DutyPost{OrgID: s.fx.VillageA.ID, Kind: "school_gate", Name: "青松小学校门", Place: "青松小学南门"}
	if err := s.db.CreateDutyPost(ctx, vc, d.post); err != nil {
		t.Fatal(err)
	}
	now := s.db.Now()
	d.shift = &guangong.Shift{PostID: d.post.ID, Role: "护学", StartsAt: now.Add(10 * time.Minute), EndsAt: now.Add(70 * time.Minute), Headcount: 1}
	if err := s.db.CreateShift(ctx, vc, d.shift); err != nil {
		t.Fatal(err)
	}
	d.account = &guangong.User{Username: "zhou.sg", DisplayName: "周守岗", OrgID: s.fx.VillageA.ID, Role: guangong.RoleVolunteer,
		VolunteerID: d.vol.ID, Lang: "zh"}
	if err := s.db.CreateUser(ctx, s.fx.Actor("townadmin"), d.account, storetest.Password); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *dutySetup) ids(p string) string {
	return strings.NewReplacer("{post}", d.post.ID, "{shift}", d.shift.ID, "{token}", d.post.QRToken,
		"{vol}", d.vol.ID, "{far}", d.far.ID).Replace(p)
}

func TestDutyPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		d := newDutySetup(t, s)
		sc := func(list []scenario) []scenario {
			for i := range list {
				list[i].path = d.ids(list[i].path)
				for k, v := range list[i].form {
					for j := range v {
						v[j] = d.ids(v[j])
					}
					list[i].form[k] = v
				}
				for j := range list[i].want {
					list[i].want[j] = d.ids(list[i].want[j])
				}
				for j := range list[i].notWant {
					list[i].notWant[j] = d.ids(list[i].notWant[j])
				}
			}
			return list
		}
		s.run(t, sc([]scenario{
			{name: "nav", as: "townclerk", path: "/", status: 200, want: []string{`id="nav-duty"`, `href="/duty"`}},
			{name: "admin refused", as: "admin", path: "/duty", status: 403},
			{name: "auditor refused", as: "auditor", path: "/duty", status: 403},
			{name: "town list", as: "townclerk", path: "/duty", status: 200, want: []string{"青松小学校门", "青松村", "护学岗", `id="duty-post-new"`, `id="duty-review-link"`}},
			{name: "viewer list", as: "villageviewer", path: "/duty", status: 200, want: []string{"青松小学校门"}, notWant: []string{`id="duty-post-new"`}},
			{name: "other town sees nothing", as: "otheradmin", path: "/duty", status: 200, want: []string{`id="duty-empty"`}, notWant: []string{"青松小学校门"}},
			{name: "other town post refused", as: "otheradmin", path: "/duty/posts/{post}", status: 404},
			{name: "post page", as: "villageclerk", path: "/duty/posts/{post}", status: 200,
				want: []string{"青松小学南门", `id="duty-qr-img"`, `src="/duty/posts/{post}/qr.svg"`, "/checkin/{token}", `id="duty-sign-a5"`, "护学", "0 / 1"}},
			{name: "qr svg", as: "villageclerk", path: "/duty/posts/{post}/qr.svg", status: 200, want: []string{"<svg"}},
			{name: "sign", as: "villageclerk", path: "/duty/posts/{post}/sign?size=a4", status: 200, want: []string{`class="sign sign-a4"`, "青松小学校门", "/checkin/{token}"}},
			{name: "viewer cannot add shifts", as: "villageviewer", path: "/duty/posts/{post}/shifts/new", status: 403},
			{name: "bad post", as: "villageclerk", method: "POST", path: "/duty/posts/new",
				form: url.Values{"orgId": {"{VillageA}"}, "kind": {"parade"}, "name": {""}}, status: 422, want: []string{"请选择岗位类型", "岗位名称不能为空"}},
			{name: "post outside scope", as: "villageclerk", method: "POST", path: "/duty/posts/new",
				form: url.Values{"orgId": {"{Town}"}, "kind": {"street"}, "name": {"越权"}}, status: 422, want: []string{"所属组织不存在"}},
			{name: "shift ends before it starts", as: "villageclerk", method: "POST", path: "/duty/posts/{post}/shifts/new",
				form:   url.Values{"role": {"护学"}, "startsAt": {"2030-09-01T08:00"}, "endsAt": {"2030-09-01T07:00"}, "headcount": {"2"}},
				status: 422, want: []string{"结束时间必须晚于开始时间", `value="2030-09-01T07:00"`}},
			{name: "assign outside scope", as: "villageclerk", method: "POST", path: "/duty/shifts/{shift}/assign",
				form: url.Values{"volunteerId": {"{far}"}}, status: 422, want: []string{"人员不存在"}},
			{name: "shift page", as: "villageclerk", path: "/duty/shifts/{shift}", status: 200,
				want: []string{`id="duty-assign-form"`, "周守岗", `id="duty-shift-hours"`}, notWant: []string{"龙外人"}},
			{name: "assign", as: "villageclerk", method: "POST", path: "/duty/shifts/{shift}/assign",
				form: url.Values{"volunteerId": {"{vol}"}}, status: 303},
			{name: "assigned", as: "villageclerk", path: "/duty/shifts/{shift}", status: 200,
				want: []string{`id="duty-places"`, "周守岗", "安排", "1 / 1"}, notWant: []string{`id="duty-assign-form"`}},
			{name: "review page", as: "villageclerk", path: "/duty/review", status: 200, want: []string{`id="duty-no-missed"`}},
			{name: "volunteer picker on the account form", as: "townadmin", path: "/users/new", status: 200,
				want: []string{`id="f-volunteerId"`, "周守岗", `value="volunteer"`}},
			{name: "volunteer account needs a volunteer", as: "townadmin", method: "POST", path: "/users/new",
				form:   url.Values{"username": {"vol.x"}, "displayName": {"某"}, "orgId": {"{VillageA}"}, "role": {"volunteer"}, "password": {storetest.Password}},
				status: 422, want: []string{"志愿者账号须关联一名志愿者"}},
		}))
		if _, n, err := db.FindShifts(context.Background(), guangong.SystemActor("t"), guangong.ShiftFilter{}); err != nil || n != 1 {
			t.Fatalf("%d shifts after refused forms (%v), want 1", n, err)
		}
		if _, n, _ := db.FindDutyPosts(context.Background(), guangong.SystemActor("t"), guangong.DutyPostFilter{}); n != 1 {
			t.Fatalf("%d posts after refused forms, want 1", n)
		}

		// The PNG encodes the post's absolute check-in address.
		c := s.loginAs("villageclerk")
		r := c.get(d.ids("/duty/posts/{post}/qr.png"))
		if r.status != 200 || r.header.Get("Content-Type") != "image/png" {
			t.Fatalf("qr.png %d %s", r.status, r.header.Get("Content-Type"))
		}
		img, err := png.Decode(bytes.NewReader([]byte(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		text, err := goqr.Decode(img)
		if err != nil || text != s.srv.URL+"/checkin/"+d.post.QRToken {
			t.Fatalf("QR code says %q (%v), want %q", text, err, s.srv.URL+"/checkin/"+d.post.QRToken)
		}
	})
}

// loginVolunteer logs the setup's volunteer account in through the check-in address, as a
// phone that scanned the code would.
func loginVolunteer(t *testing.T, s *site, d *dutySetup) *client {
	t.Helper()
	c := s.client()
	path := "/checkin/" + d.post.QRToken
	r := c.get(path)
	if r.status != http.StatusSeeOther || r.location != "/login?next="+url.QueryEscape(path) {
		t.Fatalf("check-in without a session: %d %q", r.status, r.location)
	}
	check(t, scenario{status: 200, want: []string{`name="next" value="` + path + `"`}}, c.get(r.location), s)
	r = c.post("/login", url.Values{"username": {d.account.Username}, "password": {storetest.Password}, "next": {path}})
	if r.status != http.StatusSeeOther || r.location != path {
		t.Fatalf("login: %d %q", r.status, r.location)
	}
	return c
}

func TestDutyCheckInPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		d := newDutySetup(t, s)
		base := time.Now()
		db.Now = func() time.Time { return base }
		if _, err := db.AssignShift(context.Background(), s.fx.Actor("villageclerk"), d.shift.ID, d.vol.ID); err != nil {
			t.Fatal(err)
		}
		c := loginVolunteer(t, s, d)
		path := "/checkin/" + d.post.QRToken

		// A volunteer's account reads no registry and prints no QR code.
		for p, want := range map[string]int{"/volunteers": 403, "/youths": 403, "/orgs": 403, "/duty/review": 403,
			d.ids("/duty/posts/{post}/qr.svg"): 403, "/users": 403} {
			if r := c.get(p); r.status != want {
				t.Errorf("%s: %d, want %d", p, r.status, want)
			}
		}
		check(t, scenario{status: 200, want: []string{"青松小学校门", `id="duty-mine-link"`}, notWant: []string{`id="duty-post-new"`}}, c.get("/duty"), s)
		check(t, scenario{status: 200, want: []string{"青松小学校门"}, notWant: []string{`id="duty-qr-img"`, d.post.QRToken}},
			c.get(d.ids("/duty/posts/{post}")), s)
		check(t, scenario{status: 200, want: []string{`id="nav-duty"`, `href="/duty/mine"`, `id="home-duty-mine"`, `id="home-hours-mine"`, "扫描岗位上的二维码"}, notWant: []string{`id="nav-volunteers"`, `id="nav-tree"`}}, c.get("/"), s)

		// Ten minutes before the start: 签到.
		r := c.get(path)
		check(t, scenario{status: 200, want: []string{`id="checkin-in"`, "青松小学校门", "护学"}, notWant: []string{`id="checkin-out"`}}, r, s)
		id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(r.body)
		if id == nil {
			t.Fatal("no place id on the check-in page")
		}
		// Another volunteer's place and a forged token are refused.
		check(t, scenario{status: 404}, c.post(path+"/in", url.Values{"id": {"nope"}}), s)
		check(t, scenario{status: 404}, c.post("/checkin/forged/in", url.Values{"id": {id[1]}}), s)
		r = c.post(path+"/in", url.Values{"id": {id[1]}})
		if r.status != http.StatusSeeOther || r.location != path {
			t.Fatalf("check in: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		// Before the start it cannot be closed; 25 minutes later (15 into the shift) it can.
		check(t, scenario{status: 200, want: []string{`id="checkin-state-in"`, "班次开始后可以签退"}, notWant: []string{`id="checkin-out"`}}, c.get(path), s)
		check(t, scenario{status: 422, want: []string{"班次尚未开始"}}, c.post(path+"/out", url.Values{"id": {id[1]}}), s)
		db.Now = func() time.Time { return base.Add(25 * time.Minute) }
		check(t, scenario{status: 200, want: []string{`id="checkin-out"`}}, c.get(path), s)
		r = c.post(path+"/out", url.Values{"id": {id[1]}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("check out: %d\n%s", r.status, excerpt(r.body))
		}
		check(t, scenario{status: 200, want: []string{`id="checkin-done"`, `id="checkin-hours"`, "15分钟"}}, c.get(path), s)
		check(t, scenario{status: 200, want: []string{"青松小学校门", "15分钟", "待确认"}}, c.get("/duty/mine"), s)
		va := &guangong.Actor{UserID: d.account.ID, Username: d.account.Username, Role: guangong.RoleVolunteer,
			OrgID: d.account.OrgID, VolunteerID: d.vol.ID}
		mine, _, err := db.MyShifts(context.Background(), va, guangong.Page{})
		if err != nil || len(mine) != 1 || mine[0].HoursMinutes != 15 || mine[0].HoursStatus != "recorded" {
			t.Fatalf("hours row %+v %v", mine, err)
		}
		// A town post beyond the account's village: its own shift there opens, the post does not.
		tc := s.fx.Actor("townclerk")
		group := &guangong.DutyPost{OrgID: s.fx.Town.ID, Kind: "duty_group", Name: "镇值班组"}
		if err := db.CreateDutyPost(context.Background(), tc, group); err != nil {
			t.Fatal(err)
		}
		later := &guangong.Shift{PostID: group.ID, Role: "值班", StartsAt: base.Add(3 * time.Hour), EndsAt: base.Add(4 * time.Hour), Headcount: 11}
		if err := db.CreateShift(context.Background(), tc, later); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssignShift(context.Background(), tc, later.ID, d.vol.ID); err != nil {
			t.Fatal(err)
		}
		check(t, scenario{status: 200, want: []string{"镇值班组", `id="duty-signed-up"`}, notWant: []string{`id="duty-shift-hours"`}}, c.get("/duty/shifts/"+later.ID), s)
		check(t, scenario{status: 404}, c.get("/duty/posts/"+group.ID), s)

		// A clerk opening the address sees the post, not a button.
		cl := s.loginAs("villageclerk")
		check(t, scenario{status: 200, want: []string{"签到、签退需使用志愿者本人的账号"}, notWant: []string{`id="checkin-in"`}}, cl.get(path), s)
	})
}

// A volunteer whose first login must set a new password comes back to the check-in page
// they scanned once it is set.
func TestCheckInAfterForcedPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		d := newDutySetup(t, s)
		if err := db.ResetPassword(context.Background(), s.fx.Actor("townadmin"), d.account.ID, storetest.Password); err != nil {
			t.Fatal(err)
		}
		c := s.client()
		path := "/checkin/" + d.post.QRToken
		r := c.post("/login", url.Values{"username": {d.account.Username}, "password": {storetest.Password}, "next": {path}})
		if r.status != http.StatusSeeOther || r.location != "/password?next="+url.QueryEscape(path) {
			t.Fatalf("login of a forced change: %d %q", r.status, r.location)
		}
		check(t, scenario{status: 200, want: []string{`name="next" value="` + path + `"`}}, c.get(r.location), s)
		r = c.post("/password", url.Values{"oldPassword": {storetest.Password}, "newPassword": {"Zhou-Shou-Gang-2026"},
			"repeat": {"Zhou-Shou-Gang-2026"}, "next": {path}})
		if r.status != http.StatusSeeOther || r.location != path {
			t.Fatalf("password change: %d %q", r.status, r.location)
		}
	})
}

// A post's QR code carries the configured public address; without one, a page opened at
// this machine's own address warns that phones cannot open the code.
func TestDutyQRAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		local := newSite(t, db)
		d := newDutySetup(t, local)
		check(t, scenario{status: 200, want: []string{`id="duty-qr-loopback"`, local.srv.URL + "/checkin/" + d.post.QRToken}},
			local.loginAs("villageclerk").get(d.ids("/duty/posts/{post}")), local)
		h, err := New(Config{Store: db, Version: "test", PublicURL: "https://guangong.example.gov.cn/"})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		public := &site{t: t, db: db, fx: local.fx, srv: srv} // the same database, served under a public address
		check(t, scenario{status: 200, want: []string{"https://guangong.example.gov.cn/checkin/" + d.post.QRToken},
			notWant: []string{`id="duty-qr-loopback"`}}, public.loginAs("villageclerk").get(d.ids("/duty/posts/{post}")), public)
	})
}
