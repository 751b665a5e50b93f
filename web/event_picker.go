package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"guangong"
)

// The event form's people pickers: the people chosen are checkboxes (untick to remove),
// and a search box lists matches in scope as buttons that add one, so a committee with
// thousands of volunteers never loads them all. htmx only; no script of our own.

// pickLimit is how many matches a search lists.
const pickLimit = 20

// pick is one person in a picker: id and the text shown.
type pick struct {
	ID, Label string
}

// pickField is the form field of each kind.
var pickField = map[string]string{"volunteer": "volunteerIds", "youth": "youthIds"}

// eventPicks names the people a form holds: from the stored event when it links them,
// else looked up (in scope; a youth masked as the store decides). Only people picked
// before a refused save are looked up, one by one.
func (s *server) eventPicks(c *ctx, d *eventFormData, e *guangong.Event, f url.Values) {
	known := map[string]string{}
	if e != nil {
		for _, v := range e.Volunteers {
			known[v.VolunteerID] = v.Name
		}
		for _, y := range e.Youths {
			known[y.YouthID] = y.Name
		}
	}
	ctx, a := c.r.Context(), c.actor()
	name := func(kind, id string) string {
		if l, ok := known[id]; ok {
			return l
		}
		if kind == "volunteer" {
			if p, err := s.store.FindVolunteerByID(ctx, a, id); err == nil {
				return pickLabel(c.lang, p.Name, p.OrgName)
			}
		} else if y, err := s.store.FindYouthByID(ctx, a, id); err == nil {
			return pickLabel(c.lang, y.Name, y.OrgName)
		}
		return id
	}
	list := func(kind string) []pick {
		out := []pick{}
		var seen []string
		for _, id := range f[pickField[kind]] {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(seen, id) {
				seen = append(seen, id)
				out = append(out, pick{ID: id, Label: name(kind, id)})
			}
		}
		return out
	}
	d.ChosenVolunteers, d.ChosenYouths = list("volunteer"), list("youth")
	d.SearchYouths = c.minorAccess()
}

// pickLabel names a person in the picker with their committee, in the page's brackets.
func pickLabel(lang, name, org string) string {
	return name + punct(lang, "（", " (") + org + punct(lang, "）", ")")
}

type pickData struct {
	Kind, Field string
	Results     []pick
	More        bool
	Query       string
}

// eventPick answers the search box: GET /events/pick?kind=volunteer&q=张 lists matches in
// scope, leaving out those already chosen (the form's ids come along).
func (s *server) eventPick(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	q := c.r.URL.Query()
	kind := q.Get("kind")
	field, ok := pickField[kind]
	if !ok {
		return notFoundErr()
	}
	d := &pickData{Kind: kind, Field: field, Results: []pick{}, Query: strings.TrimSpace(q.Get("q"))}
	chosen := q[field]
	if d.Query != "" {
		// Youths are found by name only with 未成年人信息 access: the store refuses the rest.
		f := guangong.PersonFilter{Query: &d.Query, Page: guangong.Page{Limit: pickLimit + 1 + len(chosen)}}
		var err error
		if kind == "volunteer" {
			var list []*guangong.Volunteer
			if list, _, err = s.store.FindVolunteers(c.r.Context(), c.actor(), f); err == nil {
				for _, p := range list {
					if !slices.Contains(chosen, p.ID) {
						d.Results = append(d.Results, pick{p.ID, pickLabel(c.lang, p.Name, p.OrgName)})
					}
				}
			}
		} else {
			var list []*guangong.Youth
			if list, _, err = s.store.FindYouths(c.r.Context(), c.actor(), f); err == nil {
				for _, y := range list {
					if !slices.Contains(chosen, y.ID) {
						d.Results = append(d.Results, pick{y.ID, pickLabel(c.lang, y.Name, y.OrgName)})
					}
				}
			}
		}
		if guangong.ErrorCode(err) == guangong.EINVALID {
			err = nil // a youth search without access: no matches, as the form says
			d.Results = nil
		}
		if err != nil {
			return err
		}
		if len(d.Results) > pickLimit {
			d.Results, d.More = d.Results[:pickLimit], true
		}
	}
	return c.fragment(http.StatusOK, "event/pick", "pickresults", c.view("", d))
}

// eventPickAdd answers a result's button: the chosen checkbox of one person in scope, or
// nothing when the form holds them already.
func (s *server) eventPickAdd(c *ctx) error {
	if err := c.recordsWrite(); err != nil {
		return err
	}
	q := c.r.URL.Query()
	kind, id := q.Get("kind"), q.Get("id")
	field, ok := pickField[kind]
	if !ok || id == "" {
		return notFoundErr()
	}
	if slices.Contains(q[field], id) {
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	p := pick{ID: id}
	if kind == "volunteer" {
		v, err := s.store.FindVolunteerByID(c.r.Context(), c.actor(), id)
		if err != nil {
			return err
		}
		p.Label = pickLabel(c.lang, v.Name, v.OrgName)
	} else {
		y, err := s.store.FindYouthByID(c.r.Context(), c.actor(), id)
		if err != nil {
			return err
		}
		p.Label = pickLabel(c.lang, y.Name, y.OrgName)
	}
	return c.fragment(http.StatusOK, "event/pick", "pickchosen", c.view("", &pickData{Kind: kind, Field: field, Results: []pick{p}}))
}
