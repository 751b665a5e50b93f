package importer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"guangong"
	"guangong/importer"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
	"guangong/xlsx"
)

// idNumber makes a valid resident ID number for a birth date (YYYYMMDD) and sequence.
func idNumber(birth string, seq int) string {
	first := fmt.Sprintf("431224%s%03d", birth, seq)
	return first + string(guangong.IDCheckChar(first))
}

// row is one sheet row by header; headers not given stay empty.
type row map[string]string

func volunteer(name, birth, id string) row {
	return row{"姓名": name, "性别": "男", "出生日期": birth, "身份证号": id, "五老类别": "老教师", "自愿登记日期": "2024-03-01"}
}

func youth(name, birth, id string) row {
	return row{"姓名": name, "性别": "女", "出生日期": birth, "身份证号": id, "监护人姓名": "王奶奶", "与监护人关系": "祖母",
		"监护人电话": "13900002222", "类别": "留守儿童", "同意人": "王奶奶", "同意人关系": "祖母", "同意日期": "2024-03-01", "使用目的": "关爱帮扶结对"}
}

// book writes rows under the template's headers as an xlsx file.
func book(t testing.TB, kind xlsx.Kind, rows []row) []byte {
	t.Helper()
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	cols := xlsx.Columns(kind)
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		t.Fatal(err)
	}
	for n, r := range rows {
		cells := make([]any, len(cols))
		for i, c := range cols {
			cells[i] = r[c]
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", n+2), cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// csvFile writes rows under the template's headers as CSV.
func csvFile(kind xlsx.Kind, rows []row) string {
	cols := xlsx.Columns(kind)
	var b strings.Builder
	b.WriteString(strings.Join(cols, ",") + "\n")
	for _, r := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = r[c]
		}
		b.WriteString(strings.Join(cells, ",") + "\n")
	}
	return b.String()
}

// checked starts an import and waits for its check to finish.
func checked(t *testing.T, r *importer.Runner, db *sqlstore.DB, a *guangong.Actor, kind, name string, data []byte, org string) *guangong.Import {
	t.Helper()
	imp, err := r.Start(context.Background(), a, kind, name, data, org)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if imp.Status != guangong.ImportChecking || imp.ID == "" {
		t.Fatalf("started import %+v", imp)
	}
	r.Wait()
	got, err := db.FindImport(context.Background(), a, imp.ID)
	if err != nil {
		t.Fatalf("find import: %v", err)
	}
	return got
}

func volunteers(t *testing.T, db *sqlstore.DB, a *guangong.Actor) []*guangong.Volunteer {
	t.Helper()
	list, _, err := db.FindVolunteers(context.Background(), a, guangong.PersonFilter{Page: guangong.Page{Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func names(list []*guangong.Volunteer) string {
	var out []string
	for _, p := range list {
		out = append(out, p.Name)
	}
	return strings.Join(out, ",")
}

// hasProblem reports whether the report names row and column with a message containing msg.
func hasProblem(imp *guangong.Import, line int, column, msg string) bool {
	for _, p := range imp.Problems {
		if p.Row == line && p.Column == column && strings.Contains(p.Message.Zh, msg) {
			return true
		}
	}
	return false
}

func TestCheckThenCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		r := &importer.Runner{Store: db}
		a := fx.Actor("townclerk")
		bad := volunteer("钱坏号", "1950-01-02", idNumber("19500102", 4))
		bad["身份证号"] = bad["身份证号"][:17] + "0" // wrong check digit (never 0 for this number)
		if bad["身份证号"] == idNumber("19500102", 4) {
			t.Fatal("test ID number kept its check digit")
		}
		badDate := volunteer("孙日期", "1950-13-40", "")
		elsewhere := volunteer("李越界", "1951-05-06", "")
		elsewhere["所属组织代码"] = fx.OtherTown.Code // out of scope: unknown to townclerk
		inVillage := volunteer("周青松", "1953-07-08", "")
		inVillage["所属组织代码"] = fx.VillageA.Code
		data := book(t, xlsx.Volunteers, []row{
			volunteer("赵一", "1950-01-01", idNumber("19500101", 1)), bad, volunteer("王二", "1952-02-02", ""),
			badDate, elsewhere, inVillage,
		})
		imp := checked(t, r, db, a, "volunteer", "五老.xlsx", data, fx.Town.ID)
		if imp.Status != guangong.ImportChecked || imp.Total != 6 || imp.Done != 6 || imp.Valid != 3 || imp.Invalid != 3 {
			t.Fatalf("report: status %s total %d done %d valid %d invalid %d: %+v", imp.Status, imp.Total, imp.Done, imp.Valid, imp.Invalid, imp.Problems)
		}
		for _, want := range []struct {
			line         int
			column, text string
		}{{3, "身份证号", "校验位"}, {5, "出生日期", ""}, {6, "所属组织代码", ""}} {
			if !hasProblem(imp, want.line, want.column, want.text) {
				t.Errorf("no problem at row %d, column %s (%s): %+v", want.line, want.column, want.text, imp.Problems)
			}
		}
		for _, p := range imp.Problems {
			if p.Row == 6 && p.Value != fx.OtherTown.Code {
				t.Errorf("row 6 problem value %q", p.Value)
			}
			if strings.Contains(p.Message.Zh, "龙潭") {
				t.Errorf("report names an out-of-scope committee: %+v", p)
			}
		}
		if got := volunteers(t, db, a); len(got) != 0 {
			t.Fatalf("checking wrote %d volunteers: %s", len(got), names(got))
		}

		done, err := r.Commit(context.Background(), a, imp.ID)
		if err != nil {
			t.Fatalf("commit: %v", err)
		}
		if done.Status != guangong.ImportDone || done.Imported != 3 {
			t.Fatalf("committed: %+v", done)
		}
		got := volunteers(t, db, a)
		if len(got) != 3 {
			t.Fatalf("%d volunteers after commit: %s", len(got), names(got))
		}
		orgOf := map[string]string{}
		for _, p := range got {
			orgOf[p.Name] = p.OrgID
		}
		if orgOf["赵一"] != fx.Town.ID || orgOf["王二"] != fx.Town.ID || orgOf["周青松"] != fx.VillageA.ID {
			t.Errorf("committees: %v", orgOf)
		}
		stored, err := db.FindImport(context.Background(), a, imp.ID)
		if err != nil || stored.Status != guangong.ImportDone || stored.Imported != 3 {
			t.Errorf("stored import after commit: %+v %v", stored, err)
		}
		// The audit trail: one entry on the import with the rows written and the sha256 of
		// the uploaded file; each record carries the import's id.
		sys := &guangong.Actor{System: true}
		for _, p := range got {
			if p.ImportID != imp.ID {
				t.Errorf("imported %s carries import %q, want %q", p.Name, p.ImportID, imp.ID)
			}
		}
		sum := sha256.Sum256(data)
		objType, action := "import", guangong.ActionCreate
		entries, _, err := db.FindAudit(context.Background(), sys, guangong.AuditFilter{ObjectType: &objType, ObjectID: &imp.ID, Action: &action})
		if err != nil || len(entries) != 2 || entries[0].Detail != "imported 3 volunteer rows; file sha256 "+hex.EncodeToString(sum[:]) {
			t.Errorf("import's create entries (upload, then summary): %+v %v", entries, err)
		}
		if v, err := db.VerifyAudit(context.Background(), sys, nil); err != nil || !v.OK {
			t.Errorf("audit chain after the import: %+v %v", v, err)
		}
		if _, err := r.Commit(context.Background(), a, imp.ID); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Errorf("second commit: %v", err)
		}
		if got := volunteers(t, db, a); len(got) != 3 {
			t.Errorf("second commit wrote more: %d", len(got))
		}
	})
}

func TestDuplicatesOfStoredRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		ctx := context.Background()
		a := fx.Actor("townclerk")
		for _, p := range []*guangong.Volunteer{
			{OrgID: fx.Town.ID, Name: "已有甲", Gender: guangong.Male, BirthDate: "1950-03-03", IDNumber: idNumber("19500303", 7),
				Category: guangong.ElderCadre, Status: "active", ConsentDate: "2024-01-01", Skills: []string{}},
			{OrgID: fx.Town.ID, Name: "已有乙", Gender: guangong.Male, BirthDate: "1951-04-04",
				Category: guangong.ElderCadre, Status: "active", ConsentDate: "2024-01-01", Skills: []string{}},
		} {
			if err := db.CreateVolunteer(ctx, a, p); err != nil {
				t.Fatalf("create %s: %v", p.Name, err)
			}
		}
		r := &importer.Runner{Store: db}
		data := book(t, xlsx.Volunteers, []row{
			volunteer("另一名字", "1950-03-03", idNumber("19500303", 7)), // same ID number
			volunteer("已有乙", "1951-04-04", ""),                       // same name, birth date, committee
			volunteer("新人丙", "1949-09-09", ""),
		})
		imp := checked(t, r, db, a, "volunteer", "dup.xlsx", data, fx.Town.ID)
		if imp.Status != guangong.ImportChecked || imp.Valid != 1 || imp.Invalid != 2 {
			t.Fatalf("report: %+v", imp)
		}
		if !hasProblem(imp, 2, "身份证号", "与已有记录重复（身份证号相同）") {
			t.Errorf("ID duplicate not flagged: %+v", imp.Problems)
		}
		if !hasProblem(imp, 3, "姓名", "与已有记录重复（姓名、出生日期、所属组织相同）") {
			t.Errorf("name duplicate not flagged: %+v", imp.Problems)
		}
		done, err := r.Commit(ctx, a, imp.ID)
		if err != nil || done.Imported != 1 {
			t.Fatalf("commit: %+v %v", done, err)
		}
		if got := names(volunteers(t, db, a)); strings.Count(got, ",") != 2 || !strings.Contains(got, "新人丙") || strings.Contains(got, "另一名字") {
			t.Errorf("volunteers after commit: %s", got)
		}
	})
}

// progressStore records every progress save of a check.
type progressStore struct {
	*sqlstore.DB
	mu    sync.Mutex
	saves []guangong.Import
}

func (s *progressStore) SaveImport(ctx context.Context, a *guangong.Actor, imp *guangong.Import) error {
	s.mu.Lock()
	s.saves = append(s.saves, *imp)
	s.mu.Unlock()
	return s.DB.SaveImport(ctx, a, imp)
}

func TestProgressAndGBK(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		fx.GrantMinorAccess(t, "villageclerk")
		a := fx.Actor("villageclerk")
		var rows []row
		for i := range 2500 {
			rows = append(rows, youth(fmt.Sprintf("留守儿童%04d号", i), "2014-09-01", idNumber("20140901", i%1000)))
		}
		for i := 1000; i < 2500; i++ { // ID numbers stay unique
			rows[i]["身份证号"] = ""
		}
		enc, err := simplifiedchinese.GBK.NewEncoder().String(csvFile(xlsx.Youths, rows))
		if err != nil {
			t.Fatal(err)
		}
		st := &progressStore{DB: db}
		r := &importer.Runner{Store: st}
		imp := checked(t, r, db, a, "youth", "青少年.csv", []byte(enc), fx.VillageA.ID)
		if imp.Status != guangong.ImportChecked || imp.Total != 2500 || imp.Done != 2500 || imp.Valid != 2500 {
			t.Fatalf("report: status %s total %d done %d valid %d: %v %+v", imp.Status, imp.Total, imp.Done, imp.Valid, imp.Error, firstProblems(imp))
		}
		var during []int
		for _, s := range st.saves {
			if s.Status == guangong.ImportChecking {
				during = append(during, s.Done)
			}
		}
		if len(during) < 1 || during[0] < 1000 || during[len(during)-1] >= 2500 {
			t.Errorf("progress saved while checking: %v", during)
		}
		if _, err := r.Commit(context.Background(), a, imp.ID); err != nil {
			t.Fatal(err)
		}
		list, total, err := db.FindYouths(context.Background(), a, guangong.PersonFilter{Query: new("留守儿童0007号")})
		if err != nil || total != 1 || list[0].Name != "留守儿童0007号" || list[0].GuardianName != "王奶奶" || !only(list[0].Categories, "left_behind") {
			t.Fatalf("GBK youth read back: %d %+v %v", total, list, err)
		}
	})
}

func only(list []string, want string) bool {
	return len(list) == 1 && list[0] == want
}

func firstProblems(imp *guangong.Import) []guangong.ImportProblem {
	return imp.Problems[:min(5, len(imp.Problems))]
}

func TestOnlyTheUploaderCommits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		r := &importer.Runner{Store: db}
		imp := checked(t, r, db, fx.Actor("townclerk"), "volunteer", "a.xlsx",
			book(t, xlsx.Volunteers, []row{volunteer("赵一", "1950-01-01", "")}), fx.Town.ID)
		if imp.Valid != 1 {
			t.Fatalf("report: %+v", imp)
		}
		for _, user := range []string{"townadmin", "villageclerk", "otheradmin"} {
			if _, err := r.Commit(context.Background(), fx.Actor(user), imp.ID); err == nil {
				t.Errorf("%s committed townclerk's import", user)
			}
		}
		if _, err := r.Commit(context.Background(), fx.Actor("otheradmin"), imp.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Errorf("out-of-scope commit: %v, want not found", err)
		}
		if got := volunteers(t, db, fx.Actor("townadmin")); len(got) != 0 {
			t.Errorf("written by another account's commit: %s", names(got))
		}
		if imp, _ := db.FindImport(context.Background(), fx.Actor("townclerk"), imp.ID); imp.Status != guangong.ImportChecked {
			t.Errorf("status after refused commits: %s", imp.Status)
		}
	})
}

func TestRefusedUploads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		r := &importer.Runner{Store: db}
		a := fx.Actor("townclerk")
		good := book(t, xlsx.Volunteers, []row{volunteer("赵一", "1950-01-01", "")})
		for _, c := range []struct {
			name, kind, file string
			data             []byte
			field, text      string
		}{
			{"old Excel", "volunteer", "名单.xls", good, "file", ".xlsx"},
			{"text file", "volunteer", "名单.txt", good, "file", ".xlsx 或 .csv"},
			{"empty", "volunteer", "名单.xlsx", nil, "file", "文件为空"},
			{"too large", "volunteer", "名单.csv", make([]byte, importer.MaxFileSize+1), "file", "20 MiB"},
			{"unknown kind", "meeting", "名单.xlsx", good, "kind", "导入类型"},
		} {
			_, err := r.Start(context.Background(), a, c.kind, c.file, c.data, fx.Town.ID)
			if m := guangong.FieldErrors(err)[c.field]; !strings.Contains(m.Zh, c.text) {
				t.Errorf("%s: %v (%+v)", c.name, err, guangong.FieldErrors(err))
			}
		}
		// A file that is no spreadsheet fails with a message fit to show.
		imp := checked(t, r, db, a, "volunteer", "坏.xlsx", []byte("PK\x03\x04 not really a zip"), fx.Town.ID)
		if imp.Status != guangong.ImportFailed || imp.Error == "" || strings.Contains(imp.Error, "zip") {
			t.Errorf("broken file: status %s, error %q", imp.Status, imp.Error)
		}
		if _, err := r.Commit(context.Background(), a, imp.ID); guangong.ErrorCode(err) != guangong.ECONFLICT {
			t.Errorf("commit of a failed import: %v", err)
		}
		// A viewer may not import at all.
		if _, err := r.Start(context.Background(), fx.Actor("villageviewer"), "volunteer", "a.xlsx", good, fx.VillageA.ID); guangong.ErrorCode(err) != guangong.EFORBIDDEN {
			t.Errorf("viewer's upload: %v", err)
		}
	})
}

func TestAbandonedImportFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		a := fx.Actor("townclerk")
		r := &importer.Runner{Store: db}
		imp := checked(t, r, db, a, "volunteer", "a.xlsx", book(t, xlsx.Volunteers, []row{volunteer("赵一", "1950-01-01", "")}), fx.Town.ID)
		// As if the server stopped mid-check: the import stays "checking".
		imp.Status = guangong.ImportChecking
		if err := db.SaveImport(context.Background(), a, imp); err != nil {
			t.Fatal(err)
		}
		if got, err := r.Find(context.Background(), a, imp.ID); err != nil || got.Status != guangong.ImportChecking {
			t.Fatalf("a fresh check is not abandoned: %+v %v", got, err)
		}
		r.Now = func() time.Time { return time.Now().Add(31 * time.Minute) }
		got, err := r.Find(context.Background(), a, imp.ID)
		if err != nil || got.Status != guangong.ImportFailed || !strings.Contains(got.Error, "重新上传") {
			t.Fatalf("abandoned check: %+v %v", got, err)
		}
		if stored, _ := db.FindImport(context.Background(), a, imp.ID); stored.Status != guangong.ImportFailed {
			t.Errorf("stored status %s", stored.Status)
		}
		if _, err := r.Find(context.Background(), fx.Actor("otheradmin"), imp.ID); guangong.ErrorCode(err) != guangong.ENOTFOUND {
			t.Errorf("another town's Find: %v", err)
		}
	})
}

// A commit uses the rows its own check kept, or, on another server (a fresh Runner),
// parses the stored file again; either way a record stored since the check is left out.
func TestCommitWithAndWithoutKeptRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		a := fx.Actor("townclerk")
		for _, fresh := range []bool{false, true} {
			r := &importer.Runner{Store: db}
			suffix := map[bool]string{false: "甲", true: "乙"}[fresh]
			data := book(t, xlsx.Volunteers, []row{
				volunteer("保留"+suffix, "1950-01-01", ""), volunteer("后补"+suffix, "1951-01-01", ""),
			})
			imp := checked(t, r, db, a, "volunteer", "五老.xlsx", data, fx.Town.ID)
			if imp.Valid != 2 {
				t.Fatalf("valid %d", imp.Valid)
			}
			// Someone stores one of the rows by hand before the commit.
			p := &guangong.Volunteer{OrgID: fx.Town.ID, Name: "后补" + suffix, Gender: guangong.Male, BirthDate: "1951-01-01",
				Category: guangong.ElderTeacher, Status: "active", ConsentDate: "2020-01-01"}
			if err := db.CreateVolunteer(context.Background(), a, p); err != nil {
				t.Fatal(err)
			}
			if fresh {
				r = &importer.Runner{Store: db} // another server: nothing kept
			}
			done, err := r.Commit(context.Background(), a, imp.ID)
			if err != nil || done.Imported != 1 {
				t.Fatalf("fresh=%v: commit %+v %v", fresh, done, err)
			}
		}
		if got := volunteers(t, db, a); len(got) != 4 {
			t.Fatalf("%d volunteers, want 4: %s", len(got), names(got))
		}
	})
}

// countingStore counts the duplicate lookups a Runner makes.
type countingStore struct {
	*sqlstore.DB
	lookups int
}

func (s *countingStore) MatchExisting(ctx context.Context, a *guangong.Actor, kind string, keys []guangong.PersonKey) ([]guangong.Match, error) {
	s.lookups++
	return s.DB.MatchExisting(ctx, a, kind, keys)
}

// A commit looks for duplicates again only if records of its kind (or another import) were
// written since its check: the audit trail tells. Another account's import of the same
// person in between is caught.
func TestCommitRematchesOnlyAfterWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		a, other := fx.Actor("townclerk"), fx.Actor("townadmin")
		s := &countingStore{DB: db}
		r := &importer.Runner{Store: s}
		quiet := checked(t, r, db, a, "volunteer", "五老.xlsx", book(t, xlsx.Volunteers, []row{volunteer("静默", "1950-01-01", "")}), fx.Town.ID)
		s.lookups = 0
		if done, err := r.Commit(context.Background(), a, quiet.ID); err != nil || done.Imported != 1 {
			t.Fatalf("commit %+v %v", done, err)
		}
		if s.lookups != 0 {
			t.Fatalf("%d duplicate lookups at a commit with no writes since its check", s.lookups)
		}

		mine := checked(t, r, db, a, "volunteer", "五老.xlsx", book(t, xlsx.Volunteers, []row{
			volunteer("甲先", "1950-02-02", ""), volunteer("乙后", "1951-03-03", "")}), fx.Town.ID)
		theirs := checked(t, r, db, other, "volunteer", "镇里的.xlsx", book(t, xlsx.Volunteers, []row{volunteer("乙后", "1951-03-03", "")}), fx.Town.ID)
		if done, err := r.Commit(context.Background(), other, theirs.ID); err != nil || done.Imported != 1 {
			t.Fatalf("their commit %+v %v", done, err)
		}
		s.lookups = 0
		done, err := r.Commit(context.Background(), a, mine.ID)
		if err != nil || done.Imported != 1 || s.lookups == 0 {
			t.Fatalf("commit after another import: %+v %v, %d lookups", done, err, s.lookups)
		}
	})
}

// A sheet longer than one emitted batch is looked up in the database while it is read:
// duplicates of stored records in every part of it are reported, by ID number and by name.
func TestDuplicatesFoundWhileReading(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		a := fx.Actor("townclerk")
		n := 2*xlsx.EmitEvery + 500
		rows := make([]row, n)
		for i := range rows {
			rows[i] = volunteer(fmt.Sprintf("长表%05d", i), "1950-01-01", "")
		}
		rows[n-1]["身份证号"] = idNumber("19500101", 7)
		// Stored before the upload: rows 10 and EmitEvery+10 by name, the last by ID number.
		for _, p := range []*guangong.Volunteer{
			{Name: "长表00010", BirthDate: "1950-01-01"}, {Name: fmt.Sprintf("长表%05d", xlsx.EmitEvery+10), BirthDate: "1950-01-01"},
			{Name: "别名", BirthDate: "1950-01-01", IDNumber: idNumber("19500101", 7)},
		} {
			p.OrgID, p.Gender, p.Category, p.Status, p.ConsentDate = fx.Town.ID, guangong.Male, guangong.ElderTeacher, "active", "2020-01-01"
			if err := db.CreateVolunteer(context.Background(), a, p); err != nil {
				t.Fatal(err)
			}
		}
		imp := checked(t, &importer.Runner{Store: db}, db, a, "volunteer", "长表.xlsx", book(t, xlsx.Volunteers, rows), fx.Town.ID)
		var got []int
		for _, p := range imp.Problems {
			got = append(got, p.Row)
		}
		want := []int{12, xlsx.EmitEvery + 12, n + 1} // sheet rows: the header is row 1
		if imp.Valid != n-3 || !slices.Equal(got, want) {
			t.Fatalf("valid %d of %d, problems on rows %v, want %v: %+v", imp.Valid, n, got, want, imp.Problems)
		}
	})
}

// Writes in another town cannot touch this town's records: they do not make a commit
// look for duplicates again.
func TestCommitIgnoresWritesElsewhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		fx := storetest.NewFixture(t, db)
		a := fx.Actor("townclerk")
		s := &countingStore{DB: db}
		r := &importer.Runner{Store: s}
		imp := checked(t, r, db, a, "volunteer", "五老.xlsx", book(t, xlsx.Volunteers, []row{volunteer("本镇人", "1950-01-01", "")}), fx.Town.ID)
		far := &guangong.Volunteer{OrgID: fx.OtherTown.ID, Name: "本镇人", Gender: guangong.Male, BirthDate: "1950-01-01",
			Category: guangong.ElderTeacher, Status: "active", ConsentDate: "2020-01-01"}
		if err := db.CreateVolunteer(context.Background(), fx.Actor("otheradmin"), far); err != nil {
			t.Fatal(err)
		}
		s.lookups = 0
		if done, err := r.Commit(context.Background(), a, imp.ID); err != nil || done.Imported != 1 || s.lookups != 0 {
			t.Fatalf("commit after a write in another town: %+v %v, %d lookups", done, err, s.lookups)
		}
	})
}
