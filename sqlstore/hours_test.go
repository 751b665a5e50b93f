package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// The events and duty areas keep their own tables; these tests write the few rows they
// need straight into them, as those areas' stores (or a QR check-out) would.

func rawTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func sh(day, clock string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, guangong.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// rawEvent inserts a held activity hosted by org, from start to end (Shanghai), with the
// given co-organisers and volunteers taking part.
func rawEvent(t testing.TB, db *sqlstore.DB, org *guangong.Org, title string, start, end time.Time, coOrgs []string, volunteers ...string) string {
	t.Helper()
	id := guangong.NewID()
	now := rawTime(time.Now())
	if _, err := db.RawExec(ctx, `INSERT INTO events (id, type, org_id, kind, category, subcategory, title, starts_at,
		ends_at, starts_on, place, host, agenda, minutes, decisions, outcome, status, scale, large, troupe_id,
		youths_served, others_count, audience, headcount, plan_item_id, version, created_at, updated_at)
		VALUES ($1, 'activity', $2, '', 'volunteer', 'exam_guard', $3, $4, $5, $6, '低庄镇中学', '', '', '', '', '',
		'held', '', $7, '', 0, 0, 0, 0, '', 1, $8, $8)`, id, org.ID, title, rawTime(start), rawTime(end),
		start.In(guangong.Shanghai).Format(guangong.DateLayout), false, now); err != nil {
		t.Fatal(err)
	}
	for _, o := range append([]string{org.ID}, coOrgs...) {
		if _, err := db.RawExec(ctx, `INSERT INTO event_orgs (event_id, org_id, starts_on, starts_at) VALUES ($1, $2, $3, $4)`,
			id, o, start.In(guangong.Shanghai).Format(guangong.DateLayout), rawTime(start)); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range volunteers {
		if _, err := db.RawExec(ctx, `INSERT INTO event_volunteers (event_id, volunteer_id, role) VALUES ($1, $2, '护考')`, id, v); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// rawShift inserts a duty post of org with one shift from start to end, filled by volunteers.
func rawShift(t testing.TB, db *sqlstore.DB, org *guangong.Org, post string, start, end time.Time, volunteers ...string) string {
	t.Helper()
	pid, sid := guangong.NewID(), guangong.NewID()
	now := rawTime(time.Now())
	if _, err := db.RawExec(ctx, `INSERT INTO duty_posts (id, org_id, kind, name, place, qr_token, active, version,
		created_at, updated_at) VALUES ($1, $2, 'school_gate', $3, '学校南门', $4, $5, 1, $6, $6)`,
		pid, org.ID, post, guangong.NewID(), true, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RawExec(ctx, `INSERT INTO shifts (id, post_id, role, starts_at, ends_at, starts_on, headcount, version,
		created_at) VALUES ($1, $2, '护学', $3, $4, $5, 2, 1, $6)`, sid, pid, rawTime(start), rawTime(end),
		start.In(guangong.Shanghai).Format(guangong.DateLayout), now); err != nil {
		t.Fatal(err)
	}
	for _, v := range volunteers {
		if _, err := db.RawExec(ctx, `INSERT INTO shift_volunteers (id, shift_id, volunteer_id, source, check_in_at,
			check_out_at, closed_by, review, version, created_at) VALUES ($1, $2, $3, 'signup', $4, $5, '', $6, 1, $7)`,
			guangong.NewID(), sid, v, rawTime(start), rawTime(end), false, now); err != nil {
			t.Fatal(err)
		}
	}
	return sid
}

func entry(volunteerID string, minutes int) guangong.HoursEntry {
	return guangong.HoursEntry{VolunteerID: volunteerID, Minutes: minutes}
}

func hoursCount(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	var n int
	if err := db.RawQueryRow(ctx, `SELECT COUNT(*) FROM service_hours`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// confirmedSum adds up a volunteer's confirmed minutes as a person would, from the list.
func confirmedSum(t *testing.T, db *sqlstore.DB, a *guangong.Actor, volunteerID string) int {
	t.Helper()
	list, total, err := db.FindHours(ctx, a, guangong.HoursFilter{VolunteerID: &volunteerID,
		Status: new(guangong.HoursConfirmed), Page: guangong.Page{Limit: guangong.MaxPageSize}})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(list) {
		t.Fatalf("confirmed list %d of %d", len(list), total)
	}
	sum := 0
	for _, h := range list {
		sum += h.Minutes
	}
	return sum
}

func TestHoursRecordConfirmCorrect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow // 2025-06-15
		clerk, admin := f.Actor("townclerk"), f.Actor("townadmin")
		va := mustVolunteer(t, db, f.Actor("villageclerk"), newVolunteer(f.VillageA, "李德明", "1950-04-12"))
		other := mustVolunteer(t, db, f.Actor("otheradmin"), newVolunteer(f.OtherTown, "外镇人", "1952-01-01"))
		ev := rawEvent(t, db, f.Town, "中考护考", sh("2025-06-01", "08:00"), sh("2025-06-01", "11:00"), nil, va.ID)
		sid := rawShift(t, db, f.Town, "中心小学护学岗", sh("2025-06-02", "07:00"), sh("2025-06-02", "09:00"), va.ID)

		h := &guangong.ServiceHours{VolunteerID: va.ID, EventID: ev, ServedOn: "2025-06-01", Minutes: 150, Content: " 护考 "}
		if err := db.RecordHours(ctx, clerk, h); err != nil {
			t.Fatal(err)
		}
		if h.ID == "" || h.Status != guangong.HoursRecorded || h.OrgID != f.Town.ID || h.RecorderName != "镇录入员" ||
			h.RecordedBy != f.Users["townclerk"].ID || h.Content != "护考" || h.EventTitle != "中考护考" || h.Version != 1 {
			t.Fatalf("recorded %+v", h)
		}
		if got := lastAudit(t, db); got.Action != guangong.ActionCreate || got.ObjectID != h.ID || got.ObjectType != "service_hours" {
			t.Fatalf("audit %+v", got)
		}
		n := hoursCount(t, db)
		bad := []struct {
			h            guangong.ServiceHours
			field, words string
		}{
			{guangong.ServiceHours{VolunteerID: va.ID, EventID: ev, ServedOn: "2025-06-01", Minutes: 181, Content: "x"}, "minutes", "活动时长（3小时）"},
			{guangong.ServiceHours{VolunteerID: va.ID, ShiftID: sid, ServedOn: "2025-06-02", Minutes: 121, Content: "x"}, "minutes", "班次时长（2小时）"},
			{guangong.ServiceHours{VolunteerID: va.ID, OrgID: f.Town.ID, ServedOn: "2025-06-01", Minutes: 0, Content: "x"}, "minutes", "大于0"},
			{guangong.ServiceHours{VolunteerID: va.ID, OrgID: f.Town.ID, ServedOn: "2025-06-16", Minutes: 30, Content: "x"}, "servedOn", "不能晚于今天"},
			{guangong.ServiceHours{VolunteerID: va.ID, OrgID: f.Town.ID, ServedOn: "2025-06-01", Minutes: 30}, "content", ""},
			{guangong.ServiceHours{VolunteerID: va.ID, EventID: ev, ServedOn: "2025-06-03", Minutes: 30, Content: "x"}, "servedOn", "之间"},
			{guangong.ServiceHours{VolunteerID: va.ID, EventID: ev, ServedOn: "2025-06-01", Minutes: 30, Content: "x"}, "volunteerId", "已有记录"},
			{guangong.ServiceHours{VolunteerID: va.ID, EventID: ev, OrgID: f.VillageA.ID, ServedOn: "2025-06-01", Minutes: 30, Content: "x"}, "orgId", "主办或协办"},
			{guangong.ServiceHours{VolunteerID: other.ID, OrgID: f.Town.ID, ServedOn: "2025-06-01", Minutes: 30, Content: "x"}, "volunteerId", "不存在"},
		}
		for _, b := range bad {
			err := db.RecordHours(ctx, clerk, &b.h)
			wantField(t, err, b.field, b.words)
		}
		if got := hoursCount(t, db); got != n {
			t.Fatalf("bad input saved rows: %d, want %d", got, n)
		}
		// The volunteer outside scope is refused as missing, and the attempt audited.
		if e := lastAudit(t, db); e.Action != guangong.ActionDenied || e.ObjectID != other.ID {
			t.Fatalf("denial audit %+v", e)
		}
		// A village clerk cannot record for the town's activity: the organiser is out of its scope.
		err := db.RecordHours(ctx, f.Actor("villageclerk"), &guangong.ServiceHours{VolunteerID: va.ID, EventID: ev,
			ServedOn: "2025-06-01", Minutes: 30, Content: "x"})
		wantCode(t, err, guangong.EINVALID)
		// A viewer records nothing.
		wantCode(t, db.RecordHours(ctx, f.Actor("villageviewer"), &guangong.ServiceHours{VolunteerID: va.ID,
			OrgID: f.VillageA.ID, ServedOn: "2025-06-01", Minutes: 30, Content: "x"}), guangong.EFORBIDDEN)

		// The shift's hours, and a standalone record.
		sh1 := &guangong.ServiceHours{VolunteerID: va.ID, ShiftID: sid, ServedOn: "2025-06-02", Minutes: 120, Content: "护学岗"}
		if err := db.RecordHours(ctx, clerk, sh1); err != nil {
			t.Fatal(err)
		}
		if sh1.Place != "学校南门" || sh1.ShiftLabel != "中心小学护学岗 护学" || sh1.OrgID != f.Town.ID {
			t.Fatalf("shift record %+v", sh1)
		}
		alone := &guangong.ServiceHours{VolunteerID: va.ID, OrgID: f.VillageA.ID, ServedOn: "2024-12-20", Minutes: 45,
			Place: "村委会", Content: "政策宣讲"}
		if err := db.RecordHours(ctx, f.Actor("villageclerk"), alone); err != nil {
			t.Fatal(err)
		}

		// Confirmation: only by the organiser, at the read version, only once.
		wantCode(t, db.ConfirmHours(ctx, f.Actor("villageclerk"), []guangong.VersionRef{{ID: h.ID, Version: 1}}), guangong.ENOTFOUND)
		wantCode(t, db.ConfirmHours(ctx, admin, []guangong.VersionRef{{ID: h.ID, Version: 7}}), guangong.ECONFLICT)
		if err := db.ConfirmHours(ctx, admin, []guangong.VersionRef{{ID: h.ID, Version: 1}, {ID: sh1.ID, Version: 1}, {ID: alone.ID, Version: 1}}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.ConfirmHours(ctx, admin, []guangong.VersionRef{{ID: h.ID, Version: 2}}), guangong.EINVALID)
		got, err := db.FindHoursByID(ctx, f.Actor("villageviewer"), h.ID) // the volunteer is in the viewer's scope
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != guangong.HoursConfirmed || got.ConfirmedBy != f.Users["townadmin"].ID || got.ConfirmedAt == "" || got.Version != 2 {
			t.Fatalf("confirmed %+v", got)
		}
		if _, err := db.FindHoursByID(ctx, f.Actor("otheradmin"), h.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Fatalf("other town reads the record: %v", err)
		}

		// Recorded but not confirmed: counts nowhere yet.
		pending := &guangong.ServiceHours{VolunteerID: va.ID, OrgID: f.Town.ID, ServedOn: "2025-05-01", Minutes: 33, Content: "待确认"}
		if err := db.RecordHours(ctx, clerk, pending); err != nil {
			t.Fatal(err)
		}
		// A certificate counts the confirmed minutes the town and those below it organised.
		cert := &guangong.Certificate{VolunteerID: va.ID, OrgID: f.Town.ID, From: "2024-01-01", To: "2025-06-15"}
		if err := db.IssueCertificate(ctx, admin, cert); err != nil {
			t.Fatal(err)
		}
		if want := confirmedSum(t, db, admin, va.ID); cert.Minutes != want || want != 150+120+45 || cert.Records != 3 {
			t.Fatalf("certificate %d minutes (%d records), confirmed sum %d", cert.Minutes, cert.Records, want)
		}
		if cert.Serial != "431224101-2025-00001" || !strings.Contains(cert.Content, "护考") || !strings.Contains(cert.Content, "共3次") {
			t.Fatalf("certificate %+v", cert)
		}
		// The village issues only what it organised itself.
		vcert := &guangong.Certificate{VolunteerID: va.ID, OrgID: f.VillageA.ID, From: "2024-01-01", To: "2025-06-15", Content: "宣讲"}
		if err := db.IssueCertificate(ctx, f.Actor("villageclerk"), vcert); err != nil {
			t.Fatal(err)
		}
		if vcert.Minutes != 45 || vcert.Serial != "V001-2025-00001" || vcert.Content != "宣讲" {
			t.Fatalf("village certificate %+v", vcert)
		}
		err = db.IssueCertificate(ctx, admin, &guangong.Certificate{VolunteerID: va.ID, OrgID: f.Town.ID, From: "2020-01-01", To: "2020-12-31"})
		wantField(t, err, "from", "没有")

		// A correction never edits the confirmed row: it adds one that supersedes it.
		_, err = db.CorrectHours(ctx, admin, h.ID, guangong.HoursCorrection{Version: 2, ServedOn: "2025-06-01", Minutes: 90, Content: "护考"})
		wantField(t, err, "reason", "")
		_, err = db.CorrectHours(ctx, admin, h.ID, guangong.HoursCorrection{Version: 2, ServedOn: "2025-06-01", Minutes: 200, Content: "护考", Reason: "r"})
		wantField(t, err, "minutes", "活动时长")
		_, err = db.CorrectHours(ctx, admin, h.ID, guangong.HoursCorrection{Version: 1, ServedOn: "2025-06-01", Minutes: 90, Content: "护考", Reason: "r"})
		wantCode(t, err, guangong.ECONFLICT)
		nh, err := db.CorrectHours(ctx, admin, h.ID, guangong.HoursCorrection{Version: 2, ServedOn: "2025-06-01", Minutes: 90,
			Content: "护考", Reason: "签到表核对：实际9:00到岗"})
		if err != nil {
			t.Fatal(err)
		}
		if nh.Supersedes != h.ID || nh.Status != guangong.HoursConfirmed || nh.Minutes != 90 || nh.EventID != ev || nh.Reason == "" {
			t.Fatalf("correction %+v", nh)
		}
		old, _ := db.FindHoursByID(ctx, admin, h.ID)
		if old.Status != guangong.HoursSuperseded || old.SupersededBy != nh.ID || old.Minutes != 150 || old.Version != 3 {
			t.Fatalf("superseded %+v", old)
		}
		_, err = db.CorrectHours(ctx, admin, h.ID, guangong.HoursCorrection{Version: 3, ServedOn: "2025-06-01", Minutes: 60, Content: "护考", Reason: "again"})
		wantCode(t, err, guangong.EINVALID)
		trace, err := db.HoursTrace(ctx, admin, nh.ID)
		if err != nil || len(trace) != 2 || trace[0].ID != h.ID || trace[1].ID != nh.ID {
			t.Fatalf("trace %v %v", trace, err)
		}

		// After the correction the certificate still equals the confirmed sum.
		cert2 := &guangong.Certificate{VolunteerID: va.ID, OrgID: f.Town.ID, From: "2024-01-01", To: "2025-06-15"}
		if err := db.IssueCertificate(ctx, admin, cert2); err != nil {
			t.Fatal(err)
		}
		if want := confirmedSum(t, db, admin, va.ID); cert2.Minutes != want || want != 90+120+45 || cert2.Serial != "431224101-2025-00002" {
			t.Fatalf("certificate after correction %d (%s), confirmed sum %d", cert2.Minutes, cert2.Serial, want)
		}
		// Issued certificates keep the figure they were issued with.
		c1, err := db.FindCertificate(ctx, f.Actor("villageviewer"), cert.ID)
		if err != nil || c1.Minutes != 315 || c1.IssuerName != "镇管理员" || c1.OrgName != "低庄镇" {
			t.Fatalf("certificate read back %+v %v", c1, err)
		}
		if _, err := db.FindCertificate(ctx, f.Actor("otheradmin"), cert.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Fatalf("other town reads the certificate: %v", err)
		}
		certs, err := db.Certificates(ctx, admin, va.ID)
		if err != nil || len(certs) != 3 {
			t.Fatalf("certificates %d %v", len(certs), err)
		}

		// Void, with a reason.
		wantField(t, db.VoidHours(ctx, admin, sh1.ID, 2, " "), "reason", "")
		if err := db.VoidHours(ctx, admin, sh1.ID, 2, "重复记录"); err != nil {
			t.Fatal(err)
		}
		if want := confirmedSum(t, db, admin, va.ID); want != 90+45 {
			t.Fatalf("after void %d", want)
		}
		years, err := db.YearlyHours(ctx, f.Actor("villageviewer"), va.ID)
		if err != nil || len(years) != 2 || years[0].Year != "2025" || years[0].Confirmed != 90 || years[0].Pending != 33 || years[0].Records != 2 ||
			years[1].Year != "2024" || years[1].Confirmed != 45 {
			t.Fatalf("yearly %+v %v", years, err)
		}
		_, err = db.YearlyHours(ctx, f.Actor("otheradmin"), va.ID)
		wantCode(t, err, guangong.ENOTFOUND)

		// A volunteer's own account reads its own service record, and no one else's.
		me := &guangong.Actor{UserID: "acct", Username: "lideming", Role: guangong.RoleVolunteer, OrgID: f.VillageA.ID, VolunteerID: va.ID}
		if ys, err := db.YearlyHours(ctx, me, va.ID); err != nil || len(ys) != 2 {
			t.Fatalf("own yearly hours %v %v", ys, err)
		}
		if list, n, err := db.FindHours(ctx, me, guangong.HoursFilter{VolunteerID: &va.ID}); err != nil || n != 5 || len(list) != 5 {
			t.Fatalf("own hours %d %v", n, err)
		}
		if _, err := db.FindHoursByID(ctx, me, nh.ID); err != nil {
			t.Fatal(err)
		}
		if c, err := db.FindCertificate(ctx, me, cert2.ID); err != nil || c.Minutes != cert2.Minutes {
			t.Fatalf("own certificate %v %v", c, err)
		}
		if cs, err := db.Certificates(ctx, me, va.ID); err != nil || len(cs) != 3 {
			t.Fatalf("own certificates %d %v", len(cs), err)
		}
		_, _, err = db.FindHours(ctx, me, guangong.HoursFilter{})
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.YearlyHours(ctx, me, other.ID)
		wantCode(t, err, guangong.EFORBIDDEN)
		someone := &guangong.Actor{UserID: "acct2", Username: "other", Role: guangong.RoleVolunteer, OrgID: f.VillageA.ID, VolunteerID: other.ID}
		_, err = db.FindHoursByID(ctx, someone, nh.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		_, err = db.FindCertificate(ctx, someone, cert2.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		wantCode(t, db.RecordHours(ctx, me, &guangong.ServiceHours{VolunteerID: va.ID, OrgID: f.VillageA.ID,
			ServedOn: "2025-06-01", Minutes: 30, Content: "自报"}), guangong.EFORBIDDEN)
		verifyOK(t, db)
	})
}

func TestHoursBatchAndDutyRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		clerk := f.Actor("townclerk")
		var ids []string
		for _, name := range []string{"甲", "乙", "丙"} {
			ids = append(ids, mustVolunteer(t, db, clerk, newVolunteer(f.VillageB, name+"志愿者", "1951-02-03")).ID)
		}
		other := mustVolunteer(t, db, f.Actor("otheradmin"), newVolunteer(f.OtherTown, "外镇人", "1952-01-01"))
		ev := rawEvent(t, db, f.County, "清明祭扫", sh("2025-04-04", "08:00"), sh("2025-04-04", "12:00"), []string{f.Town.ID}, ids...)
		batch := func(entries ...guangong.HoursEntry) *guangong.HoursBatch {
			return &guangong.HoursBatch{EventID: ev, OrgID: f.Town.ID, ServedOn: "2025-04-04", Place: "烈士陵园", Content: "清明祭扫讲解", Entries: entries}
		}
		before := hoursCount(t, db)
		_, err := db.RecordHoursBatch(ctx, clerk, batch(entry(ids[0], 60), entry(ids[1], 241)))
		wantField(t, err, "entries.1.minutes", "活动时长")
		_, err = db.RecordHoursBatch(ctx, clerk, batch(entry(ids[0], 60), entry(other.ID, 60)))
		wantField(t, err, "entries.1.volunteerId", "")
		_, err = db.RecordHoursBatch(ctx, clerk, batch(entry(ids[0], 60), entry(ids[0], 60)))
		wantField(t, err, "entries.1.volunteerId", "重复")
		// The host (the county) is outside the town clerk's scope: it names the town, a co-organiser.
		b := batch(entry(ids[0], 60))
		b.OrgID = ""
		_, err = db.RecordHoursBatch(ctx, clerk, b)
		wantCode(t, err, guangong.EINVALID)
		if got := hoursCount(t, db); got != before {
			t.Fatalf("a refused batch saved %d rows", got-before)
		}
		rows, err := db.RecordHoursBatch(ctx, clerk, batch(entry(ids[0], 240), entry(ids[1], 120), entry(ids[2], 90)))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[2].Minutes != 90 || rows[0].OrgID != f.Town.ID || rows[1].EventTitle != "清明祭扫" {
			t.Fatalf("batch %+v", rows)
		}
		sheet, err := db.HoursSheet(ctx, clerk, ev, "")
		if err != nil {
			t.Fatal(err)
		}
		if sheet.OrgID != f.Town.ID || sheet.Length != 240 || sheet.FirstDay != "2025-04-04" || len(sheet.People) != 3 ||
			sheet.People[0].Suggested != 240 {
			t.Fatalf("sheet %+v", sheet)
		}
		for _, p := range sheet.People {
			if want := map[string]int{ids[0]: 240, ids[1]: 120, ids[2]: 90}[p.VolunteerID]; p.Recorded != want {
				t.Fatalf("sheet shows %s recorded %d, want %d", p.Name, p.Recorded, want)
			}
		}
		_, err = db.HoursSheet(ctx, f.Actor("otheradmin"), ev, "")
		wantCode(t, err, guangong.ENOTFOUND)
		list, total, err := db.FindHours(ctx, clerk, guangong.HoursFilter{EventID: &ev})
		if err != nil || total != 3 || len(list) != 3 {
			t.Fatalf("event hours %d %v", total, err)
		}

		// A QR check-out writes its row straight into the table (the duty area): it is
		// listed, confirmed and certified like any other.
		sid := rawShift(t, db, f.VillageB, "白沙村街长巡查", sh("2025-05-10", "18:00"), sh("2025-05-10", "20:00"), ids[0])
		dutyID := guangong.NewID()
		at := rawTime(sh("2025-05-10", "20:01"))
		if _, err := db.RawExec(ctx, `INSERT INTO service_hours (id, volunteer_id, org_id, event_id, shift_id, served_on,
			minutes, place, content, status, recorded_by, recorder_name, recorded_at, confirmed_by, confirmed_at, supersedes,
			superseded_by, reason, version, created_at, updated_at) VALUES ($1, $2, $3, '', $4, '2025-05-10', 118, '白沙村',
			'街长巡查', 'recorded', $5, '村录入员', $6, '', '', '', '', '', 1, $6, $6)`,
			dutyID, ids[0], f.VillageB.ID, sid, f.Users["villageclerk"].ID, at); err != nil {
			t.Fatal(err)
		}
		mine, total, err := db.FindHours(ctx, f.Actor("villageviewer"), guangong.HoursFilter{OrgID: nil, Status: new(guangong.HoursRecorded)})
		if err != nil || total != 0 || len(mine) != 0 {
			t.Fatalf("village A's viewer sees village B's duty: %d %v", total, err)
		}
		d, err := db.FindHoursByID(ctx, clerk, dutyID)
		if err != nil || d.ShiftLabel != "白沙村街长巡查 护学" || d.RecorderName != "村录入员" {
			t.Fatalf("duty row %+v %v", d, err)
		}
		// A hand entry for the same shift and day would count it twice.
		err = db.RecordHours(ctx, clerk, &guangong.ServiceHours{VolunteerID: ids[0], ShiftID: sid, ServedOn: "2025-05-10", Minutes: 60, Content: "巡查"})
		wantField(t, err, "volunteerId", "已有记录")
		refs := []guangong.VersionRef{{ID: dutyID, Version: 1}}
		for _, r := range rows {
			refs = append(refs, guangong.VersionRef{ID: r.ID, Version: r.Version})
		}
		if err := db.ConfirmHours(ctx, f.Actor("townadmin"), refs); err != nil {
			t.Fatal(err)
		}
		c := &guangong.Certificate{VolunteerID: ids[0], OrgID: f.Town.ID, From: "2025-01-01", To: "2025-06-15"}
		if err := db.IssueCertificate(ctx, f.Actor("townadmin"), c); err != nil {
			t.Fatal(err)
		}
		if c.Minutes != 240+118 || c.Minutes != confirmedSum(t, db, clerk, ids[0]) {
			t.Fatalf("certificate with the duty row: %d", c.Minutes)
		}

		// The volunteer's activities and shifts.
		evs, n, err := db.VolunteerEvents(ctx, f.Actor("townadmin"), ids[0], guangong.Page{})
		if err != nil || n != 1 || len(evs) != 1 || evs[0].Title != "清明祭扫" || evs[0].OrgName != "溆浦县" || evs[0].Role != "护考" {
			t.Fatalf("volunteer events %+v %d %v", evs, n, err)
		}
		shs, n, err := db.VolunteerShifts(ctx, clerk, ids[0], guangong.Page{})
		if err != nil || n != 1 || shs[0].PostName != "白沙村街长巡查" || shs[0].CheckOutAt == "" || !shs[0].StartsAt.Equal(sh("2025-05-10", "18:00")) {
			t.Fatalf("volunteer shifts %+v %d %v", shs, n, err)
		}
		_, _, err = db.VolunteerShifts(ctx, f.Actor("otheradmin"), ids[0], guangong.Page{})
		wantCode(t, err, guangong.ENOTFOUND)
		verifyOK(t, db)
	})
}

func TestHoursExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		admin, clerk := f.Actor("townadmin"), f.Actor("townclerk")
		v := mustVolunteer(t, db, clerk, newVolunteer(f.VillageA, "王秀英", "1949-09-09"))
		h := &guangong.ServiceHours{VolunteerID: v.ID, OrgID: f.Town.ID, ServedOn: "2025-03-05", Minutes: 100, Place: "镇文化站", Content: "学雷锋宣讲"}
		if err := db.RecordHours(ctx, clerk, h); err != nil {
			t.Fatal(err)
		}
		pending := &guangong.ServiceHours{VolunteerID: v.ID, OrgID: f.Town.ID, ServedOn: "2025-03-06", Minutes: 30, Content: "未确认"}
		if err := db.RecordHours(ctx, clerk, pending); err != nil {
			t.Fatal(err)
		}
		if err := db.ConfirmHours(ctx, admin, []guangong.VersionRef{{ID: h.ID, Version: 1}}); err != nil {
			t.Fatal(err)
		}
		exports := auditCount(t, db, guangong.ActionExport)
		_, err := db.ExportHours(ctx, clerk, guangong.HoursExport{Format: "xlsx", Reveal: true, Reason: "报送"})
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.ExportHours(ctx, admin, guangong.HoursExport{Format: "xlsx", Reveal: true})
		wantField(t, err, "reason", "")
		if got := auditCount(t, db, guangong.ActionExport); got != exports {
			t.Fatalf("refused exports audited as exports: %d", got-exports)
		}
		rows, err := db.ExportHours(ctx, clerk, guangong.HoursExport{Format: "csv"})
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("only confirmed hours are exported by default: %d rows", len(rows))
		}
		r := rows[0]
		if r.VolunteerName != "王秀英" || r.IDType != "居民身份证" || r.IDNumber == v.IDNumber || !strings.Contains(r.IDNumber, "*") ||
			r.Activity != "学雷锋宣讲" || r.ServedOn != "2025-03-05" || r.Place != "镇文化站" || r.Minutes != 100 ||
			r.RecorderName != "镇录入员" || r.OrgName != "低庄镇" {
			t.Fatalf("masked row %+v", r)
		}
		e := lastAudit(t, db)
		if e.Action != guangong.ActionExport || !strings.Contains(e.Detail, "masked") || !strings.Contains(e.Detail, "rows=1") {
			t.Fatalf("export audit %+v", e)
		}
		rows, err = db.ExportHours(ctx, admin, guangong.HoursExport{Format: "xlsx", Reveal: true, Reason: "报送全国志愿服务信息系统"})
		if err != nil {
			t.Fatal(err)
		}
		if rows[0].IDNumber != v.IDNumber {
			t.Fatalf("full export ID %q, want %q", rows[0].IDNumber, v.IDNumber)
		}
		if e := lastAudit(t, db); !strings.Contains(e.Detail, "revealed") || !strings.Contains(e.Detail, "报送全国") {
			t.Fatalf("full export audit %+v", e)
		}
		// The village's clerk exports only what its own committees organised.
		rows, err = db.ExportHours(ctx, f.Actor("villageclerk"), guangong.HoursExport{Format: "csv"})
		if err != nil || len(rows) != 0 {
			t.Fatalf("village export %d %v", len(rows), err)
		}
	})
}
