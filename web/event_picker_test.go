package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// The event form finds volunteers as a name is typed, among many more than a page holds;
// the chosen stay ticked through a refused save; youths are found by name only with
// 未成年人信息 access; nothing outside scope is offered or added.
func TestEventPeoplePicker(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		ctx, sys := context.Background(), guangong.SystemActor("t")
		var many []*guangong.Volunteer
		for i := range 600 {
			many = append(many, &guangong.Volunteer{OrgID: s.fx.Town.ID, Name: fmt.Sprintf("志愿者%03d", i), Gender: guangong.Male,
				BirthDate: "1950-01-01", Category: guangong.ElderTeacher, Status: "active", ConsentDate: "2024-01-02"})
		}
		if err := db.ImportVolunteers(ctx, sys, many); err != nil {
			t.Fatal(err)
		}
		target := newVolunteer(t, db, s.fx.VillageA.ID, "欧阳目标", "1949-02-03") // sorts after the 600
		outside := newVolunteer(t, db, s.fx.OtherTown.ID, "欧阳外镇", "1948-02-03")
		child := newYouth(t, db, s.fx.VillageA.ID, youthName)

		c := s.loginAs("townclerk")
		check(t, scenario{status: 200, want: []string{`id="f-volunteer-q"`, `hx-get="/events/pick?kind=volunteer"`, `form="pick-none"`,
			`id="f-volunteerIds"`, `id="f-youth-q-none"`}, notWant: []string{"志愿者000", `<select id="f-volunteerIds"`, `id="f-youth-q"`}},
			c.get("/events/new?type=meeting"), s)

		found := c.get("/events/pick?kind=volunteer&q="+url.QueryEscape("欧阳"), "HX-Request", "true")
		check(t, scenario{status: 200, want: []string{"欧阳目标（青松村）", `hx-get="/events/pick/add?kind=volunteer&amp;id=` + target.ID + `"`,
			`hx-target="#f-volunteerIds"`}, notWant: []string{"欧阳外镇", "<html"}}, found, s)
		check(t, scenario{status: 200, want: []string{"只列出前20人"}}, c.get("/events/pick?kind=volunteer&q="+url.QueryEscape("志愿者")), s)
		if n := strings.Count(c.get("/events/pick?kind=volunteer&q="+url.QueryEscape("志愿者")).body, `class="pick-add"`); n != pickLimit {
			t.Errorf("%d matches listed, want %d", n, pickLimit)
		}
		// Already chosen: not offered again, and adding it twice adds nothing.
		check(t, scenario{status: 200, want: []string{"没有找到"}, notWant: []string{"欧阳目标"}},
			c.get("/events/pick?kind=volunteer&q="+url.QueryEscape("欧阳")+"&volunteerIds="+target.ID), s)
		added := c.get("/events/pick/add?kind=volunteer&id="+target.ID, "HX-Request", "true")
		check(t, scenario{status: 200, want: []string{`<li><label class="check"><input type="checkbox" name="volunteerIds" value="` + target.ID + `" checked> 欧阳目标（青松村）</label></li>`}}, added, s)
		if again := c.get("/events/pick/add?kind=volunteer&id="+target.ID+"&volunteerIds="+target.ID, "HX-Request", "true"); again.status != 200 || strings.TrimSpace(again.body) != "" {
			t.Errorf("second add: %d %q", again.status, again.body)
		}
		check(t, scenario{status: 404, notWant: []string{"欧阳外镇"}}, c.get("/events/pick/add?kind=volunteer&id="+outside.ID), s)
		check(t, scenario{status: 404}, c.get("/events/pick?kind=troupe&q=x"), s)
		// Youths: no search by name without access to minors' data.
		check(t, scenario{status: 200, notWant: []string{youthName, "pick-add"}}, c.get("/events/pick?kind=youth&q="+url.QueryEscape("李")), s)
		check(t, scenario{status: 403}, s.loginAs("villageviewer").get("/events/pick?kind=volunteer&q=x"), s)

		// A refused save keeps the chosen ticked, by name.
		form := url.Values{"type": {"meeting"}, "title": {"村民座谈会"}, "kind": {"forum"}, "orgId": {s.fx.VillageA.ID},
			"startsAt": {"2025-03-01T09:00"}, "endsAt": {"2025-03-01T08:00"}, "status": {"held"}, "youthsServed": {"0"},
			"othersCount": {"3"}, "audience": {"0"}, "volunteerIds": {target.ID}}
		check(t, scenario{status: 422, want: []string{`name="volunteerIds" value="` + target.ID + `" checked> 欧阳目标（青松村）`}},
			c.post("/events/new", form), s)
		form.Set("endsAt", "2025-03-01T11:00")
		r := c.post("/events/new", form)
		if r.status != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", r.status, excerpt(r.body))
		}
		id := strings.TrimPrefix(r.location, "/events/")
		e, err := db.FindEventByID(ctx, sys, id)
		if err != nil || len(e.VolunteerIDs) != 1 || e.VolunteerIDs[0] != target.ID {
			t.Fatalf("event volunteers: %+v %v", e, err)
		}
		check(t, scenario{status: 200, want: []string{`value="` + target.ID + `" checked> 欧阳目标`}}, c.get("/events/"+id+"/edit"), s)

		// With access to minors' data the youth is found and added in full.
		grantMinor(t, s, "villageclerk")
		v := s.loginAs("villageclerk")
		check(t, scenario{status: 200, want: []string{`id="f-youth-q"`}, notWant: []string{`id="f-youth-q-none"`}}, v.get("/events/new?type=activity"), s)
		check(t, scenario{status: 200, want: []string{youthName + "（青松村）", "/events/pick/add?kind=youth&amp;id=" + child.ID}},
			v.get("/events/pick?kind=youth&q="+url.QueryEscape("小明")), s)
		// The town clerk, without that access, sees a linked youth masked in the form.
		act := url.Values{"type": {"activity"}, "title": {"结对帮扶"}, "category": {"care"}, "orgId": {s.fx.VillageA.ID},
			"startsAt": {"2025-03-02T09:00"}, "endsAt": {"2025-03-02T11:00"}, "status": {"held"}, "youthsServed": {"1"},
			"othersCount": {"0"}, "audience": {"0"}, "youthIds": {child.ID}}
		r = v.post("/events/new", act)
		if r.status != http.StatusSeeOther {
			t.Fatalf("create with youth: %d\n%s", r.status, excerpt(r.body))
		}
		edit := c.get(r.location + "/edit")
		check(t, scenario{status: 200, want: []string{`name="youthIds" value="` + child.ID + `" checked>`}, notWant: []string{youthName}}, edit, s)
		if !regexp.MustCompile(`value="` + child.ID + `" checked> 李\*`).MatchString(edit.body) {
			t.Errorf("youth not masked in the town clerk's form:\n%s", excerpt(edit.body))
		}
	})
}
