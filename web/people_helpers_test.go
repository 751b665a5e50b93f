package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guangong"
	"guangong/sqlstore"
)

// idFor makes a valid ID number (GB 11643 check digit) for a birth date YYYY-MM-DD and a
// three-digit sequence.
func idFor(birth, seq string) string {
	first := "431224" + strings.ReplaceAll(birth, "-", "") + seq
	return first + string(guangong.IDCheckChar(first))
}

// grantMinor gives a fixture account 未成年人信息 access.
func grantMinor(t *testing.T, s *site, name string) {
	t.Helper()
	ctx, sys := context.Background(), guangong.SystemActor("t")
	u, err := s.db.FindUserByID(ctx, sys, s.fx.Users[name].ID)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := s.db.UpdateUser(ctx, sys, u.ID, guangong.UserUpdate{MinorAccess: &yes, Version: u.Version}); err != nil {
		t.Fatal(err)
	}
}

func newVolunteer(t *testing.T, db *sqlstore.DB, orgID, name, birth string) *guangong.Volunteer {
	t.Helper()
	p := &guangong.Volunteer{OrgID: orgID, Name: name, Gender: guangong.Male, BirthDate: birth,
		Phone: "13900001111", IDNumber: idFor(birth, "013"), Category: guangong.ElderTeacher, PartyMember: true,
		Skills: []string{"tutoring"}, Status: "active", ConsentDate: "2024-01-02"}
	if err := db.CreateVolunteer(context.Background(), guangong.SystemActor("t"), p); err != nil {
		t.Fatalf("create volunteer %s: %v", name, err)
	}
	return p
}

// The youth whose details must never reach an account without 未成年人信息 access.
const (
	youthName     = "李小明"
	youthBirth    = "2015-06-01"
	guardianName  = "李大山"
	guardianPhone = "13812345678"
)

var youthID = idFor(youthBirth, "024")

func newYouth(t *testing.T, db *sqlstore.DB, orgID, name string) *guangong.Youth {
	t.Helper()
	y := &guangong.Youth{OrgID: orgID, Name: name, Gender: guangong.Male, BirthDate: youthBirth, IDNumber: youthID,
		School: "低庄镇中心小学", Grade: "五年级", GuardianName: guardianName, GuardianRelation: "祖父",
		GuardianPhone: guardianPhone, ParentsWork: "广东东莞", Categories: []string{"left_behind"},
		Notes: youthNotes, ConsentBy: guardianName, ConsentRelation: "祖父", ConsentDate: "2024-03-01", ConsentPurpose: "关爱帮扶"}
	if err := db.CreateYouth(context.Background(), guangong.SystemActor("t"), y); err != nil {
		t.Fatalf("create youth %s: %v", name, err)
	}
	return y
}

// sheetText is every cell of every sheet of an xlsx file, joined.
func sheetText(t *testing.T, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an xlsx file: %v\n%s", err, excerpt(string(data)))
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// upload posts a multipart form with one file, as the import page does.
func (c *client) upload(path string, fields map[string]string, filename string, data []byte) resp {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if c.csrf != "" {
		w.WriteField("csrf", c.csrf)
	}
	for k, v := range fields {
		w.WriteField(k, c.s.ids(v))
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	req, err := http.NewRequest(http.MethodPost, c.s.srv.URL+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func countVolunteers(t *testing.T, db *sqlstore.DB) int {
	t.Helper()
	_, n, err := db.FindVolunteers(context.Background(), guangong.SystemActor("t"), guangong.PersonFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func auditEntries(t *testing.T, db *sqlstore.DB, action, objectType string) []*guangong.AuditEntry {
	t.Helper()
	list, _, err := db.FindAudit(context.Background(), guangong.SystemActor("t"), guangong.AuditFilter{
		Action: &action, ObjectType: &objectType, Page: guangong.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	return list
}
