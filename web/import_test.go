package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
	"guangong/xlsx"
)

// volunteerSheet fills the downloadable template with rows given by header, from row 3 (row 1
// holds the headers, row 2 the template's example).
func volunteerSheet(t *testing.T, rows []map[string]string) []byte {
	t.Helper()
	var tpl bytes.Buffer
	if err := xlsx.Template(&tpl, xlsx.Volunteers); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&tpl)
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetList()[0]
	cols := xlsx.Columns(xlsx.Volunteers)
	for i, row := range rows {
		for h, v := range row {
			j := slices.Index(cols, h)
			if j < 0 {
				t.Fatalf("no column %q", h)
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+3)
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func goodRow(name, birth, seq string) map[string]string {
	return map[string]string{"姓名": name, "性别": "男", "出生日期": birth, "身份证号": idFor(birth, seq),
		"联系电话": "13900001234", "五老类别": "老干部", "是否党员": "是", "特长": "宣讲、法律", "自愿登记日期": "2024-01-01"}
}

var importStatus = regexp.MustCompile(`data-status="([a-z]+)"`)

// waitChecked polls the status fragment, as the page's htmx does, until the check is over.
func waitChecked(t *testing.T, c *client, path string) resp {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := c.get(path, "HX-Request", "true", "HX-Target", "import-status")
		if r.status != 200 {
			t.Fatalf("status page: %d\n%s", r.status, excerpt(r.body))
		}
		if strings.Contains(r.body, "<html") {
			t.Fatal("the status fragment came with the whole page")
		}
		m := importStatus.FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no status in\n%s", r.body)
		}
		if m[1] != guangong.ImportChecking {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatal("the check did not finish")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Importing the template filled with good and bad rows: a precise report, nothing saved
// until the person chooses, then exactly the valid rows in one go.
func TestImportThroughPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		bad := goodRow("李四", "1951-02-02", "022")
		bad["身份证号"] = badCheckDigit(bad["身份证号"])
		badDate := goodRow("王五", "1952-03-03", "033")
		badDate["出生日期"] = "1952-13-01"
		badCat := goodRow("钱七", "1953-04-04", "044")
		badCat["五老类别"] = "老工人"
		data := volunteerSheet(t, []map[string]string{
			goodRow("张三丰", "1950-01-01", "011"), bad, badDate, goodRow("赵六", "1949-05-05", "055"), badCat,
		})

		c := s.loginAs("townclerk")
		check(t, scenario{status: 200, want: []string{`id="import-form"`, `enctype="multipart/form-data"`, `href="/templates/volunteer.xlsx"`, `id="f-file"`},
			notWant: []string{`id="template-youth"`, `id="f-kind-youth"`}}, c.get("/imports"), s)
		tpl := c.get("/templates/volunteer.xlsx")
		if tpl.status != 200 || !strings.Contains(sheetText(t, []byte(tpl.body)), "自愿登记日期") {
			t.Fatalf("template: %d", tpl.status)
		}
		check(t, scenario{status: 404}, c.get("/templates/other.xlsx"), s)

		// Refused uploads answer beside the fields.
		check(t, scenario{status: 422, want: []string{`id="f-file-error"`, ".xlsx"}},
			c.upload("/imports", map[string]string{"kind": "volunteer", "orgId": "{VillageA}"}, "list.xls", data), s)
		check(t, scenario{status: 422, want: []string{`id="f-kind-error"`}},
			c.upload("/imports", map[string]string{"orgId": "{VillageA}"}, "list.xlsx", data), s)
		check(t, scenario{status: 403}, c.upload("/imports", map[string]string{"kind": "youth", "orgId": "{VillageA}"}, "list.xlsx", data), s)
		big := make([]byte, maxUploadBytes+1)
		check(t, scenario{status: 422, want: []string{`id="f-file-error"`, "20 MiB"}},
			c.upload("/imports", map[string]string{"kind": "volunteer", "orgId": "{VillageA}"}, "big.xlsx", big), s)
		huge := make([]byte, maxUploadBytes+maxFormBytes+1)
		check(t, scenario{status: 422, want: []string{"文件不能超过20MB"}},
			c.upload("/imports", map[string]string{"kind": "volunteer", "orgId": "{VillageA}"}, "huge.xlsx", huge), s)

		r := c.upload("/imports", map[string]string{"kind": "volunteer", "orgId": "{VillageA}"}, "五老名单.xlsx", data)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/imports/") {
			t.Fatalf("upload: %d %q\n%s", r.status, r.location, excerpt(r.body))
		}
		page := r.location
		done := waitChecked(t, c, page)
		check(t, scenario{status: 200, want: []string{`data-status="checked"`, `id="import-valid">2<`, `id="import-invalid">3<`,
			`id="import-retry"`, `id="import-commit"`, "仅导入有效行（2行）", "尚未保存",
			"<td class=\"num\">4</td><td>身份证号</td>", "校验位", "<td class=\"num\">5</td><td>出生日期</td>", "1952-13-01",
			"<td class=\"num\">7</td><td>五老类别</td>", "老工人"},
			notWant: []string{`hx-trigger="every 1s"`}}, done, s)
		if n := countVolunteers(t, db); n != 0 {
			t.Fatalf("%d volunteers saved before the choice", n)
		}
		full := c.get(page)
		check(t, scenario{status: 200, want: []string{"五老名单.xlsx", `id="import-problems"`, `id="import-commit-form"`}}, full, s)

		// Another village's clerk cannot see the import.
		check(t, scenario{status: 404, notWant: []string{"五老名单"}}, s.loginAs("otheradmin").get(page), s)

		check(t, scenario{status: 303, location: page}, c.post(page+"/commit", nil), s)
		check(t, scenario{status: 200, want: []string{`data-status="done"`, `id="import-imported">2<`, `id="import-done"`}}, c.get(page), s)
		list, n, err := db.FindVolunteers(context.Background(), guangong.SystemActor("t"), guangong.PersonFilter{})
		if err != nil || n != 2 {
			t.Fatalf("after commit: %v, %d volunteers", err, n)
		}
		var names []string
		for _, p := range list {
			names = append(names, p.Name)
			if p.OrgID != s.fx.VillageA.ID {
				t.Fatalf("%s went to %s, not the default committee", p.Name, p.OrgID)
			}
		}
		slices.Sort(names)
		if strings.Join(names, ",") != "张三丰,赵六" {
			t.Fatalf("imported %v", names)
		}
		// Each record names the import that registered it.
		jobID := strings.TrimPrefix(page, "/imports/")
		check(t, scenario{status: 200, want: []string{`id="person-import"`, jobID}}, c.get("/volunteers/"+list[0].ID), s)
		// A second commit imports nothing more.
		c.post(page+"/commit", nil)
		if n := countVolunteers(t, db); n != 2 {
			t.Fatalf("second commit: %d volunteers", n)
		}
	})
}

// While the check runs, the status polls every second and shows a progress bar; once over,
// the fragment stops polling.
func TestImportProgressPolls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		a := s.fx.Actor("townclerk")
		imp := &guangong.Import{OrgID: s.fx.Town.ID, UserID: a.UserID, Kind: "volunteer", Filename: "big.xlsx",
			Status: guangong.ImportChecking, Problems: []guangong.ImportProblem{}}
		if err := db.CreateImport(context.Background(), a, imp, []byte("x")); err != nil {
			t.Fatal(err)
		}
		imp.Total, imp.Done = 100000, 40000
		if err := db.SaveImport(context.Background(), a, imp); err != nil {
			t.Fatal(err)
		}
		c := s.loginAs("townclerk")
		check(t, scenario{status: 200, want: []string{`hx-trigger="every 1s"`, `hx-get="/imports/` + imp.ID + `"`, `<progress id="import-progress" max="100000" value="40000">40%</progress>`},
			notWant: []string{`id="import-commit"`}}, c.get("/imports/"+imp.ID), s)
		check(t, scenario{status: 200, want: []string{`id="import-status"`, `every 1s`}, notWant: []string{"<html", "<h1>"}},
			c.get("/imports/"+imp.ID, "HX-Request", "true", "HX-Target", "import-status"), s)
	})
}

// A CSV saved as GBK by older WPS and Excel keeps its Chinese through the import.
func TestImportGBKCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSite(t, db)
		cols := xlsx.Columns(xlsx.Volunteers)
		row := goodRow("欧阳修远", "1948-08-08", "088")
		row["原工作单位"] = "溆浦县第一中学"
		vals := make([]string, len(cols))
		for i, h := range cols {
			vals[i] = row[h]
		}
		text := strings.Join(cols, ",") + "\r\n" + strings.Join(vals, ",") + "\r\n"
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(gbk, "欧阳") {
			t.Fatal("the file is not GBK")
		}
		c := s.loginAs("villageclerk")
		c.get("/imports")
		r := c.upload("/imports", map[string]string{"kind": "volunteer", "orgId": "{VillageA}"}, "名单.csv", []byte(gbk))
		if r.status != http.StatusSeeOther {
			t.Fatalf("upload: %d\n%s", r.status, excerpt(r.body))
		}
		check(t, scenario{status: 200, want: []string{`id="import-valid">1<`, `id="import-invalid">0<`}}, waitChecked(t, c, r.location), s)
		c.get(r.location)
		check(t, scenario{status: 303}, c.post(r.location+"/commit", url.Values{}), s)
		list, _, err := db.FindVolunteers(context.Background(), guangong.SystemActor("t"), guangong.PersonFilter{})
		if err != nil || len(list) != 1 || list[0].Name != "欧阳修远" || list[0].FormerUnit != "溆浦县第一中学" {
			t.Fatalf("imported: %v %+v", err, list)
		}
		check(t, scenario{status: 200, want: []string{"欧阳修远"}}, c.get("/volunteers"), s)
	})
}
