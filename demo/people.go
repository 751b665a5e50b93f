package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"guangong"
)

// Names are drawn from common surnames and given-name characters with a fixed seed: every
// demo is the same, and no name is meant to be anyone's.
var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘舒向")
	given    = []rune("建国明华文军平志强春秋兰英芳秀丽玉海林德新福安宁红梅云松桂荣伟涛静敏丹娟霞")
	kidGiven = []rune("子涵欣怡梓轩浩然思雨宇航诗琪俊杰雨萱博文嘉怡一鸣可馨天佑若曦子墨")
)

// fakeID makes an ID number that is plainly invented: region code 990101 (no such region)
// and a valid GB 11643 check character.
func fakeID(birth time.Time, seq int) string {
	first17 := fmt.Sprintf("990101%s%03d", birth.Format("20060102"), seq%1000)
	return first17 + string(guangong.IDCheckChar(first17))
}

// fakePhone is a plainly invented mobile number: 170-0000-NNNN.
func fakePhone(seq int) string { return fmt.Sprintf("1700000%04d", seq%10000) }

func name(r *rand.Rand, pool []rune, n int) string {
	s := string(surnames[r.IntN(len(surnames))])
	for range n {
		s += string(pool[r.IntN(len(pool))])
	}
	return s
}

// people adds the town committee's leadership (14 veteran party members among them), the
// retired cadres' party branch and the affiliated bodies, about 300 volunteers and about
// 2,000 youths.
func people(ctx context.Context, s guangong.Store, sys *guangong.Actor, town *guangong.Org, villages, schools []*guangong.Org) ([]*guangong.Volunteer, error) {
	r := rand.New(rand.NewPCG(2022, 1226))
	today := time.Now().In(guangong.Shanghai)
	categories := guangong.ElderCategories
	var vols []*guangong.Volunteer
	for i := range 300 {
		birth := time.Date(1940+r.IntN(25), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		org := town
		if i >= 60 { // the first 60 serve the town; the rest their villages
			org = villages[i%len(villages)]
		}
		gender := guangong.Male
		if r.IntN(3) == 0 {
			gender = guangong.Female
		}
		// The town committee's 17 seats go to the first 17: exactly 14 of them party members.
		party := i < 14 || (i >= 17 && r.IntN(2) == 0)
		v := &guangong.Volunteer{
			OrgID: org.ID, Name: name(r, given, 1+r.IntN(2)), Gender: gender,
			BirthDate: birth.Format(guangong.DateLayout), Phone: fakePhone(i), Category: categories[r.IntN(len(categories))],
			FormerUnit:  []string{"镇政府", "中心学校", "卫生院", "供销社", "村委会", "粮站"}[r.IntN(6)],
			PartyMember: party, Skills: []string{guangong.Skills[r.IntN(len(guangong.Skills)-1)]},
			Health: []string{"良好", "一般"}[r.IntN(2)], Availability: []string{"工作日上午", "周末", "随时"}[r.IntN(3)],
			Status: "active", JoinedDate: "2019-07-01", ConsentDate: "2019-07-01", ConsentNote: "本人自愿登记（演示）",
		}
		if i%3 == 0 {
			v.IDNumber = fakeID(birth, i)
		}
		if party {
			v.PartyBranch = "低庄离退休干部党支部"
		}
		vols = append(vols, v)
	}
	if err := s.ImportVolunteers(ctx, sys, vols); err != nil {
		return nil, fmt.Errorf("volunteers: %w", err)
	}

	// The town committee's leadership: 17 seats, the first 14 held by veteran party members.
	titles := []string{"director", "executive_deputy", "deputy", "deputy", "secretary_general"}
	for i := range 17 {
		title := "member"
		if i < len(titles) {
			title = titles[i]
		}
		if err := s.AddPost(ctx, sys, &guangong.Post{OrgID: town.ID, VolunteerID: vols[i].ID, Title: title, From: "2019-07-01"}); err != nil {
			return nil, fmt.Errorf("post: %w", err)
		}
	}
	// Some town volunteers also serve a village: a membership, not a copy.
	for i := 20; i < 40; i++ {
		m := &guangong.Membership{VolunteerID: vols[i].ID, OrgID: villages[i%len(villages)].ID, From: "2020-03-01", Note: "兼任村关工委"}
		if err := s.AddMembership(ctx, sys, m); err != nil {
			return nil, fmt.Errorf("membership: %w", err)
		}
	}

	bodies := []struct{ kind, name, founded string }{
		{"party_branch", "低庄离退休干部党支部", "2019-07-01"},
		{"elder_school", "低庄镇老年学校", "2015-09-01"},
		{"elder_science", "低庄镇老科协", "2016-05-01"},
		{"elder_health", "低庄镇老健协", "2017-10-01"},
	}
	for bi, b := range bodies {
		body := &guangong.Body{OrgID: town.ID, Kind: b.kind, Name: b.name, Founded: b.founded}
		if err := s.CreateBody(ctx, sys, body); err != nil {
			return nil, fmt.Errorf("body %s: %w", b.name, err)
		}
		for i := range 60 {
			v := vols[i]
			if b.kind == "party_branch" && !v.PartyMember {
				continue
			}
			if b.kind != "party_branch" && (i+bi)%3 != 0 {
				continue
			}
			role := "成员"
			if i == 0 && b.kind == "party_branch" {
				role = "书记"
			}
			if err := s.AddBodyMember(ctx, sys, &guangong.BodyMember{BodyID: body.ID, VolunteerID: v.ID, Role: role, From: b.founded}); err != nil {
				return nil, fmt.Errorf("body member: %w", err)
			}
		}
	}

	places := append(append([]*guangong.Org{}, villages...), schools...)
	relations := []string{"祖父", "祖母", "父亲", "母亲", "外祖母"}
	works := []string{"广东东莞", "浙江义乌", "湖南长沙", "本地", "福建厦门"}
	var youths []*guangong.Youth
	for i := range 2000 {
		age := 3 + r.IntN(15)
		birth := time.Date(today.Year()-age, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		if birth.After(today.AddDate(-1, 0, 0)) {
			birth = birth.AddDate(-1, 0, 0)
		}
		gender := guangong.Male
		if r.IntN(2) == 0 {
			gender = guangong.Female
		}
		var cats []string
		switch n := r.IntN(10); {
		case n < 5:
			cats = []string{"left_behind"}
		case n < 6:
			cats = []string{"poverty"}
		case n < 7:
			cats = []string{"single_parent", "left_behind"}
		case n < 8:
			cats = []string{"disability"}
		}
		rel := relations[r.IntN(len(relations))]
		y := &guangong.Youth{
			OrgID: places[i%len(places)].ID, Name: name(r, kidGiven, 2), Gender: gender,
			BirthDate: birth.Format(guangong.DateLayout), School: "低庄镇中心学校", Grade: fmt.Sprintf("%d年级", max(1, min(age-5, 9))),
			GuardianName: name(r, given, 1), GuardianRelation: rel, GuardianPhone: fakePhone(5000 + i),
			ParentsWork: works[r.IntN(len(works))], Categories: cats,
			ConsentBy: "监护人（演示）", ConsentRelation: rel, ConsentDate: "2022-09-01", ConsentPurpose: "关爱帮扶登记",
		}
		if i%2 == 0 {
			y.IDNumber = fakeID(birth, i)
		}
		youths = append(youths, y)
	}
	if err := s.ImportYouths(ctx, sys, youths); err != nil {
		return nil, fmt.Errorf("youths: %w", err)
	}
	return vols, nil
}
