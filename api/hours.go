package api

import (
	"bytes"
	"mime"
	"net/http"
	"slices"
	"time"

	"guangong"
	"guangong/xlsx"
)

// Volunteer service hours, certificates and the export for the national system.

type hoursCreate struct {
	VolunteerID string `json:"volunteerId"`
	OrgID       string `json:"orgId"`
	EventID     string `json:"eventId"`
	ShiftID     string `json:"shiftId"`
	ServedOn    string `json:"servedOn"`
	Minutes     int    `json:"minutes"`
	Place       string `json:"place"`
	Content     string `json:"content"`
}

type confirmRequest struct {
	Items []guangong.VersionRef `json:"items"`
}

type voidRequest struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

type certificateCreate struct {
	OrgID   string `json:"orgId"`
	From    string `json:"from"`
	To      string `json:"to"`
	Content string `json:"content"`
}

// hoursFilter reads the list filters; extra names more parameters the caller reads itself.
func hoursFilter(r *http.Request, extra ...string) (*query, guangong.HoursFilter) {
	q := newQuery(r, append([]string{"volunteerId", "orgId", "eventId", "shiftId", "status", "from", "to"}, extra...)...)
	f := guangong.HoursFilter{VolunteerID: q.str("volunteerId"), OrgID: q.str("orgId"), EventID: q.str("eventId"),
		ShiftID: q.str("shiftId"), Status: q.str("status"), From: q.str("from"), To: q.str("to"), Page: q.page()}
	if s := f.Status; s != nil && !slices.Contains(guangong.HoursStatuses, *s) {
		q.v.Add("status", "状态应为 recorded、confirmed、superseded 或 void", "Status must be recorded, confirmed, superseded or void")
	}
	for name, d := range map[string]*string{"from": f.From, "to": f.To} {
		if d != nil {
			q.v.Date(name, "日期", "Date", *d, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)) // a format check only
		}
	}
	return q, f
}

func (s *server) listHours(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q, f := hoursFilter(r)
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.FindHours(r.Context(), a, f)
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

func (s *server) recordHours(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in hoursCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h := &guangong.ServiceHours{VolunteerID: in.VolunteerID, OrgID: in.OrgID, EventID: in.EventID, ShiftID: in.ShiftID,
		ServedOn: in.ServedOn, Minutes: in.Minutes, Place: in.Place, Content: in.Content}
	if err := s.store.RecordHours(r.Context(), a, h); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/hours/"+h.ID)
	s.writeJSON(w, r, http.StatusCreated, h)
	return nil
}

func (s *server) recordHoursBatch(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in guangong.HoursBatch
	if err := decode(w, r, &in); err != nil {
		return err
	}
	list, err := s.store.RecordHoursBatch(r.Context(), a, &in)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, newItems(list))
	return nil
}

func (s *server) hoursSheet(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "eventId", "shiftId")
	ev, sh := q.str("eventId"), q.str("shiftId")
	if (ev == nil) == (sh == nil) {
		q.v.Add("eventId", "请给出 eventId 或 shiftId 之一", "Give one of eventId and shiftId")
	}
	if err := q.err(); err != nil {
		return err
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	sheet, err := s.store.HoursSheet(r.Context(), a, deref(ev), deref(sh))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sheet)
	return nil
}

func (s *server) getHours(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	h, err := s.store.FindHoursByID(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, h)
	return nil
}

func (s *server) hoursTrace(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	list, err := s.store.HoursTrace(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) confirmHours(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in confirmRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	for _, ref := range in.Items {
		if err := requireVersion(ref.Version); err != nil {
			return err
		}
	}
	if err := s.store.ConfirmHours(r.Context(), a, in.Items); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) correctHours(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in guangong.HoursCorrection
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	h, err := s.store.CorrectHours(r.Context(), a, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/hours/"+h.ID)
	s.writeJSON(w, r, http.StatusCreated, h)
	return nil
}

func (s *server) voidHours(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in voidRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := s.store.VoidHours(r.Context(), a, id, in.Version, in.Reason); err != nil {
		return err
	}
	return s.getHours(w, r, a)
}

// exportHours sends the file for the national volunteer service system. Only confirmed
// records unless a status is asked for; full ID numbers as the people export allows them.
func (s *server) exportHours(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q, f := hoursFilter(r, "format", "reveal", "reason")
	e := guangong.HoursExport{Format: "xlsx"}
	if v := q.str("format"); v != nil {
		if *v != "xlsx" && *v != "csv" {
			q.v.Add("format", "格式应为 xlsx 或 csv", "Format must be xlsx or csv")
		}
		e.Format = *v
	}
	if b := q.boolean("reveal"); b != nil {
		e.Reveal = *b
	}
	if v := q.str("reason"); v != nil {
		e.Reason = *v
	}
	if err := q.err(); err != nil {
		return err
	}
	f.Page = guangong.Page{}
	e.Filter = f
	rows, err := s.store.ExportHours(r.Context(), a, e)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if e.Format == "csv" {
		err = xlsx.ExportHoursCSV(&buf, rows)
	} else {
		err = xlsx.ExportHours(&buf, rows)
	}
	if err != nil {
		return guangong.Internal(err)
	}
	if e.Format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": "志愿服务时长.csv"}))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf.Bytes())
		return nil
	}
	sendXLSX(w, "志愿服务时长.xlsx", buf.Bytes())
	return nil
}

func (s *server) volunteerYearlyHours(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	list, err := s.store.YearlyHours(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) volunteerEvents(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.VolunteerEvents(r.Context(), a, r.PathValue("id"), p)
	if err != nil {
		return err
	}
	l, err := newList(list, total, p)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, l)
	return nil
}

func (s *server) volunteerShifts(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.VolunteerShifts(r.Context(), a, r.PathValue("id"), p)
	if err != nil {
		return err
	}
	l, err := newList(list, total, p)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, l)
	return nil
}

func (s *server) listCertificates(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	list, err := s.store.Certificates(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) issueCertificate(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in certificateCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c := &guangong.Certificate{VolunteerID: r.PathValue("id"), OrgID: in.OrgID, From: in.From, To: in.To, Content: in.Content}
	if err := s.store.IssueCertificate(r.Context(), a, c); err != nil {
		return inPath(err, "volunteerId", guangong.VolunteerNoun)
	}
	w.Header().Set("Location", "/api/v1/certificates/"+c.ID)
	s.writeJSON(w, r, http.StatusCreated, c)
	return nil
}

func (s *server) getCertificate(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	c, err := s.store.FindCertificate(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, c)
	return nil
}
