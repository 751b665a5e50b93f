package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"guangong"
	"guangong/importer"
	"guangong/xlsx"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// templateNames maps the template files to their kinds and their Chinese download names.
var templateNames = map[string]struct {
	kind xlsx.Kind
	name string
}{
	"volunteer.xlsx": {xlsx.Volunteers, "五老志愿者导入模板.xlsx"},
	"youth.xlsx":     {xlsx.Youths, "青少年导入模板.xlsx"},
	"event.xlsx":     {xlsx.Events, "会议活动导入模板.xlsx"},
}

// sendXLSX sends a finished workbook as a download named name.
func sendXLSX(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (s *server) getTemplate(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	t, ok := templateNames[r.PathValue("file")]
	if !ok {
		return statusError(http.StatusNotFound, "模板不存在：可下载 volunteer.xlsx、youth.xlsx 或 event.xlsx", "No such template: volunteer.xlsx, youth.xlsx or event.xlsx")
	}
	var buf bytes.Buffer
	if err := xlsx.Template(&buf, t.kind); err != nil {
		return guangong.Internal(err)
	}
	sendXLSX(w, t.name, buf.Bytes())
	return nil
}

// createImport takes a multipart upload (kind, orgId, file), stores it and starts the
// check; the answer is 202 with the import to poll.
func (s *server) createImport(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	r.Body = http.MaxBytesReader(w, r.Body, importer.MaxFileSize+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return statusError(http.StatusBadRequest, "请求应为 multipart/form-data，包含 kind、orgId 和 file",
			"The request must be multipart/form-data with kind, orgId and file")
	}
	var (
		kind, orgID, filename string
		data                  []byte
		haveFile              bool
		v                     guangong.Validation
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return uploadError(err)
		}
		switch name := part.FormName(); name {
		case "kind", "orgId":
			b, err := io.ReadAll(io.LimitReader(part, 200))
			if err != nil {
				return uploadError(err)
			}
			if name == "kind" {
				kind = strings.TrimSpace(string(b))
			} else {
				orgID = strings.TrimSpace(string(b))
			}
		case "file":
			haveFile = true
			filename = part.FileName()
			if data, err = io.ReadAll(io.LimitReader(part, importer.MaxFileSize+1)); err != nil {
				return uploadError(err)
			}
			if len(data) > importer.MaxFileSize {
				return tooLargeFile()
			}
		default:
			v.Add(name, "不支持的字段", "Unknown field")
		}
		part.Close()
	}
	if !haveFile {
		v.Add("file", "请选择要导入的文件", "Choose a file to import")
	}
	if err := v.Err(); err != nil {
		return err
	}
	imp, err := s.imports.Start(r.Context(), a, kind, filename, data, orgID)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/imports/"+imp.ID)
	s.writeJSON(w, r, http.StatusAccepted, imp)
	return nil
}

func tooLargeFile() error {
	return statusError(http.StatusRequestEntityTooLarge, "文件不能超过 20 MiB，请分成几个文件导入", "The file must be at most 20 MiB; split it into several")
}

func uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return tooLargeFile()
	}
	return statusError(http.StatusBadRequest, "上传的内容无法读取", "The upload could not be read")
}

func (s *server) getImport(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	imp, err := s.imports.Find(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, tidyImport(imp))
	return nil
}

func (s *server) commitImport(w http.ResponseWriter, r *http.Request, a *guangong.Actor) error {
	imp, err := s.imports.Commit(r.Context(), a, r.PathValue("id"))
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, tidyImport(imp))
	return nil
}

// tidyImport gives clients [] rather than null for an empty report.
func tidyImport(imp *guangong.Import) *guangong.Import {
	if imp.Problems == nil {
		imp.Problems = []guangong.ImportProblem{}
	}
	return imp
}
