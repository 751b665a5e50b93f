package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"guangong"
	"guangong/sqlstore"
	"guangong/sqlstore/storetest"
)

// A backup taken while writes go on is one consistent snapshot: whole (integrity_check),
// its audit chain intact up to the head it reports, its figures equal to a recount. It
// never overwrites a file, and leaves no partial file behind. PostgreSQL is pg_dump's.
func TestBackupWhileWriting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		dir := t.TempDir()
		if db.Dialect() == "postgres" {
			if _, err := db.Backup(ctx, filepath.Join(dir, "b.db")); !errors.Is(err, sqlstore.ErrNotSQLite) {
				t.Fatalf("a PostgreSQL backup: %v, want ErrNotSQLite", err)
			}
			if err := db.CheckIntegrity(ctx, true); err != nil {
				t.Fatal(err)
			}
			return
		}
		f := storetest.NewFixture(t, db)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var writes atomic.Int64
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				o := &guangong.Org{Name: fmt.Sprintf("村%d", i), Level: guangong.LevelVillage, Code: fmt.Sprintf("W%05d", i), ParentID: f.Town.ID}
				if err := db.CreateOrg(ctx, sys, o); err != nil {
					t.Error(err)
					return
				}
				writes.Add(1)
			}
		}()
		for writes.Load() < 20 {
			time.Sleep(5 * time.Millisecond)
		}
		path := filepath.Join(dir, "b.db")
		info, err := db.Backup(ctx, path)
		n := writes.Load()
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if n >= writes.Load() {
			t.Logf("the writer made no write after the backup (%d writes)", n)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Size() != info.Size || info.AuditSeq < 20 || len(info.AuditHash) != 64 {
			t.Fatalf("backup info %+v, file %v %v", info, fi, err)
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 {
			t.Fatalf("the backup directory holds %d entries, want only the backup", len(ents))
		}
		again, err := sqlstore.CheckBackup(ctx, path, sqlstore.WithDataKey(storetest.DataKey))
		if err != nil || again.AuditSeq != info.AuditSeq || again.AuditHash != info.AuditHash {
			t.Fatalf("CheckBackup: %+v %v, want the head %d %s", again, err, info.AuditSeq, info.AuditHash)
		}
		if _, err := db.Backup(ctx, path); !errors.Is(err, fs.ErrExist) {
			t.Fatalf("a backup over an existing file: %v", err)
		}
		if after, _ := os.Stat(path); after.Size() != fi.Size() || !after.ModTime().Equal(fi.ModTime()) {
			t.Fatal("the existing backup was changed")
		}
		cp, err := sqlstore.Open(path, sqlstore.WithDataKey(storetest.DataKey))
		if err != nil {
			t.Fatal(err)
		}
		defer cp.Close()
		verifyOK(t, cp)
		if diffs, err := cp.CheckTallies(ctx); err != nil || len(diffs) != 0 {
			t.Fatalf("the copy's figures: %v %v", diffs, err)
		}
		var orgs int
		if err := cp.RawQueryRow(ctx, `SELECT COUNT(*) FROM orgs WHERE code LIKE 'W%'`).Scan(&orgs); err != nil || orgs < 20 {
			t.Fatalf("the copy holds %d of the written committees (%v)", orgs, err)
		}

	})
}

// corruptRootPage overwrites the root page of table in the SQLite file at path with junk.
func corruptRootPage(t *testing.T, path, table string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var root, size int64
	err = raw.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = $1`, table).Scan(&root)
	if err == nil {
		err = raw.QueryRow(`PRAGMA page_size`).Scan(&size)
	}
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xa5}, int(size)), (root-1)*size); err != nil {
		t.Fatal(err)
	}
}

// A damaged page is found by the quick check at start-up and by a backup's check; an
// edited audit entry fails a backup's check too.
func TestCheckIntegrityFindsDamage(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	storetest.NewFixture(t, db)
	if err := db.CheckIntegrity(ctx, true); err != nil {
		t.Fatalf("a whole database: %v", err)
	}
	dir := t.TempDir()
	damaged := filepath.Join(dir, "damaged.db")
	if _, err := db.Backup(ctx, damaged); err != nil {
		t.Fatal(err)
	}
	corruptRootPage(t, damaged, "orgs")
	if _, err := sqlstore.CheckBackup(ctx, damaged); !errors.Is(err, sqlstore.ErrCorrupt) {
		t.Fatalf("CheckBackup of a damaged file: %v", err)
	}
	cp, err := sqlstore.Open(damaged)
	if err == nil {
		err = cp.CheckIntegrity(ctx, true)
		cp.Close()
	}
	if !errors.Is(err, sqlstore.ErrCorrupt) {
		t.Fatalf("quick check of a damaged file: %v", err)
	}

	edited := filepath.Join(dir, "edited.db")
	if _, err := db.Backup(ctx, edited); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", edited)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_log SET username = 'mallory' WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := sqlstore.CheckBackup(ctx, edited, sqlstore.WithDataKey(storetest.DataKey)); err == nil || !strings.Contains(err.Error(), "seq 2") {
		t.Fatalf("CheckBackup of an edited trail: %v", err)
	}
	if _, err := sqlstore.CheckBackup(ctx, filepath.Join(dir, "none.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("CheckBackup of no file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Fatal("CheckBackup made a file")
	}
}

// A schedule keeps the newest Keep backups, named by UTC time, and touches no other file.
func TestBackupScheduleKeepsNewest(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	storetest.NewFixture(t, db)
	dir := t.TempDir()
	others := []string{"notes.txt", "other-20200101T000000Z.db", "test-old.db"}
	for _, name := range others {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	clock := time.Date(2026, 3, 1, 2, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var log bytes.Buffer
	s := &sqlstore.BackupSchedule{DB: db, Dir: dir, Every: 24 * time.Hour, Keep: 3,
		Log: slog.New(slog.NewTextHandler(&log, nil)), Now: func() time.Time { return clock }}
	for i := 0; i < 5; i++ {
		if _, err := s.BackupNow(ctx); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(24 * time.Hour)
	}
	files, err := sqlstore.ListBackups(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f.Path))
	}
	want := []string{"test-20260304T180000Z.db", "test-20260303T180000Z.db", "test-20260302T180000Z.db"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("kept %v, want %v", names, want)
	}
	for _, name := range others {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the schedule removed %s", name)
		}
	}
	st := s.Status()
	if filepath.Base(st.Last.Path) != want[0] || !st.Last.At.Equal(time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC)) || st.Err != nil || st.Attempts != 5 {
		t.Fatalf("status %+v", st)
	}
	if strings.Count(log.String(), "old backup removed") != 2 {
		t.Fatalf("log:\n%s", log.String())
	}
}

// Run backs up at once when there is no recent backup; a failing backup is logged and
// tried again, and never ends the schedule.
func TestBackupScheduleRun(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	dir := t.TempDir()
	var log syncLog
	s := &sqlstore.BackupSchedule{DB: db, Dir: dir, Every: time.Hour, Keep: 2, Log: slog.New(slog.NewTextHandler(&log, nil))}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	waitFor(t, func() bool { return s.Status().Attempts == 1 })
	if files, _ := sqlstore.ListBackups(dir, "test"); len(files) != 1 || s.Status().Last.Path != files[0].Path {
		t.Fatalf("no backup at start: %v %+v", files, s.Status())
	}
	cancel()
	<-done

	// A restart within Every makes none; the status names the one found.
	s2 := &sqlstore.BackupSchedule{DB: db, Dir: dir, Every: time.Hour, Keep: 2, Log: s.Log}
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan struct{})
	go func() { s2.Run(ctx2); close(done2) }()
	waitFor(t, func() bool { return s2.Status().Last.Path != "" })
	time.Sleep(50 * time.Millisecond)
	cancel2()
	<-done2
	if st := s2.Status(); st.Attempts != 0 {
		t.Fatalf("a restart backed up again within the hour: %+v", st)
	}

	// The directory is a file: every attempt fails, is logged, and the schedule goes on.
	notDir := filepath.Join(dir, "not-a-dir")
	os.WriteFile(notDir, nil, 0o600)
	s3 := &sqlstore.BackupSchedule{DB: db, Dir: notDir, Every: 20 * time.Millisecond, Keep: 2, Log: slog.New(slog.NewTextHandler(&log, nil))}
	ctx3, cancel3 := context.WithCancel(context.Background())
	done3 := make(chan struct{})
	go func() { s3.Run(ctx3); close(done3) }()
	waitFor(t, func() bool { return s3.Status().Attempts >= 3 })
	cancel3()
	<-done3
	if st := s3.Status(); st.Err == nil || st.Failed.IsZero() || strings.Count(log.String(), "backup failed") < 3 {
		t.Fatalf("failures not reported: %+v\n%s", st, log.String())
	}
}

type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}
