package api

import (
	"net/http"
	"slices"
	"time"

	"guangong"
)

// volunteerFields are what a client sets on a volunteer; id, version and times are the
// store's, and a merge is its own action.
type volunteerFields struct {
	OrgID        string                 `json:"orgId"`
	Name         string                 `json:"name"`
	Gender       guangong.Gender        `json:"gender"`
	BirthDate    string                 `json:"birthDate"`
	Phone        string                 `json:"phone"`
	IDNumber     string                 `json:"idNumber"`
	Category     guangong.ElderCategory `json:"category"`
	FormerUnit   string                 `json:"formerUnit"`
	FormerPost   string                 `json:"formerPost"`
	PartyMember  bool                   `json:"partyMember"`
	PartyBranch  string                 `json:"partyBranch"`
	Skills       []string               `json:"skills"`
	SkillsOther  string                 `json:"skillsOther"`
	Health       string                 `json:"health"`
	Availability string                 `json:"availability"`
	Status       string                 `json:"status"`
	JoinedDate   string                 `json:"joinedDate"`
	ConsentDate  string                 `json:"consentDate"`
	ConsentNote  string                 `json:"consentNote"`
	Notes        string                 `json:"notes"`
}

// volunteerUpdate is the full record sent back with the version it was read at.
type volunteerUpdate struct {
	volunteerFields
	Version int `json:"version"`
}

func (in volunteerFields) volunteer() *guangong.Volunteer {
	skills := in.Skills
	if skills == nil {
		skills = []string{}
	}
	return &guangong.Volunteer{
		OrgID: in.OrgID, Name: in.Name, Gender: in.Gender, BirthDate: in.BirthDate, Phone: in.Phone,
		IDNumber: in.IDNumber, Category: in.Category, FormerUnit: in.FormerUnit, FormerPost: in.FormerPost,
		PartyMember: in.PartyMember, PartyBranch: in.PartyBranch, Skills: skills, SkillsOther: in.SkillsOther,
		Health: in.Health, Availability: in.Availability, Status: in.Status, JoinedDate: in.JoinedDate,
		ConsentDate: in.ConsentDate, ConsentNote: in.ConsentNote, Notes: in.Notes,
	}
}

type membershipCreate struct {
	OrgID string `json:"orgId"`
	From  string `json:"from"`
	To    string `json:"to"`
	Note  string `json:"note"`
}

type postCreate struct {
	VolunteerID string `json:"volunteerId"`
	Title       string `json:"title"`
	From        string `json:"from"`
	To          string `json:"to"`
}

type bodyCreate struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Founded string `json:"founded"`
}

type bodyMemberCreate struct {
	VolunteerID string `json:"volunteerId"`
	Role        string `json:"role"`
	From        string `json:"from"`
	To          string `json:"to"`
}

// ending closes a membership or a post on a date.
type ending struct {
	To      string `json:"to"`
	Version int    `json:"version"`
}

type mergeRequest struct {
	DropID string `json:"dropId"`
}

// personFilter reads the list filters shared by volunteers and youths; volunteer adds the
// filters only volunteers have, extra names more parameters the caller reads itself.
func personFilter(r *http.Request, volunteer bool, extra ...string) (*query, guangong.PersonFilter) {
	names := append([]string{"orgId", "q", "category", "ageBand"}, extra...)
	if volunteer {
		names = append(names, "partyMember", "status")
	}
	q := newQuery(r, names...)
	f := guangong.PersonFilter{
		OrgID:    q.str("orgId"),
		Query:    q.str("q"),
		Category: q.str("category"),
		AgeBand:  q.str("ageBand"),
		Page:     q.page(),
	}
	if c := f.Category; c != nil {
		if volunteer && !slices.Contains(guangong.ElderCategories, guangong.ElderCategory(*c)) {
			q.v.Add("category", "请选择有效的五老类别", "Choose a valid category")
		}
		if !volunteer && !slices.Contains(guangong.YouthCategories, *c) {
			q.v.Add("category", "请选择有效的青少年类别", "Choose a valid category")
		}
	}
	if volunteer {
		f.PartyMember = q.boolean("partyMember")
		f.Status = q.str("status")
		if s := f.Status; s != nil && !slices.Contains(guangong.VolunteerStatuses, *s) {
			q.v.Add("status", "状态应为 active、inactive 或 deceased", "Status must be active, inactive or deceased")
		}
	}
	return q, f
}

func (s *server) listVolunteers(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q, f := personFilter(r, true)
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.FindVolunteers(r.Context(), a, f)
	if err != nil {
		return err
	}
	l, err := newList(list, total, f.Page)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, l)
	return nil
}

func (s *server) createVolunteer(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in volunteerFields
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p := in.volunteer()
	if err := s.store.CreateVolunteer(r.Context(), a, p); err != nil {
		return err
	}
	return s.sendVolunteer(w, r, a, p.ID, http.StatusCreated)
}

// sendVolunteer answers with the record as stored (names filled, version current).
func (s *server) sendVolunteer(w http.ResponseWriter, r *http.Request, a *guangong.Actor, id string, status int) error {
	p, err := s.store.FindVolunteerByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", "/api/v1/volunteers/"+p.ID)
	}
	s.writeJSON(w, r, status, p)
	return nil
}

func (s *server) getVolunteer(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return s.sendVolunteer(w, r, a, r.PathValue("id"), http.StatusOK)
}

func (s *server) updateVolunteer(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in volunteerUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	p := in.volunteer()
	p.ID = r.PathValue("id")
	p.Version = in.Version
	if err := s.store.UpdateVolunteer(r.Context(), a, p); err != nil {
		return err
	}
	return s.sendVolunteer(w, r, a, p.ID, http.StatusOK)
}

func (s *server) listMemberships(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	list, err := s.store.Memberships(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) addMembership(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in membershipCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m := &guangong.Membership{VolunteerID: r.PathValue("id"), OrgID: in.OrgID, From: in.From, To: in.To, Note: in.Note}
	if err := s.store.AddMembership(r.Context(), a, m); err != nil {
		return inPath(err, "volunteerId", guangong.VolunteerNoun)
	}
	s.writeJSON(w, r, http.StatusCreated, m)
	return nil
}

// readEnding decodes {to, version} and checks the end is a date, so an empty end never
// reads as "now", and that the version the end was made against is given.
func readEnding(w http.ResponseWriter, r *http.Request) (ending, error) {
	var in ending
	if err := decode(w, r, &in); err != nil {
		return in, err
	}
	var v guangong.Validation
	v.Text("to", "结束日期", "End date", in.To, true, 10)
	v.Date("to", "结束日期", "End date", in.To, time.Now())
	if err := v.Err(); err != nil {
		return in, err
	}
	return in, requireVersion(in.Version)
}

func (s *server) endMembership(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	in, err := readEnding(w, r)
	if err != nil {
		return err
	}
	if err := s.store.EndMembership(r.Context(), a, r.PathValue("id"), in.To, in.Version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) listPosts(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "all")
	all := q.boolean("all")
	if err := q.err(); err != nil {
		return err
	}
	list, err := s.store.Posts(r.Context(), a, r.PathValue("id"), all == nil || !*all)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) addPost(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in postCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p := &guangong.Post{OrgID: r.PathValue("id"), VolunteerID: in.VolunteerID, Title: in.Title, From: in.From, To: in.To}
	if err := s.store.AddPost(r.Context(), a, p); err != nil {
		return inPath(err, "orgId", guangong.OrgNoun)
	}
	s.writeJSON(w, r, http.StatusCreated, p)
	return nil
}

func (s *server) endPost(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	in, err := readEnding(w, r)
	if err != nil {
		return err
	}
	if err := s.store.EndPost(r.Context(), a, r.PathValue("id"), in.To, in.Version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) composition(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	c, err := s.store.Composition(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.Posts == nil {
		c.Posts = []*guangong.Post{}
	}
	if c.ByCategory == nil {
		c.ByCategory = map[string]int{}
	}
	if c.AgeBands == nil {
		c.AgeBands = map[string]int{}
	}
	s.writeJSON(w, r, http.StatusOK, c)
	return nil
}

func (s *server) listBodies(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	list, err := s.store.Bodies(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) createBody(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in bodyCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	b := &guangong.Body{OrgID: r.PathValue("id"), Kind: in.Kind, Name: in.Name, Founded: in.Founded}
	if err := s.store.CreateBody(r.Context(), a, b); err != nil {
		return inPath(err, "orgId", guangong.OrgNoun)
	}
	s.writeJSON(w, r, http.StatusCreated, b)
	return nil
}

func (s *server) listBodyMembers(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	list, err := s.store.BodyMembers(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) addBodyMember(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in bodyMemberCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m := &guangong.BodyMember{BodyID: r.PathValue("id"), VolunteerID: in.VolunteerID, Role: in.Role, From: in.From, To: in.To}
	if err := s.store.AddBodyMember(r.Context(), a, m); err != nil {
		return inPath(err, "bodyId", bodyNoun)
	}
	s.writeJSON(w, r, http.StatusCreated, m)
	return nil
}

var bodyNoun = guangong.Msg{Zh: "关联组织", En: "Body"}

// inPath answers 404 when the store names, as a bad field, the object the path gives: to
// the caller the address is what does not exist (the store says the same of an object
// outside scope, so nothing is learnt either way).
func inPath(err error, field string, noun guangong.Msg) error {
	if _, ok := guangong.FieldErrors(err)[field]; ok {
		return guangong.NotFound(noun)
	}
	return err
}

// listDuplicates lists likely duplicates of one kind in the caller's scope.
func (s *server) listDuplicates(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "kind")
	kind := q.str("kind")
	if kind == nil || (*kind != "volunteer" && *kind != "youth") {
		q.v.Add("kind", "kind 应为 volunteer 或 youth", "kind must be volunteer or youth")
	}
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	list, err := s.store.Duplicates(r.Context(), a, *kind, p)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func readMerge(w http.ResponseWriter, r *http.Request) (string, error) {
	var in mergeRequest
	if err := decode(w, r, &in); err != nil {
		return "", err
	}
	var v guangong.Validation
	v.Text("dropId", "被合并的记录", "Record to merge", in.DropID, true, 64)
	if in.DropID == r.PathValue("id") {
		v.Add("dropId", "不能与自身合并", "A record cannot be merged into itself")
	}
	return in.DropID, v.Err()
}

func (s *server) mergeVolunteers(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	drop, err := readMerge(w, r)
	if err != nil {
		return err
	}
	if err := s.store.MergeVolunteers(r.Context(), a, r.PathValue("id"), drop); err != nil {
		return err
	}
	return s.sendVolunteer(w, r, a, r.PathValue("id"), http.StatusOK)
}
