package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// A youth whose every sensitive value is distinctive, so its absence can be checked in raw
// bytes. The surname alone (欧) survives masking; the given names never may.
const (
	youthName     = "欧阳晓燕"
	guardianName  = "欧阳国强"
	guardianPhone = "13912345678"
)

var youthIDNumber = testID("20150101", 21)

func youthJSON(org, name, id, phone string, extra ...string) string {
	fields := append([]string{
		`"orgId":"` + org + `"`, `"name":"` + name + `"`, `"gender":"female"`, `"birthDate":"2015-01-01"`,
		`"idNumber":"` + id + `"`, `"guardianName":"` + guardianName + `"`, `"guardianRelation":"父亲"`,
		`"guardianPhone":"` + phone + `"`, `"categories":["left_behind"]`, `"consentBy":"欧阳国强"`,
		`"consentRelation":"父亲"`, `"consentDate":"2024-03-01"`, `"consentPurpose":"关爱帮扶结对"`,
	}, extra...)
	return "{" + strings.Join(fields, ",") + "}"
}

// plain are the values an account without 未成年人信息 access must never receive.
var plain = []string{youthName, "晓燕", youthIDNumber, guardianPhone, guardianName, "国强"}

// sheetText is every cell of every sheet of an xlsx answer, one per line.
func sheetText(t *testing.T, b []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("export is not an xlsx file: %v", err)
	}
	defer f.Close()
	var out strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	return out.String()
}

// youthEdit is a full youth record with the version it was read at, for PUT bodies.
func youthEdit(org, name, id, phone string, version int) string {
	return youthJSON(org, name, id, phone, fmt.Sprintf(`"version":%d`, version))
}

func TestYouthsMaskedWithoutMinorAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.fx.GrantMinorAccess(t, "townclerk")
		e.create("/api/v1/youths", "townclerk", youthJSON("{VillageA}", youthName, youthIDNumber, guardianPhone), "Yan")
		e.create("/api/v1/youths", "townclerk", youthJSON("{VillageB}", "白沙小朋友", testID("20150101", 22), "13700001111"), "Bai")

		// Every way in, for accounts without the grant: the plain values never appear.
		for _, user := range []string{"villageclerk", "villageviewer", "townadmin"} {
			for _, path := range []string{
				"/api/v1/youths", "/api/v1/youths/{Yan}", "/api/v1/youths?orgId={VillageA}&category=left_behind",
				"/api/v1/youths?q=" + youthName, "/api/v1/youths?q=晓燕", "/api/v1/duplicates?kind=youth",
			} {
				rec := e.do("GET", path, user, "")
				for _, p := range plain {
					if strings.Contains(rec.Body.String(), p) {
						t.Errorf("GET %s as %s: %d, body holds %q: %s", path, user, rec.Code, p, rec.Body)
					}
				}
			}
			rec := e.do("GET", "/api/v1/youths/{Yan}", user, "")
			for _, want := range []string{`"masked":true`, `"name":"欧***"`, `"idNumber":"4312**********` + youthIDNumber[14:] + `"`, `"guardianPhone":"139****5678"`} {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("GET one as %s lacks %s: %s", user, want, rec.Body)
				}
			}
			exp := e.do("GET", "/api/v1/youths/export.xlsx", user, "")
			if exp.Code != http.StatusOK {
				t.Fatalf("export as %s: %d %s", user, exp.Code, exp.Body)
			}
			cells := sheetText(t, exp.Body.Bytes())
			for _, p := range plain {
				if strings.Contains(cells, p) || bytes.Contains(exp.Body.Bytes(), []byte(p)) {
					t.Errorf("export as %s holds %q", user, p)
				}
			}
			if !strings.Contains(cells, "139****5678") || !strings.Contains(cells, "欧***") {
				t.Errorf("export as %s lacks the masked rows:\n%s", user, cells)
			}
			e.run([]scenario{
				{name: user + ": no full export", method: "GET", path: "/api/v1/youths/export.xlsx?reveal=1&reason=核查", user: user, status: 403,
					notWant: plain},
				{name: user + ": no reveal", method: "POST", path: "/api/v1/youths/{Yan}/reveal", user: user,
					body: `{"field":"idNumber","reason":"核查"}`, status: 403, notWant: plain},
				{name: user + ": no search by name", method: "GET", path: "/api/v1/youths?q=欧阳", user: user, status: 422,
					fields: []string{"q"}, notWant: plain},
			})
		}
		// A clerk without the grant may not register a child: it would see its own record
		// masked, and write blind.
		rec := e.do("POST", "/api/v1/youths", "villageclerk", youthJSON("{VillageA}", "上官明月", testID("20150101", 23), "13600002222"))
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "未成年人信息") || strings.Contains(rec.Body.String(), "明月") {
			t.Errorf("create without the grant: %d %s", rec.Code, rec.Body)
		}
		// Nor edit one: sending the masked record back (an edit of another field) is refused
		// and the stored record stays as it was.
		var masked guangong.Youth
		e.decodeInto(e.do("GET", "/api/v1/youths/{Yan}", "villageclerk", ""), &masked)
		back := youthUpdate{Version: masked.Version, youthFields: youthFields{
			OrgID: masked.OrgID, Name: masked.Name, Gender: masked.Gender, BirthDate: masked.BirthDate, IDNumber: masked.IDNumber,
			GuardianName: masked.GuardianName, GuardianRelation: masked.GuardianRelation, GuardianPhone: masked.GuardianPhone,
			Categories: masked.Categories, Needs: "数学辅导", ConsentBy: masked.ConsentBy, ConsentRelation: masked.ConsentRelation,
			ConsentDate: masked.ConsentDate, ConsentPurpose: masked.ConsentPurpose}}
		b, _ := json.Marshal(back)
		rec = e.do("PUT", "/api/v1/youths/{Yan}", "villageclerk", string(b))
		if rec.Code != http.StatusForbidden {
			t.Fatalf("edit of the masked record: %d %s", rec.Code, rec.Body)
		}
		var full guangong.Youth
		e.decodeInto(e.do("GET", "/api/v1/youths/{Yan}", "townclerk", ""), &full)
		if full.Name != youthName || full.IDNumber != youthIDNumber || full.GuardianPhone != guardianPhone || full.GuardianName != guardianName || full.Needs == "数学辅导" || full.Version != masked.Version || full.Masked {
			t.Errorf("after a refused edit by a clerk without the grant: %+v", full)
		}

		// Scope: a village clerk guessing the other village's child learns nothing.
		e.sameAsMissing("GET", "/api/v1/youths/{Bai}", "villageclerk", "", http.StatusNotFound, "白沙", "13700001111")
		// Writes are refused before any record is looked up, the same for every id.
		e.sameAsMissing("PUT", "/api/v1/youths/{Bai}", "villageclerk", youthEdit("{VillageA}", "改", "", "", 1), http.StatusForbidden, "白沙")
		e.sameAsMissing("POST", "/api/v1/youths/{Bai}/merge", "villageclerk", `{"dropId":"{Yan}"}`, http.StatusForbidden, "白沙")
	})
}

func TestYouthRevealAndExportAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.fx.GrantMinorAccess(t, "townclerk")
		yan := e.create("/api/v1/youths", "townclerk", youthJSON("{VillageA}", youthName, youthIDNumber, guardianPhone), "Yan")
		e.run([]scenario{
			{name: "full record with the grant", method: "GET", path: "/api/v1/youths/{Yan}", user: "townclerk", status: 200,
				want: []string{`"name":"` + youthName + `"`, youthIDNumber, guardianPhone, `"masked":false`}},
			{name: "search by name with the grant", method: "GET", path: "/api/v1/youths?q=晓燕", user: "townclerk", status: 200,
				want: []string{youthName, `"total":1`}},
			{name: "reveal needs a reason", method: "POST", path: "/api/v1/youths/{Yan}/reveal", user: "townclerk",
				body: `{"field":"idNumber","reason":" "}`, status: 422, fields: []string{"reason"}},
			{name: "reveal a known field only", method: "POST", path: "/api/v1/youths/{Yan}/reveal", user: "townclerk",
				body: `{"field":"notes","reason":"核查"}`, status: 422, fields: []string{"field"}},
			{name: "reveal", method: "POST", path: "/api/v1/youths/{Yan}/reveal", user: "townclerk",
				body: `{"field":"guardianPhone","reason":"家访前核对电话"}`, status: 200, want: []string{`{"value":"` + guardianPhone + `"}`}},
			{name: "export reveal needs a reason", method: "GET", path: "/api/v1/youths/export.xlsx?reveal=1", user: "townclerk",
				status: 422, fields: []string{"reason"}},
			{name: "reveal audited with its reason", method: "GET", path: "/api/v1/audit?action=reveal&objectId=" + yan, user: "auditor",
				status: 200, want: []string{`"total":1`, "家访前核对电话", `"username":"townclerk"`}, notWant: []string{guardianPhone}},
		})
		// With the grant, an export is still masked unless full values are asked for, with a reason.
		masked := sheetText(t, e.do("GET", "/api/v1/youths/export.xlsx?orgId={VillageA}", "townclerk", "").Body.Bytes())
		if strings.Contains(masked, youthIDNumber) || strings.Contains(masked, guardianPhone) || !strings.Contains(masked, "139****5678") {
			t.Errorf("default export with the grant is not masked:\n%s", masked)
		}
		rec := e.do("GET", "/api/v1/youths/export.xlsx?reveal=true&reason=上报县关工委&q=晓燕", "townclerk", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("revealed export: %d %s", rec.Code, rec.Body)
		}
		if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
			t.Errorf("Content-Disposition %q", cd)
		}
		full := sheetText(t, rec.Body.Bytes())
		for _, p := range []string{youthName, youthIDNumber, guardianPhone, guardianName} {
			if !strings.Contains(full, p) {
				t.Errorf("revealed export lacks %q:\n%s", p, full)
			}
		}
		e.run([]scenario{
			{name: "both exports audited", method: "GET", path: "/api/v1/audit?action=export&objectType=youth", user: "auditor", status: 200,
				want:    []string{`"total":2`, "rows=1; masked", `orgId=\"{VillageA}\"`, `revealed; reason=\"上报县关工委\"`, "q=*"},
				notWant: []string{"晓燕"}},
		})
	})
}

func TestVolunteerExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		id, phone := testID("19500506", 31), "13812345678"
		e.create("/api/v1/volunteers", "villageclerk", volunteerJSON("{VillageA}", "张志国", `"phone":"`+phone+`"`, `"idNumber":"`+id+`"`), "Zhang")
		for i := range 250 { // more than one page of the store
			e.create("/api/v1/volunteers", "townclerk", volunteerJSON("{VillageB}", fmt.Sprintf("白沙志愿者%03d", i)), "x")
		}
		masked := e.do("GET", "/api/v1/volunteers/export.xlsx", "villageclerk", "")
		if masked.Code != http.StatusOK || masked.Header().Get("Content-Type") != xlsxType {
			t.Fatalf("export: %d %s %s", masked.Code, masked.Header().Get("Content-Type"), masked.Body)
		}
		cells := sheetText(t, masked.Body.Bytes())
		if !strings.Contains(cells, "张志国") || strings.Contains(cells, id) || strings.Contains(cells, phone) ||
			!strings.Contains(cells, "138****5678") || strings.Contains(cells, "白沙志愿者") {
			t.Errorf("masked export in the village's scope:\n%s", cells)
		}
		all := sheetText(t, e.do("GET", "/api/v1/volunteers/export.xlsx?reveal=1&reason=年度统计", "townadmin", "").Body.Bytes())
		if !strings.Contains(all, id) || !strings.Contains(all, phone) || !strings.Contains(all, "白沙志愿者249") {
			t.Errorf("revealed export lacks rows or values:\n%.400s", all)
		}
		e.run([]scenario{
			{name: "clerk may not reveal", method: "GET", path: "/api/v1/volunteers/export.xlsx?reveal=1&reason=看看", user: "villageclerk",
				status: 403, notWant: []string{id}},
			{name: "administrator needs a reason", method: "GET", path: "/api/v1/volunteers/export.xlsx?reveal=1", user: "townadmin",
				status: 422, fields: []string{"reason"}},
			{name: "bad filter", method: "GET", path: "/api/v1/volunteers/export.xlsx?category=king", user: "townadmin",
				status: 422, fields: []string{"category"}},
			{name: "exports audited", method: "GET", path: "/api/v1/audit?action=export&objectType=volunteer", user: "auditor", status: 200,
				want: []string{`"total":2`, "rows=1; masked", "rows=251; revealed", "年度统计"}},
			{name: "refused reveal audited", method: "GET", path: "/api/v1/audit?action=denied&objectType=volunteer", user: "auditor", status: 200,
				want: []string{"villageclerk", "export with full values"}},
		})
	})
}

// TestMinorAccessGrant: the grant is given and withdrawn through the accounts API and
// takes effect on the account's next request, with the same token.
func TestMinorAccessGrant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.fx.GrantMinorAccess(t, "townclerk")
		e.create("/api/v1/youths", "townclerk", youthJSON("{VillageA}", youthName, youthIDNumber, guardianPhone), "Yan")
		grant := func(on bool) string {
			return fmt.Sprintf(`{"minorAccess":%t,"version":%d}`, on, e.getUser("{u:villageclerk}", "townadmin").Version)
		}
		e.run([]scenario{
			{name: "masked before", method: "GET", path: "/api/v1/youths/{Yan}", user: "villageclerk", status: 200,
				want: []string{`"masked":true`}, notWant: plain},
			{name: "a clerk grants nothing", method: "PATCH", path: "/api/v1/users/{u:villageclerk}", user: "villageclerk",
				body: `{"minorAccess":true,"version":1}`, status: 403},
			{name: "wrong type", method: "PATCH", path: "/api/v1/users/{u:villageclerk}", user: "townadmin",
				body: `{"minorAccess":"yes","version":1}`, status: 422, fields: []string{"minorAccess"}},
		})
		e.run([]scenario{{name: "grant", method: "PATCH", path: "/api/v1/users/{u:villageclerk}", user: "townadmin",
			body: grant(true), status: 200, want: []string{`"minorAccess":true`}}})
		e.run([]scenario{
			{name: "full after the grant", method: "GET", path: "/api/v1/youths/{Yan}", user: "villageclerk", status: 200,
				want: []string{`"name":"` + youthName + `"`, youthIDNumber, guardianPhone, `"masked":false`}},
			{name: "withdraw", method: "PATCH", path: "/api/v1/users/{u:villageclerk}", user: "townadmin",
				body: grant(false), status: 200, want: []string{`"minorAccess":false`}},
		})
		e.run([]scenario{
			{name: "masked again", method: "GET", path: "/api/v1/youths/{Yan}", user: "villageclerk", status: 200,
				want: []string{`"masked":true`}, notWant: plain},
		})
	})
}

func TestYouthBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.fx.GrantMinorAccess(t, "townclerk")
		e.create("/api/v1/youths", "townclerk", youthJSON("{VillageA}", youthName, youthIDNumber, guardianPhone), "Yan")
		e.run([]scenario{
			{name: "bad fields", method: "POST", path: "/api/v1/youths", user: "townclerk",
				body: `{"orgId":"{VillageA}","name":"小明","gender":"male","birthDate":"1990-01-01","guardianName":"","guardianRelation":"父亲",` +
					`"guardianPhone":"555","categories":["rich"],"consentBy":"","consentRelation":"父亲","consentDate":"2030-01-01","consentPurpose":""}`,
				status: 422, fields: []string{"birthDate", "guardianName", "guardianPhone", "categories", "consentBy", "consentDate", "consentPurpose"}},
			{name: "ID number not matching the birth date", method: "POST", path: "/api/v1/youths", user: "townclerk",
				body: youthJSON("{VillageA}", "小红", testID("20140101", 1), ""), status: 422, fields: []string{"idNumber"}},
			{name: "viewer registers no one", method: "POST", path: "/api/v1/youths", user: "villageviewer",
				body: youthJSON("{VillageA}", "小刚", "", ""), status: 403},
			{name: "stale edit", method: "PUT", path: "/api/v1/youths/{Yan}", user: "townclerk",
				body: youthEdit("{VillageA}", "改名", youthIDNumber, guardianPhone, 5), status: 409, want: []string{"该记录已被他人修改"}},
			{name: "edit without version", method: "PUT", path: "/api/v1/youths/{Yan}", user: "townclerk",
				body: youthJSON("{VillageA}", "改名", youthIDNumber, guardianPhone), status: 422, fields: []string{"version"}},
		})
		if n := e.count("/api/v1/youths", "townclerk"); n != 1 {
			t.Errorf("%d youths after refused writes, want 1", n)
		}
		e.run([]scenario{{name: "unchanged", method: "GET", path: "/api/v1/youths/{Yan}", user: "townclerk", status: 200,
			want: []string{`"name":"` + youthName + `"`, `"version":1`}}})
	})
}

// A youth's free text (here an address typed into the notes, and the needs) reaches no
// account without 未成年人信息 access: not in the list, the record, the export, nor through
// the audit trail, which records only that it changed.
func TestYouthFreeTextHiddenWithoutMinorAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.fx.GrantMinorAccess(t, "townclerk")
		const notes, needs = "家住湖南省长沙市望城区白沙村三组12号", "心理疏导（父母离异）"
		texts := []string{"湖南省长沙市", "白沙村三组", "心理疏导", "父母离异", "关爱帮扶结对"}
		e.create("/api/v1/youths", "townclerk", youthJSON("{VillageA}", youthName, youthIDNumber, guardianPhone,
			`"notes":"`+notes+`"`, `"needs":"`+needs+`"`), "Yan")
		e.run([]scenario{
			{name: "with the grant", method: "GET", path: "/api/v1/youths/{Yan}", user: "townclerk", status: 200,
				want: []string{notes, needs, "关爱帮扶结对"}},
		})
		for _, user := range []string{"villageclerk", "villageviewer", "townadmin"} {
			e.run([]scenario{
				{name: user + ": list", method: "GET", path: "/api/v1/youths?orgId={VillageA}", user: user, status: 200,
					want: []string{`"notes":"(已隐藏)"`, `"needs":"(已隐藏)"`, `"consentPurpose":"(已隐藏)"`}, notWant: texts},
				{name: user + ": record", method: "GET", path: "/api/v1/youths/{Yan}", user: user, status: 200,
					want: []string{`"notes":"(已隐藏)"`}, notWant: texts},
			})
			exp := e.do("GET", "/api/v1/youths/export.xlsx", user, "")
			if exp.Code != http.StatusOK {
				t.Fatalf("export as %s: %d %s", user, exp.Code, exp.Body)
			}
			cells := sheetText(t, exp.Body.Bytes())
			for _, s := range texts {
				if strings.Contains(cells, s) || bytes.Contains(exp.Body.Bytes(), []byte(s)) {
					t.Errorf("export as %s holds %q", user, s)
				}
			}
			if !strings.Contains(cells, guangong.HiddenText) {
				t.Errorf("export as %s does not say the notes are hidden:\n%s", user, cells)
			}
		}
		// A new address in the notes: the auditor (never granted the access) learns that the
		// notes changed, not what they say.
		var y guangong.Youth
		e.decodeInto(e.do("GET", "/api/v1/youths/{Yan}", "townclerk", ""), &y)
		rec := e.do("PUT", "/api/v1/youths/{Yan}", "townclerk", youthJSON("{VillageA}", youthName, youthIDNumber, guardianPhone,
			`"notes":"已搬至长沙市岳麓区麓山路88号"`, `"needs":"`+needs+`"`, fmt.Sprintf(`"version":%d`, y.Version)))
		if rec.Code != http.StatusOK {
			t.Fatalf("edit: %d %s", rec.Code, rec.Body)
		}
		e.run([]scenario{
			{name: "the trail", method: "GET", path: "/api/v1/audit?objectType=youth&objectId=" + y.ID, user: "auditor", status: 200,
				want:    []string{`"field":"notes"`, `"field":"needs"`, `"after":"(已修改)"`},
				notWant: append(texts, "麓山路", "岳麓区")},
		})
	})
}
