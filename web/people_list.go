package web

import (
	"context"
	"net/http"

	"guangong"
)

// personList is what the volunteers' and the youths' lists share: a page of rows found by the
// filters as chosen, the pager, the committee picker and the export links.
type personList[T any] struct {
	Items        []*T
	Pager        pager
	Query        personQuery
	Orgs         []*guangong.Org
	ExportURL    string
	ExportAction string
}

// findPersonList reads the list under base (e.g. "/volunteers") with the filters q: find
// runs them in the caller's scope and mask hides what a list does not show of each row.
func findPersonList[T any](s *server, c *ctx, q personQuery, base string,
	find func(context.Context, *guangong.Actor, guangong.PersonFilter) ([]*T, int, error), mask func(*T)) (personList[T], error) {
	if err := c.recordsRead(); err != nil {
		return personList[T]{}, err
	}
	page := pageOf(c.r)
	list, total, err := find(c.r.Context(), c.actor(), q.filter(page, pageSize))
	if err != nil {
		return personList[T]{}, err
	}
	for _, x := range list {
		mask(x)
	}
	orgs, err := s.scopeOrgs(c, q.Org)
	if err != nil {
		return personList[T]{}, err
	}
	return personList[T]{Items: list, Pager: newPager(c.r, page, total), Query: q, Orgs: orgs,
		ExportURL: base + "/export.xlsx?" + q.Values().Encode(), ExportAction: base + "/export"}, nil
}

// renderPersonList answers a list page, or only its results for the htmx search whose
// target is results.
func renderPersonList(c *ctx, into func(*ctx, **view) error, page, results string) error {
	var v *view
	if err := into(c, &v); err != nil {
		return err
	}
	if isHTMX(c.r) && c.r.Header.Get("HX-Target") == results {
		return c.fragment(http.StatusOK, page, "results", v)
	}
	return c.render(http.StatusOK, page, v)
}
