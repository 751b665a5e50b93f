package xlsx

import (
	"archive/zip"
	"bytes"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guangong"
)

func exportVolunteers() []*guangong.Volunteer {
	return []*guangong.Volunteer{
		{ID: "v1", OrgID: "org-village", OrgName: "青松村关工委", Name: "王建国", Gender: guangong.Male, BirthDate: "1952-03-15",
			Phone: "13800001111", IDNumber: id("1952-03-15", 11), Category: guangong.ElderTeacher, FormerUnit: "低庄镇中心小学",
			FormerPost: "校长", PartyMember: true, PartyBranch: "低庄镇离退休干部党支部", Skills: []string{"lecture", "tutoring"},
			SkillsOther: "书法", Health: "良好", Availability: "周末", Status: "active", JoinedDate: "2015-06-01",
			ConsentDate: "2024-03-01", ConsentNote: "本人签字", Notes: "多次获评优秀"},
		{ID: "v2", OrgID: "org-town", OrgName: "低庄镇关工委", Name: "李秀英", Gender: guangong.Female, BirthDate: "1949-10-01",
			Phone: "0745-3221234", Category: guangong.ElderModel, Skills: []string{}, Status: "deceased", ConsentDate: "2023-01-02"},
	}
}

func exportYouths() []*guangong.Youth {
	return []*guangong.Youth{
		{ID: "y1", OrgID: "org-village", OrgName: "青松村关工委", Name: "李小明", Gender: guangong.Male, BirthDate: "2014-09-01",
			IDNumber: id("2014-09-01", 11), School: "低庄镇中心小学", Grade: "四年级", GuardianName: "李大山", GuardianRelation: "祖父",
			GuardianPhone: "13900002222", ParentsWork: "广东省东莞市", Categories: []string{"left_behind", "poverty"}, Needs: "数学辅导",
			ConsentBy: "李大山", ConsentRelation: "祖父", ConsentDate: "2024-03-01", ConsentPurpose: "关爱帮扶"},
	}
}

var codes = map[string]string{"org-village": "C001", "org-town": ""}

// zipText is every part of an xlsx, decompressed: what anyone with the file can read.
func zipText(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(&b, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	return b.String()
}

func TestExportMasks(t *testing.T) {
	var buf bytes.Buffer
	vs := exportVolunteers()
	if err := ExportVolunteersWithCodes(&buf, vs, false, func(id string) string { return codes[id] }); err != nil {
		t.Fatal(err)
	}
	text := zipText(t, buf.Bytes())
	for _, plain := range []string{vs[0].IDNumber, vs[0].Phone, vs[1].Phone} {
		if strings.Contains(text, plain) {
			t.Errorf("masked volunteer export contains %s", plain)
		}
	}
	for _, masked := range []string{guangong.MaskIDNumber(vs[0].IDNumber), "138****1111", "王建国", "青松村关工委"} {
		if !strings.Contains(text, masked) {
			t.Errorf("masked volunteer export lacks %s", masked)
		}
	}
	if vs[0].IDNumber != id("1952-03-15", 11) || vs[0].Phone != "13800001111" {
		t.Error("export changed the caller's records")
	}

	buf.Reset()
	ys := exportYouths()
	if err := ExportYouths(&buf, ys, false); err != nil {
		t.Fatal(err)
	}
	text = zipText(t, buf.Bytes())
	for _, plain := range []string{ys[0].IDNumber, ys[0].GuardianPhone, "李小明", "李大山"} {
		if strings.Contains(text, plain) {
			t.Errorf("masked youth export contains %s", plain)
		}
	}
	for _, masked := range []string{"李**", guangong.MaskIDNumber(ys[0].IDNumber), "139****2222", "低庄镇中心小学"} {
		if !strings.Contains(text, masked) {
			t.Errorf("masked youth export lacks %s", masked)
		}
	}
	if ys[0].Name != "李小明" {
		t.Error("export changed the caller's records")
	}

	// Records the store already masked are written as they are, not masked twice.
	buf.Reset()
	m := exportYouths()[0]
	m.Mask()
	if err := ExportYouths(&buf, []*guangong.Youth{m}, false); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(sheetName(Youths))
	if rows[1][0] != "李**" || rows[1][3] != m.IDNumber {
		t.Errorf("premasked row %v", rows[1])
	}
}

// An export with full values imports back to the same records: same headers, words for
// codes, dates and IDs as text.
func TestExportRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	vs := exportVolunteers()
	if err := ExportVolunteersWithCodes(&buf, vs, true, func(id string) string { return codes[id] }); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := f.GetRows(sheetName(Volunteers))
	if !slices.Equal(head[0][:len(Columns(Volunteers))], Columns(Volunteers)) {
		t.Errorf("export header %v", head[0])
	}
	if head[1][1] != "男" || head[1][5] != "老教师" || head[1][10] != "宣讲、学业辅导" || head[2][14] != "已故" {
		t.Errorf("words for codes: %v / %v", head[1], head[2])
	}
	rows, problems := checkV(t, buf.Bytes(), "export.xlsx")
	if len(problems) != 0 {
		t.Fatalf("problems:\n%s", problemsText(problems))
	}
	if len(rows) != len(vs) {
		t.Fatalf("%d rows", len(rows))
	}
	for i, r := range rows {
		want := *vs[i]
		want.ID, want.OrgName = "", ""
		if !reflect.DeepEqual(r.Record, &want) {
			t.Errorf("row %d:\n got %+v\nwant %+v", r.Line, r.Record, &want)
		}
	}

	buf.Reset()
	ys := exportYouths()
	if err := ExportYouthsWithCodes(&buf, ys, true, func(id string) string { return codes[id] }); err != nil {
		t.Fatal(err)
	}
	yrows, problems := checkY(t, buf.Bytes(), "export.xlsx")
	if len(problems) != 0 || len(yrows) != 1 {
		t.Fatalf("rows %d, problems:\n%s", len(yrows), problemsText(problems))
	}
	want := *ys[0]
	want.ID, want.OrgName = "", ""
	if !reflect.DeepEqual(yrows[0].Record, &want) {
		t.Errorf("youth:\n got %+v\nwant %+v", yrows[0].Record, &want)
	}
}
