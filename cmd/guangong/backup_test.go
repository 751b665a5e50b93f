package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"guangong"
)

// TestServerProcess is no test of its own (like os/exec's TestHelperProcess):
// startProcess runs the test binary with it to run a command in a process of its own, one
// a test can kill -9. Otherwise it does nothing.
func TestServerProcess(t *testing.T) {
	raw := os.Getenv("GUANGONG_TEST_PROCESS_ARGS")
	if raw == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, append([]string{"guangong"}, args...), noEnv, strings.NewReader(""), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "guangong:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// startProcess runs `guangong <args>` (a server) in a child process and returns its base
// URL and the process, killed at the end of the test if still running.
func startProcess(t *testing.T, args ...string) (string, *exec.Cmd) {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GUANGONG_TEST_PROCESS_ARGS="+string(raw))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.Write([]byte(sc.Text() + "\n"))
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	re := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.After(90 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the server process ended:\n%s", out.String())
			}
			if m := re.FindStringSubmatch(line); m != nil {
				waitHealthy(t, m[1])
				return m[1], cmd
			}
		case <-time.After(50 * time.Millisecond):
			if m := re.FindStringSubmatch(out.String()); m != nil {
				waitHealthy(t, m[1])
				return m[1], cmd
			}
		case <-deadline:
			t.Fatalf("the server process did not start:\n%s", out.String())
		}
	}
}

// integrity runs PRAGMA integrity_check on the SQLite file at path as the sqlite3 program
// would (replaying a -wal beside it) and returns its lines.
func integrity(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`PRAGMA integrity_check`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		lines = append(lines, err.Error())
	}
	return strings.Join(lines, "\n")
}

func copyTo(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue 13: a server is killed (kill -9) in the middle of writes, leaving its -wal and
// -shm. A backup taken while it wrote, put back by guangong restore, gives a whole
// database that passes audit verify and figures check and serves again; restore moved the
// killed server's -wal/-shm aside, which the README's old way (copy the backup over the
// file) left to be replayed onto the copy.
func TestRestoreAfterKilledWriter(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "g.db")
	base, proc := startProcess(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	if o, err := runCmd(t, "Str0ng-Pass!\n", "user", "add", "--db", dsn, "--username", "clerk1", "--org", "ROOT", "--role", "clerk"); err != nil {
		t.Fatalf("user add: %v\n%s", err, o)
	}
	tok, err := runCmd(t, "", "token", "create", "--db", dsn, "--username", "clerk1")
	if err != nil {
		t.Fatal(err, tok)
	}
	tok = strings.TrimSpace(tok)
	var me struct{ OrgID string }
	getJSON(t, base+"/api/v1/me", tok, &me)

	// Meetings recorded through the server, one after another, until it is killed.
	day := time.Now().In(guangong.Shanghai).AddDate(0, 0, -1).Format(guangong.DateLayout)
	var written atomic.Int64
	var killed atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !killed.Load(); i++ {
			body := fmt.Sprintf(`{"type":"meeting","orgId":%q,"kind":"study","title":"学习%d","startsAt":"%sT09:00:00+08:00","endsAt":"%sT11:00:00+08:00","status":"held","othersCount":3}`,
				me.OrgID, i, day, day)
			req, _ := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				if !killed.Load() {
					t.Errorf("write %d: %v", i, err)
				}
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated && !killed.Load() {
				t.Errorf("write %d: status %d", i, resp.StatusCode)
				return
			}
			written.Add(1)
		}
	}()
	waitUntil(t, func() bool { return written.Load() >= 15 })

	backup := filepath.Join(t.TempDir(), "g-backup.db")
	beforeBackup := written.Load()
	o, err := runCmd(t, "", "backup", "--db", dsn, "--out", backup)
	if err != nil {
		t.Fatalf("backup while the server writes: %v\n%s", err, o)
	}
	atBackup := written.Load()
	m := regexp.MustCompile(`(\d+):([0-9a-f]{64})`).FindStringSubmatch(o)
	if m == nil || !strings.Contains(o, "不在备份中") {
		t.Fatalf("backup output lacks the audit head or the key reminder:\n%s", o)
	}
	headSeq, _ := strconv.Atoi(m[1])
	if headSeq < 15 {
		t.Fatalf("the backup's audit head is seq %d, with %d writes made", headSeq, atBackup)
	}
	waitUntil(t, func() bool { return written.Load() >= atBackup+15 })
	// Not while the server process runs.
	if o, err := runCmd(t, "", "restore", "--db", dsn, "--from", backup); err == nil || !strings.Contains(err.Error(), "正被 guangong 进程使用") {
		t.Fatalf("restore under a running server process: %v\n%s", err, o)
	}

	killed.Store(true)
	if err := proc.Process.Kill(); err != nil { // SIGKILL: no shutdown, no checkpoint
		t.Fatal(err)
	}
	proc.Wait()
	wg.Wait()
	wal, err := os.ReadFile(dsn + "-wal")
	if err != nil || len(wal) <= 32 {
		t.Fatalf("the killed server left no -wal with frames (%d bytes, %v)", len(wal), err)
	}
	shm, err := os.ReadFile(dsn + "-shm")
	if err != nil {
		t.Fatal(err)
	}

	// The README's old way, on copies: the backup copied over the file, the killed
	// server's -wal and -shm still beside it. SQLite replays that -wal onto the copy.
	old := filepath.Join(t.TempDir(), "g.db")
	copyTo(t, backup, old)
	copyTo(t, dsn+"-wal", old+"-wal")
	copyTo(t, dsn+"-shm", old+"-shm")
	oldCheck := integrity(t, old)
	t.Logf("the old way (copy over the file, -wal left beside it): integrity_check says:\n%s", oldCheck)
	if oldCheck != "ok" {
		if o, err := runCmd(t, "", "migrate", "--db", old); err == nil || !strings.Contains(err.Error(), "guangong restore") {
			t.Errorf("the old way's damaged result was opened for use: %v\n%s", err, o)
		}
	}

	o, err = runCmd(t, "", "restore", "--db", dsn, "--from", backup)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, o)
	}
	for _, want := range []string{"检查通过", "moved aside", "完整性检查通过", "审计链完整", "汇总数字与台账记录一致", "恢复完成"} {
		if !strings.Contains(o, want) {
			t.Errorf("restore output lacks %q:\n%s", want, o)
		}
	}
	// The killed server's files were moved aside whole, not deleted, not replayed.
	asideWAL, _ := filepath.Glob(dsn + ".before-restore-*-wal")
	asideSHM, _ := filepath.Glob(dsn + ".before-restore-*-shm")
	if len(asideWAL) != 1 || len(asideSHM) != 1 {
		t.Fatalf("the -wal/-shm were not moved aside: %v %v", asideWAL, asideSHM)
	}
	if b, _ := os.ReadFile(asideWAL[0]); !bytes.Equal(b, wal) {
		t.Fatal("the -wal moved aside differs from the killed server's")
	}
	if b, _ := os.ReadFile(asideSHM[0]); !bytes.Equal(b, shm) {
		t.Fatal("the -shm moved aside differs from the killed server's")
	}
	if _, err := os.Stat(strings.TrimSuffix(asideWAL[0], "-wal")); err != nil {
		t.Fatalf("the old database was not kept: %v", err)
	}

	if got := integrity(t, dsn); got != "ok" {
		t.Fatalf("integrity_check after restore: %s", got)
	}
	if o, err := runCmd(t, "", "audit", "verify", "--db", dsn); err != nil || !strings.Contains(o, "审计链完整") {
		t.Fatalf("audit verify after restore: %v\n%s", err, o)
	}
	if o, err := runCmd(t, "", "figures", "check", "--db", dsn); err != nil {
		t.Fatalf("figures check after restore: %v\n%s", err, o)
	}
	var seq int
	if err := openRaw(t, dsn).QueryRow(`SELECT seq FROM audit_head`).Scan(&seq); err != nil || seq != headSeq {
		t.Fatalf("restored audit head seq %d (%v), the backup's was %d", seq, err, headSeq)
	}

	base2, _ := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	if code, _ := get(t, base2+"/readyz", ""); code != 200 {
		t.Fatalf("/readyz after restore = %d", code)
	}
	var list struct{ Total int }
	getJSON(t, base2+"/api/v1/events?limit=1", tok, &list)
	// The snapshot holds what was written before the backup began, perhaps what was written
	// while it ran (and one write under way), never what came after.
	if list.Total < int(beforeBackup) || list.Total > int(atBackup)+1 || list.Total >= int(written.Load()) {
		t.Fatalf("the restored database holds %d meetings: %d were written before the backup began, %d when it ended, %d in all",
			list.Total, beforeBackup, atBackup, written.Load())
	}
}

func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}

// restore refuses while a server (or any command) holds the database, and changes
// nothing; while a restore holds it, no command opens it.
func TestRestoreRefusesWhileServed(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "g.db")
	startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	backup := filepath.Join(dir, "b.db")
	if o, err := runCmd(t, "", "backup", "--db", dsn, "--out", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, o)
	}
	if o, err := runCmd(t, "", "backup", "--db", dsn, "--out", backup); err == nil || !strings.Contains(err.Error(), "不会覆盖") {
		t.Fatalf("a backup over an existing file: %v\n%s", err, o)
	}
	o, err := runCmd(t, "", "restore", "--db", dsn, "--from", backup)
	if err == nil || !strings.Contains(err.Error(), "正被 guangong 进程使用") {
		t.Fatalf("restore under a running server: %v\n%s", err, o)
	}
	if aside, _ := filepath.Glob(dsn + ".before-restore-*"); len(aside) != 0 {
		t.Fatalf("a refused restore moved files: %v", aside)
	}

	other := filepath.Join(dir, "other.db")
	if o, err := runCmd(t, "", "migrate", "--db", other); err != nil {
		t.Fatal(err, o)
	}
	l, err := lockFile(lockPath(other), true) // as a restore holds it
	if err != nil {
		t.Fatal(err)
	}
	if o, err := runCmd(t, "", "migrate", "--db", other); err == nil || !strings.Contains(err.Error(), "正在恢复") {
		t.Fatalf("migrate during a restore: %v\n%s", err, o)
	}
	l.Close()
	if o, err := runCmd(t, "", "migrate", "--db", other); err != nil {
		t.Fatalf("migrate after the restore: %v\n%s", err, o)
	}
}

// A database that fails PRAGMA quick_check is not served; the error says to restore it
// and names the newest scheduled backup.
func TestServeRefusesDamagedDatabase(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good", "g.db")
	os.Mkdir(filepath.Dir(good), 0o700)
	// The data key keys the audit trail, which every backup check verifies: the good file
	// and the damaged copy each have it beside them.
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)) + "\n"
	for _, p := range []string{filepath.Join(dir, "good", "g.key"), filepath.Join(dir, "g.key")} {
		if err := os.WriteFile(p, []byte(key), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if o, err := runCmd(t, "Str0ng-Pass!\n", "migrate", "--db", good); err != nil {
		t.Fatal(err, o)
	}
	backups := filepath.Join(dir, "backups")
	os.Mkdir(backups, 0o700)
	newest := filepath.Join(backups, "g-20260301T180000Z.db")
	if o, err := runCmd(t, "", "backup", "--db", good, "--out", newest); err != nil {
		t.Fatal(err, o)
	}
	copyTo(t, newest, filepath.Join(backups, "g-20260228T180000Z.db"))

	// A copy of the database with one page overwritten.
	damaged := filepath.Join(dir, "g.db")
	copyTo(t, newest, damaged)
	var root, size int64
	raw := openRaw(t, damaged)
	if err := raw.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = 'orgs'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	raw.QueryRow(`PRAGMA page_size`).Scan(&size)
	raw.Close()
	f, err := os.OpenFile(damaged, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte{0xa5}, int(size)), (root-1)*size)
	f.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	err = run(ctx, []string{"guangong", "serve", "--addr", "127.0.0.1:0", "--db", damaged, "--backup-dir", backups},
		noEnv, strings.NewReader(""), &out, &out)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("a damaged database was served:\n%s", out.String())
	}
	for _, want := range []string{"未通过完整性检查", "guangong restore --db " + damaged, newest} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal lacks %q: %v", want, err)
		}
	}
	if strings.Contains(out.String(), "listening") {
		t.Fatalf("the server listened:\n%s", out.String())
	}
	// Without a backup directory the advice still names restore.
	if o, err := runCmd(t, "", "figures", "recount", "--db", damaged); err == nil || !strings.Contains(err.Error(), "guangong restore") {
		t.Fatalf("figures recount on a damaged database: %v\n%s", err, o)
	}
	// restore from the good backup puts it right.
	if o, err := runCmd(t, "", "restore", "--db", damaged, "--from", newest); err != nil {
		t.Fatalf("restore: %v\n%s", err, o)
	}
	if o, err := runCmd(t, "", "migrate", "--db", damaged); err != nil {
		t.Fatalf("migrate after restore: %v\n%s", err, o)
	}
}

// serve --backup-dir backs up at start when the newest backup is older than
// --backup-every, and keeps the newest --backup-keep. PostgreSQL is pg_dump's.
func TestServeScheduledBackups(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "g.db")
	backups := filepath.Join(dir, "backups")
	os.Mkdir(backups, 0o700)
	olds := []string{"g-20250101T000000Z.db", "g-20250102T000000Z.db", "g-20250103T000000Z.db"}
	for _, name := range olds {
		os.WriteFile(filepath.Join(backups, name), []byte("old"), 0o600)
	}
	os.WriteFile(filepath.Join(backups, "README.txt"), []byte("keep me"), 0o600)
	startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--backup-dir", backups, "--backup-keep", "2")
	var names []string
	waitUntil(t, func() bool {
		ents, _ := os.ReadDir(backups)
		names = names[:0]
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return len(names) == 3 && !strings.Contains(strings.Join(names, " "), "partial")
	})
	if names[0] != "README.txt" || names[1] != olds[2] || !regexp.MustCompile(`^g-\d{8}T\d{6}Z\.db$`).MatchString(names[2]) {
		t.Fatalf("backup directory holds %v, want README.txt, the newest old backup and a new one", names)
	}
	if o, err := runCmd(t, "", "restore", "--db", filepath.Join(dir, "copy.db"), "--data-key-file", filepath.Join(dir, "g.key"),
		"--from", filepath.Join(backups, names[2])); err != nil {
		t.Fatalf("the scheduled backup does not restore: %v\n%s", err, o)
	}

	pg := "postgres://u@127.0.0.1:1/none"
	if o, err := runCmd(t, "", "serve", "--db", pg, "--backup-dir", backups); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("--backup-dir with PostgreSQL: %v\n%s", err, o)
	}
	for _, args := range [][]string{{"backup", "--out", "x"}, {"restore", "--from", "x"}} {
		if o, err := runCmd(t, "", append(args, "--db", pg)...); err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("%s with PostgreSQL: %v\n%s", args[0], err, o)
		}
	}
	if o, err := runCmd(t, "", "serve", "--db", dsn, "--backup-dir", backups, "--backup-every", "1s"); err == nil {
		t.Fatalf("--backup-every 1s accepted\n%s", o)
	}
}
