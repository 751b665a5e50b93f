package sqlstore

// Backups of a SQLite store, made while it serves, and the checks that tell a whole
// database file from a damaged one. PostgreSQL has its own tools (pg_dump, pg_restore).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"guangong"
)

// ErrCorrupt marks a SQLite file that fails its integrity check, or that SQLite reports
// damaged or not a database at all.
var ErrCorrupt = errors.New("数据库文件已损坏 (the database file is damaged)")

// ErrNotSQLite answers a backup asked of PostgreSQL: its own tools do that.
var ErrNotSQLite = errors.New("sqlstore: backups of PostgreSQL are made with pg_dump, not by guangong")

// corrupt marks err with ErrCorrupt when SQLite says the file is damaged.
func corrupt(err error) error {
	if err != nil && isCorrupt(err) && !errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return err
}

// CheckIntegrity runs PRAGMA quick_check (quick: every page readable and well formed, in
// time linear in the file's size) or the full integrity_check (also every index against
// its table) on SQLite. A damaged file gives an error wrapping ErrCorrupt that lists the
// first problems SQLite found. PostgreSQL checks its own pages: nil.
func (db *DB) CheckIntegrity(ctx context.Context, quick bool) error {
	if db.dialect != dialectSQLite {
		return nil
	}
	pragma := "integrity_check(20)"
	if quick {
		pragma = "quick_check(20)"
	}
	problems, err := collect(ctx, db.reader, `PRAGMA `+pragma, nil, scanString)
	if err != nil {
		return corrupt(fmt.Errorf("sqlstore: %s: %w", pragma, err))
	}
	if len(problems) == 1 && problems[0] == "ok" {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(problems, "; "))
}

// BackupInfo describes a checked backup file.
type BackupInfo struct {
	Path      string
	Size      int64  // bytes
	AuditSeq  int64  // the audit trail's head in the copy: the seq of its last entry
	AuditHash string // and that entry's hash
}

// Backup writes a consistent copy of the SQLite database to path while the store serves:
// VACUUM INTO reads one snapshot (writers carry on meanwhile; the copy has no -wal file to
// lose), into a temporary file beside path. The copy is checked (CheckBackup, with the keys
// the store was opened with) and synced, and only then takes the name path, which it never
// overwrites: path holds a whole, checked copy or nothing.
func (db *DB) Backup(ctx context.Context, path string) (*BackupInfo, error) {
	if db.dialect != dialectSQLite {
		return nil, ErrNotSQLite
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("备份文件 %s 已存在，不会覆盖 (the backup file exists and is not overwritten): %w", path, fs.ErrExist)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".partial-*")
	if err != nil {
		return nil, err
	}
	tmp.Close() // VACUUM INTO writes into an empty file, never over one with content
	defer os.Remove(tmp.Name())
	// A connection of its own: the readers are query_only, which refuses VACUUM INTO, and
	// the writer must stay free for writes.
	src, err := sql.Open("sqlite", sqliteDSN(db.file))
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO $1`, tmp.Name()); err != nil {
		return nil, corrupt(fmt.Errorf("sqlstore: backup: %w", err))
	}
	if err := syncFile(tmp.Name()); err != nil {
		return nil, err
	}
	info, err := CheckBackup(ctx, tmp.Name(), db.opts...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: the copy failed its check: %w", err)
	}
	if err := placeNew(tmp.Name(), path); err != nil {
		return nil, err
	}
	info.Path = path
	return info, nil
}

// placeNew gives the file at tmp the name path, failing if path exists: a hard link does
// that atomically; where the file system has none, a rename after a look.
func placeNew(tmp, path string) error {
	err := os.Link(tmp, path)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("备份文件 %s 已存在，不会覆盖 (the backup file exists and is not overwritten): %w", path, err)
	}
	if err != nil {
		if _, serr := os.Lstat(path); serr == nil {
			return fmt.Errorf("备份文件 %s 已存在，不会覆盖 (the backup file exists and is not overwritten): %w", path, fs.ErrExist)
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	SyncDir(filepath.Dir(path))
	return nil
}

// syncFile flushes the file at path to the disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// SyncDir flushes a directory's entries (a new or renamed file's name) to the disk where
// the system allows it; Windows does not open directories for that, and needs nothing.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// CheckBackup checks the SQLite file at path, a backup, without writing to it: the full
// integrity check, the audit chain (VerifyAudit, with opts' keys), and the audit head it
// reports. A file that fails gives an error saying why.
func CheckBackup(ctx context.Context, path string, opts ...Option) (*BackupInfo, error) {
	fi, err := os.Stat(path) // and SQLite must not make an empty database where none is
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("sqlstore: %s is not a file", path)
	}
	db := &DB{Now: time.Now, dialect: dialectSQLite, file: path, opts: opts}
	for _, o := range opts {
		if err := o(db); err != nil {
			return nil, err
		}
	}
	file, err := SQLiteFile(path)
	if err != nil {
		return nil, err
	}
	conn, err := sql.Open("sqlite", file+"?"+url.Values{"_pragma": {"busy_timeout(10000)", "query_only(1)"}}.Encode())
	if err != nil {
		return nil, err
	}
	db.writer, db.reader = conn, conn
	defer db.Close()
	if err := db.CheckIntegrity(ctx, false); err != nil {
		return nil, err
	}
	info := &BackupInfo{Path: path, Size: fi.Size()}
	if err := conn.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&info.AuditSeq, &info.AuditHash); err != nil {
		return nil, fmt.Errorf("sqlstore: %s is not a guangong database (no audit head): %w", path, err)
	}
	v, err := db.VerifyAudit(ctx, guangong.SystemActor("backup"), nil)
	if err != nil {
		return nil, err
	}
	if !v.OK {
		return nil, fmt.Errorf("审计链在第 %d 条处断裂 (audit chain broken at seq %d): %s", v.BrokenSeq, v.BrokenSeq, v.Reason)
	}
	return info, nil
}

// BackupFile is a backup a schedule made.
type BackupFile struct {
	Path string
	At   time.Time // when it was made (UTC), from its name
	Size int64
}

// backupStamp is the UTC time in a scheduled backup's name: text order is time order.
const backupStamp = "20060102T150405Z"

// ListBackups lists the scheduled backups of the database named stem ("guangong" for
// guangong.db) in dir, newest first: the files named stem-<UTC time>.db. Nothing else in
// the directory is listed (nor ever removed by a schedule).
func ListBackups(dir, stem string) ([]BackupFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []BackupFile
	for _, e := range ents {
		stamp, ok := strings.CutPrefix(e.Name(), stem+"-")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		stamp, ok = strings.CutSuffix(stamp, ".db")
		if !ok {
			continue
		}
		at, err := time.Parse(backupStamp, stamp)
		if err != nil {
			continue
		}
		f := BackupFile{Path: filepath.Join(dir, e.Name()), At: at}
		if fi, err := e.Info(); err == nil {
			f.Size = fi.Size()
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out, nil
}

// BackupStem is the name a SQLite file's scheduled backups start with: its name without
// the extension.
func BackupStem(file string) string {
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// BackupSchedule backs a SQLite store up into Dir every Every, as stem-<UTC time>.db
// (Backup: checked before it takes its name), and keeps the newest Keep of them. A backup
// that fails is logged and tried again within the hour; it never stops the server.
type BackupSchedule struct {
	DB    *DB
	Dir   string
	Every time.Duration
	Keep  int
	Log   *slog.Logger
	Now   func() time.Time // the clock; nil: time.Now

	mu     sync.Mutex
	status BackupStatus
}

// BackupStatus is what a schedule last did.
type BackupStatus struct {
	Last     BackupFile // the newest backup in the directory; zero At: none yet
	Failed   time.Time  // when the latest attempt failed; zero when it succeeded
	Err      error      // and why
	Attempts int        // backups tried since the server started
}

// Status reports the newest backup and whether the latest attempt failed: cheap, for a
// page to show.
func (s *BackupSchedule) Status() BackupStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *BackupSchedule) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Run makes a backup at once when the newest in Dir is older than Every (or there is
// none), then every Every, until ctx ends.
func (s *BackupSchedule) Run(ctx context.Context) {
	next := s.now()
	if files, err := ListBackups(s.Dir, BackupStem(s.DB.file)); err == nil && len(files) > 0 {
		s.mu.Lock()
		s.status.Last = files[0]
		s.mu.Unlock()
		if due := files[0].At.Add(s.Every); due.After(next) {
			next = due
		}
	}
	for {
		timer := time.NewTimer(next.Sub(s.now()))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		if _, err := s.BackupNow(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			next = s.now().Add(min(s.Every, time.Hour))
			continue
		}
		next = s.now().Add(s.Every)
	}
}

// BackupNow makes one backup into Dir, then removes the oldest beyond Keep, and logs both.
func (s *BackupSchedule) BackupNow(ctx context.Context) (*BackupInfo, error) {
	at := s.now()
	stem := BackupStem(s.DB.file)
	path := filepath.Join(s.Dir, stem+"-"+at.Format(backupStamp)+".db")
	info, err := s.DB.Backup(ctx, path)
	s.mu.Lock()
	s.status.Attempts++
	if err != nil {
		s.status.Failed, s.status.Err = at, err
	} else {
		s.status.Failed, s.status.Err = time.Time{}, nil
		s.status.Last = BackupFile{Path: path, At: at.Truncate(time.Second), Size: info.Size}
	}
	s.mu.Unlock()
	if err != nil {
		s.Log.Error("backup failed", "dir", s.Dir, "err", err)
		return nil, err
	}
	s.Log.Info("backup made", "file", path, "size", info.Size, "audit_seq", info.AuditSeq, "audit_hash", info.AuditHash)
	files, err := ListBackups(s.Dir, stem)
	if err != nil {
		s.Log.Warn("backup rotation", "dir", s.Dir, "err", err)
		return info, nil
	}
	for _, f := range files[min(len(files), max(s.Keep, 1)):] {
		if err := os.Remove(f.Path); err != nil {
			s.Log.Warn("backup rotation", "file", f.Path, "err", err)
		} else {
			s.Log.Info("old backup removed", "file", f.Path)
		}
	}
	return info, nil
}
