package api

import (
	"net/http"

	"guangong"
)

func (s *server) listAudit(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "username", "objectType", "objectId", "action", "from", "to")
	f := guangong.AuditFilter{
		Username:   q.str("username"),
		ObjectType: q.str("objectType"),
		ObjectID:   q.str("objectId"),
		Action:     q.str("action"),
		From:       q.time("from"),
		To:         q.time("to"),
		Page:       q.page(),
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		q.v.Add("to", "结束时间应晚于开始时间", "The end must be after the start")
	}
	if err := q.err(); err != nil {
		return err
	}
	entries, total, err := s.store.FindAudit(r.Context(), a, f)
	if err != nil {
		return err
	}
	l, err := newList(entries, total, f.Page)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, l)
	return nil
}

// verifyAudit answers 200 whether the chain holds or not: a broken chain is a finding,
// reported in the body (ok:false and the first broken entry), not a failed request. head
// (SEQ:MAC, recorded earlier from auditHead) must also still be in the chain.
func (s *server) verifyAudit(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	q := newQuery(r, "head")
	if err := q.err(); err != nil {
		return err
	}
	var at *guangong.AuditHead
	if h := q.str("head"); h != nil {
		var err error
		if at, err = guangong.ParseAuditHead("head", *h); err != nil {
			return err
		}
	}
	v, err := s.store.VerifyAudit(r.Context(), a, at)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, v)
	return nil
}

// auditHead gives the newest entry's seq and MAC, for the auditor to record outside the
// database and check later with verify?head=SEQ:MAC.
func (s *server) auditHead(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	h, err := s.store.AuditHead(r.Context(), a)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		*guangong.AuditHead
		Head string `json:"head"`
	}{h, h.String()})
	return nil
}

type auditAnchorCreate struct {
	OrgID string `json:"orgId"`
	Head  string `json:"head"`
}

// recordAnchor keeps, in this trail, the head a committee reported of its own trail.
func (s *server) recordAnchor(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	var in auditAnchorCreate
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, err := guangong.ParseAuditHead("head", in.Head)
	if err != nil {
		return err
	}
	if err := s.store.RecordAnchor(r.Context(), a, in.OrgID, *h); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, auditAnchorCreate{OrgID: in.OrgID, Head: h.String()})
	return nil
}
