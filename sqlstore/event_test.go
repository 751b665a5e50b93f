package sqlstore_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// at is a Shanghai wall-clock time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, guangong.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func newMeeting(org *guangong.Org, title, start string) *guangong.Event {
	return &guangong.Event{Type: guangong.EventMeeting, OrgID: org.ID, Kind: "advance", Title: title,
		StartsAt: at(start), EndsAt: at(start).Add(2 * time.Hour), Place: "镇会议室", Host: "周主任",
		Agenda: "部署全年工作", Status: guangong.EventHeld}
}

func newActivity(org *guangong.Org, title, category, start string) *guangong.Event {
	return &guangong.Event{Type: guangong.EventActivity, OrgID: org.ID, Category: category, Title: title,
		StartsAt: at(start), EndsAt: at(start).Add(3 * time.Hour), Place: "村文化广场", Status: guangong.EventHeld}
}

func mustEvent(t *testing.T, db *sqlstore.DB, a *guangong.Actor, e *guangong.Event) *guangong.Event {
	t.Helper()
	if err := db.CreateEvent(ctx, a, e); err != nil {
		t.Fatalf("create event %s: %v", e.Title, err)
	}
	return e
}

func eventCount(t *testing.T, db *sqlstore.DB, table string) int {
	t.Helper()
	var n int
	if err := db.RawQueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pngBytes is a minimal PNG signature followed by filler: what the sniffer looks at.
func pngBytes(n int) []byte {
	b := append([]byte("\x89PNG\x0D\x0A\x1A\x0A"), bytes.Repeat([]byte{0}, n)...)
	return b
}

func TestEventValidationSavesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		clerk := f.Actor("townclerk")
		other := mustVolunteer(t, db, f.Actor("otheradmin"), newVolunteer(f.OtherTown, "外镇志愿者", "1950-01-01"))
		before := auditCount(t, db, "")

		e := newMeeting(f.Town, "推进会", "2025-03-01 09:00")
		e.EndsAt = e.StartsAt.Add(-time.Hour)
		wantField(t, db.CreateEvent(ctx, clerk, e), "endsAt", "结束时间不能早于开始时间")

		e = newActivity(f.Town, "清明祭扫", "moral", "2025-04-04 09:00")
		e.VolunteerIDs = []string{other.ID}
		err := db.CreateEvent(ctx, clerk, e)
		wantField(t, err, "volunteerIds", "不在您的管辖范围内")
		if e.ID != "" {
			t.Fatalf("a refused event kept id %s", e.ID)
		}
		if denied := lastAudit(t, db); denied.Action != guangong.ActionDenied || denied.ObjectID != other.ID {
			t.Fatalf("the out-of-scope volunteer was not audited as a denial: %+v", denied)
		}

		e = newActivity(f.Town, "共建活动", "central", "2025-04-05 09:00")
		e.CoOrgIDs = []string{f.OtherTown.ID}
		wantField(t, db.CreateEvent(ctx, clerk, e), "coOrgIds", "")

		e = newActivity(f.Town, "汇演", "performance", "2025-05-01 19:00")
		wantField(t, db.CreateEvent(ctx, clerk, e), "scale", "")
		e = newActivity(f.Town, "未来活动", "care", "2025-07-01 09:00") // after fixedNow, yet "held"
		wantField(t, db.CreateEvent(ctx, clerk, e), "status", "")
		e = newActivity(f.Town, "错类", "central", "2025-04-05 09:00")
		e.Subcategory = "qingming"
		wantField(t, db.CreateEvent(ctx, clerk, e), "subcategory", "")
		e = newActivity(f.Town, "计数", "care", "2025-04-05 09:00")
		e.OthersCount = -1
		wantField(t, db.CreateEvent(ctx, clerk, e), "othersCount", "")

		// A bad attachment refuses the whole quick entry.
		e = newActivity(f.Town, "带照片", "care", "2025-04-06 09:00")
		err = db.CreateEventWithFiles(ctx, clerk, e, []guangong.Upload{{Name: "ok.png", Data: pngBytes(10)},
			{Name: "photo.jpg", Data: []byte("this is text, not a photo")}})
		wantField(t, err, "file", "只能上传照片")
		err = db.CreateEventWithFiles(ctx, clerk, e, []guangong.Upload{{Name: "big.png", Data: pngBytes(guangong.MaxAttachmentBytes)}})
		wantField(t, err, "file", "10MB")

		for _, table := range []string{"events", "event_orgs", "event_volunteers", "attachments"} {
			if n := eventCount(t, db, table); n != 0 {
				t.Fatalf("%d rows in %s after refused saves", n, table)
			}
		}
		var n int
		if err := db.RawQueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE object_type IN ('event', 'attachment')
			AND result = 'ok'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d event audit entries after refused saves (%v)", n, err)
		}
		if auditCount(t, db, "") <= before {
			t.Fatal("no denial recorded")
		}
		verifyOK(t, db)
	})
}

func TestEventScopeCoOrganisersAndAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		clerk := f.Actor("townclerk")
		v1 := mustVolunteer(t, db, clerk, newVolunteer(f.Town, "周明", "1950-01-01"))
		v2 := mustVolunteer(t, db, clerk, newVolunteer(f.VillageA, "李华", "1952-01-01"))
		e := newActivity(f.Town, "街道环境整治", "central", "2025-06-02 08:00")
		e.Subcategory = "sanitation"
		e.CoOrgIDs = []string{f.VillageA.ID, f.VillageA.ID, f.Town.ID}
		e.VolunteerIDs = []string{v1.ID, v2.ID}
		e.OthersCount = 5
		mustEvent(t, db, clerk, e)
		if e.Headcount != 7 || e.Large || e.StartsOn != "2025-06-02" || len(e.CoOrgIDs) != 1 || e.Version != 1 {
			t.Fatalf("created %+v", e)
		}
		if a := lastAudit(t, db); a.Action != guangong.ActionCreate || a.ObjectType != "event" || a.ObjectID != e.ID || a.OrgID != f.Town.ID {
			t.Fatalf("audit %+v", a)
		}

		// The co-organising village sees it in its lists and calendar, but may not edit it.
		vc := f.Actor("villageclerk")
		got, err := db.FindEventByID(ctx, vc, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Orgs) != 2 || !got.Orgs[0].Host || got.Orgs[1].ID != f.VillageA.ID || len(got.Volunteers) != 2 {
			t.Fatalf("read back %+v", got)
		}
		cal, err := db.EventCalendar(ctx, vc, "", "2025-06")
		if err != nil || len(cal) != 1 || cal[0].ID != e.ID {
			t.Fatalf("village calendar %v %v", cal, err)
		}
		if cal, _ := db.EventCalendar(ctx, vc, "", "2025-05"); len(cal) != 0 {
			t.Fatalf("May shows June's event: %v", cal)
		}
		got.Title = "改名"
		wantCode(t, db.UpdateEvent(ctx, vc, got), guangong.ENOTFOUND)
		// Another town sees nothing.
		_, err = db.FindEventByID(ctx, f.Actor("otheradmin"), e.ID)
		wantCode(t, err, guangong.ENOTFOUND)
		if list, n, _ := db.FindEvents(ctx, f.Actor("otheradmin"), guangong.EventFilter{}); n != 0 || len(list) != 0 {
			t.Fatalf("other town lists %d", n)
		}
		_, err = db.EventCalendar(ctx, f.Actor("otheradmin"), f.Town.ID, "2025-06")
		wantCode(t, err, guangong.ENOTFOUND)
		// Administrators of accounts read no records.
		_, err = db.FindEventByID(ctx, f.Actor("admin"), e.ID)
		wantCode(t, err, guangong.EFORBIDDEN)

		// Filters.
		m := mustEvent(t, db, clerk, newMeeting(f.Town, "集中学习", "2025-05-10 09:00"))
		for _, c := range []struct {
			f    guangong.EventFilter
			want int
		}{
			{guangong.EventFilter{}, 2},
			{guangong.EventFilter{Type: ptr("meeting")}, 1},
			{guangong.EventFilter{Category: ptr("central"), Subcategory: ptr("sanitation")}, 1},
			{guangong.EventFilter{From: ptr("2025-06-01"), To: ptr("2025-06-30")}, 1},
			{guangong.EventFilter{To: ptr("2025-05-10")}, 1},
			{guangong.EventFilter{VolunteerID: &v2.ID}, 1},
			{guangong.EventFilter{OrgID: &f.VillageA.ID}, 1},
			{guangong.EventFilter{OrgID: &f.School.ID}, 0},
			{guangong.EventFilter{Status: ptr("planned")}, 0},
		} {
			list, n, err := db.FindEvents(ctx, clerk, c.f)
			if err != nil || n != c.want || len(list) != c.want {
				t.Fatalf("filter %+v: %d/%d %v", c.f, len(list), n, err)
			}
		}
		_, _, err = db.FindEvents(ctx, clerk, guangong.EventFilter{Type: ptr("party")})
		wantField(t, err, "type", "")

		// Two clerks edit the same version: the second is refused, nothing of it saved.
		a1, _ := db.FindEventByID(ctx, clerk, m.ID)
		a2, _ := db.FindEventByID(ctx, f.Actor("townadmin"), m.ID)
		a1.Minutes = "第一位录入员的记录"
		if err := db.UpdateEvent(ctx, clerk, a1); err != nil {
			t.Fatal(err)
		}
		a2.Minutes = "第二位的记录"
		err = db.UpdateEvent(ctx, f.Actor("townadmin"), a2)
		wantCode(t, err, guangong.ECONFLICT)
		if !strings.Contains(guangong.ErrorMsg(err).Zh, "已被他人修改") {
			t.Fatalf("stale message %v", err)
		}
		back, _ := db.FindEventByID(ctx, clerk, m.ID)
		if back.Minutes != "第一位录入员的记录" || back.Version != 2 {
			t.Fatalf("after the conflict %+v", back)
		}
		if a := lastAudit(t, db); a.Action != guangong.ActionUpdate || a.ObjectID != m.ID || len(a.Changes) != 1 || a.Changes[0].Field != "minutes" {
			t.Fatalf("update audit %+v", a)
		}
		// Statuses move forward only; an end before the start is refused on edits too.
		back.Status = guangong.EventPlanned
		wantField(t, db.UpdateEvent(ctx, clerk, back), "status", "向前")
		back.Status, back.EndsAt = guangong.EventRecorded, back.StartsAt.Add(-time.Minute)
		wantField(t, db.UpdateEvent(ctx, clerk, back), "endsAt", "")
		verifyOK(t, db)
	})
}

func TestLargeRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		clerk := f.Actor("townclerk")
		town := f.Actor("townadmin")
		big := func(org *guangong.Org, typ string, people int) *guangong.Event {
			var e *guangong.Event
			if typ == guangong.EventMeeting {
				e = newMeeting(org, "会议", "2025-06-01 09:00")
			} else {
				e = newActivity(org, "活动", "care", "2025-06-01 09:00")
			}
			e.OthersCount = people
			return mustEvent(t, db, clerk, e)
		}
		// Defaults: 30 for meetings, 50 for activities.
		m29, m30 := big(f.VillageA, "meeting", 29), big(f.VillageA, "meeting", 30)
		a20, a60 := big(f.VillageA, "activity", 20), big(f.VillageA, "activity", 60)
		townAct := big(f.Town, "activity", 20)
		if m29.Large || !m30.Large || a20.Large || !a60.Large || townAct.Large {
			t.Fatal("defaults not applied")
		}
		perf := newActivity(f.VillageA, "小型汇演", "performance", "2025-06-01 19:00")
		perf.Scale, perf.Audience, perf.OthersCount = "small", 300, 200
		mustEvent(t, db, clerk, perf)
		if perf.Large {
			t.Fatal("a small performance counted large by its headcount")
		}

		// A clerk may not set the rule; the town's administrator may, for the committees below.
		err := db.SetLargeRule(ctx, clerk, &guangong.LargeRule{OrgID: f.Town.ID, MeetingMin: 10, ActivityMin: 15})
		wantCode(t, err, guangong.EFORBIDDEN)
		wantField(t, db.SetLargeRule(ctx, town, &guangong.LargeRule{OrgID: f.Town.ID, MeetingMin: 0, ActivityMin: 15}), "meetingMin", "")
		err = db.SetLargeRule(ctx, f.Actor("otheradmin"), &guangong.LargeRule{OrgID: f.Town.ID, MeetingMin: 10, ActivityMin: 15})
		wantCode(t, err, guangong.ENOTFOUND)
		r := &guangong.LargeRule{OrgID: f.Town.ID, MeetingMin: 31, ActivityMin: 15}
		if err := db.SetLargeRule(ctx, town, r); err != nil {
			t.Fatal(err)
		}
		if r.Version != 1 || r.Recomputed != 2 { // m30 no longer large, a20 now large
			t.Fatalf("rule %+v", r)
		}
		large := func(e *guangong.Event) bool {
			got, err := db.FindEventByID(ctx, clerk, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Large
		}
		if large(m29) || large(m30) || !large(a20) || !large(a60) || large(townAct) || large(perf) {
			t.Fatal("the rule's change did not recompute the events below only")
		}
		if a := lastAudit(t, db); a.ObjectType != "large_rule" || a.Action != guangong.ActionCreate || !strings.Contains(a.Detail, "2 events") {
			t.Fatalf("rule audit %+v", a)
		}
		// A stale rule edit is refused; the rule in force for a village names the town.
		wantCode(t, db.SetLargeRule(ctx, town, &guangong.LargeRule{OrgID: f.Town.ID, MeetingMin: 5, ActivityMin: 5}), guangong.ECONFLICT)
		rf, err := db.RuleInForce(ctx, f.Actor("villageclerk"), f.VillageA.ID)
		if err != nil || rf.MeetingMin != 31 || rf.Source != f.Town.ID || rf.SourceName != "低庄镇" {
			t.Fatalf("rule in force %+v %v", rf, err)
		}
		if rf, _ := db.RuleInForce(ctx, clerk, f.Town.ID); rf.Source != "" || rf.ActivityMin != guangong.DefaultActivityMin {
			t.Fatalf("the town's own rule applied to the town: %+v", rf)
		}
		// A nearer rule wins: the village's own rule binds nothing above or beside it.
		if err := db.SetLargeRule(ctx, guangong.SystemActor("test"), &guangong.LargeRule{OrgID: f.County.ID, MeetingMin: 2, ActivityMin: 2}); err != nil {
			t.Fatal(err)
		}
		if !large(townAct) || large(m30) {
			t.Fatal("the county's rule should decide for the town, not for the village under the town's rule")
		}
		// New events use the rule in force at once.
		if e := big(f.VillageB, "activity", 15); !e.Large {
			t.Fatal("a new event ignored the rule")
		}
		verifyOK(t, db)
	})
}

func TestEventAttachmentsAndYouths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		db.Now = fixedNow
		clerk := f.Actor("townclerk")
		y := mustYouth(t, db, guangong.SystemActor("test"), newYouth(f.VillageA, "王小红", "2014-05-01"))
		e := newActivity(f.VillageA, "帮教关爱走访", "care", "2025-06-10 15:00")
		e.YouthIDs, e.YouthsServed = []string{y.ID}, 3
		photo := pngBytes(100)
		if err := db.CreateEventWithFiles(ctx, clerk, e, []guangong.Upload{{Name: `C:\相册\走访.png`, Data: photo}}); err != nil {
			t.Fatal(err)
		}
		if e.Headcount != 3 || len(e.Attachments) != 1 || e.Attachments[0].Name != "走访.png" || e.Attachments[0].MIME != "image/png" {
			t.Fatalf("created %+v %+v", e, e.Attachments)
		}
		// Fewer served than linked is refused.
		e2 := newActivity(f.VillageA, "少计", "care", "2025-06-10 15:00")
		e2.YouthIDs, e2.YouthsServed = []string{y.ID}, 0
		wantField(t, db.CreateEvent(ctx, clerk, e2), "youthsServed", "")

		got, err := db.FindEventByID(ctx, f.Actor("villageviewer"), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Youths) != 1 || got.Youths[0].Name != guangong.MaskName("王小红") || strings.Contains(got.Youths[0].Name, "小红") {
			t.Fatalf("youth not masked: %+v", got.Youths)
		}
		f.GrantMinorAccess(t, "townclerk")
		if got, _ := db.FindEventByID(ctx, f.Actor("townclerk"), e.ID); got.Youths[0].Name != "王小红" {
			t.Fatalf("with minor access: %+v", got.Youths)
		}

		att, data, err := db.AttachmentData(ctx, f.Actor("villageviewer"), e.ID, e.Attachments[0].ID)
		if err != nil || !bytes.Equal(data, photo) || att.MIME != "image/png" || att.Size != len(photo) {
			t.Fatalf("attachment %+v %v", att, err)
		}
		_, _, err = db.AttachmentData(ctx, f.Actor("otheradmin"), e.ID, e.Attachments[0].ID)
		wantCode(t, err, guangong.ENOTFOUND)
		// A PDF scan is accepted; a viewer may not add; bad files save nothing.
		if _, err := db.AddAttachment(ctx, clerk, e.ID, guangong.Upload{Name: "签到表.pdf", Data: []byte("%PDF-1.4 scan")}); err != nil {
			t.Fatal(err)
		}
		_, err = db.AddAttachment(ctx, f.Actor("villageviewer"), e.ID, guangong.Upload{Name: "x.png", Data: photo})
		wantCode(t, err, guangong.EFORBIDDEN)
		_, err = db.AddAttachment(ctx, clerk, e.ID, guangong.Upload{Name: "evil.pdf", Data: []byte("<html><script>")})
		wantField(t, err, "file", "")
		if n := eventCount(t, db, "attachments"); n != 2 {
			t.Fatalf("%d attachments", n)
		}
		verifyOK(t, db)
	})
}

// An event recorded by mistake can be deleted by a writer of its host, with everything
// hung on it, unless service hours name it; its plan item is open again. Audited.
func TestDeleteEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		vc := f.Actor("villageclerk")
		v := mustVolunteer(t, db, vc, newVolunteer(f.VillageA, "删测", "1950-01-01"))
		plan := &guangong.PlanItem{OrgID: f.VillageA.ID, Year: 2024, Month: 4, Type: guangong.EventActivity, Category: "moral",
			Subcategory: "qingming", Title: "清明祭扫"}
		if err := db.CreatePlanItem(ctx, vc, plan); err != nil {
			t.Fatal(err)
		}
		e := newActivity(f.VillageA, "清明祭扫（误录）", "moral", "2024-04-03 09:00")
		e.Subcategory, e.Status, e.VolunteerIDs, e.PlanItemID = "qingming", guangong.EventHeld, []string{v.ID}, plan.ID
		mustEvent(t, db, vc, e)
		if _, err := db.AddAttachment(ctx, vc, e.ID, guangong.Upload{Name: "合影.png", Data: pngBytes(64)}); err != nil {
			t.Fatal(err)
		}
		plan.EventID = e.ID // linked from the plan's side too
		if err := db.UpdatePlanItem(ctx, vc, plan); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteEvent(ctx, f.Actor("otheradmin"), e.ID, e.Version); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Fatalf("another town's delete: %v", err)
		}
		if err := db.DeleteEvent(ctx, vc, e.ID, e.Version-1); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Fatalf("stale delete: %v", err)
		}
		h := &guangong.ServiceHours{VolunteerID: v.ID, EventID: e.ID, ServedOn: "2024-04-03", Minutes: 60, Content: "祭扫"}
		if err := db.RecordHours(ctx, vc, h); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteEvent(ctx, vc, e.ID, e.Version); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Fatalf("delete with hours: %v", err)
		}
		if _, err := db.RawExec(ctx, `DELETE FROM service_hours WHERE id = $1`, h.ID); err != nil { // as if never recorded
			t.Fatal(err)
		}
		audits := auditCount(t, db, "")
		if err := db.DeleteEvent(ctx, vc, e.ID, e.Version); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, db, ""); n != audits+2 { // the plan item's link, the event
			t.Fatalf("%d audit entries for a delete, want 2", n-audits)
		}
		for _, table := range []string{"events", "event_orgs", "event_volunteers", "attachments"} {
			if n := eventCount(t, db, table); n != 0 {
				t.Errorf("%d rows left in %s", n, table)
			}
		}
		if _, err := db.FindEventByID(ctx, vc, e.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Fatalf("deleted event still found: %v", err)
		}
		got, err := db.FindPlanItem(ctx, vc, plan.ID)
		if err != nil || got.EventID != "" || got.Done {
			t.Fatalf("plan item after its event went: %+v %v", got, err)
		}
		verifyOK(t, db)
	})
}

// An attachment added by mistake can be removed; others cannot reach it.
func TestDeleteAttachment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		vc := f.Actor("villageclerk")
		e := mustEvent(t, db, vc, newMeeting(f.VillageA, "村班子会", "2024-05-06 09:00"))
		att, err := db.AddAttachment(ctx, vc, e.ID, guangong.Upload{Name: "签到表.png", Data: pngBytes(64)})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteAttachment(ctx, f.Actor("otheradmin"), e.ID, att.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Fatalf("another town's delete: %v", err)
		}
		if err := db.DeleteAttachment(ctx, f.Actor("villageviewer"), e.ID, att.ID); guangong.ErrorCode(err) != guangong.EFORBIDDEN {
			t.Fatalf("a viewer's delete: %v", err)
		}
		if err := db.DeleteAttachment(ctx, vc, e.ID, att.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.AttachmentData(ctx, vc, e.ID, att.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Fatalf("removed attachment still served: %v", err)
		}
		verifyOK(t, db)
	})
}

// An event of several days is on the calendar of every month it runs in; one ending at
// midnight is not on the next day's.
func TestEventCalendarSeveralDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		tc := f.Actor("townclerk")
		camp := newActivity(f.Town, "夏令营", "moral", "2025-06-29 09:00")
		camp.EndsAt = at("2025-07-02 17:00")
		mustEvent(t, db, tc, camp)
		evening := newActivity(f.VillageA, "纳凉晚会", "performance", "2025-06-30 20:00")
		evening.Scale, evening.EndsAt = "small", at("2025-07-01 00:00")
		mustEvent(t, db, tc, evening)
		mustEvent(t, db, tc, newActivity(f.Town, "七月宣讲", "moral", "2025-07-01 00:00"))
		ids := func(month string) []string {
			t.Helper()
			cal, err := db.EventCalendar(ctx, tc, "", month)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range cal {
				out = append(out, c.Title+" "+strings.Join(c.Days(), ","))
			}
			return out
		}
		if got := ids("2025-06"); !slices.Equal(got, []string{"夏令营 2025-06-29,2025-06-30,2025-07-01,2025-07-02", "纳凉晚会 2025-06-30"}) {
			t.Errorf("June: %q", got)
		}
		if got := ids("2025-07"); !slices.Equal(got, []string{"夏令营 2025-06-29,2025-06-30,2025-07-01,2025-07-02", "七月宣讲 2025-07-01"}) {
			t.Errorf("July: %q", got)
		}
		if got := ids("2025-08"); len(got) != 0 {
			t.Errorf("August: %q", got)
		}
	})
}
