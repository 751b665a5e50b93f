package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"guangong"
	"guangong/xlsx"
)

// maxExportRows caps one export: past it a sheet is no longer something a person reads,
// and the filters should narrow it.
const maxExportRows = 100_000

// exportRequest is what an export asked for, read from the list's query parameters.
type exportRequest struct {
	filter guangong.PersonFilter
	reveal bool
	reason string
}

// readExport reads the list filters plus reveal and reason. Offset and limit are ignored:
// an export holds every matching row.
func readExport(r *http.Request, volunteer bool) (*exportRequest, error) {
	q, f := personFilter(r, volunteer, "reveal", "reason")
	req := &exportRequest{filter: f}
	if b := q.boolean("reveal"); b != nil {
		req.reveal = *b
	}
	if s := q.str("reason"); s != nil {
		req.reason = *s
	}
	if err := q.err(); err != nil {
		return nil, err
	}
	req.filter.Page = guangong.Page{}
	return req, nil
}

// allowReveal checks a request for full values: the role or grant must allow it (else 403,
// audited as a denial) and a reason must be given (else 422).
func (s *server) allowReveal(ctx context.Context, a *guangong.Actor, req *exportRequest, objectType string, allowed bool, who guangong.Msg) error {
	if !req.reveal {
		return nil
	}
	if !allowed {
		if err := s.store.RecordAudit(ctx, a, &guangong.AuditEntry{Action: guangong.ActionDenied, Result: guangong.ResultDenied,
			ObjectType: objectType, OrgID: a.OrgID, Detail: "export with full values"}); err != nil {
			return err
		}
		return &guangong.Error{Code: guangong.EFORBIDDEN, Msg: guangong.Msg{
			Zh: "您无权导出完整信息：" + who.Zh + "；可导出脱敏名单", En: "You may not export full values: " + who.En + "; export the masked list instead"}}
	}
	var v guangong.Validation
	v.Text("reason", "导出完整信息的理由", "Reason for exporting full values", req.reason, true, 200)
	return v.Err()
}

// collect pages through the store for every row the filter matches, refusing more than
// maxExportRows before reading them all.
func collect[T any](ctx context.Context, a *guangong.Actor, f guangong.PersonFilter,
	find func(context.Context, *guangong.Actor, guangong.PersonFilter) ([]T, int, error)) ([]T, error) {
	f.Page = guangong.Page{Offset: 0, Limit: guangong.MaxPageSize}
	var all []T
	for {
		page, total, err := find(ctx, a, f)
		if err != nil {
			return nil, err
		}
		if total > maxExportRows {
			return nil, &guangong.Error{Code: guangong.EINVALID, Msg: guangong.Msg{
				Zh: fmt.Sprintf("符合条件的记录有 %d 条，超过单次导出上限 %d 条，请缩小筛选范围", total, maxExportRows),
				En: fmt.Sprintf("%d records match, over the limit of %d per export; narrow the filters", total, maxExportRows)}}
		}
		all = append(all, page...)
		if len(page) < f.Limit || len(all) >= total || len(all) >= maxExportRows {
			return all, nil
		}
		f.Offset += len(page)
	}
}

// exportDetail is the audit entry's account of an export: filters, rows, masked or not.
func exportDetail(objectType string, req *exportRequest, rows int) string {
	var parts []string
	add := func(name string, v *string) {
		if v != nil {
			parts = append(parts, name+"="+strconv.Quote(*v))
		}
	}
	f := req.filter
	add("orgId", f.OrgID)
	if f.Query != nil && objectType == "youth" {
		parts = append(parts, "q=*") // a child's name searched for stays out of the trail the auditor reads
	} else {
		add("q", f.Query)
	}
	add("category", f.Category)
	add("ageBand", f.AgeBand)
	add("status", f.Status)
	if f.PartyMember != nil {
		parts = append(parts, "partyMember="+strconv.FormatBool(*f.PartyMember))
	}
	mode := "masked"
	if req.reveal {
		mode = "revealed; reason=" + strconv.Quote(req.reason)
	}
	filters := strings.Join(parts, " ")
	if filters == "" {
		filters = "none"
	}
	return fmt.Sprintf("rows=%d; %s; filters: %s", rows, mode, filters)
}

// auditExport records the export before the file leaves the server.
func (s *server) auditExport(ctx context.Context, a *guangong.Actor, objectType string, req *exportRequest, rows int) error {
	org := a.OrgID
	if req.filter.OrgID != nil {
		org = *req.filter.OrgID
	}
	return s.store.RecordAudit(ctx, a, &guangong.AuditEntry{Action: guangong.ActionExport, Result: guangong.ResultOK,
		ObjectType: objectType, OrgID: org, Detail: exportDetail(objectType, req, rows)})
}

func (s *server) exportVolunteers(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	req, err := readExport(r, true)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.allowReveal(ctx, a, req, "volunteer", a.Role == guangong.RoleOrgAdmin,
		guangong.Msg{Zh: "只有单位管理员可以导出五老志愿者的完整信息", En: "only committee administrators export volunteers' full values"}); err != nil {
		return err
	}
	list, err := collect(ctx, a, req.filter, s.store.FindVolunteers)
	if err != nil {
		return err
	}
	if !req.reveal {
		for _, p := range list {
			p.Mask()
		}
	}
	var buf bytes.Buffer
	if err := xlsx.ExportVolunteers(&buf, list, req.reveal); err != nil {
		return guangong.Internal(err)
	}
	if err := s.auditExport(ctx, a, "volunteer", req, len(list)); err != nil {
		return err
	}
	sendXLSX(w, "五老志愿者.xlsx", buf.Bytes())
	return nil
}

func (s *server) exportYouths(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	req, err := readExport(r, false)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.allowReveal(ctx, a, req, "youth", a.MinorAccess,
		guangong.Msg{Zh: "只有获得未成年人信息权限的账号可以导出青少年的完整信息", En: "only accounts granted minors' data access export youths' full values"}); err != nil {
		return err
	}
	list, err := collect(ctx, a, req.filter, s.store.FindYouths)
	if err != nil {
		return err
	}
	if !req.reveal {
		for _, y := range list {
			maskFor(a, y) // the free text too, without 未成年人信息 access (the store did already)
			y.MaskIdentity()
		}
	}
	var buf bytes.Buffer
	if err := xlsx.ExportYouths(&buf, list, req.reveal); err != nil {
		return guangong.Internal(err)
	}
	if err := s.auditExport(ctx, a, "youth", req, len(list)); err != nil {
		return err
	}
	sendXLSX(w, "青少年.xlsx", buf.Bytes())
	return nil
}
