package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"guangong"
)

// eventFields are what a client sets on a meeting or an activity; headcount and the large
// flag are computed, the type is chosen once.
type eventFields struct {
	Type         string   `json:"type"`
	OrgID        string   `json:"orgId"`
	CoOrgIDs     []string `json:"coOrgIds"`
	Kind         string   `json:"kind"`
	Category     string   `json:"category"`
	Subcategory  string   `json:"subcategory"`
	Title        string   `json:"title"`
	StartsAt     string   `json:"startsAt"`
	EndsAt       string   `json:"endsAt"`
	Place        string   `json:"place"`
	Host         string   `json:"host"`
	Agenda       string   `json:"agenda"`
	Minutes      string   `json:"minutes"`
	Decisions    string   `json:"decisions"`
	Outcome      string   `json:"outcome"`
	Status       string   `json:"status"`
	Scale        string   `json:"scale"`
	TroupeID     string   `json:"troupeId"`
	VolunteerIDs []string `json:"volunteerIds"`
	YouthIDs     []string `json:"youthIds"`
	YouthsServed int      `json:"youthsServed"`
	OthersCount  int      `json:"othersCount"`
	Audience     int      `json:"audience"`
	PlanItemID   string   `json:"planItemId"`
}

type eventUpdate struct {
	eventFields
	Version int `json:"version"`
}

// event turns the input into a record; times are RFC 3339 with their offset.
func (in eventFields) event() (*guangong.Event, error) {
	e := &guangong.Event{Type: in.Type, OrgID: in.OrgID, CoOrgIDs: in.CoOrgIDs, Kind: in.Kind, Category: in.Category,
		Subcategory: in.Subcategory, Title: in.Title, Place: in.Place, Host: in.Host, Agenda: in.Agenda,
		Minutes: in.Minutes, Decisions: in.Decisions, Outcome: in.Outcome, Status: in.Status, Scale: in.Scale,
		TroupeID: in.TroupeID, VolunteerIDs: in.VolunteerIDs, YouthIDs: in.YouthIDs, YouthsServed: in.YouthsServed,
		OthersCount: in.OthersCount, Audience: in.Audience, PlanItemID: in.PlanItemID}
	var v guangong.Validation
	for _, t := range []struct {
		field, val string
		dst        *time.Time
	}{{"startsAt", in.StartsAt, &e.StartsAt}, {"endsAt", in.EndsAt, &e.EndsAt}} {
		if t.val == "" {
			continue // the store names the missing time
		}
		tm, err := time.Parse(time.RFC3339, t.val)
		if err != nil {
			v.Add(t.field, "时间格式应为 RFC 3339，如 2025-06-01T09:00:00+08:00",
				"Must be an RFC 3339 time like 2025-06-01T09:00:00+08:00")
			continue
		}
		*t.dst = tm.UTC()
	}
	return e, v.Err()
}

// tidyEvent gives clients [] rather than null for the lists of a stored event.
func tidyEvent(e *guangong.Event) *guangong.Event {
	if e.Orgs == nil {
		e.Orgs = []guangong.EventOrg{}
	}
	if e.Volunteers == nil {
		e.Volunteers = []guangong.EventVolunteer{}
	}
	if e.Youths == nil {
		e.Youths = []guangong.EventYouth{}
	}
	if e.Attachments == nil {
		e.Attachments = []*guangong.Attachment{}
	}
	return e
}

func (s *server) listEvents(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "orgId", "type", "kind", "category", "subcategory", "status", "large", "from", "to", "volunteerId")
	f := guangong.EventFilter{OrgID: q.str("orgId"), Type: q.str("type"), Kind: q.str("kind"), Category: q.str("category"),
		Subcategory: q.str("subcategory"), Status: q.str("status"), Large: q.boolean("large"), From: q.str("from"),
		To: q.str("to"), VolunteerID: q.str("volunteerId"), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.FindEvents(r.Context(), a, f)
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

func (s *server) eventCalendar(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "orgId", "month")
	org, month := q.str("orgId"), q.str("month")
	if month == nil {
		q.v.Add("month", "请给出月份，如 2025-06", "Give the month, like 2025-06")
	}
	if err := q.err(); err != nil {
		return err
	}
	orgID := ""
	if org != nil {
		orgID = *org
	}
	list, err := s.store.EventCalendar(r.Context(), a, orgID, *month)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) sendEvent(w http.ResponseWriter, r *http.Request, a *guangong.Actor, id string) error {
	e, err := s.store.FindEventByID(r.Context(), a, id)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, tidyEvent(e))
	return nil
}

func (s *server) createEvent(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in eventFields
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, err := in.event()
	if err != nil {
		return err
	}
	if err := s.store.CreateEvent(r.Context(), a, e); err != nil {
		return err
	}
	// The store fills in what a read would show, so the answer needs no read back.
	w.Header().Set("Location", "/api/v1/events/"+e.ID)
	s.writeJSON(w, r, http.StatusCreated, tidyEvent(e))
	return nil
}

func (s *server) getEvent(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return s.sendEvent(w, r, a, r.PathValue("id"))
}

func (s *server) updateEvent(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in eventUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	e, err := in.event()
	if err != nil {
		return err
	}
	e.ID, e.Version = r.PathValue("id"), in.Version
	if err := s.store.UpdateEvent(r.Context(), a, e); err != nil {
		return err
	}
	return s.sendEvent(w, r, a, e.ID)
}

// addAttachment takes one file in a multipart "file" part.
func (s *server) addAttachment(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	r.Body = http.MaxBytesReader(w, r.Body, guangong.MaxAttachmentBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return statusError(http.StatusBadRequest, "请求应为 multipart/form-data，包含 file", "The request must be multipart/form-data with file")
	}
	var f guangong.Upload
	var v guangong.Validation
	have := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return attachmentUploadError(err)
		}
		if part.FormName() != "file" {
			v.Add(part.FormName(), "不支持的字段", "Unknown field")
			part.Close()
			continue
		}
		have = true
		f.Name = part.FileName()
		if f.Data, err = io.ReadAll(io.LimitReader(part, guangong.MaxAttachmentBytes+1)); err != nil {
			return attachmentUploadError(err)
		}
		part.Close()
	}
	if !have {
		v.Add("file", "请选择要上传的文件", "Choose a file to upload")
	}
	if err := v.Err(); err != nil {
		return err
	}
	t, err := s.store.AddAttachment(r.Context(), a, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/events/"+t.EventID+"/attachments/"+t.ID)
	s.writeJSON(w, r, http.StatusCreated, t)
	return nil
}

func attachmentUploadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return statusError(http.StatusRequestEntityTooLarge, "文件不能超过10MB", "The file must be at most 10 MB")
	}
	return statusError(http.StatusBadRequest, "上传的内容无法读取", "The upload could not be read")
}

// getAttachment sends the stored bytes with their sniffed type.
func (s *server) getAttachment(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	t, data, err := s.store.AttachmentData(r.Context(), a, r.PathValue("id"), r.PathValue("aid"))
	if err != nil {
		return err
	}
	disp := "inline"
	if t.MIME == "application/pdf" {
		disp = "attachment"
	}
	w.Header().Set("Content-Type", t.MIME)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": t.Name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}

type largeRuleSet struct {
	MeetingMin  int `json:"meetingMin"`
	ActivityMin int `json:"activityMin"`
	Version     int `json:"version"`
}

func (s *server) getLargeRule(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	rule, err := s.store.LargeRule(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, rule)
	return nil
}

func (s *server) setLargeRule(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in largeRuleSet
	if err := decode(w, r, &in); err != nil {
		return err
	}
	rule := &guangong.LargeRule{OrgID: r.PathValue("id"), MeetingMin: in.MeetingMin, ActivityMin: in.ActivityMin, Version: in.Version}
	if err := s.store.SetLargeRule(r.Context(), a, rule); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, rule)
	return nil
}

func (s *server) getRuleInForce(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	f, err := s.store.RuleInForce(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, f)
	return nil
}

func (s *server) deleteEvent(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	return deleteVersioned(w, r, func(v int) error { return s.store.DeleteEvent(r.Context(), a, r.PathValue("id"), v) })
}

func (s *server) deleteAttachment(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	if err := s.store.DeleteAttachment(r.Context(), a, r.PathValue("id"), r.PathValue("aid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
