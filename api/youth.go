package api

import (
	"net/http"

	"guangong"
)

// youthFields are what a client sets on a youth's record.
type youthFields struct {
	OrgID            string          `json:"orgId"`
	Name             string          `json:"name"`
	Gender           guangong.Gender `json:"gender"`
	BirthDate        string          `json:"birthDate"`
	IDNumber         string          `json:"idNumber"`
	School           string          `json:"school"`
	Grade            string          `json:"grade"`
	GuardianName     string          `json:"guardianName"`
	GuardianRelation string          `json:"guardianRelation"`
	GuardianPhone    string          `json:"guardianPhone"`
	ParentsWork      string          `json:"parentsWork"`
	Categories       []string        `json:"categories"`
	Needs            string          `json:"needs"`
	Notes            string          `json:"notes"`
	ConsentBy        string          `json:"consentBy"`
	ConsentRelation  string          `json:"consentRelation"`
	ConsentDate      string          `json:"consentDate"`
	ConsentPurpose   string          `json:"consentPurpose"`
}

type youthUpdate struct {
	youthFields
	Version int `json:"version"`
}

type revealRequest struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

type revealed struct {
	Value string `json:"value"`
}

func (in youthFields) youth() *guangong.Youth {
	cats := in.Categories
	if cats == nil {
		cats = []string{}
	}
	return &guangong.Youth{
		OrgID: in.OrgID, Name: in.Name, Gender: in.Gender, BirthDate: in.BirthDate, IDNumber: in.IDNumber,
		School: in.School, Grade: in.Grade, GuardianName: in.GuardianName, GuardianRelation: in.GuardianRelation,
		GuardianPhone: in.GuardianPhone, ParentsWork: in.ParentsWork, Categories: cats, Needs: in.Needs,
		Notes: in.Notes, ConsentBy: in.ConsentBy, ConsentRelation: in.ConsentRelation,
		ConsentDate: in.ConsentDate, ConsentPurpose: in.ConsentPurpose,
	}
}

// maskFor masks a youth for an actor without 未成年人信息 access (names, numbers and free
// text; guangong.Youth.Mask). The store already masks; masking is idempotent.
func maskFor(a *guangong.Actor, y *guangong.Youth) {
	if a.MinorAccess {
		return
	}
	y.Mask()
}

func (s *server) listYouths(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q, f := personFilter(r, false)
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.FindYouths(r.Context(), a, f)
	if err != nil {
		return err
	}
	for _, y := range list {
		maskFor(a, y)
	}
	l, err := newList(list, total, f.Page)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, l)
	return nil
}

func (s *server) createYouth(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in youthFields
	if err := decode(w, r, &in); err != nil {
		return err
	}
	y := in.youth()
	if err := s.store.CreateYouth(r.Context(), a, y); err != nil {
		return err
	}
	return s.sendYouth(w, r, a, y.ID, http.StatusCreated)
}

// sendYouth answers with the record read back through the store, masked as the actor
// must see it (never the values just posted).
func (s *server) sendYouth(w http.ResponseWriter, r *http.Request, a *guangong.Actor, id string, status int) error {
	y, err := s.store.FindYouthByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	maskFor(a, y)
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/youths/"+y.ID)
	}
	s.writeJSON(w, r, status, y)
	return nil
}

func (s *server) getYouth(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return s.sendYouth(w, r, a, r.PathValue("id"), http.StatusOK)
}

func (s *server) updateYouth(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in youthUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	y := in.youth()
	y.ID = r.PathValue("id")
	y.Version = in.Version
	if err := s.store.UpdateYouth(r.Context(), a, y); err != nil {
		return err
	}
	return s.sendYouth(w, r, a, y.ID, http.StatusOK)
}

func (s *server) revealYouth(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in revealRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var v guangong.Validation
	switch in.Field {
	case "name", "idNumber", "guardianName", "guardianPhone":
	default:
		v.Add("field", "只能查看姓名、身份证号、监护人姓名或监护人电话", "field must be name, idNumber, guardianName or guardianPhone")
	}
	v.Text("reason", "查看理由", "Reason", in.Reason, true, 200)
	if err := v.Err(); err != nil {
		return err
	}
	value, err := s.store.RevealYouth(r.Context(), a, r.PathValue("id"), in.Field, in.Reason)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, revealed{Value: value})
	return nil
}

func (s *server) mergeYouths(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	drop, err := readMerge(w, r)
	if err != nil {
		return err
	}
	if err := s.store.MergeYouths(r.Context(), a, r.PathValue("id"), drop); err != nil {
		return err
	}
	return s.sendYouth(w, r, a, r.PathValue("id"), http.StatusOK)
}
