package api

import (
	"encoding/json"
	"fmt"
	"testing"
)

// checkFunc is TestResponsesMatchDocument's check: one request, its answer checked
// against the document.
type checkFunc func(method, pattern, path, user, body string, status int, header ...string) *json.RawMessage

// checkPeople sends one request of each people endpoint through check.
func checkPeople(t *testing.T, e *env, check checkFunc) {
	t.Helper()
	id := func(raw *json.RawMessage, alias string) {
		t.Helper()
		var o struct{ ID string }
		if raw == nil || json.Unmarshal(*raw, &o) != nil || o.ID == "" {
			t.Fatalf("no id for %s", alias)
		}
		e.alias(alias, o.ID)
	}
	// 未成年人信息 access is granted through the accounts API.
	u := e.getUser("{u:townclerk}", "townadmin")
	check("PATCH", "/api/v1/users/{id}", "/api/v1/users/{u:townclerk}", "townadmin",
		fmt.Sprintf(`{"minorAccess":true,"version":%d}`, u.Version), 200)
	id(check("POST", "/api/v1/volunteers", "/api/v1/volunteers", "townclerk",
		volunteerJSON("{Town}", "文档志愿者", `"partyMember":true`, `"phone":"13800001111"`), 201), "DocV")
	id(check("POST", "/api/v1/volunteers", "/api/v1/volunteers", "townclerk", volunteerJSON("{Town}", "文档志愿者"), 201), "DocV2")
	check("POST", "/api/v1/volunteers", "/api/v1/volunteers", "townclerk", volunteerJSON("{Town}", ""), 422)
	check("GET", "/api/v1/volunteers", "/api/v1/volunteers?partyMember=true&ageBand=70-79", "townclerk", "", 200)
	check("GET", "/api/v1/volunteers/{id}", "/api/v1/volunteers/{DocV}", "townclerk", "", 200)
	check("GET", "/api/v1/volunteers/{id}", "/api/v1/volunteers/{Missing}", "townclerk", "", 404)
	check("PUT", "/api/v1/volunteers/{id}", "/api/v1/volunteers/{DocV}", "townclerk", volunteerJSON("{Town}", "文档志愿者", `"version":1`), 200)
	check("PUT", "/api/v1/volunteers/{id}", "/api/v1/volunteers/{DocV}", "townclerk", volunteerJSON("{Town}", "文档志愿者", `"version":1`), 409)
	id(check("POST", "/api/v1/volunteers/{id}/memberships", "/api/v1/volunteers/{DocV}/memberships", "townclerk",
		`{"orgId":"{VillageA}","from":"2020-01-01"}`, 201), "DocMem")
	check("GET", "/api/v1/volunteers/{id}/memberships", "/api/v1/volunteers/{DocV}/memberships", "townclerk", "", 200)
	check("POST", "/api/v1/memberships/{id}/end", "/api/v1/memberships/{DocMem}/end", "townclerk", `{"to":"2024-01-01","version":1}`, 204)
	check("POST", "/api/v1/memberships/{id}/end", "/api/v1/memberships/{DocMem}/end", "townclerk", `{"to":"2024-02-01","version":1}`, 409)
	id(check("POST", "/api/v1/orgs/{id}/posts", "/api/v1/orgs/{Town}/posts", "townadmin",
		`{"volunteerId":"{DocV}","title":"director","from":"2021-01-01"}`, 201), "DocPost")
	check("GET", "/api/v1/orgs/{id}/composition", "/api/v1/orgs/{Town}/composition", "townadmin", "", 200)
	check("POST", "/api/v1/posts/{id}/end", "/api/v1/posts/{DocPost}/end", "townadmin", `{"to":"2024-01-01"}`, 422)
	check("POST", "/api/v1/posts/{id}/end", "/api/v1/posts/{DocPost}/end", "townadmin", `{"to":"2024-01-01","version":1}`, 204)
	check("GET", "/api/v1/orgs/{id}/posts", "/api/v1/orgs/{Town}/posts?all=true", "townadmin", "", 200)
	id(check("POST", "/api/v1/orgs/{id}/bodies", "/api/v1/orgs/{Town}/bodies", "townadmin",
		`{"kind":"elder_school","name":"低庄镇老年学校"}`, 201), "DocBody")
	check("GET", "/api/v1/orgs/{id}/bodies", "/api/v1/orgs/{Town}/bodies", "townadmin", "", 200)
	check("POST", "/api/v1/bodies/{id}/members", "/api/v1/bodies/{DocBody}/members", "townadmin",
		`{"volunteerId":"{DocV}","role":"校长","from":"2020-01-01"}`, 201)
	check("GET", "/api/v1/bodies/{id}/members", "/api/v1/bodies/{DocBody}/members", "townadmin", "", 200)
	check("GET", "/api/v1/duplicates", "/api/v1/duplicates?kind=volunteer", "townclerk", "", 200)
	check("POST", "/api/v1/volunteers/{id}/merge", "/api/v1/volunteers/{DocV}/merge", "townclerk", `{"dropId":"{DocV2}"}`, 200)
	check("GET", "/api/v1/volunteers/export.xlsx", "/api/v1/volunteers/export.xlsx", "townclerk", "", 200)
	check("GET", "/api/v1/volunteers/export.xlsx", "/api/v1/volunteers/export.xlsx?reveal=1&reason=x", "townclerk", "", 403)

	// Writing youths needs 未成年人信息 access: the town clerk has it (granted at the start of
	// TestResponsesMatchDocument), the village clerk not.
	id(check("POST", "/api/v1/youths", "/api/v1/youths", "townclerk",
		youthJSON("{VillageA}", youthName, youthIDNumber, guardianPhone), 201), "DocY")
	check("POST", "/api/v1/youths", "/api/v1/youths", "villageclerk",
		youthJSON("{VillageA}", "文档儿童", "", "13700001111", `"school":"青松小学"`), 403)
	id(check("POST", "/api/v1/youths", "/api/v1/youths", "townclerk",
		youthJSON("{VillageA}", "文档儿童", "", "13700001111", `"school":"青松小学"`), 201), "DocY2")
	check("GET", "/api/v1/youths", "/api/v1/youths?category=left_behind", "villageclerk", "", 200)
	check("GET", "/api/v1/youths/{id}", "/api/v1/youths/{DocY}", "villageclerk", "", 200)
	check("PUT", "/api/v1/youths/{id}", "/api/v1/youths/{DocY}", "townclerk",
		youthEdit("{VillageA}", youthName, youthIDNumber, guardianPhone, 1), 200)
	check("POST", "/api/v1/youths/{id}/reveal", "/api/v1/youths/{DocY}/reveal", "townclerk", `{"field":"name","reason":"核对"}`, 200)
	check("POST", "/api/v1/youths/{id}/reveal", "/api/v1/youths/{DocY}/reveal", "villageclerk", `{"field":"name","reason":"核对"}`, 403)
	check("POST", "/api/v1/youths/{id}/merge", "/api/v1/youths/{DocY}/merge", "townclerk", `{"dropId":"{DocY2}"}`, 200)
	check("GET", "/api/v1/youths/export.xlsx", "/api/v1/youths/export.xlsx", "villageclerk", "", 200)

	check("GET", "/api/v1/templates/{file}", "/api/v1/templates/youth.xlsx", "villageclerk", "", 200)
	check("GET", "/api/v1/templates/{file}", "/api/v1/templates/meeting.xlsx", "villageclerk", "", 404)
	body, ct := upload(t, map[string]string{"kind": "volunteer", "orgId": e.ids.Replace("{Town}")}, "五老.csv",
		[]byte("姓名,性别,出生日期,五老类别,自愿登记日期\n文档导入,男,1950-01-01,老教师,2024-03-01\n坏行,男,1950-01-01,老神仙,\n"))
	id(check("POST", "/api/v1/imports", "/api/v1/imports", "townclerk", body, 202, "Content-Type", ct), "DocImport")
	body, ct = upload(t, map[string]string{"kind": "volunteer"}, "五老.xls", []byte("x"))
	check("POST", "/api/v1/imports", "/api/v1/imports", "townclerk", body, 422, "Content-Type", ct)
	e.waitImport("{DocImport}", "townclerk")
	check("GET", "/api/v1/imports/{id}", "/api/v1/imports/{DocImport}", "townclerk", "", 200)
	check("POST", "/api/v1/imports/{id}/commit", "/api/v1/imports/{DocImport}/commit", "townadmin", "", 404)
	check("POST", "/api/v1/imports/{id}/commit", "/api/v1/imports/{DocImport}/commit", "townclerk", "", 200)
	check("POST", "/api/v1/imports/{id}/commit", "/api/v1/imports/{DocImport}/commit", "townclerk", "", 409)
}
