package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"guangong"
	"guangong/sqlstore"
)

// pgBackupHelp answers backup and restore asked of PostgreSQL: its own tools do it.
const pgBackupHelp = `PostgreSQL 的备份与恢复请用其自带工具 (back PostgreSQL up and restore it with its own tools):
  pg_dump -Fc -f guangong.dump 'postgres://…'
  pg_restore --clean --if-exists -d 'postgres://…' guangong.dump   (or psql -f for a plain-text dump)
then run guangong audit verify and guangong figures check against the restored database`

// holdShared takes the shared lock on a SQLite database for the rest of the command (see
// lock.go): refused only while a restore holds it.
func (e *env) holdShared(dsn string) error {
	if strings.Contains(dsn, "://") {
		return nil
	}
	file, err := sqlstore.SQLiteFile(dsn)
	if err != nil {
		return err
	}
	if _, held := e.locks[file]; held {
		return nil
	}
	l, err := lockFile(lockPath(file), false)
	if errors.Is(err, errLocked) {
		return fmt.Errorf("数据库 %s 正在恢复（guangong restore），请等它完成 (a restore of %s is under way; wait for it to finish)", file, file)
	}
	if err != nil {
		return fmt.Errorf("locking %s: %w", lockPath(file), err)
	}
	if e.locks == nil {
		e.locks = map[string]io.Closer{}
	}
	e.locks[file] = l
	return nil
}

// unlock drops the command's locks, as it ends.
func (e *env) unlock() {
	for file, l := range e.locks {
		l.Close()
		delete(e.locks, file)
	}
}

// damaged turns a damaged-database error into what the operator does next: restore from a
// backup, the newest one named when backups are scheduled.
func (e *env) damaged(dsn string, err error) error {
	if !errors.Is(err, sqlstore.ErrCorrupt) {
		return err
	}
	dir := e.backupDir
	if dir == "" {
		dir = e.getenv("GUANGONG_BACKUP_DIR")
	}
	zh, en := "用备份文件", "a backup"
	if dir != "" {
		file, _ := sqlstore.SQLiteFile(dsn)
		if files, lerr := sqlstore.ListBackups(dir, sqlstore.BackupStem(file)); lerr == nil && len(files) > 0 {
			zh = fmt.Sprintf("用最新的备份 %s（备份目录 %s）", files[0].Path, dir)
			en = fmt.Sprintf("the newest backup, %s (backup directory %s)", files[0].Path, dir)
		} else {
			zh = fmt.Sprintf("用备份文件（备份目录 %s 中没有找到备份）", dir)
			en = fmt.Sprintf("a backup (none found in the backup directory %s)", dir)
		}
	}
	return fmt.Errorf("数据库 %s 未通过完整性检查，不予使用。请停止所有 guangong 进程，%s恢复：guangong restore --db %s --from 备份文件\n"+
		"(the database %s failed its integrity check and is not used: stop every guangong process and restore it from %s with guangong restore --db %s --from FILE)\n%w",
		dsn, zh, dsn, dsn, en, dsn, err)
}

// backupDefaults reads GUANGONG_BACKUP_EVERY (default 24h) and GUANGONG_BACKUP_KEEP (14).
func backupDefaults(getenv func(string) string) (time.Duration, int, error) {
	every, keep := 24*time.Hour, 14
	if s := getenv("GUANGONG_BACKUP_EVERY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, 0, fmt.Errorf("GUANGONG_BACKUP_EVERY: %w", err)
		}
		every = d
	}
	if s := getenv("GUANGONG_BACKUP_KEEP"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, 0, fmt.Errorf("GUANGONG_BACKUP_KEEP: %w", err)
		}
		keep = n
	}
	return every, keep, nil
}

// checkBackupOptions checks serve's scheduled-backup flags and makes the directory.
func (e *env) checkBackupOptions(o *serveOptions, dsn string) error {
	if o.backupDir == "" {
		return nil
	}
	if strings.Contains(dsn, "://") {
		return errors.New("--backup-dir 只用于 SQLite；PostgreSQL 请用 pg_dump 定时备份 (--backup-dir is for SQLite; schedule pg_dump for PostgreSQL)")
	}
	if o.backupEvery < time.Minute {
		return fmt.Errorf("--backup-every %s: at least 1m", o.backupEvery)
	}
	if o.backupKeep < 1 {
		return fmt.Errorf("--backup-keep %d: at least 1", o.backupKeep)
	}
	if err := os.MkdirAll(o.backupDir, 0o700); err != nil {
		return fmt.Errorf("--backup-dir: %w", err)
	}
	e.backupDir = o.backupDir
	return nil
}

// keyOpts loads the data key for a backup or restore and reports where the key is; a
// missing key is an error.
func (e *env) keyOpts(dsn, given string) (opts []sqlstore.Option, where string, err error) {
	keyFile := keyPath(given, dsn)
	key, err := e.loadKey(keyFile)
	if err != nil {
		return nil, "", err
	}
	where = keyFile
	if e.getenv("GUANGONG_DATA_KEY") != "" {
		where = "GUANGONG_DATA_KEY"
	}
	if key == nil {
		// The copy's audit chain is checked with the key, so nothing passes without it:
		// say so, and where the key was looked for, before anything else.
		return nil, keyFile, fmt.Errorf("%s：备份和恢复都用它校验审计链，请把数据库的密钥文件放在该处或用 --data-key-file 指定 "+
			"(backup and restore check the audit trail with it: put the database's key file there or name it with --data-key-file)", noKey(keyFile))
	}
	return []sqlstore.Option{sqlstore.WithDataKey(key)}, where, nil
}

// backup writes a checked copy of a running (or stopped) SQLite database.
func (e *env) backup(ctx context.Context, args []string) error {
	fl, dsn := e.flags("backup", "guangong.db")
	out := fl.String("out", "", "the backup file to write; it must not exist")
	keyFile := e.keyFlag(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if strings.Contains(*dsn, "://") {
		return errors.New(pgBackupHelp)
	}
	if *out == "" {
		return errors.New("backup: --out FILE is required (备份文件)")
	}
	file, err := sqlstore.SQLiteFile(*dsn)
	if err != nil {
		return err
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("没有数据库文件 (no database file): %w", err)
	}
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("备份文件 %s 已存在，不会覆盖 (%s exists and is not overwritten)", *out, *out)
	}
	opts, where, err := e.keyOpts(*dsn, *keyFile)
	if err != nil {
		return err
	}
	if err := e.holdShared(*dsn); err != nil {
		return err
	}
	db, err := sqlstore.Open(*dsn, opts...)
	if err != nil {
		return e.damaged(*dsn, err)
	}
	defer db.Close()
	info, err := db.Backup(ctx, *out)
	if err != nil {
		return e.damaged(*dsn, err)
	}
	fmt.Fprintf(e.stdout, "已备份 %s 到 %s（%d 字节），副本的完整性检查和审计链校验均已通过\n", *dsn, info.Path, info.Size)
	fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes); the copy passed the integrity check and the audit chain check\n", *dsn, info.Path, info.Size)
	fmt.Fprintf(e.stdout, "审计链头 (audit head, for audit verify --head): %d:%s\n", info.AuditSeq, info.AuditHash)
	fmt.Fprintf(e.stdout, "提醒：数据加密密钥（%s）不在备份中，请另行备份并与备份分开保管 (the data key, %s, is not in the backup: back it up separately, kept apart from the backups)\n", where, where)
	return nil
}

// restore puts a backup in place of a SQLite database no process uses: it checks the
// backup, moves the old file and its -wal/-shm aside (never deletes them: a -wal left by a
// killed server would otherwise be replayed onto the copy and damage it), copies the backup
// in, and checks the result.
func (e *env) restore(ctx context.Context, args []string) error {
	fl, dsn := e.flags("restore", "guangong.db")
	from := fl.String("from", "", "the backup file to restore")
	keyFile := e.keyFlag(fl)
	if err := fl.Parse(args); err != nil {
		return err
	}
	if strings.Contains(*dsn, "://") {
		return errors.New(pgBackupHelp)
	}
	if *from == "" {
		return errors.New("restore: --from FILE is required (备份文件)")
	}
	file, err := sqlstore.SQLiteFile(*dsn)
	if err != nil {
		return err
	}
	if same(file, *from) {
		return fmt.Errorf("restore: %s is the database itself", *from)
	}
	opts, _, err := e.keyOpts(*dsn, *keyFile)
	if err != nil {
		return err
	}
	lock, err := lockFile(lockPath(file), true)
	if errors.Is(err, errLocked) {
		return fmt.Errorf("数据库 %s 正被 guangong 进程使用（serve、备份或其他命令），未做任何改动：请先停止它再恢复\n"+
			"(%s is in use by a guangong process — serve, a backup or another command; nothing was changed: stop it, then restore)", file, file)
	}
	if err != nil {
		return fmt.Errorf("locking %s: %w", lockPath(file), err)
	}
	defer lock.Close()

	// The backup first, before anything is touched.
	if fi, err := os.Stat(*from + "-wal"); err == nil && fi.Size() > 0 {
		return fmt.Errorf("备份文件 %s 旁有 -wal 文件，它不是完整的备份，未做任何改动；请用 guangong backup 做的备份\n"+
			"(%s has a -wal file beside it, so it is not a whole backup; nothing was changed: use a backup made by guangong backup)", *from, *from)
	}
	info, err := sqlstore.CheckBackup(ctx, *from, opts...)
	if err != nil {
		return fmt.Errorf("备份文件 %s 未通过检查，未做任何改动 (the backup failed its check; nothing was changed): %w", *from, err)
	}
	fmt.Fprintf(e.stdout, "备份文件 %s 检查通过（完整性、审计链），审计链头 %d:%s\n", *from, info.AuditSeq, info.AuditHash)
	fmt.Fprintf(e.stdout, "the backup %s passed its checks (integrity, audit chain); audit head %d:%s\n", *from, info.AuditSeq, info.AuditHash)

	// Move the old database aside, with every file SQLite keeps beside it.
	aside := file + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
	var moved []string
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		if _, err := os.Lstat(file + suffix); errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		if _, err := os.Lstat(aside + suffix); err == nil {
			return fmt.Errorf("restore: %s exists; try again in a second", aside+suffix)
		}
		if err := os.Rename(file+suffix, aside+suffix); err != nil {
			return fmt.Errorf("restore: moving %s aside (moved so far: %s): %w", file+suffix, strings.Join(moved, ", "), err)
		}
		moved = append(moved, file+suffix+" → "+aside+suffix)
	}
	sqlstore.SyncDir(filepath.Dir(file))
	if len(moved) == 0 {
		fmt.Fprintf(e.stdout, "原数据库不存在，无需移开 (there was no database at %s to move aside)\n", file)
	}
	for _, m := range moved {
		fmt.Fprintf(e.stdout, "已移开（未删除）moved aside, not deleted: %s\n", m)
	}

	// Copy the backup in under a temporary name, then give it the database's name.
	tmp := file + ".restoring"
	if err := copyFile(*from, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: copying the backup: %w (the old files are at %s*)", err, aside)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("restore: %w (the old files are at %s*)", err, aside)
	}
	sqlstore.SyncDir(filepath.Dir(file))
	fmt.Fprintf(e.stdout, "已放入备份 (restored): %s → %s\n", *from, file)

	if err := e.checkRestored(ctx, file, opts); err != nil {
		return fmt.Errorf("恢复后的检查未通过 (the restored database failed a check): %w\n(the database before the restore is at %s*)", err, aside)
	}
	fmt.Fprintln(e.stdout, "恢复完成，可以启动 guangong serve (restore done: start guangong serve)")
	return nil
}

// checkRestored runs on the restored file what an operator would: the integrity check,
// the migrations this build needs, audit verify and figures check.
func (e *env) checkRestored(ctx context.Context, file string, opts []sqlstore.Option) error {
	db, err := sqlstore.Open(file, opts...)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckIntegrity(ctx, false); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "完整性检查通过 (integrity check ok)")
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	res, err := db.VerifyAudit(ctx, guangong.SystemActor("restore"), nil)
	if err != nil {
		return err
	}
	if !res.OK {
		return fmt.Errorf("审计链在第 %d 条处断裂 (audit chain broken at seq %d): %s", res.BrokenSeq, res.BrokenSeq, res.Reason)
	}
	fmt.Fprintf(e.stdout, "审计链完整，共校验 %d 条 (audit chain intact, %d entries checked)\n", res.Checked, res.Checked)
	diffs, err := db.CheckTallies(ctx)
	if err != nil {
		return err
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%d 处汇总数字与记录不符，请运行 guangong figures recount (%d figures differ from the records; run guangong figures recount)", len(diffs), len(diffs))
	}
	fmt.Fprintln(e.stdout, "汇总数字与台账记录一致 (every subtree figure equals a recount from the records)")
	return nil
}

// copyFile copies from to a new file to, synced to the disk.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// same reports whether two paths name one existing file.
func same(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
