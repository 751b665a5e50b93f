package api

import (
	"context"
	"net/http"

	"guangong"
)

// Yearly progress: the figures computed from the records, targets and their defaults, and
// the yearly plan.

type targetSet struct {
	Year    int `json:"year"`
	Min     int `json:"min"`
	Version int `json:"version"`
}

type targetDefaultSet struct {
	Min     int `json:"min"`
	Version int `json:"version"`
}

type planItemFields struct {
	OrgID       string `json:"orgId"`
	Year        int    `json:"year"`
	Month       int    `json:"month"`
	Type        string `json:"type"`
	Kind        string `json:"kind"`
	Category    string `json:"category"`
	Subcategory string `json:"subcategory"`
	Title       string `json:"title"`
	Large       bool   `json:"large"`
	EventID     string `json:"eventId"`
}

type planItemUpdate struct {
	Month       int    `json:"month"`
	Year        int    `json:"year"`
	Type        string `json:"type"`
	Kind        string `json:"kind"`
	Category    string `json:"category"`
	Subcategory string `json:"subcategory"`
	Title       string `json:"title"`
	Large       bool   `json:"large"`
	EventID     string `json:"eventId"`
	Version     int    `json:"version"`
}

func (in planItemFields) item() *guangong.PlanItem {
	return &guangong.PlanItem{OrgID: in.OrgID, Year: in.Year, Month: in.Month, Type: in.Type, Kind: in.Kind,
		Category: in.Category, Subcategory: in.Subcategory, Title: in.Title, Large: in.Large, EventID: in.EventID}
}

// year reads a required year.
func (q *query) year(name string) int {
	if q.str(name) == nil {
		q.v.Add(name, "请给出年份", "The year is required")
		return 0
	}
	return q.integer(name)
}

func (s *server) listMetrics(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	if err := newQuery(r).err(); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(guangong.Metrics))
	return nil
}

func (s *server) getProgress(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "orgId", "year", "subtree")
	org, year, subtree := q.str("orgId"), q.year("year"), q.boolean("subtree")
	if org == nil {
		q.v.Add("orgId", "请给出组织", "The committee is required")
	}
	if err := q.err(); err != nil {
		return err
	}
	p, err := s.store.Progress(r.Context(), a, *org, year, subtree != nil && *subtree)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, p)
	return nil
}

func (s *server) getProgressYears(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "orgId", "from", "to", "subtree")
	org, from, to, subtree := q.str("orgId"), q.year("from"), q.year("to"), q.boolean("subtree")
	if org == nil {
		q.v.Add("orgId", "请给出组织", "The committee is required")
	}
	if err := q.err(); err != nil {
		return err
	}
	t, err := s.store.ProgressYears(r.Context(), a, *org, from, to, subtree != nil && *subtree)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, t)
	return nil
}

// getProgressChildren answers the figures of orgId's children in year: every one of them
// unless limit asks for fewer (a committee's children rarely pass one page of 200).
func (s *server) getProgressChildren(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return s.progressBelow(w, r, a, false)
}

// getProgressDescendants answers a page of the figures of every committee below orgId.
func (s *server) getProgressDescendants(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return s.progressBelow(w, r, a, true)
}

func (s *server) progressBelow(w http.ResponseWriter, r *http.Request, a *guangong.Actor, all bool) error {
	q := newQuery(r, "orgId", "year", "limit", "offset")
	org, year, page := q.str("orgId"), q.year("year"), q.page()
	if org == nil {
		q.v.Add("orgId", "请给出组织", "The committee is required")
	}
	if err := q.err(); err != nil {
		return err
	}
	if !all && page.Limit == 0 {
		page.Limit = guangong.MaxPageSize
	}
	p, err := s.store.ProgressBelow(r.Context(), a, *org, year, all, page)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, p)
	return nil
}

// listYear answers find's list for committee {id} and the required ?year=.
func listYear[T any](s *server, w http.ResponseWriter, r *http.Request, a *guangong.Actor,
	find func(ctx context.Context, a *guangong.Actor, orgID string, year int) ([]T, error)) error {
	q := newQuery(r, "year")
	year := q.year("year")
	if err := q.err(); err != nil {
		return err
	}
	list, err := find(r.Context(), a, r.PathValue("id"), year)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) listTargets(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return listYear(s, w, r, a, s.store.EffectiveTargets)
}

func (s *server) setTarget(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in targetSet
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t := &guangong.Target{OrgID: r.PathValue("id"), Year: in.Year, Metric: r.PathValue("metric"), Min: in.Min, Version: in.Version}
	if err := s.store.SetTarget(r.Context(), a, t); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, t)
	return nil
}

// versionParam reads the required version of a DELETE from the query.
func versionParam(r *http.Request) (int, error) {
	q := newQuery(r, "version")
	v := q.integer("version")
	if err := q.err(); err != nil {
		return 0, err
	}
	return v, requireVersion(v)
}

// deleteVersioned calls del with the query's required version and answers 204.
func deleteVersioned(w http.ResponseWriter, r *http.Request, del func(version int) error) error {
	v, err := versionParam(r)
	if err != nil {
		return err
	}
	if err := del(v); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) deleteTarget(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return deleteVersioned(w, r, func(v int) error {
		return s.store.DeleteTarget(r.Context(), a, r.PathValue("id"), v)
	})
}

func (s *server) listTargetDefaults(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	if err := newQuery(r).err(); err != nil {
		return err
	}
	list, err := s.store.TargetDefaults(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) setTargetDefault(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in targetDefaultSet
	if err := decode(w, r, &in); err != nil {
		return err
	}
	d := &guangong.TargetDefault{SetBy: r.PathValue("id"), Metric: r.PathValue("metric"), Min: in.Min, Version: in.Version}
	if err := s.store.SetTargetDefault(r.Context(), a, d); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, d)
	return nil
}

func (s *server) deleteTargetDefault(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return deleteVersioned(w, r, func(v int) error {
		return s.store.DeleteTargetDefault(r.Context(), a, r.PathValue("id"), r.PathValue("metric"), v)
	})
}

func (s *server) listPlanItems(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return listYear(s, w, r, a, s.store.PlanItems)
}

func (s *server) createPlanItem(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in planItemFields
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p := in.item()
	if err := s.store.CreatePlanItem(r.Context(), a, p); err != nil {
		return err
	}
	return s.sendPlanItem(w, r, a, p.ID, http.StatusCreated)
}

// sendPlanItem answers with the item as read back (its done and overdue state computed).
func (s *server) sendPlanItem(w http.ResponseWriter, r *http.Request, a *guangong.Actor, id string, status int) error {
	p, err := s.store.FindPlanItem(r.Context(), a, id)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, status, p)
	return nil
}

func (s *server) getPlanItem(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return s.sendPlanItem(w, r, a, r.PathValue("id"), http.StatusOK)
}

func (s *server) updatePlanItem(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in planItemUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	p := &guangong.PlanItem{ID: r.PathValue("id"), Year: in.Year, Month: in.Month, Type: in.Type, Kind: in.Kind,
		Category: in.Category, Subcategory: in.Subcategory, Title: in.Title, Large: in.Large, EventID: in.EventID, Version: in.Version}
	if err := s.store.UpdatePlanItem(r.Context(), a, p); err != nil {
		return err
	}
	return s.sendPlanItem(w, r, a, p.ID, http.StatusOK)
}

func (s *server) deletePlanItem(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return deleteVersioned(w, r, func(v int) error {
		return s.store.DeletePlanItem(r.Context(), a, r.PathValue("id"), v)
	})
}
