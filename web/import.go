package web

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"guangong"
	"guangong/importer"
	"guangong/xlsx"
)

// maxUploadBytes bounds an uploaded sheet.
const maxUploadBytes = 20 << 20

// importKinds are the sheets the import accepts.
var importKinds = []string{"volunteer", "youth", "event"}

// importWrite: imports write records; a sheet of youths holds minors' data, so it needs
// 未成年人信息 access to upload and to read its report.
func (c *ctx) importWrite(kind string) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	if kind == "youth" {
		return c.youthWrite()
	}
	return c.recordsWrite()
}

type importFormData struct {
	Kinds []string
	Orgs  []*guangong.Org
	Minor bool
}

func (s *server) importForm(c *ctx) error {
	if err := c.importWrite("volunteer"); err != nil {
		return err
	}
	// /imports?kind=event comes from the events list: that kind is chosen.
	kind := c.r.URL.Query().Get("kind")
	if !slices.Contains(importKinds, kind) {
		kind = "volunteer"
	}
	return s.renderImportForm(c, url.Values{"kind": {kind}, "orgId": {c.user.OrgID}}, http.StatusOK, nil)
}

func (s *server) renderImportForm(c *ctx, f url.Values, status int, ferr error) error {
	orgs, err := s.scopeOrgs(c, f.Get("orgId"))
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "import.title"), &importFormData{Kinds: importKinds, Orgs: orgs, Minor: c.minorAccess()})
	return c.renderForm(status, "import/upload", v, f, ferr)
}

func (s *server) importUpload(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	kind, orgID := c.r.PostFormValue("kind"), c.r.PostFormValue("orgId")
	f := url.Values{"kind": {kind}, "orgId": {orgID}}
	if slices.Contains(importKinds, kind) {
		if err := c.importWrite(kind); err != nil {
			return err
		}
	}
	var data []byte
	var name string
	if file, hdr, err := c.r.FormFile("file"); err == nil {
		defer file.Close()
		name = path.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
		if data, err = io.ReadAll(io.LimitReader(file, maxUploadBytes+1)); err != nil {
			return guangong.Internal(err)
		}
	}
	// One check of kind, size and type, shared with the API; then the default committee.
	var val guangong.Validation
	for k, m := range guangong.FieldErrors(importer.CheckUpload(kind, name, len(data))) {
		val.Add(k, m.Zh, m.En)
	}
	if orgID == "" {
		val.Add("orgId", "请选择默认所属组织", "Choose the default committee")
	}
	if err := val.Err(); err != nil {
		return s.renderImportForm(c, f, 0, err)
	}
	imp, err := s.imports.Start(c.r.Context(), c.actor(), kind, name, data, orgID)
	if err != nil {
		err = asFieldError(err, "orgId", "所属组织不存在或不在您的管辖范围内", "The committee does not exist or is outside your scope")
		return s.renderImportForm(c, f, 0, err)
	}
	return c.redirect("/imports/" + url.PathEscape(imp.ID))
}

type importData struct {
	Import  *guangong.Import
	Running bool // still checking or importing: the status polls
	Percent int
	Base    string
}

func (s *server) findImport(c *ctx) (*guangong.Import, error) {
	if err := c.recordsRead(); err != nil {
		return nil, err
	}
	imp, err := s.store.FindImport(c.r.Context(), c.actor(), c.r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if err := c.importWrite(imp.Kind); err != nil {
		return nil, err
	}
	return imp, nil
}

func importView(imp *guangong.Import) *importData {
	d := &importData{Import: imp, Running: imp.Status == guangong.ImportChecking || imp.Status == guangong.ImportImporting,
		Base: importBase(imp.Kind)}
	if imp.Total > 0 {
		d.Percent = min(100, imp.Done*100/imp.Total)
	}
	return d
}

// importBase is the list an import's records land in.
func importBase(kind string) string {
	if kind == "event" {
		return "/events"
	}
	return kindBase(kind)
}

// importStatus shows progress while the file is checked (htmx polls the "status" fragment
// every second until it stops running), then the report and the two choices.
func (s *server) importStatus(c *ctx) error {
	imp, err := s.findImport(c)
	if err != nil {
		return err
	}
	v := c.view(tr(c.lang, "import.status"), importView(imp))
	if isHTMX(c.r) && c.r.Header.Get("HX-Target") == "import-status" {
		return c.fragment(http.StatusOK, "import/status", "status", v)
	}
	return c.render(http.StatusOK, "import/status", v)
}

func (s *server) importCommit(c *ctx) error {
	imp, err := s.findImport(c)
	if err != nil {
		return err
	}
	if _, err := s.imports.Commit(c.r.Context(), c.actor(), imp.ID); err != nil {
		if code := guangong.ErrorCode(err); code != guangong.EINVALID && code != guangong.ECONFLICT {
			return err
		}
		v := c.view(tr(c.lang, "import.status"), importView(imp))
		status, _ := c.formError(v, err)
		return c.render(status, "import/status", v)
	}
	return c.redirect("/imports/" + url.PathEscape(imp.ID))
}

// importTemplate serves the blank sheet with Chinese headers: /templates/volunteer.xlsx.
func (s *server) importTemplate(c *ctx) error {
	if err := c.recordsRead(); err != nil {
		return err
	}
	kind, ok := strings.CutSuffix(c.r.PathValue("file"), ".xlsx")
	if !ok || !slices.Contains(importKinds, kind) {
		return notFoundErr()
	}
	var buf bytes.Buffer
	if err := xlsx.Template(&buf, xlsx.Kind(kind)); err != nil {
		return guangong.Internal(err)
	}
	name := tr(c.lang, "import.kind."+kind) + tr(c.lang, "import.templateFile") + ".xlsx"
	h := c.w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", "attachment; filename=\""+kind+".xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = c.w.Write(buf.Bytes())
	return nil
}
