package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"guangong"
	"guangong/importer"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// upload builds a multipart/form-data body with fields and one file.
func upload(t *testing.T, fields map[string]string, filename string, data []byte) (body, contentType string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if filename != "" {
		fw, err := w.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), w.FormDataContentType()
}

// waitImport polls an import until its check is over.
func (e *env) waitImport(id, user string) *guangong.Import {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var imp guangong.Import
		e.decodeInto(e.do("GET", "/api/v1/imports/"+id, user, ""), &imp)
		if imp.Status != guangong.ImportChecking || time.Now().After(deadline) {
			return &imp
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fillTemplate writes rows (by header) below whatever the downloaded template holds.
func fillTemplate(t *testing.T, tmpl []byte, rows []map[string]string) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatalf("template is not an xlsx file: %v", err)
	}
	for _, sheet := range f.GetSheetList() {
		existing, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, header := range existing {
			if len(header) == 0 || header[0] != "姓名" {
				continue
			}
			next := len(existing) + 1
			for n, r := range rows {
				for i, h := range header {
					if v, ok := r[h]; ok {
						cell, _ := excelize.CoordinatesToCellName(i+1, next+n)
						if err := f.SetCellStr(sheet, cell, v); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			var buf bytes.Buffer
			if _, err := f.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
	}
	t.Fatal("the template has no header row starting with 姓名")
	return nil
}

func TestImportFromTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		tmpl := e.do("GET", "/api/v1/templates/volunteer.xlsx", "townclerk", "")
		if tmpl.Code != http.StatusOK || tmpl.Header().Get("Content-Type") != xlsxType ||
			!strings.Contains(tmpl.Header().Get("Content-Disposition"), "attachment") {
			t.Fatalf("template: %d %v", tmpl.Code, tmpl.Header())
		}
		good := func(name, birth, id string) map[string]string {
			return map[string]string{"姓名": name, "性别": "男", "出生日期": birth, "身份证号": id, "五老类别": "老干部",
				"是否党员": "是", "特长": "宣讲、法律", "自愿登记日期": "2024-03-01"}
		}
		badID := good("钱校验", "1950-02-02", testID("19500202", 41))
		badID["身份证号"] = badID["身份证号"][:17] + map[bool]string{true: "1", false: "2"}[badID["身份证号"][17] != '1']
		badCategory := good("孙类别", "1950-03-03", "")
		badCategory["五老类别"] = "老神仙"
		badPhone := good("李电话", "1950-04-04", "")
		badPhone["联系电话"] = "12345"
		noName := good("", "1950-05-05", "")
		noName["备注"] = "没有姓名"
		filled := fillTemplate(t, tmpl.Body.Bytes(), []map[string]string{
			good("赵模板", "1950-01-01", testID("19500101", 42)), badID, badCategory, good("周模板", "1951-01-01", ""), badPhone, noName,
		})
		body, ct := upload(t, map[string]string{"kind": "volunteer", "orgId": e.ids.Replace("{Town}")}, "五老名单.xlsx", filled)
		rec := e.do("POST", "/api/v1/imports", "townclerk", body, "Content-Type", ct)
		if rec.Code != http.StatusAccepted || !strings.Contains(rec.Body.String(), `"status":"checking"`) || rec.Header().Get("Location") == "" {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body)
		}
		var started guangong.Import
		e.decodeInto(rec, &started)
		e.alias("Imp", started.ID)
		imp := e.waitImport("{Imp}", "townclerk")
		if imp.Status != guangong.ImportChecked || imp.Total != 6 || imp.Done != 6 || imp.Valid != 2 || imp.Invalid != 4 {
			t.Fatalf("report: %+v", imp)
		}
		var report []string
		for _, p := range imp.Problems {
			report = append(report, fmt.Sprintf("%s|%s|%s", p.Column, p.Value, p.Message.Zh))
		}
		text := strings.Join(report, "\n")
		for _, want := range []string{"身份证号|" + guangong.MaskIDNumber(badID["身份证号"]) + "|身份证号校验位不正确", "五老类别|老神仙|", "联系电话|" + guangong.MaskPhone("12345") + "|", "姓名||姓名不能为空"} {
			if !strings.Contains(text, want) {
				t.Errorf("report lacks %q:\n%s", want, text)
			}
		}
		rows := map[string]int{}
		for _, p := range imp.Problems {
			rows[p.Column] = p.Row
		}
		if rows["联系电话"] != rows["五老类别"]+2 || rows["姓名"] != rows["联系电话"]+1 {
			t.Errorf("rows in the report do not follow the sheet: %v", rows)
		}
		if n := e.count("/api/v1/volunteers", "townclerk"); n != 0 {
			t.Fatalf("%d volunteers saved before the user chose", n)
		}
		e.run([]scenario{
			{name: "another account cannot see it", method: "GET", path: "/api/v1/imports/{Imp}", user: "townadmin", status: 404},
			{name: "another account cannot commit", method: "POST", path: "/api/v1/imports/{Imp}/commit", user: "townadmin", status: 404},
			{name: "the uploader commits", method: "POST", path: "/api/v1/imports/{Imp}/commit", user: "townclerk", status: 200,
				want: []string{`"status":"done"`, `"imported":2`}},
			{name: "rows exist", method: "GET", path: "/api/v1/volunteers?orgId={Town}", user: "townclerk", status: 200,
				want: []string{`"total":2`, "赵模板", "周模板", `"skills":["law","lecture"]`, `"partyMember":true`}, notWant: []string{"钱校验", "孙类别"}},
			{name: "committed once", method: "POST", path: "/api/v1/imports/{Imp}/commit", user: "townclerk", status: 409},
		})
		e.sameAsMissing("GET", "/api/v1/imports/{Imp}", "otheradmin", "", http.StatusNotFound, "五老名单")
		e.sameAsMissing("POST", "/api/v1/imports/{Imp}/commit", "otheradmin", "", http.StatusNotFound, "五老名单")

		// The same file again: every good row is now a duplicate of a stored record.
		rec = e.do("POST", "/api/v1/imports", "townclerk", body, "Content-Type", ct)
		var again guangong.Import
		e.decodeInto(rec, &again)
		e.alias("Again", again.ID)
		if imp := e.waitImport("{Again}", "townclerk"); imp.Valid != 0 || !strings.Contains(fmt.Sprint(imp.Problems), "与已有记录重复") {
			t.Errorf("re-import: %+v", imp)
		}
		e.run([]scenario{
			{name: "nothing valid to commit", method: "POST", path: "/api/v1/imports/{Again}/commit", user: "townclerk", status: 422},
		})
		if n := e.count("/api/v1/volunteers", "townclerk"); n != 2 {
			t.Errorf("%d volunteers after the re-import", n)
		}
	})
}

func TestImportGBKCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.fx.GrantMinorAccess(t, "villageclerk")
		csv := "姓名,性别,出生日期,监护人姓名,与监护人关系,监护人电话,类别,同意人,同意人关系,同意日期,使用目的,父母务工地\r\n" +
			"龚雪梅,女,2013/5/6,龚德胜,祖父,13912340000,留守儿童、单亲,龚德胜,祖父,2024/3/1,关爱帮扶结对,广东省东莞市\r\n" +
			"欧阳澍,男,2012.11.30,欧阳翠英,祖母,,孤儿,欧阳翠英,祖母,2024-03-01,关爱帮扶结对,\r\n"
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(csv)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(gbk, "龚雪梅") {
			t.Fatal("the file is not GBK-encoded")
		}
		body, ct := upload(t, map[string]string{"kind": "youth", "orgId": e.ids.Replace("{VillageA}")}, "青少年（WPS导出）.csv", []byte(gbk))
		rec := e.do("POST", "/api/v1/imports", "villageclerk", body, "Content-Type", ct)
		var started guangong.Import
		e.decodeInto(rec, &started)
		e.alias("Gbk", started.ID)
		if imp := e.waitImport("{Gbk}", "villageclerk"); imp.Status != guangong.ImportChecked || imp.Valid != 2 {
			t.Fatalf("GBK report: %+v", imp)
		}
		e.run([]scenario{
			{name: "commit", method: "POST", path: "/api/v1/imports/{Gbk}/commit", user: "villageclerk", status: 200, want: []string{`"imported":2`}},
			{name: "Chinese intact", method: "GET", path: "/api/v1/youths", user: "villageclerk", status: 200,
				want: []string{"龚雪梅", "龚德胜", "欧阳澍", "广东省东莞市", `"birthDate":"2013-05-06"`, `"birthDate":"2012-11-30"`, `"categories":["left_behind","single_parent"]`}},
			{name: "masked for the viewer", method: "GET", path: "/api/v1/youths", user: "villageviewer", status: 200,
				want: []string{"龚**", `"parentsWork":"(已隐藏)"`}, notWant: []string{"龚雪梅", "雪梅", "13912340000", "广东省东莞市"}},
		})
	})
}

func TestImportRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		send := func(user string, fields map[string]string, name string, data []byte) *scenario {
			body, ct := upload(t, fields, name, data)
			return &scenario{method: "POST", path: "/api/v1/imports", user: user, body: body, header: []string{"Content-Type", ct}}
		}
		vol := map[string]string{"kind": "volunteer"}
		cases := []struct {
			sc     *scenario
			name   string
			status int
			fields []string
			want   string
		}{
			{send("townclerk", vol, "名单.xls", []byte("old")), "old Excel", 422, []string{"file"}, "另存为 .xlsx"},
			{send("townclerk", vol, "名单.pdf", []byte("%PDF")), "other type", 422, []string{"file"}, "只能导入 .xlsx 或 .csv 文件"},
			{send("townclerk", vol, "", nil), "no file", 422, []string{"file"}, "请选择要导入的文件"},
			{send("townclerk", map[string]string{"kind": "meeting"}, "a.csv", []byte("姓名\n")), "bad kind", 422, []string{"kind"}, ""},
			{send("townclerk", map[string]string{"kind": "volunteer", "colour": "red"}, "a.csv", []byte("姓名\n")), "unknown field", 422, []string{"colour"}, ""},
			{send("townclerk", vol, "a.csv", make([]byte, importer.MaxFileSize+10)), "too large", 413, nil, "20 MiB"},
			{send("villageviewer", vol, "a.csv", []byte("姓名\n")), "viewer", 403, nil, ""},
			{&scenario{method: "POST", path: "/api/v1/imports", user: "townclerk", body: `{"kind":"volunteer"}`}, "not multipart", 400, nil, "multipart/form-data"},
		}
		var scenarios []scenario
		for _, c := range cases {
			sc := *c.sc
			sc.name, sc.status, sc.fields = c.name, c.status, c.fields
			if c.want != "" {
				sc.want = []string{c.want}
			}
			scenarios = append(scenarios, sc)
		}
		scenarios = append(scenarios, scenario{name: "no such template", method: "GET", path: "/api/v1/templates/meeting.xlsx", user: "townclerk", status: 404})
		e.run(scenarios)
	})
}
