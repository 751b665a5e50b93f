package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"guangong"
	"guangong/xlsx"
)

// maxExportRows bounds one export; a larger list is narrowed with the filters first.
const maxExportRows = 100000

// exportRequest is what an export asks for: the filters, and whether full values (with the
// reason given) or masked ones.
type exportRequest struct {
	Query  personQuery
	Reveal bool
	Reason string
}

// readExport reads the filters (query string for the masked link, form for the full one) and
// checks the reason a full export needs.
func (c *ctx) readExport(full bool) (exportRequest, error) {
	if !full {
		return exportRequest{Query: readPersonQuery(c.r.URL.Query())}, nil
	}
	if err := c.r.ParseForm(); err != nil {
		return exportRequest{}, guangong.Errorf(guangong.EINVALID, "表单无效", "Invalid form")
	}
	e := exportRequest{Query: readPersonQuery(c.r.PostForm), Reveal: true, Reason: strings.TrimSpace(c.r.PostFormValue("reason"))}
	var v guangong.Validation
	v.Text("reason", "导出原因", "Reason", e.Reason, true, 200)
	return e, v.Err()
}

// exportFull answers a full-export form whose reason is missing: back to the list, with the
// message beside the reason.
func (s *server) exportRefused(c *ctx, kind string, e exportRequest, err error) error {
	if guangong.ErrorCode(err) != guangong.EINVALID {
		return err
	}
	r := c.r.Clone(c.r.Context())
	r.URL.RawQuery = e.Query.Values().Encode()
	c.r = r
	var v *view
	page := "person/list"
	if kind == "youth" {
		page = "youth/list"
		if err := s.youthListInto(c, &v); err != nil {
			return err
		}
	} else if err := s.volunteerListInto(c, &v); err != nil {
		return err
	}
	v.Form = url.Values{"reason": {e.Reason}}
	status, _ := c.formError(v, err)
	v.Message = tr(c.lang, "export.reasonNeeded")
	return c.render(status, page, v)
}

func (s *server) exportVolunteers(full bool) handlerFunc {
	return func(c *ctx) error {
		if err := c.recordsRead(); err != nil {
			return err
		}
		if full && !c.actor().Can(canExportVolunteers) {
			return guangong.Forbidden()
		}
		e, err := c.readExport(full)
		if err != nil {
			return s.exportRefused(c, "volunteer", e, err)
		}
		var list []*guangong.Volunteer
		for page := 1; len(list) < maxExportRows; page++ {
			batch, total, err := s.store.FindVolunteers(c.r.Context(), c.actor(), e.Query.filter(page, guangong.MaxPageSize))
			if err != nil {
				return err
			}
			list = append(list, batch...)
			if len(batch) < guangong.MaxPageSize || len(list) >= total {
				break
			}
		}
		if !e.Reveal {
			for _, p := range list {
				p.Mask()
			}
		}
		var buf bytes.Buffer
		if err := xlsx.ExportVolunteers(&buf, list, e.Reveal); err != nil {
			return guangong.Internal(err)
		}
		return s.sendExport(c, "volunteer", tr(c.lang, "volunteers.title"), e, len(list), buf.Bytes())
	}
}

func (s *server) exportYouths(full bool) handlerFunc {
	return func(c *ctx) error {
		if err := c.recordsRead(); err != nil {
			return err
		}
		if full && !c.minorAccess() {
			return guangong.Forbidden()
		}
		e, err := c.readExport(full)
		if err != nil {
			return s.exportRefused(c, "youth", e, err)
		}
		if !c.minorAccess() {
			e.Query.Q = ""
		}
		e.Query.Party, e.Query.Status = "", ""
		var list []*guangong.Youth
		for page := 1; len(list) < maxExportRows; page++ {
			batch, total, err := s.store.FindYouths(c.r.Context(), c.actor(), e.Query.filter(page, guangong.MaxPageSize))
			if err != nil {
				return err
			}
			list = append(list, batch...)
			if len(batch) < guangong.MaxPageSize || len(list) >= total {
				break
			}
		}
		for _, y := range list {
			if !e.Reveal || y.Masked {
				c.maskYouth(y) // masked unless full values were asked for, allowed and given a reason
			}
		}
		var buf bytes.Buffer
		if err := xlsx.ExportYouths(&buf, list, e.Reveal); err != nil {
			return guangong.Internal(err)
		}
		return s.sendExport(c, "youth", tr(c.lang, "youths.title"), e, len(list), buf.Bytes())
	}
}

// sendExport records the export in the audit trail, then sends the file; no entry, no file.
func (s *server) sendExport(c *ctx, kind, title string, e exportRequest, n int, data []byte) error {
	filters := e.Query
	if kind == "youth" && filters.Q != "" {
		filters.Q = "*" // a child's name searched for stays out of the trail, which the auditor reads
	}
	detail := fmt.Sprintf("filters=%s; count=%d; masked=%t", filters.Values().Encode(), n, !e.Reveal)
	if e.Reveal {
		detail += "; reason=" + e.Reason
	}
	a := c.actor()
	if err := s.store.RecordAudit(c.r.Context(), a, &guangong.AuditEntry{
		Action: guangong.ActionExport, ObjectType: kind, Result: guangong.ResultOK, OrgID: a.OrgID, Detail: detail,
	}); err != nil {
		return err
	}
	name := title + "-" + today() + ".xlsx"
	h := c.w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "no-store")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(data)
	return nil
}
