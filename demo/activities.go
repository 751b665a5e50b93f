package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"guangong"
)

// The years the seed reports on (December 2022): every figure it states for meetings,
// activities, performances, troupes and duty is made true here by records, never by totals.
var demoYears = []int{2019, 2020, 2021, 2022}

// Per year: study sessions (14 in all), large and small performances (10 and 20 in all) and
// examinees served on exam days (about 1,000 in all). Other years are as 2022 (perYear).
var (
	studySessions     = map[int]int{2019: 3, 2020: 3, 2021: 4, 2022: 4}
	largePerformances = map[int]int{2019: 3, 2020: 3, 2021: 2, 2022: 2}
	smallPerformances = map[int]int{2019: 5, 2020: 5, 2021: 5, 2022: 5}
	examinees         = map[int]int{2019: 240, 2020: 250, 2021: 255, 2022: 260}
)

func perYear(m map[int]int, y int) int {
	if n, ok := m[y]; ok {
		return n
	}
	return m[2022]
}

// Streets are fictional street names for the street chiefs (街长) of the town's two communities.
var Streets = []string{"人民路", "新华街", "老街", "河堤路", "学府路", "兴隆街"}

type builder struct {
	ctx      context.Context
	s        guangong.Store
	sys      *guangong.Actor
	r        *rand.Rand
	town     *guangong.Org
	villages []*guangong.Org
	schools  []*guangong.Org
	townVols []*guangong.Volunteer            // the 60 who serve the town
	village  map[string][]*guangong.Volunteer // by committee id
}

// at is a Shanghai wall-clock time.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, guangong.Shanghai)
}

// pick returns n volunteers from pool, starting at a varying offset.
func (b *builder) pick(pool []*guangong.Volunteer, n int) []*guangong.Volunteer {
	n = min(n, len(pool))
	start := b.r.IntN(len(pool))
	out := make([]*guangong.Volunteer, 0, n)
	for i := range n {
		out = append(out, pool[(start+i)%len(pool)])
	}
	return out
}

func ids(vs []*guangong.Volunteer) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// event saves e with the given volunteers and, for a held event, records and confirms each
// volunteer's hours (the event's length, travel excluded).
func (b *builder) event(e *guangong.Event, vols []*guangong.Volunteer) (*guangong.Event, error) {
	e.VolunteerIDs = ids(vols)
	if e.Status == "" {
		e.Status = guangong.EventRecorded
	}
	if e.StartsAt.After(time.Now()) {
		e.Status = guangong.EventPlanned
	}
	if err := b.s.CreateEvent(b.ctx, b.sys, e); err != nil {
		return nil, fmt.Errorf("event %s: %w", e.Title, err)
	}
	if len(vols) == 0 || e.Status == guangong.EventPlanned {
		return e, nil
	}
	minutes := int(e.EndsAt.Sub(e.StartsAt).Minutes())
	if minutes > 8*60 { // a day's service at most, however long the event ran
		minutes = 8 * 60
	}
	batch := &guangong.HoursBatch{EventID: e.ID, ServedOn: e.StartsOn, Place: e.Place, Content: e.Title}
	for _, v := range vols {
		batch.Entries = append(batch.Entries, guangong.HoursEntry{VolunteerID: v.ID, Minutes: minutes})
	}
	return e, b.hours(batch)
}

func (b *builder) hours(batch *guangong.HoursBatch) error {
	rows, err := b.s.RecordHoursBatch(b.ctx, b.sys, batch)
	if err != nil {
		return fmt.Errorf("hours %s: %w", batch.Content, err)
	}
	refs := make([]guangong.VersionRef, len(rows))
	for i, h := range rows {
		refs[i] = guangong.VersionRef{ID: h.ID, Version: h.Version}
	}
	if err := b.s.ConfirmHours(b.ctx, b.sys, refs); err != nil {
		return fmt.Errorf("confirm hours %s: %w", batch.Content, err)
	}
	return nil
}

// activities adds 2019–2022 for 低庄镇 and its villages: the county's rule for 大型 and its
// default targets (4 large meetings, 6 large activities a year), the meetings and study
// sessions, Qingming visits, lectures, speech contests, student-aid ceremonies, exam-day
// duty, central work, performances by the town's orchestra and dance team and the 25
// village troupes, the 11-person duty group and the street chiefs, with volunteers' hours;
// the town's plan for 2022 (done) and for this year (partly overdue).
func activities(ctx context.Context, s guangong.Store, sys *guangong.Actor, county, town *guangong.Org,
	villages, schools []*guangong.Org, vols []*guangong.Volunteer) error {
	b := &builder{ctx: ctx, s: s, sys: sys, r: rand.New(rand.NewPCG(2019, 2022)), town: town,
		villages: villages, schools: schools, village: map[string][]*guangong.Volunteer{}}
	for _, v := range vols {
		if v.OrgID == town.ID {
			b.townVols = append(b.townVols, v)
		} else {
			b.village[v.OrgID] = append(b.village[v.OrgID], v)
		}
	}
	if err := s.SetLargeRule(ctx, sys, &guangong.LargeRule{OrgID: county.ID, MeetingMin: 30, ActivityMin: 50}); err != nil {
		return fmt.Errorf("large rule: %w", err)
	}
	for metric, n := range map[string]int{guangong.MetricLargeMeetings: 4, guangong.MetricLargeActivities: 6} {
		if err := s.SetTargetDefault(ctx, sys, &guangong.TargetDefault{SetBy: county.ID, Metric: metric, Min: n}); err != nil {
			return fmt.Errorf("target default %s: %w", metric, err)
		}
	}
	orchestra, dance, villageTroupes, err := b.troupes()
	if err != nil {
		return err
	}
	// This year's too, so the calendar and progress pages open on something: what lies
	// ahead is planned.
	for _, y := range append(demoYears, time.Now().In(guangong.Shanghai).Year()) {
		if err := b.year(y, orchestra, dance, villageTroupes); err != nil {
			return err
		}
	}
	if err := b.duty(); err != nil {
		return err
	}
	return b.plans()
}

// troupes: the 老年大学's orchestra (58) and dance team (64), 122 in all; 20 in each of the
// 25 village troupes, 500 in all. Members are registry volunteers where there are some,
// and others by (fictional) name.
func (b *builder) troupes() (orchestra, dance *guangong.Troupe, villageTroupes map[string]*guangong.Troupe, err error) {
	add := func(org *guangong.Org, name, kind, founded string, size int, pool []*guangong.Volunteer) (*guangong.Troupe, error) {
		t := &guangong.Troupe{OrgID: org.ID, Name: name, Kind: kind, Founded: founded}
		if err := b.s.CreateTroupe(b.ctx, b.sys, t); err != nil {
			return nil, fmt.Errorf("troupe %s: %w", name, err)
		}
		for i := range size {
			m := &guangong.TroupeMember{TroupeID: t.ID, From: founded, Role: "队员"}
			if i == 0 {
				m.Role = "队长"
			}
			if i < len(pool) {
				m.VolunteerID = pool[i].ID
			} else {
				m.Name = name2(b.r)
			}
			if err := b.s.AddTroupeMember(b.ctx, b.sys, m); err != nil {
				return nil, fmt.Errorf("troupe member of %s: %w", name, err)
			}
		}
		return t, nil
	}
	if orchestra, err = add(b.town, "低庄镇老年大学管弦乐队", "orchestra", "2016-09-01", 58, b.townVols[20:30]); err != nil {
		return
	}
	if dance, err = add(b.town, "低庄镇老年大学舞蹈队", "dance", "2016-09-01", 64, b.townVols[30:42]); err != nil {
		return
	}
	kinds := []string{"dance", "drum", "choir", "opera", "other"}
	villageTroupes = map[string]*guangong.Troupe{}
	for i, v := range b.villages {
		pool := b.village[v.ID]
		t, err := add(v, Villages[i]+"文艺队", kinds[i%len(kinds)], "2019-10-01", 20, pool[:min(3, len(pool))])
		if err != nil {
			return nil, nil, nil, err
		}
		villageTroupes[v.ID] = t
	}
	return
}

// name2 is a fictional adult's name.
func name2(r *rand.Rand) string { return name(r, given, 1+r.IntN(2)) }

// year adds one year's meetings and activities.
func (b *builder) year(y int, orchestra, dance *guangong.Troupe, villageTroupes map[string]*guangong.Troupe) error {
	town, mid, center := b.town, b.schools[1], b.schools[0]
	meeting := func(kind, title string, start time.Time, hours, vols, others int) error {
		_, err := b.event(&guangong.Event{Type: guangong.EventMeeting, Kind: kind, OrgID: town.ID, Title: title,
			StartsAt: start, EndsAt: start.Add(time.Duration(hours) * time.Hour), Place: "低庄镇政府三楼会议室",
			Host: "镇关工委主任（演示）", Agenda: "传达上级精神；部署工作；交流发言",
			Minutes: "会议按议程进行（演示记录）", Decisions: "按部署抓好落实", OthersCount: others}, b.pick(b.townVols, vols))
		return err
	}
	// Four large meetings a year: two 推进会, a 五老 座谈会 and the 总结表彰会.
	for _, m := range []struct {
		kind, title string
		when        time.Time
		vols, other int
	}{
		{"advance", fmt.Sprintf("%d年关心下一代工作推进会", y), at(y, 3, 12, 9, 0), 25, 35},
		{"forum", fmt.Sprintf("%d年五老座谈会", y), at(y, 6, 18, 9, 0), 20, 15},
		{"advance", fmt.Sprintf("%d年下半年工作推进会", y), at(y, 9, 16, 9, 0), 22, 30},
		{"commendation", fmt.Sprintf("%d年关心下一代工作总结表彰会", y), at(y, 12, 20, 9, 0), 30, 40},
	} {
		if err := meeting(m.kind, m.title, m.when, 3, m.vols, m.other); err != nil {
			return err
		}
	}
	// Study sessions (集中学习), and the leadership's own meetings: neither is large.
	for i := range perYear(studySessions, y) {
		month := time.Month(2 + 3*i)
		if err := meeting("study", fmt.Sprintf("%d年第%d次集中学习", y, i+1), at(y, month, 8, 14, 30), 2, 12, 3); err != nil {
			return err
		}
	}
	for _, month := range []time.Month{1, 7} {
		if err := meeting("leadership", fmt.Sprintf("%d年%d月班子会", y, month), at(y, month, 5, 9, 0), 2, 9, 0); err != nil {
			return err
		}
	}

	activity := func(e *guangong.Event, vols []*guangong.Volunteer) error {
		e.Type = guangong.EventActivity
		if e.OrgID == "" {
			e.OrgID = town.ID
		}
		_, err := b.event(e, vols)
		return err
	}
	// Qingming visits to the martyrs' cemetery, with the middle school.
	if err := activity(&guangong.Event{Category: "moral", Subcategory: "qingming", Title: fmt.Sprintf("%d年清明祭扫革命烈士墓", y),
		CoOrgIDs: []string{mid.ID}, StartsAt: at(y, 4, 3, 8, 30), EndsAt: at(y, 4, 3, 11, 30), Place: "低庄镇烈士陵园（演示）",
		YouthsServed: 120, OthersCount: 10, Outcome: "五老讲述革命故事，师生敬献花圈"}, b.pick(b.townVols, 15)); err != nil {
		return err
	}
	// Lectures: one large at the middle school, two small in villages.
	if err := activity(&guangong.Event{Category: "moral", Subcategory: "lecture", Title: fmt.Sprintf("%d年五老进校园宣讲", y),
		CoOrgIDs: []string{mid.ID}, StartsAt: at(y, 5, 10, 14, 0), EndsAt: at(y, 5, 10, 16, 0), Place: "低庄镇中学礼堂",
		YouthsServed: 200, Outcome: "宣讲党史和家乡发展"}, b.pick(b.townVols, 8)); err != nil {
		return err
	}
	for i := range 2 {
		v := b.villages[(y+i*7)%len(b.villages)]
		if err := activity(&guangong.Event{OrgID: v.ID, Category: "moral", Subcategory: "lecture",
			Title: fmt.Sprintf("%d年%s暑期宣讲", y, Villages[(y+i*7)%len(b.villages)]), StartsAt: at(y, 7, 15+i, 9, 0),
			EndsAt: at(y, 7, 15+i, 11, 0), Place: "村综合服务中心", YouthsServed: 35}, b.pick(b.village[v.ID], 3)); err != nil {
			return err
		}
	}
	// The speech contest, the student-aid ceremony and exam-day duty: large each year.
	if err := activity(&guangong.Event{Category: "moral", Subcategory: "speech", Title: fmt.Sprintf("%d年“红色故事我来讲”演讲比赛", y),
		CoOrgIDs: []string{center.ID}, StartsAt: at(y, 5, 28, 14, 0), EndsAt: at(y, 5, 28, 17, 0), Place: "低庄镇中心学校",
		YouthsServed: 80, OthersCount: 20}, b.pick(b.townVols, 6)); err != nil {
		return err
	}
	if err := activity(&guangong.Event{Category: "aid", Title: fmt.Sprintf("%d年助学奖教表彰大会", y),
		StartsAt: at(y, 9, 8, 9, 0), EndsAt: at(y, 9, 8, 11, 30), Place: "低庄镇政府大礼堂",
		YouthsServed: 40, OthersCount: 30, Outcome: "表彰优秀师生"}, b.pick(b.townVols, 15)); err != nil {
		return err
	}
	if err := activity(&guangong.Event{Category: "service", Subcategory: "exam_guard", Title: fmt.Sprintf("%d年高考护考", y),
		CoOrgIDs: []string{mid.ID}, StartsAt: at(y, 6, 7, 7, 0), EndsAt: at(y, 6, 7, 18, 0), Place: "低庄镇中学考点周边",
		YouthsServed: perYear(examinees, y), Outcome: "疏导交通，护送考生"}, b.pick(b.townVols, 20)); err != nil {
		return err
	}
	// Central work: sanitation every year, epidemic control from 2020, a mediation.
	if err := activity(&guangong.Event{Category: "central", Subcategory: "sanitation", Title: fmt.Sprintf("%d年环境卫生整治", y),
		CoOrgIDs: []string{b.villages[0].ID, b.villages[1].ID}, StartsAt: at(y, 10, 12, 8, 0), EndsAt: at(y, 10, 12, 11, 0),
		Place: "低庄社区、新街社区", OthersCount: 20}, b.pick(b.townVols, 12)); err != nil {
		return err
	}
	if y >= 2020 {
		if err := activity(&guangong.Event{Category: "central", Subcategory: "epidemic", Title: fmt.Sprintf("%d年疫情防控值守", y),
			StartsAt: at(y, 2, 10, 8, 0), EndsAt: at(y, 2, 10, 17, 0), Place: "各村路口卡点", OthersCount: 5}, b.pick(b.townVols, 16)); err != nil {
			return err
		}
	}
	if err := activity(&guangong.Event{Category: "central", Subcategory: "mediation", Title: fmt.Sprintf("%d年邻里纠纷调解", y),
		OrgID: b.villages[2].ID, StartsAt: at(y, 8, 20, 9, 0), EndsAt: at(y, 8, 20, 11, 0), Place: "村调解室"},
		b.pick(b.village[b.villages[2].ID], 2)); err != nil {
		return err
	}
	// Performances: large ones by the town's troupes, small ones by village troupes.
	for i := range perYear(largePerformances, y) {
		t := orchestra
		if i%2 == 1 {
			t = dance
		}
		start := at(y, []time.Month{1, 10, 6}[i], 20, 19, 0)
		if err := activity(&guangong.Event{Category: guangong.CategoryPerformance, Scale: "large", TroupeID: t.ID,
			Title: fmt.Sprintf("%d年%s文艺汇演", y, []string{"迎新春", "庆国庆", "庆七一"}[i]), StartsAt: start,
			EndsAt: start.Add(2 * time.Hour), Place: "低庄镇文化广场", Audience: 600 + 50*i, OthersCount: 30}, b.pick(b.townVols, 10)); err != nil {
			return err
		}
	}
	for i := range perYear(smallPerformances, y) {
		k := (y*5 + i) % len(b.villages)
		v := b.villages[k]
		start := at(y, time.Month(3+2*i), 15, 19, 30)
		if err := activity(&guangong.Event{OrgID: v.ID, Category: guangong.CategoryPerformance, Scale: "small",
			TroupeID: villageTroupes[v.ID].ID, Title: fmt.Sprintf("%s文艺队送戏下乡", Villages[k]), StartsAt: start,
			EndsAt: start.Add(90 * time.Minute), Place: "村部广场", Audience: 120}, b.pick(b.village[v.ID], 3)); err != nil {
			return err
		}
	}
	// Help and care: summer visits to left-behind children.
	if err := activity(&guangong.Event{Category: "care", Title: fmt.Sprintf("%d年暑期走访留守儿童", y),
		StartsAt: at(y, 7, 25, 9, 0), EndsAt: at(y, 7, 25, 16, 0), Place: "各村", YouthsServed: 45}, b.pick(b.townVols, 10)); err != nil {
		return err
	}
	return nil
}

// duty: the 11-person duty group, six street chiefs and exam-day traffic posts, their
// rosters 2019–2022 with hours, and one shift today for trying the phone check-in.
func (b *builder) duty() error {
	post := func(org *guangong.Org, kind, name, place string) (*guangong.DutyPost, error) {
		p := &guangong.DutyPost{OrgID: org.ID, Kind: kind, Name: name, Place: place, Active: true}
		if err := b.s.CreateDutyPost(b.ctx, b.sys, p); err != nil {
			return nil, fmt.Errorf("duty post %s: %w", name, err)
		}
		return p, nil
	}
	shift := func(p *guangong.DutyPost, role string, start time.Time, length time.Duration, vols []*guangong.Volunteer, hours bool) error {
		sh := &guangong.Shift{PostID: p.ID, Role: role, StartsAt: start, EndsAt: start.Add(length), Headcount: len(vols)}
		if err := b.s.CreateShift(b.ctx, b.sys, sh); err != nil {
			return fmt.Errorf("shift at %s: %w", p.Name, err)
		}
		for _, v := range vols {
			if _, err := b.s.AssignShift(b.ctx, b.sys, sh.ID, v.ID); err != nil {
				return fmt.Errorf("assign at %s: %w", p.Name, err)
			}
		}
		if !hours {
			return nil
		}
		batch := &guangong.HoursBatch{ShiftID: sh.ID, ServedOn: start.Format(guangong.DateLayout), Place: p.Place, Content: p.Name + "·" + role}
		for _, v := range vols {
			batch.Entries = append(batch.Entries, guangong.HoursEntry{VolunteerID: v.ID, Minutes: int(length.Minutes())})
		}
		return b.hours(batch)
	}
	group, err := post(b.town, "duty_group", "镇关工委值班组", "低庄镇关工委办公室")
	if err != nil {
		return err
	}
	dutyGroup := b.townVols[3:14] // eleven
	exam, err := post(b.town, "exam", "高考护考交通岗", "低庄镇中学考点周边")
	if err != nil {
		return err
	}
	var chiefs []*guangong.DutyPost
	for i, st := range Streets {
		p, err := post(b.villages[i%2], "street", st+"街长", st)
		if err != nil {
			return err
		}
		chiefs = append(chiefs, p)
	}
	for _, y := range demoYears {
		for q := range 4 { // a quarterly duty day for the whole group
			if err := shift(group, "值班", at(y, time.Month(1+3*q), 6, 8, 30), 8*time.Hour, dutyGroup, true); err != nil {
				return err
			}
		}
		if err := shift(exam, "交通疏导", at(y, 6, 7, 7, 0), 11*time.Hour, b.townVols[40:50], false); err != nil {
			return err
		}
		for i, p := range chiefs {
			pool := b.village[b.villages[i%2].ID]
			if err := shift(p, "街长巡查", at(y, 4, 10, 8, 0), 3*time.Hour, pool[i/2:i/2+1], true); err != nil {
				return err
			}
		}
	}
	// A shift around now at the duty group's post, for the demo volunteer's QR check-in.
	now := time.Now().In(guangong.Shanghai).Truncate(30 * time.Minute)
	return shift(group, "值班", now.Add(-time.Hour), 6*time.Hour, dutyGroup[:1], false)
}

// plans: the town's 2022 plan, every item carried out by a 2022 event, and this year's
// plan, whose items past their month are overdue until someone records the event.
func (b *builder) plans() error {
	org, from, to, large := b.town.ID, "2022-01-01", "2022-12-31", true
	events, _, err := b.s.FindEvents(b.ctx, b.sys, guangong.EventFilter{OrgID: &org, From: &from, To: &to, Large: &large,
		Page: guangong.Page{Limit: guangong.MaxPageSize}})
	if err != nil {
		return fmt.Errorf("plans: %w", err)
	}
	for _, e := range events {
		if !e.Large || e.OrgID != b.town.ID {
			continue
		}
		month := int(e.StartsAt.In(guangong.Shanghai).Month())
		p := &guangong.PlanItem{OrgID: b.town.ID, Year: 2022, Month: month, Type: e.Type, Kind: e.Kind, Category: e.Category,
			Subcategory: e.Subcategory, Title: e.Title, Large: true, EventID: e.ID}
		if err := b.s.CreatePlanItem(b.ctx, b.sys, p); err != nil {
			return fmt.Errorf("plan item %s: %w", e.Title, err)
		}
	}
	// This year: the items carried out so far are linked to their events; the autumn
	// performance of the 老年大学 was planned but has no record yet, so it shows as overdue.
	y := time.Now().In(guangong.Shanghai).Year()
	byTitle := map[string]string{}
	from, to = fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-12-31", y)
	events, _, err = b.s.FindEvents(b.ctx, b.sys, guangong.EventFilter{OrgID: &org, From: &from, To: &to, Large: &large,
		Page: guangong.Page{Limit: guangong.MaxPageSize}})
	if err != nil {
		return fmt.Errorf("plans: %w", err)
	}
	for _, e := range events {
		if e.Status != guangong.EventPlanned {
			byTitle[e.Title] = e.ID
		}
	}
	for _, p := range []*guangong.PlanItem{
		{Month: 3, Type: guangong.EventMeeting, Kind: "advance", Title: fmt.Sprintf("%d年关心下一代工作推进会", y), Large: true},
		{Month: 4, Type: guangong.EventActivity, Category: "moral", Subcategory: "qingming", Title: fmt.Sprintf("%d年清明祭扫革命烈士墓", y), Large: true},
		{Month: 9, Type: guangong.EventActivity, Category: "aid", Title: fmt.Sprintf("%d年助学奖教表彰大会", y), Large: true},
		{Month: 10, Type: guangong.EventActivity, Category: guangong.CategoryPerformance, Title: fmt.Sprintf("%d年老年大学结业汇演", y), Large: true},
		{Month: 12, Type: guangong.EventMeeting, Kind: "commendation", Title: fmt.Sprintf("%d年关心下一代工作总结表彰会", y), Large: true},
	} {
		p.OrgID, p.Year, p.EventID = b.town.ID, y, byTitle[p.Title]
		if err := b.s.CreatePlanItem(b.ctx, b.sys, p); err != nil {
			return fmt.Errorf("plan item %s: %w", p.Title, err)
		}
	}
	return nil
}
