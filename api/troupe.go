package api

import (
	"net/http"

	"guangong"
)

type troupeFields struct {
	OrgID   string `json:"orgId"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Founded string `json:"founded"`
}

type troupeUpdate struct {
	troupeFields
	Version int `json:"version"`
}

type troupeMemberCreate struct {
	VolunteerID string `json:"volunteerId"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	From        string `json:"from"`
	To          string `json:"to"`
}

// troupeList is a page of troupes with the subtree's totals.
type troupeList struct {
	list
	Totals *guangong.TroupeTotals `json:"totals"`
}

func (s *server) listTroupes(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "orgId")
	f := guangong.TroupeFilter{OrgID: q.str("orgId"), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	items, total, totals, err := s.store.FindTroupes(r.Context(), a, f)
	if err != nil {
		return err
	}
	l, err := newList(items, total, f.Page)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, troupeList{l, totals})
	return nil
}

func (s *server) sendTroupe(w http.ResponseWriter, r *http.Request, a *guangong.Actor, id string, status int) error {
	t, err := s.store.FindTroupeByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/troupes/"+t.ID)
	}
	s.writeJSON(w, r, status, t)
	return nil
}

func (s *server) createTroupe(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in troupeFields
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t := &guangong.Troupe{OrgID: in.OrgID, Name: in.Name, Kind: in.Kind, Founded: in.Founded}
	if err := s.store.CreateTroupe(r.Context(), a, t); err != nil {
		return err
	}
	return s.sendTroupe(w, r, a, t.ID, http.StatusCreated)
}

func (s *server) getTroupe(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return s.sendTroupe(w, r, a, r.PathValue("id"), http.StatusOK)
}

func (s *server) updateTroupe(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in troupeUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	t := &guangong.Troupe{ID: r.PathValue("id"), OrgID: in.OrgID, Name: in.Name, Kind: in.Kind, Founded: in.Founded, Version: in.Version}
	if err := s.store.UpdateTroupe(r.Context(), a, t); err != nil {
		return err
	}
	return s.sendTroupe(w, r, a, t.ID, http.StatusOK)
}

func (s *server) listTroupeMembers(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	list, err := s.store.TroupeMembers(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) addTroupeMember(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in troupeMemberCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m := &guangong.TroupeMember{TroupeID: r.PathValue("id"), VolunteerID: in.VolunteerID, Name: in.Name, Role: in.Role,
		From: in.From, To: in.To}
	if err := s.store.AddTroupeMember(r.Context(), a, m); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, m)
	return nil
}

func (s *server) endTroupeMember(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in ending
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	if err := s.store.EndTroupeMember(r.Context(), a, r.PathValue("id"), in.To, in.Version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
