package sqlstore_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

func TestImportVolunteers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		tc := f.Actor("townclerk")
		rows := func(n int) []*guangong.Volunteer {
			var out []*guangong.Volunteer
			for i := range n {
				org := f.VillageA
				if i%2 == 1 {
					org = f.VillageB
				}
				out = append(out, newVolunteer(org, fmt.Sprintf("导入%03d", i), "1950-01-01"))
			}
			return out
		}
		audits := auditCount(t, db, "")
		// One bad row (a wrong check digit) and one outside-scope committee: nothing written.
		bad := rows(20)
		bad[11].IDNumber = fixBad(bad[11].IDNumber)
		bad[14].Phone = "12"
		err := db.ImportVolunteers(ctx, tc, bad)
		wantCode(t, err, guangong.EINVALID)
		wantField(t, err, "rows[11].idNumber", "校验位")
		wantField(t, err, "rows[14].phone", "")
		if len(guangong.FieldErrors(err)) != 2 {
			t.Fatalf("fields %v", guangong.FieldErrors(err))
		}
		if volunteerCount(t, db) != 0 || auditCount(t, db, "") != audits || bad[0].ID != "" {
			t.Fatal("a refused import wrote something")
		}
		// A committee outside scope: refused, audited as a denial, nothing written.
		vcRows := rows(3)
		err = db.ImportVolunteers(ctx, f.Actor("villageclerk"), vcRows)
		wantField(t, err, "rows[1].orgId", "不存在")
		if volunteerCount(t, db) != 0 || auditCount(t, db, guangong.ActionDenied) != 1 {
			t.Fatal("out-of-scope import wrote or was not audited")
		}
		wantCode(t, db.ImportVolunteers(ctx, f.Actor("villageviewer"), rows(1)), guangong.EFORBIDDEN)
		// Good rows: all written with their grams and one audit entry each, chained.
		good := rows(1200) // more than one chunk of audit entries
		if err := db.ImportVolunteers(ctx, tc, good); err != nil {
			t.Fatal(err)
		}
		if volunteerCount(t, db) != 1200 || good[1199].ID == "" || good[1].OrgName != "白沙村" {
			t.Fatalf("imported %d", volunteerCount(t, db))
		}
		var creates int
		db.RawQueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND object_type = 'volunteer' AND detail = 'import'`).Scan(&creates)
		if creates != 1200 {
			t.Fatalf("%d import audit entries", creates)
		}
		verifyOK(t, db)
		// Written entries continue the chain for ordinary writes.
		mustVolunteer(t, db, tc, newVolunteer(f.VillageA, "单个", "1950-01-01"))
		verifyOK(t, db)
		list, total, err := db.FindVolunteers(ctx, tc, guangong.PersonFilter{Query: ptr("导入12")})
		if err != nil || total != 10 || list[0].Name != "导入120" || list[0].Phone != "13812345678" {
			t.Fatalf("search imported: %d %v", total, err)
		}
		got, err := db.FindVolunteerByID(ctx, tc, good[7].ID)
		if err != nil || got.IDNumber != good[7].IDNumber {
			t.Fatalf("read imported %+v %v", got, err)
		}
		// An imported record's entry names the import and holds no field values: the record's
		// own row holds them, and later edits are audited as changes.
		entries, _, err := db.FindAudit(ctx, sys, guangong.AuditFilter{ObjectID: &good[7].ID})
		if err != nil || len(entries) != 1 {
			t.Fatalf("audit of an imported volunteer: %d %v", len(entries), err)
		}
		if e := entries[0]; e.Action != guangong.ActionCreate || e.OrgID != good[7].OrgID || len(e.Changes) != 0 {
			t.Fatalf("imported volunteer's entry %+v", e)
		}
		// Its first edit is audited as a diff from the imported values.
		got.Phone = "13900001111"
		if err := db.UpdateVolunteer(ctx, tc, got); err != nil {
			t.Fatal(err)
		}
		entries, _, _ = db.FindAudit(ctx, sys, guangong.AuditFilter{ObjectID: &good[7].ID})
		if len(entries) != 2 || len(entries[0].Changes) != 1 || entries[0].Changes[0].Field != "phone" ||
			entries[0].Changes[0].Before != guangong.MaskPhone(good[7].Phone) {
			t.Fatalf("edit after import audited as %+v", entries[0])
		}
	})
}

// An import job's rows: one entry per record naming the job, and one summary entry on the
// job with the number of rows and the file's sha256, all in the write's transaction.
func TestImportVolunteersFor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		tc := f.Actor("townclerk")
		sum := strings.Repeat("ab", 32)
		job := &guangong.Import{OrgID: f.VillageA.ID, Kind: "volunteer", Filename: "五老.xlsx"}
		if err := db.CreateImport(ctx, tc, job, []byte("PK\x03\x04 sheet")); err != nil {
			t.Fatal(err)
		}
		rows := []*guangong.Volunteer{newVolunteer(f.VillageA, "赵明", "1952-02-02"), newVolunteer(f.VillageB, "钱亮", "1953-03-03")}
		audits := auditCount(t, db, "")
		// Only while the job is being committed, and only by its own account.
		wantCode(t, db.ImportVolunteersFor(ctx, tc, job.ID, sum, rows), guangong.ECONFLICT)
		job.Status = guangong.ImportImporting
		if err := db.SaveImport(ctx, tc, job); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.ImportYouthsFor(ctx, withMinors(tc), job.ID, sum, []*guangong.Youth{newYouth(f.VillageA, "孙小", "2014-02-02")}), guangong.ECONFLICT)
		// Without 未成年人信息 access no youth is imported at all.
		wantCode(t, db.ImportYouthsFor(ctx, tc, job.ID, sum, []*guangong.Youth{newYouth(f.VillageA, "孙小", "2014-02-02")}), guangong.EFORBIDDEN)
		wantCode(t, db.ImportVolunteersFor(ctx, f.Actor("townadmin"), job.ID, sum, rows), guangong.ENOTFOUND)
		if volunteerCount(t, db) != 0 {
			t.Fatal("a refused job wrote")
		}
		audits = auditCount(t, db, "")
		if err := db.ImportVolunteersFor(ctx, tc, job.ID, sum, rows); err != nil {
			t.Fatal(err)
		}
		// One entry for the job's write; each record carries the job's id.
		if n := auditCount(t, db, ""); n != audits+1 {
			t.Fatalf("%d entries for an import of 2 rows, want 1", n-audits)
		}
		for _, p := range rows {
			got, err := db.FindVolunteerByID(ctx, tc, p.ID)
			if err != nil || got.ImportID != job.ID || p.ImportID != job.ID {
				t.Fatalf("record %+v %v: import id %q, want %q", got, err, got.ImportID, job.ID)
			}
		}
		e := lastAudit(t, db)
		if e.ObjectType != "import" || e.ObjectID != job.ID || e.Action != guangong.ActionCreate || e.OrgID != f.VillageA.ID ||
			!strings.Contains(e.Detail, "imported 2 volunteer rows") || !strings.Contains(e.Detail, "sha256 "+sum) {
			t.Fatalf("summary entry %+v", e)
		}
		verifyOK(t, db)
	})
}

func TestImportYouthsAndMatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		tc := f.Actor("townclerk")
		var ys []*guangong.Youth
		for i := range 30 {
			ys = append(ys, newYouth(f.VillageA, fmt.Sprintf("少年%02d", i), "2014-02-02"))
		}
		ys[3].Categories = []string{"orphan"}
		ys[17].Categories = []string{"orphan", "disability"}
		ids := []string{ys[0].IDNumber, ys[5].IDNumber}
		wantCode(t, db.ImportYouths(ctx, tc, ys), guangong.EFORBIDDEN) // tc has no 未成年人信息 access
		if err := db.ImportYouths(ctx, withMinors(tc), ys); err != nil {
			t.Fatal(err)
		}
		if ys[0].Masked || ys[0].IDNumber != ids[0] {
			t.Fatalf("imported rows returned masked to the actor with access: %+v", ys[0])
		}
		_, total, _ := db.FindYouths(ctx, tc, guangong.PersonFilter{Category: ptr("orphan")})
		if total != 2 {
			t.Fatalf("orphans %d", total)
		}
		left, total, _ := db.FindYouths(ctx, tc, guangong.PersonFilter{Category: ptr("disability")})
		if total != 1 || left[0].ID != ys[17].ID {
			t.Fatalf("disability %d", total)
		}
		verifyOK(t, db)
		// Match: by ID number (blind index) and by name + birth + committee, in scope only.
		keys := []guangong.PersonKey{
			{Row: 2, IDNumber: ids[0], Name: "别名", BirthDate: "2014-02-02", OrgID: f.VillageA.ID},
			{Row: 3, Name: "少年05", BirthDate: "2014-02-02", OrgID: f.VillageA.ID},
			{Row: 4, Name: "少年05", BirthDate: "2014-02-03", OrgID: f.VillageA.ID},
			{Row: 5, IDNumber: ids[1], Name: "少年05", BirthDate: "2014-02-02", OrgID: f.VillageA.ID},
			{Row: 6, Name: "新人", BirthDate: "2014-02-02", OrgID: f.VillageA.ID},
		}
		m, err := db.MatchExisting(ctx, tc, "youth", keys)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(m); got != fmt.Sprint([]guangong.Match{{Row: 2, ExistingID: ys[0].ID, Reason: "id_number"}, {Row: 3, ExistingID: ys[5].ID, Reason: "name_birth_org"}, {Row: 5, ExistingID: ys[5].ID, Reason: "id_number"}}) {
			t.Fatalf("matches %v", got)
		}
		m, err = db.MatchExisting(ctx, f.Actor("otheradmin"), "youth", keys)
		if err != nil || len(m) != 0 {
			t.Fatalf("out of scope matches %v %v", m, err)
		}
		m, _ = db.MatchExisting(ctx, tc, "volunteer", keys)
		if len(m) != 0 {
			t.Fatalf("volunteer matches for youth keys %v", m)
		}
		_, err = db.MatchExisting(ctx, tc, "pets", keys)
		wantField(t, err, "kind", "")
	})
}

func TestImportJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		tc := f.Actor("townclerk")
		file := []byte("PK\x03\x04 some xlsx bytes \x00\xff")
		imp := &guangong.Import{OrgID: f.VillageA.ID, Kind: "volunteer", Filename: "五老名单.xlsx"}
		if err := db.CreateImport(ctx, tc, imp, file); err != nil {
			t.Fatal(err)
		}
		if imp.ID == "" || imp.UserID != tc.UserID || imp.Status != guangong.ImportChecking {
			t.Fatalf("created %+v", imp)
		}
		wantField(t, db.CreateImport(ctx, tc, &guangong.Import{OrgID: f.VillageA.ID, Kind: "cars", Filename: "a"}, file), "kind", "")
		wantField(t, db.CreateImport(ctx, withMinors(tc), &guangong.Import{OrgID: f.OtherTown.ID, Kind: "youth", Filename: "a"}, file), "orgId", "")
		wantCode(t, db.CreateImport(ctx, tc, &guangong.Import{OrgID: f.VillageA.ID, Kind: "youth", Filename: "a"}, file), guangong.EFORBIDDEN)
		got, err := db.ImportFile(ctx, tc, imp.ID)
		if err != nil || !bytes.Equal(got, file) {
			t.Fatalf("file %q %v", got, err)
		}
		imp.Status, imp.Total, imp.Done, imp.Valid, imp.Invalid = guangong.ImportChecked, 3, 3, 2, 1
		imp.Problems = []guangong.ImportProblem{{Row: 3, Column: "身份证号", Value: "123", Message: guangong.Msg{Zh: "身份证号应为18位", En: "18"}}}
		if err := db.SaveImport(ctx, tc, imp); err != nil {
			t.Fatal(err)
		}
		back, err := db.FindImport(ctx, tc, imp.ID)
		if err != nil || back.Status != "checked" || back.Valid != 2 || len(back.Problems) != 1 ||
			back.Problems[0].Column != "身份证号" || back.Problems[0].Message.Zh != "身份证号应为18位" || back.Filename != "五老名单.xlsx" {
			t.Fatalf("read back %+v %v", back, err)
		}
		e := lastAudit(t, db)
		if e.ObjectType != "import" || e.Changes[0].After != "checked" {
			t.Fatalf("status change audit %+v", e)
		}
		imp.Status = "bogus"
		wantField(t, db.SaveImport(ctx, tc, imp), "status", "")
		// Another account, even an administrator of the same committee, does not see the job.
		for _, name := range []string{"townadmin", "villageclerk", "otheradmin"} {
			_, err := db.FindImport(ctx, f.Actor(name), imp.ID)
			wantCode(t, err, guangong.ENOTFOUND)
			_, err = db.ImportFile(ctx, f.Actor(name), imp.ID)
			wantCode(t, err, guangong.ENOTFOUND)
		}
		_, err = db.FindImport(ctx, tc, guangong.NewID())
		wantCode(t, err, guangong.ENOTFOUND)

		// The stored sheet is sealed, and blanked once the job ends.
		plainID := "43122419491231123X"
		sheet := []byte("姓名,身份证号\n张三," + plainID + "\n")
		job := &guangong.Import{OrgID: f.VillageA.ID, Kind: "volunteer", Filename: "a.csv"}
		if err := db.CreateImport(ctx, tc, job, sheet); err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := db.RawQueryRow(ctx, `SELECT file FROM import_files WHERE import_id = $1`, job.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == "" || strings.Contains(stored, plainID) || strings.Contains(stored, base64.StdEncoding.EncodeToString(sheet)) {
			t.Fatalf("the uploaded sheet is stored in the clear: %.80s", stored)
		}
		job.Status = guangong.ImportDone
		if err := db.SaveImport(ctx, tc, job); err != nil {
			t.Fatal(err)
		}
		if err := db.RawQueryRow(ctx, `SELECT file FROM import_files WHERE import_id = $1`, job.ID).Scan(&stored); err != nil || stored != "" {
			t.Fatalf("the sheet was kept after the job ended: %q %v", stored, err)
		}
		_, err = db.ImportFile(ctx, tc, job.ID)
		wantCode(t, err, guangong.ECONFLICT)
	})
}

// Import of 100,000 volunteers in one transaction, timed:
//
//	GUANGONG_TEST_LARGE=1 go test ./sqlstore/ -run ImportLarge -v
func TestImportLarge(t *testing.T) {
	if os.Getenv("GUANGONG_TEST_LARGE") == "" {
		t.Skip("set GUANGONG_TEST_LARGE=1 to time a 100,000-row import")
	}
	n := 100_000
	if s := os.Getenv("GUANGONG_IMPORT_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := storetest.NewFixture(t, db)
		rows := make([]*guangong.Volunteer, n)
		for i := range rows {
			rows[i] = newVolunteer(f.VillageA, benchName(i), "1950-01-01")
			rows[i].FormerUnit, rows[i].FormerPost, rows[i].Health = "低庄镇中学", "教师", "良好"
		}
		start := time.Now()
		if err := db.ImportVolunteers(ctx, f.Actor("townclerk"), rows); err != nil {
			t.Fatal(err)
		}
		status, _ := os.ReadFile("/proc/self/status")
		for _, l := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(l, "VmHWM") {
				t.Logf("peak resident memory of the test process: %s", strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")))
			}
		}
		t.Logf("imported %d volunteers in %v", n, time.Since(start))
		if volunteerCount(t, db) != n {
			t.Fatalf("%d", volunteerCount(t, db))
		}
	})
}

// Without a data key an import names the rows holding a value it cannot seal, and writes none.
func TestImportWithoutDataKey(t *testing.T) {
	dsn := storetest.DSN(t, "sqlite")
	f := storetest.NewFixture(t, openKeyed(t, dsn, sqlstore.WithDataKey(storetest.DataKey)))
	db := openKeyed(t, dsn)
	tc := f.Actor("townclerk")
	plain := newVolunteer(f.VillageA, "王秀兰", "1951-01-01")
	plain.IDNumber, plain.Phone = "", ""
	err := db.ImportVolunteers(ctx, tc, []*guangong.Volunteer{plain, newVolunteer(f.VillageA, "赵明", "1952-02-02")})
	wantField(t, err, "rows[1].phone", "未配置数据加密密钥")
	// Rows without sealed values are not written either: their audit entries need the key.
	if err := db.ImportVolunteers(ctx, tc, []*guangong.Volunteer{plain}); err == nil || !strings.Contains(err.Error(), "no data key") {
		t.Fatalf("a row without sealed values, without the key: %v", err)
	}
	if n := volunteerCount(t, db); n != 0 {
		t.Fatalf("%d saved", n)
	}
}
