package api

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	goqr "github.com/piglig/go-qr"

	"guangong"
	"guangong/httpx"
)

// Duty rosters: posts, shifts, who fills them, QR check-in and check-out, missed check-outs.

type dutyPostCreate struct {
	OrgID string `json:"orgId"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Place string `json:"place"`
}

// dutyPostUpdate: absent fields are unchanged; renewQR makes a new check-in address.
type dutyPostUpdate struct {
	Kind    *string `json:"kind"`
	Name    *string `json:"name"`
	Place   *string `json:"place"`
	Active  *bool   `json:"active"`
	RenewQR bool    `json:"renewQR"`
	Version int     `json:"version"`
}

type shiftFields struct {
	Role      string    `json:"role"`
	StartsAt  time.Time `json:"startsAt"`
	EndsAt    time.Time `json:"endsAt"`
	Headcount int       `json:"headcount"`
}

type shiftUpdate struct {
	shiftFields
	Version int `json:"version"`
}

type assignRequest struct {
	VolunteerID string `json:"volunteerId"`
}

type placeRef struct {
	ID string `json:"id"`
}

type closeRequest struct {
	CheckOutAt time.Time `json:"checkOutAt"`
	Version    int       `json:"version"`
}

func (s *server) listDutyPosts(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "orgId", "kind", "active")
	f := guangong.DutyPostFilter{OrgID: q.str("orgId"), Kind: q.str("kind"), Active: q.boolean("active"), Page: q.page()}
	if k := f.Kind; k != nil && !slices.Contains(guangong.DutyKinds, *k) {
		q.v.Add("kind", "岗位类型应为 street、duty_group、school_gate 或 exam", "kind must be street, duty_group, school_gate or exam")
	}
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.FindDutyPosts(r.Context(), a, f)
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

func (s *server) createDutyPost(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in dutyPostCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p := &guangong.DutyPost{OrgID: in.OrgID, Kind: in.Kind, Name: in.Name, Place: in.Place}
	if err := s.store.CreateDutyPost(r.Context(), a, p); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/duty/posts/"+p.ID)
	s.writeJSON(w, r, http.StatusCreated, p)
	return nil
}

func (s *server) getDutyPost(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	p, err := s.store.FindDutyPostByID(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, p)
	return nil
}

func (s *server) updateDutyPost(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in dutyPostUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	p, err := s.store.FindDutyPostByID(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	if in.Kind != nil {
		p.Kind = *in.Kind
	}
	if in.Name != nil {
		p.Name = *in.Name
	}
	if in.Place != nil {
		p.Place = *in.Place
	}
	if in.Active != nil {
		p.Active = *in.Active
	}
	p.Version = in.Version
	if err := s.store.UpdateDutyPost(r.Context(), a, p, in.RenewQR); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, p)
	return nil
}

// dutyPostQR answers the post's QR code as SVG: the absolute check-in address of this server.
func (s *server) dutyPostQR(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	if !a.Can(guangong.Role.CanReadRecords) {
		return guangong.Forbidden()
	}
	p, err := s.store.FindDutyPostByID(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	qr, err := goqr.EncodeText(httpx.BaseURL(r, s.trustProxy, s.publicURL)+"/checkin/"+url.PathEscape(p.QRToken), goqr.Medium)
	if err != nil {
		return guangong.Internal(err)
	}
	b, err := qr.ToSVGBytes(goqr.NewQrCodeImgConfig(8, 4, goqr.WithOptimalSVG()))
	if err != nil {
		return guangong.Internal(err)
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
}

func (s *server) listShifts(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "postId", "orgId", "from", "to", "open")
	f := guangong.ShiftFilter{PostID: q.str("postId"), OrgID: q.str("orgId"), From: q.time("from"), To: q.time("to"), Page: q.page()}
	if open := q.boolean("open"); open != nil {
		f.OpenOnly = *open
	}
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.FindShifts(r.Context(), a, f)
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

func (s *server) createShift(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in shiftFields
	if err := decode(w, r, &in); err != nil {
		return err
	}
	sh := &guangong.Shift{PostID: r.PathValue("id"), Role: in.Role, StartsAt: in.StartsAt, EndsAt: in.EndsAt, Headcount: in.Headcount}
	if err := s.store.CreateShift(r.Context(), a, sh); err != nil {
		return inPath(err, "postId", guangong.DutyPostNoun)
	}
	w.Header().Set("Location", "/api/v1/duty/shifts/"+sh.ID)
	s.writeJSON(w, r, http.StatusCreated, sh)
	return nil
}

func (s *server) getShift(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	sh, err := s.store.FindShiftByID(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sh)
	return nil
}

func (s *server) updateShift(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in shiftUpdate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	sh := &guangong.Shift{ID: r.PathValue("id"), Role: in.Role, StartsAt: in.StartsAt, EndsAt: in.EndsAt,
		Headcount: in.Headcount, Version: in.Version}
	if err := s.store.UpdateShift(r.Context(), a, sh); err != nil {
		return err
	}
	return s.getShift(w, r, a)
}

func (s *server) listShiftVolunteers(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	list, err := s.store.ShiftVolunteers(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, newItems(list))
	return nil
}

func (s *server) assignShift(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in assignRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	x, err := s.store.AssignShift(r.Context(), a, r.PathValue("id"), in.VolunteerID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, x)
	return nil
}

func (s *server) signUpShift(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	x, err := s.store.SignUpShift(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, x)
	return nil
}

func (s *server) withdrawShift(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	if err := s.store.WithdrawShift(r.Context(), a, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) closeCheckOut(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in closeRequest
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	x, err := s.store.CloseCheckOut(r.Context(), a, r.PathValue("id"), in.CheckOutAt, in.Version)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, x)
	return nil
}

func (s *server) checkInPage(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	p, err := s.store.CheckInStatus(r.Context(), a, r.PathValue("token"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, p)
	return nil
}

// checkInOut records a check-in (out false) or check-out of the caller's own place {id}.
func (s *server) checkInOut(out bool) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
		var in placeRef
		if err := decode(w, r, &in); err != nil {
			return err
		}
		var x *guangong.ShiftVolunteer
		var err error
		if out {
			x, err = s.store.CheckOut(r.Context(), a, r.PathValue("token"), in.ID)
		} else {
			x, err = s.store.CheckIn(r.Context(), a, r.PathValue("token"), in.ID)
		}
		if err != nil {
			return err
		}
		s.writeJSON(w, r, http.StatusOK, x)
		return nil
	}
}

func (s *server) listAttendance(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "state", "orgId")
	f := guangong.AttendanceFilter{OrgID: q.str("orgId"), Page: q.page()}
	if st := q.str("state"); st == nil || (*st != "missed" && *st != "review") {
		q.v.Add("state", "state 应为 missed 或 review", "state must be missed or review")
	} else {
		f.State = *st
	}
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.FindAttendance(r.Context(), a, f)
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

func (s *server) myShifts(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r)
	p := q.page()
	if err := q.err(); err != nil {
		return err
	}
	list, total, err := s.store.MyShifts(r.Context(), a, p)
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
