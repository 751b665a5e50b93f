package sqlstore_test

import (
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// dutyAt is a Shanghai wall-clock time on 2025-06-16 (a Monday).
func dutyAt(hh, mm int) time.Time {
	return time.Date(2025, 6, 16, hh, mm, 0, 0, guangong.Shanghai)
}

// dutyClock makes db's clock settable.
func dutyClock(db *sqlstore.DB, start time.Time) func(time.Time) {
	now := start
	db.Now = func() time.Time { return now }
	return func(t time.Time) { now = t }
}

// volunteerAccount makes a volunteer's own account at org for v, as townadmin would.
func volunteerAccount(t *testing.T, db *sqlstore.DB, f *storetest.Fixture, username string, org *guangong.Org, v *guangong.Volunteer) *guangong.Actor {
	t.Helper()
	u := &guangong.User{Username: username, DisplayName: v.Name, OrgID: org.ID, Role: guangong.RoleVolunteer,
		VolunteerID: v.ID, Lang: "zh"}
	if err := db.CreateUser(ctx, f.Actor("townadmin"), u, storetest.Password); err != nil {
		t.Fatalf("create volunteer account: %v", err)
	}
	return &guangong.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, OrgID: u.OrgID, VolunteerID: u.VolunteerID,
		IP: "127.0.0.1"}
}

func mustPost(t *testing.T, db *sqlstore.DB, a *guangong.Actor, org *guangong.Org, kind, name string) *guangong.DutyPost {
	t.Helper()
	p := &guangong.DutyPost{OrgID: org.ID, Kind: kind, Name: name, Place: name + "路口"}
	if err := db.CreateDutyPost(ctx, a, p); err != nil {
		t.Fatalf("create post %s: %v", name, err)
	}
	return p
}

func mustShift(t *testing.T, db *sqlstore.DB, a *guangong.Actor, p *guangong.DutyPost, from, to time.Time, n int) *guangong.Shift {
	t.Helper()
	s := &guangong.Shift{PostID: p.ID, Role: "护学", StartsAt: from, EndsAt: to, Headcount: n}
	if err := db.CreateShift(ctx, a, s); err != nil {
		t.Fatalf("create shift: %v", err)
	}
	return s
}

func dutyCount(t *testing.T, db *sqlstore.DB, table string) int {
	t.Helper()
	var n int
	if err := db.RawQueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDutyPostsAndShifts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		dutyClock(db, dutyAt(7, 0))
		tc, vc := f.Actor("townclerk"), f.Actor("villageclerk")
		gate := mustPost(t, db, vc, f.VillageA, "school_gate", "青松小学校门")
		mustPost(t, db, tc, f.VillageB, "street", "白沙老街")
		mustPost(t, db, tc, f.Town, "duty_group", "镇值班组")
		if len(gate.QRToken) < 20 || !gate.Active || gate.Version != 1 {
			t.Fatalf("new post %+v", gate)
		}

		// Bad input: a field error, nothing saved.
		err := db.CreateDutyPost(ctx, tc, &guangong.DutyPost{OrgID: f.Town.ID, Kind: "parade", Name: ""})
		wantField(t, err, "kind", "岗位类型")
		wantField(t, err, "name", "")
		denied := auditCount(t, db, guangong.ActionDenied)
		err = db.CreateDutyPost(ctx, vc, &guangong.DutyPost{OrgID: f.Town.ID, Kind: "street", Name: "越权"})
		wantField(t, err, "orgId", "")
		if auditCount(t, db, guangong.ActionDenied) != denied+1 {
			t.Fatal("a post outside scope is not audited as denied")
		}
		if n := dutyCount(t, db, "duty_posts"); n != 3 {
			t.Fatalf("%d posts saved, want 3", n)
		}
		wantCode(t, db.CreateDutyPost(ctx, f.Actor("villageviewer"), &guangong.DutyPost{OrgID: f.VillageA.ID, Kind: "street", Name: "x"}),
			guangong.EFORBIDDEN)

		// Scope: the village sees its own post only; the town sees all three.
		list, total, err := db.FindDutyPosts(ctx, vc, guangong.DutyPostFilter{})
		if err != nil || total != 1 || list[0].ID != gate.ID {
			t.Fatalf("village posts %d %v %v", total, list, err)
		}
		_, total, _ = db.FindDutyPosts(ctx, tc, guangong.DutyPostFilter{})
		kind := "street"
		_, streets, _ := db.FindDutyPosts(ctx, tc, guangong.DutyPostFilter{Kind: &kind})
		if total != 3 || streets != 1 {
			t.Fatalf("town posts %d, streets %d", total, streets)
		}
		_, err = db.FindDutyPostByID(ctx, f.Actor("otheradmin"), gate.ID)
		wantCode(t, err, guangong.ENOTFOUND)

		// Edits: version checked, QR token renewed on request.
		upd := *gate
		upd.Name = "青松小学南门"
		if err := db.UpdateDutyPost(ctx, vc, &upd, true); err != nil {
			t.Fatal(err)
		}
		if upd.QRToken == gate.QRToken || upd.Version != 2 {
			t.Fatalf("after update %+v", upd)
		}
		stale := *gate
		wantCode(t, db.UpdateDutyPost(ctx, vc, &stale, false), guangong.ECONFLICT)

		// Shifts: the end after the start, a sane headcount; nothing saved otherwise.
		err = db.CreateShift(ctx, vc, &guangong.Shift{PostID: gate.ID, Role: "护学", StartsAt: dutyAt(9, 0), EndsAt: dutyAt(8, 0), Headcount: 2})
		wantField(t, err, "endsAt", "晚于开始时间")
		err = db.CreateShift(ctx, vc, &guangong.Shift{PostID: gate.ID, Role: "", StartsAt: dutyAt(8, 0), EndsAt: dutyAt(9, 0), Headcount: 0})
		wantField(t, err, "headcount", "")
		wantField(t, err, "role", "")
		if n := dutyCount(t, db, "shifts"); n != 0 {
			t.Fatalf("%d shifts saved after bad input", n)
		}
		s := mustShift(t, db, vc, gate, dutyAt(7, 30), dutyAt(8, 30), 3)
		if s.StartsOn != "2025-06-16" || s.OrgID != f.VillageA.ID || s.Minutes() != 60 {
			t.Fatalf("shift %+v", s)
		}
		shifts, n, err := db.FindShifts(ctx, vc, guangong.ShiftFilter{PostID: &gate.ID})
		if err != nil || n != 1 || shifts[0].Headcount != 3 || shifts[0].Filled != 0 {
			t.Fatalf("shifts %v %d %v", shifts, n, err)
		}
		// A shift at a post outside scope is a field error.
		err = db.CreateShift(ctx, f.Actor("otheradmin"), &guangong.Shift{PostID: gate.ID, Role: "x", StartsAt: dutyAt(8, 0), EndsAt: dutyAt(9, 0), Headcount: 1})
		wantField(t, err, "postId", "")
		s.Headcount = 4
		if err := db.UpdateShift(ctx, vc, s); err != nil || s.Version != 2 {
			t.Fatalf("update shift %v %+v", err, s)
		}
		verifyOK(t, db)
	})
}

func TestDutyFillingAndAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		dutyClock(db, dutyAt(6, 0))
		ta, vc := f.Actor("townadmin"), f.Actor("villageclerk")
		v1 := mustVolunteer(t, db, vc, newVolunteer(f.VillageA, "李一", "1955-01-01"))
		v2 := mustVolunteer(t, db, vc, newVolunteer(f.VillageA, "李二", "1956-01-01"))
		v3 := mustVolunteer(t, db, vc, newVolunteer(f.VillageA, "李三", "1957-01-01"))
		far := mustVolunteer(t, db, f.Actor("otheradmin"), newVolunteer(f.OtherTown, "龙远", "1950-01-01"))
		gate := mustPost(t, db, vc, f.VillageA, "school_gate", "青松小学校门")
		other := mustPost(t, db, ta, f.VillageB, "street", "白沙老街")
		s := mustShift(t, db, vc, gate, dutyAt(7, 30), dutyAt(8, 30), 2)

		// Volunteer accounts: linked to a volunteer in scope, one account per volunteer.
		err := db.CreateUser(ctx, ta, &guangong.User{Username: "vol0", DisplayName: "无", OrgID: f.VillageA.ID,
			Role: guangong.RoleVolunteer, Lang: "zh"}, storetest.Password)
		wantField(t, err, "volunteerId", "关联")
		err = db.CreateUser(ctx, ta, &guangong.User{Username: "vol1", DisplayName: "龙远", OrgID: f.VillageA.ID,
			Role: guangong.RoleVolunteer, VolunteerID: far.ID, Lang: "zh"}, storetest.Password)
		wantField(t, err, "volunteerId", "")
		wantCode(t, db.CreateUser(ctx, vc, &guangong.User{Username: "vol2", DisplayName: "李一", OrgID: f.VillageA.ID,
			Role: guangong.RoleVolunteer, VolunteerID: v1.ID, Lang: "zh"}, storetest.Password), guangong.EFORBIDDEN)
		va := volunteerAccount(t, db, f, "li.yi", f.VillageA, v1)
		err = db.CreateUser(ctx, ta, &guangong.User{Username: "li.yi2", DisplayName: "李一", OrgID: f.VillageA.ID,
			Role: guangong.RoleVolunteer, VolunteerID: v1.ID, Lang: "zh"}, storetest.Password)
		wantField(t, err, "volunteerId", "已有账号")
		u, err := db.FindUserByID(ctx, ta, va.UserID)
		if err != nil || u.VolunteerID != v1.ID || u.VolunteerName != "李一" || u.MinorAccess {
			t.Fatalf("volunteer account %+v %v", u, err)
		}
		// A volunteer's account reads no registry and no committee tree...
		_, _, err = db.FindVolunteers(ctx, va, guangong.PersonFilter{})
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.FindVolunteerByID(ctx, va, v1.ID)
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.ShiftVolunteers(ctx, va, s.ID)
		wantCode(t, err, guangong.EFORBIDDEN)
		// ...but the posts of its committee's subtree, without the QR token.
		posts, total, err := db.FindDutyPosts(ctx, va, guangong.DutyPostFilter{})
		if err != nil || total != 1 || posts[0].ID != gate.ID || posts[0].QRToken != "" {
			t.Fatalf("volunteer's posts %v %d %v", posts, total, err)
		}
		_, err = db.FindDutyPostByID(ctx, va, other.ID)
		wantCode(t, err, guangong.ENOTFOUND)

		// Signing up and assigning fill the headcount, and no more.
		mine, err := db.SignUpShift(ctx, va, s.ID)
		if err != nil || mine.Source != guangong.SourceSignup || mine.VolunteerID != v1.ID {
			t.Fatalf("sign up %+v %v", mine, err)
		}
		_, err = db.SignUpShift(ctx, va, s.ID)
		wantField(t, err, "volunteerId", "已在该班次")
		_, err = db.SignUpShift(ctx, ta, s.ID)
		wantCode(t, err, guangong.EFORBIDDEN)
		if _, err := db.AssignShift(ctx, vc, s.ID, v2.ID); err != nil {
			t.Fatal(err)
		}
		places := dutyCount(t, db, "shift_volunteers")
		_, err = db.AssignShift(ctx, vc, s.ID, v3.ID)
		wantField(t, err, "headcount", "已满")
		// A volunteer outside scope: a field error, audited, nothing saved.
		s2 := mustShift(t, db, vc, gate, dutyAt(9, 0), dutyAt(10, 0), 5)
		denied := auditCount(t, db, guangong.ActionDenied)
		_, err = db.AssignShift(ctx, vc, s2.ID, far.ID)
		wantField(t, err, "volunteerId", "")
		if auditCount(t, db, guangong.ActionDenied) != denied+1 {
			t.Fatal("assigning a volunteer outside scope is not audited")
		}
		if dutyCount(t, db, "shift_volunteers") != places {
			t.Fatal("a refused place was saved")
		}
		_, err = db.AssignShift(ctx, f.Actor("villageviewer"), s2.ID, v3.ID)
		wantCode(t, err, guangong.EFORBIDDEN)
		// Overlapping shifts are refused, and so is signing up for an ended shift; an
		// organiser may still assign one, recording a roster kept on paper.
		s3 := mustShift(t, db, vc, gate, dutyAt(8, 0), dutyAt(9, 30), 5)
		_, err = db.AssignShift(ctx, vc, s3.ID, v1.ID)
		wantField(t, err, "volunteerId", "其他班次")
		past := mustShift(t, db, vc, gate, dutyAt(4, 0), dutyAt(5, 0), 5)
		_, err = db.SignUpShift(ctx, va, past.ID)
		wantField(t, err, "shiftId", "已结束")
		if _, err := db.AssignShift(ctx, vc, past.ID, v3.ID); err != nil {
			t.Fatalf("recording a past roster: %v", err)
		}

		got, err := db.FindShiftByID(ctx, vc, s.ID)
		if err != nil || got.Filled != 2 || got.Free() != 0 {
			t.Fatalf("filled %+v %v", got, err)
		}
		got.Headcount = 1
		wantField(t, db.UpdateShift(ctx, vc, got), "headcount", "")
		list, err := db.ShiftVolunteers(ctx, vc, s.ID)
		if err != nil || len(list) != 2 || list[0].VolunteerName != "李一" || list[1].Source != guangong.SourceAssigned {
			t.Fatalf("shift volunteers %v %v", list, err)
		}
		// Withdrawing frees the place: the volunteer its own only.
		wantCode(t, db.WithdrawShift(ctx, va, list[1].ID), guangong.ENOTFOUND)
		if err := db.WithdrawShift(ctx, va, mine.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssignShift(ctx, vc, s.ID, v3.ID); err != nil {
			t.Fatalf("a freed place cannot be filled: %v", err)
		}
		// The volunteer's account lists its own places only.
		if _, err := db.SignUpShift(ctx, va, s2.ID); err != nil {
			t.Fatal(err)
		}
		own, n, err := db.MyShifts(ctx, va, guangong.Page{})
		if err != nil || n != 1 || own[0].ShiftID != s2.ID {
			t.Fatalf("my shifts %v %d %v", own, n, err)
		}
		_, _, err = db.MyShifts(ctx, vc, guangong.Page{})
		wantCode(t, err, guangong.EFORBIDDEN)

		// Changing the role away from volunteer unlinks the record.
		clerk := guangong.RoleClerk
		u, err = db.UpdateUser(ctx, ta, va.UserID, guangong.UserUpdate{Role: &clerk, Version: u.Version})
		if err != nil || u.VolunteerID != "" {
			t.Fatalf("role change %+v %v", u, err)
		}
		verifyOK(t, db)
	})
}

func TestDutyCheckInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		set := dutyClock(db, dutyAt(6, 0))
		vc := f.Actor("villageclerk")
		v1 := mustVolunteer(t, db, vc, newVolunteer(f.VillageA, "王一", "1955-01-01"))
		v2 := mustVolunteer(t, db, vc, newVolunteer(f.VillageA, "王二", "1956-01-01"))
		gate := mustPost(t, db, vc, f.VillageA, "school_gate", "青松小学校门")
		street := mustPost(t, db, vc, f.VillageA, "street", "青松老街")
		s := mustShift(t, db, vc, gate, dutyAt(8, 0), dutyAt(10, 0), 2)
		a1 := volunteerAccount(t, db, f, "wang.yi", f.VillageA, v1)
		a2 := volunteerAccount(t, db, f, "wang.er", f.VillageA, v2)
		p1, err := db.SignUpShift(ctx, a1, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := db.AssignShift(ctx, vc, s.ID, v2.ID)
		if err != nil {
			t.Fatal(err)
		}

		// Before the window: the page names when it opens; checking in is refused.
		set(dutyAt(7, 0))
		page, err := db.CheckInStatus(ctx, a1, gate.QRToken)
		if err != nil || page.Place == nil || page.Place.ID != p1.ID || page.CanCheckIn || page.OpensAt == nil ||
			!page.OpensAt.Equal(dutyAt(7, 30)) || page.Post.QRToken != "" {
			t.Fatalf("page before window %+v %v", page, err)
		}
		_, err = db.CheckIn(ctx, a1, gate.QRToken, p1.ID)
		wantCode(t, err, guangong.EINVALID)
		// Thirty minutes before the start it opens.
		set(dutyAt(7, 35))
		page, _ = db.CheckInStatus(ctx, a1, gate.QRToken)
		if !page.CanCheckIn || page.CanCheckOut {
			t.Fatalf("page in window %+v", page)
		}
		// The wrong post's code, someone else's place, a missing token.
		_, err = db.CheckIn(ctx, a1, street.QRToken, p1.ID)
		wantCode(t, err, guangong.EINVALID)
		_, err = db.CheckIn(ctx, a1, gate.QRToken, p2.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.CheckInStatus(ctx, a1, "no-such-token")
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.CheckIn(ctx, vc, gate.QRToken, p1.ID)
		wantCode(t, err, guangong.EFORBIDDEN)
		x, err := db.CheckIn(ctx, a1, gate.QRToken, p1.ID)
		if err != nil || x.CheckInAt == nil || !x.CheckInAt.Equal(dutyAt(7, 35)) {
			t.Fatalf("check in %+v %v", x, err)
		}
		_, err = db.CheckIn(ctx, a1, gate.QRToken, p1.ID)
		wantCode(t, err, guangong.EINVALID)
		// No check-out before the start: nothing has been served.
		_, err = db.CheckOut(ctx, a1, gate.QRToken, p1.ID)
		wantCode(t, err, guangong.EINVALID)
		wantField(t, db.UpdateShift(ctx, vc, &guangong.Shift{ID: s.ID, Role: "护学", StartsAt: dutyAt(8, 30), EndsAt: dutyAt(10, 0), Headcount: 2, Version: s.Version}),
			"startsAt", "已有人签到")

		// The second volunteer checks in late; the window closes at the shift's end.
		set(dutyAt(8, 10))
		if _, err := db.CheckIn(ctx, a2, gate.QRToken, p2.ID); err != nil {
			t.Fatal(err)
		}

		// Checked out half an hour after the end: the hours are clipped to the shift.
		set(dutyAt(10, 30))
		page, _ = db.CheckInStatus(ctx, a1, gate.QRToken)
		if !page.CanCheckOut || page.Place.ID != p1.ID {
			t.Fatalf("page before check-out %+v", page)
		}
		before := auditCount(t, db, "")
		x, err = db.CheckOut(ctx, a1, gate.QRToken, p1.ID)
		if err != nil || x.Minutes != 120 || x.Review || x.ClosedBy != "" {
			t.Fatalf("check out %+v %v", x, err)
		}
		if got := auditCount(t, db, ""); got != before+2 {
			t.Fatalf("check-out wrote %d audit entries, want 2 (place and hours)", got-before)
		}
		var (
			minutes                                   int
			status, shiftID, orgID, by, servedOn, evt string
		)
		if err := db.RawQueryRow(ctx, `SELECT minutes, status, shift_id, org_id, recorded_by, served_on, event_id
			FROM service_hours WHERE volunteer_id = $1`, v1.ID).Scan(&minutes, &status, &shiftID, &orgID, &by, &servedOn, &evt); err != nil {
			t.Fatal(err)
		}
		if minutes != 120 || status != "recorded" || shiftID != s.ID || orgID != f.VillageA.ID || by != a1.UserID ||
			servedOn != "2025-06-16" || evt != "" {
			t.Fatalf("hours row %d %s %s %s %s %s", minutes, status, shiftID, orgID, by, servedOn)
		}
		_, err = db.CheckOut(ctx, a1, gate.QRToken, p1.ID)
		wantCode(t, err, guangong.EINVALID)
		page, _ = db.CheckInStatus(ctx, a1, gate.QRToken)
		if page.Place == nil || page.Place.CheckOutAt == nil || page.Place.HoursMinutes != 120 || page.Place.HoursStatus != "recorded" {
			t.Fatalf("page after check-out %+v", page.Place)
		}
		own, _, _ := db.MyShifts(ctx, a1, guangong.Page{})
		if len(own) != 1 || own[0].HoursMinutes != 120 || own[0].Minutes != 120 {
			t.Fatalf("my shifts after check-out %+v", own)
		}

		// The second volunteer forgets: after the grace, only the organiser can close it.
		set(dutyAt(12, 30))
		_, err = db.CheckOut(ctx, a2, gate.QRToken, p2.ID)
		wantCode(t, err, guangong.EINVALID)
		missed, n, err := db.FindAttendance(ctx, vc, guangong.AttendanceFilter{State: "missed"})
		if err != nil || n != 1 || missed[0].ID != p2.ID {
			t.Fatalf("missed %v %d %v", missed, n, err)
		}
		_, _, err = db.FindAttendance(ctx, a2, guangong.AttendanceFilter{State: "missed"})
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.CloseCheckOut(ctx, a2, p2.ID, dutyAt(9, 40), missed[0].Version)
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.CloseCheckOut(ctx, vc, p2.ID, dutyAt(10, 30), missed[0].Version)
		wantField(t, err, "checkOutAt", "不能晚于班次结束")
		_, err = db.CloseCheckOut(ctx, vc, p2.ID, dutyAt(8, 0), missed[0].Version)
		wantField(t, err, "checkOutAt", "不能早于签到")
		_, err = db.CloseCheckOut(ctx, vc, p2.ID, dutyAt(9, 40), missed[0].Version-1)
		wantCode(t, err, guangong.ECONFLICT)
		_, err = db.CloseCheckOut(ctx, f.Actor("otheradmin"), p2.ID, dutyAt(9, 40), missed[0].Version)
		wantCode(t, err, guangong.ENOTFOUND)
		if got := dutyCount(t, db, "service_hours"); got != 1 {
			t.Fatalf("%d hours rows after refused closes, want 1", got)
		}
		closed, err := db.CloseCheckOut(ctx, vc, p2.ID, dutyAt(9, 40), missed[0].Version)
		if err != nil || !closed.Review || closed.ClosedBy != f.Users["villageclerk"].ID || closed.Minutes != 90 {
			t.Fatalf("closed %+v %v", closed, err)
		}
		if err := db.RawQueryRow(ctx, `SELECT minutes, status, recorded_by FROM service_hours WHERE volunteer_id = $1`,
			v2.ID).Scan(&minutes, &status, &by); err != nil {
			t.Fatal(err)
		}
		if minutes != 90 || status != "recorded" || by != f.Users["villageclerk"].ID {
			t.Fatalf("closed hours row %d %s %s", minutes, status, by)
		}
		review, n, err := db.FindAttendance(ctx, f.Actor("townclerk"), guangong.AttendanceFilter{State: "review"})
		if err != nil || n != 1 || review[0].ID != p2.ID || review[0].ClosedByName != "村录入员" || review[0].HoursMinutes != 90 {
			t.Fatalf("review %+v %d %v", review, n, err)
		}
		if _, n, _ := db.FindAttendance(ctx, vc, guangong.AttendanceFilter{State: "missed"}); n != 0 {
			t.Fatalf("%d still missed after closing", n)
		}
		_, n, _ = db.FindAttendance(ctx, f.Actor("otheradmin"), guangong.AttendanceFilter{State: "review"})
		if n != 0 {
			t.Fatal("another town sees the review list")
		}
		// The trail holds the close with who did it.
		entries, _, err := db.FindAudit(ctx, sys, guangong.AuditFilter{ObjectID: &p2.ID})
		if err != nil || len(entries) < 3 || entries[0].Username != "villageclerk" || entries[0].Action != guangong.ActionUpdate {
			t.Fatalf("audit of the place %v %v", entries, err)
		}
		verifyOK(t, db)
	})
}

// A town's duty may take a village's volunteer: the account (scoped to its village) checks in
// at the town's post for its own place, and sees nothing else of the town.
func TestDutyOwnPlaceOutsideAccountScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		set := dutyClock(db, dutyAt(6, 0))
		tc := f.Actor("townclerk")
		v := mustVolunteer(t, db, f.Actor("villageclerk"), newVolunteer(f.VillageA, "钱值班", "1955-01-01"))
		group := mustPost(t, db, tc, f.Town, "duty_group", "镇值班组")
		s := mustShift(t, db, tc, group, dutyAt(8, 0), dutyAt(12, 0), 11)
		other := mustShift(t, db, tc, group, dutyAt(13, 0), dutyAt(17, 0), 11)
		va := volunteerAccount(t, db, f, "qian", f.VillageA, v)
		_, err := db.CheckInStatus(ctx, va, group.QRToken)
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.SignUpShift(ctx, va, s.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		x, err := db.AssignShift(ctx, tc, s.ID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		set(dutyAt(7, 50))
		page, err := db.CheckInStatus(ctx, va, group.QRToken)
		if err != nil || page.Place == nil || page.Place.ID != x.ID || !page.CanCheckIn || len(page.Open) != 0 {
			t.Fatalf("page %+v %v", page, err)
		}
		if _, err := db.CheckIn(ctx, va, group.QRToken, x.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindShiftByID(ctx, va, s.ID); err != nil {
			t.Fatalf("own shift: %v", err)
		}
		_, err = db.FindShiftByID(ctx, va, other.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.FindDutyPostByID(ctx, va, group.ID)
		wantCode(t, err, guangong.ENOTFOUND)
	})
}

// Hours a clerk recorded by hand for a shift stand: the volunteer's QR check-out afterwards
// records no second row for the same service.
func TestDutyCheckOutAfterHandEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		set := dutyClock(db, dutyAt(7, 40))
		vc := f.Actor("villageclerk")
		v := mustVolunteer(t, db, vc, newVolunteer(f.VillageA, "王三", "1955-03-03"))
		gate := mustPost(t, db, vc, f.VillageA, "school_gate", "青松小学校门")
		s := mustShift(t, db, vc, gate, dutyAt(8, 0), dutyAt(10, 0), 2)
		a := volunteerAccount(t, db, f, "wang.san", f.VillageA, v)
		p, err := db.SignUpShift(ctx, a, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CheckIn(ctx, a, gate.QRToken, p.ID); err != nil {
			t.Fatal(err)
		}
		set(dutyAt(9, 0))
		if err := db.RecordHours(ctx, vc, &guangong.ServiceHours{VolunteerID: v.ID, ShiftID: s.ID, ServedOn: s.StartsOn,
			Minutes: 120, Content: "护学岗值守"}); err != nil {
			t.Fatal(err)
		}
		set(dutyAt(10, 0))
		if _, err := db.CheckOut(ctx, a, gate.QRToken, p.ID); err != nil {
			t.Fatal(err)
		}
		var rows, minutes int
		if err := db.RawQueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(minutes), 0) FROM service_hours WHERE volunteer_id = $1
			AND status IN ('recorded', 'confirmed')`, v.ID).Scan(&rows, &minutes); err != nil {
			t.Fatal(err)
		}
		if rows != 1 || minutes != 120 {
			t.Fatalf("%d live hours rows, %d minutes; want the hand entry alone (1, 120)", rows, minutes)
		}
		verifyOK(t, db)
	})
}
