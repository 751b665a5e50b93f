package api

import (
	"net/http"

	"guangong"
)

// orgCreate holds the fields a client may set on a new committee; the rest (id, status,
// depth, version, times) are the store's.
type orgCreate struct {
	ParentID    string         `json:"parentId"`
	Name        string         `json:"name"`
	ShortName   string         `json:"shortName"`
	Level       guangong.Level `json:"level"`
	Code        string         `json:"code"`
	Address     string         `json:"address"`
	Contact     string         `json:"contact"`
	Established string         `json:"established"`
}

type orgMove struct {
	ParentID string `json:"parentId"`
	Version  int    `json:"version"`
}

type orgVersion struct {
	Version int `json:"version"`
}

func (s *server) listOrgs(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "parentId", "under", "q", "code", "level", "includeDissolved")
	f := guangong.OrgFilter{
		ParentID: q.str("parentId"),
		Under:    q.str("under"),
		Query:    q.str("q"),
		Code:     q.str("code"),
		Page:     q.page(),
	}
	if l := q.str("level"); l != nil {
		level := guangong.Level(*l)
		if !level.Valid() {
			q.v.Add("level", "请选择有效的层级", "Choose a valid level")
		}
		f.Level = &level
	}
	if b := q.boolean("includeDissolved"); b != nil {
		f.IncludeDissolved = *b
	}
	if err := q.err(); err != nil {
		return err
	}
	orgs, total, err := s.store.FindOrgs(r.Context(), a, f)
	if err != nil {
		return err
	}
	l, err := newList(orgs, total, f.Page)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, l)
	return nil
}

func (s *server) createOrg(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in orgCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	o := &guangong.Org{
		ParentID:    in.ParentID,
		Name:        in.Name,
		ShortName:   in.ShortName,
		Level:       in.Level,
		Code:        in.Code,
		Address:     in.Address,
		Contact:     in.Contact,
		Established: in.Established,
	}
	if err := s.store.CreateOrg(r.Context(), a, o); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+o.ID)
	s.writeJSON(w, r, http.StatusCreated, o)
	return nil
}

func (s *server) getOrg(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	o, err := s.store.FindOrgByID(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *server) updateOrg(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var u guangong.OrgUpdate
	if err := decode(w, r, &u); err != nil {
		return err
	}
	if err := requireVersion(u.Version); err != nil {
		return err
	}
	o, err := s.store.UpdateOrg(r.Context(), a, r.PathValue("id"), u)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *server) moveOrg(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in orgMove
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	o, err := s.store.MoveOrg(r.Context(), a, r.PathValue("id"), in.ParentID, in.Version)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *server) dissolveOrg(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in orgVersion
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	o, err := s.store.DissolveOrg(r.Context(), a, r.PathValue("id"), in.Version)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, o)
	return nil
}

func (s *server) orgSummary(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	sum, err := s.store.OrgSummary(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if sum.Ancestors == nil {
		sum.Ancestors = []*guangong.Org{}
	}
	s.writeJSON(w, r, http.StatusOK, sum)
	return nil
}

func (s *server) orgAncestors(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	orgs, err := s.store.OrgAncestors(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(orgs))
	return nil
}
