package web

import (
	"net/http"
	"net/url"

	"guangong"
)

// dupPerson is one side of a likely duplicate, as the pages show it (youths masked).
type dupPerson struct {
	ID, Name, BirthDate, OrgName, IDNumber string
	Version                                int
}

type dupPair struct {
	A, B   dupPerson
	Reason string
}

type duplicatesData struct {
	Kind  string // "volunteer" or "youth"
	Base  string // "/volunteers" or "/youths"
	Pairs []dupPair
	Pager pager
	Keep  dupPerson // the merge confirmation
	Drop  dupPerson
}

func kindBase(kind string) string {
	if kind == "youth" {
		return "/youths"
	}
	return "/volunteers"
}

// findPerson loads one side of a pair for display.
func (s *server) findPerson(c *ctx, kind, id string) (dupPerson, error) {
	if kind == "youth" {
		y, err := s.store.FindYouthByID(c.r.Context(), c.actor(), id)
		if err != nil {
			return dupPerson{}, err
		}
		c.maskYouth(y)
		return dupPerson{ID: y.ID, Name: y.Name, BirthDate: y.BirthDate, OrgName: y.OrgName, IDNumber: y.IDNumber, Version: y.Version}, nil
	}
	p, err := s.store.FindVolunteerByID(c.r.Context(), c.actor(), id)
	if err != nil {
		return dupPerson{}, err
	}
	p.Mask()
	return dupPerson{ID: p.ID, Name: p.Name, BirthDate: p.BirthDate, OrgName: p.OrgName, IDNumber: p.IDNumber, Version: p.Version}, nil
}

func (s *server) duplicates(kind string) handlerFunc {
	return func(c *ctx) error {
		if err := c.recordsRead(); err != nil {
			return err
		}
		page := pageOf(c.r)
		pairs, err := s.store.Duplicates(c.r.Context(), c.actor(), kind, guangong.Page{Offset: (page - 1) * pageSize, Limit: pageSize})
		if err != nil {
			return err
		}
		d := &duplicatesData{Kind: kind, Base: kindBase(kind)}
		for _, p := range pairs {
			a, err := s.findPerson(c, kind, p.A)
			if err != nil {
				return err
			}
			b, err := s.findPerson(c, kind, p.B)
			if err != nil {
				return err
			}
			d.Pairs = append(d.Pairs, dupPair{A: a, B: b, Reason: p.Reason})
		}
		// The store gives no total: offer a next page while pages come back full.
		total := (page-1)*pageSize + len(pairs)
		if len(pairs) == pageSize {
			total++
		}
		d.Pager = newPager(c.r, page, total)
		return c.render(http.StatusOK, "person/duplicates", c.view(tr(c.lang, "dup.title."+kind), d))
	}
}

// mergeWrite: volunteers are merged by whoever writes records; youths also need
// 未成年人信息 access, as every youth form does.
func (c *ctx) mergeWrite(kind string) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if kind == "youth" {
		return c.youthWrite()
	}
	return c.recordsWrite()
}

// mergeForm confirms which record stays: keep absorbs drop's history; drop is marked merged.
func (s *server) mergeForm(kind string) handlerFunc {
	return func(c *ctx) error {
		if err := c.mergeWrite(kind); err != nil {
			return err
		}
		keepID, dropID := c.r.FormValue("keep"), c.r.FormValue("drop")
		if dropID == "" { // from the duplicates list: the pair is a and b, keep is one of them
			if a, b := c.r.FormValue("a"), c.r.FormValue("b"); keepID == a {
				dropID = b
			} else if keepID == b {
				dropID = a
			}
		}
		if keepID == "" || dropID == "" || keepID == dropID {
			return notFoundErr()
		}
		keep, err := s.findPerson(c, kind, keepID)
		if err != nil {
			return err
		}
		drop, err := s.findPerson(c, kind, dropID)
		if err != nil {
			return err
		}
		d := &duplicatesData{Kind: kind, Base: kindBase(kind), Keep: keep, Drop: drop}
		return c.render(http.StatusOK, "person/merge", c.view(tr(c.lang, "dup.merge"), d))
	}
}

func (s *server) merge(kind string) handlerFunc {
	return func(c *ctx) error {
		if err := c.mergeWrite(kind); err != nil {
			return err
		}
		keepID, dropID := c.r.PostFormValue("keep"), c.r.PostFormValue("drop")
		var err error
		if kind == "youth" {
			err = s.store.MergeYouths(c.r.Context(), c.actor(), keepID, dropID)
		} else {
			err = s.store.MergeVolunteers(c.r.Context(), c.actor(), keepID, dropID)
		}
		if err != nil {
			if guangong.ErrorCode(err) != guangong.EINVALID && guangong.ErrorCode(err) != guangong.ECONFLICT {
				return err
			}
			keep, kerr := s.findPerson(c, kind, keepID)
			drop, derr := s.findPerson(c, kind, dropID)
			if kerr != nil || derr != nil {
				return err
			}
			v := c.view(tr(c.lang, "dup.merge"), &duplicatesData{Kind: kind, Base: kindBase(kind), Keep: keep, Drop: drop})
			status, _ := c.formError(v, err)
			return c.render(status, "person/merge", v)
		}
		return c.redirect(kindBase(kind) + "/" + url.PathEscape(keepID))
	}
}
