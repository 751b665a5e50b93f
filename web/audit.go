package web

import (
	"net/http"
	"strings"
	"time"

	"guangong"
)

// auditActions are offered in the action filter.
var auditActions = []string{
	guangong.ActionCreate, guangong.ActionUpdate, guangong.ActionMove, guangong.ActionDissolve,
	guangong.ActionDelete, guangong.ActionLogin, guangong.ActionLoginFailed, guangong.ActionLogout,
	guangong.ActionLocked, guangong.ActionDenied, guangong.ActionExport, guangong.ActionPasswordChange,
	guangong.ActionPasswordReset, guangong.ActionEndSessions, guangong.ActionTOTP,
	guangong.ActionTokenCreate, guangong.ActionTokenRevoke, guangong.ActionReveal, guangong.ActionAnchor,
}

// auditObjectTypes are suggested in the object filter; later areas add their own.
var auditObjectTypes = []string{"org", "user", "session", "token", "audit", "request", "volunteer", "youth", "import"}

type auditData struct {
	Entries     []*guangong.AuditEntry
	Pager       pager
	Actions     []string
	ObjectTypes []string
	Verify      *guangong.AuditVerification
	Head        *guangong.AuditHead // the current head, to copy and record elsewhere
	HeadErr     string              // why there is none
	At          *guangong.AuditHead // the recorded head checked
}

func (c *ctx) auditRead() error {
	if !c.actor().Can(guangong.Role.CanReadAudit) {
		return guangong.Forbidden()
	}
	return nil
}

// auditFilter reads the filters; dates are calendar days in Asia/Shanghai, "to" inclusive.
func auditFilter(q map[string][]string, page int) (guangong.AuditFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	f := guangong.AuditFilter{Page: guangong.Page{Offset: (page - 1) * pageSize, Limit: pageSize}}
	opt := func(k string) *string {
		if v := get(k); v != "" {
			return &v
		}
		return nil
	}
	f.Username, f.ObjectType, f.ObjectID, f.Action = opt("username"), opt("objectType"), opt("objectId"), opt("action")
	var val guangong.Validation
	day := func(field, zh, en string) *time.Time {
		v := get(field)
		if v == "" {
			return nil
		}
		d, err := time.ParseInLocation(guangong.DateLayout, v, guangong.Shanghai)
		if err != nil {
			val.Add(field, zh+"格式应为 年-月-日，如 2024-05-01", en+" must be a date like 2024-05-01")
			return nil
		}
		return &d
	}
	f.From = day("from", "起始日期", "From date")
	if to := day("to", "截止日期", "To date"); to != nil {
		end := to.AddDate(0, 0, 1)
		f.To = &end
	}
	return f, val.Err()
}

func (s *server) auditList(c *ctx) error {
	if err := c.auditRead(); err != nil {
		return err
	}
	page := pageOf(c.r)
	q := c.r.URL.Query()
	d := &auditData{Actions: auditActions, ObjectTypes: auditObjectTypes}
	v := c.view(tr(c.lang, "audit.title"), d)
	v.Form = q
	f, err := auditFilter(q, page)
	if err != nil {
		status, _ := c.formError(v, err)
		return c.render(status, "audit/list", v)
	}
	entries, total, err := s.store.FindAudit(c.r.Context(), c.actor(), f)
	if err != nil {
		return err
	}
	d.Entries, d.Pager = entries, newPager(c.r, page, total)
	// A head that fails its MAC is not offered for recording; the trail stays readable.
	if d.Head, err = s.store.AuditHead(c.r.Context(), c.actor()); guangong.ErrorCode(err) == guangong.ECONFLICT {
		d.HeadErr = guangong.ErrorMsg(err).In(c.lang)
	} else if err != nil {
		return err
	}
	return c.render(http.StatusOK, "audit/list", v)
}

func (s *server) auditVerify(c *ctx) error {
	if err := c.auditRead(); err != nil {
		return err
	}
	d := &auditData{}
	v := c.view(tr(c.lang, "audit.verify"), d)
	v.Form = c.r.URL.Query()
	if h := strings.TrimSpace(v.Form.Get("head")); h != "" {
		at, err := guangong.ParseAuditHead("head", h)
		if err != nil {
			status, _ := c.formError(v, err)
			return c.render(status, "audit/verify", v)
		}
		d.At = at
	}
	res, err := s.store.VerifyAudit(c.r.Context(), c.actor(), d.At)
	if err != nil {
		return err
	}
	d.Verify = res
	return c.render(http.StatusOK, "audit/verify", v)
}
