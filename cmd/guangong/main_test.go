package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// syncBuffer is an io.Writer the server goroutine and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noEnv(string) string { return "" }

// dsns gives a fresh SQLite path and, when configured, a fresh PostgreSQL schema.
func dsns(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": filepath.Join(t.TempDir(), "g.db")}
	pg := os.Getenv("GUANGONG_TEST_POSTGRES")
	if pg == "" {
		if os.Getenv("GUANGONG_TEST_STRICT") == "1" {
			t.Fatal("GUANGONG_TEST_POSTGRES is not set and GUANGONG_TEST_STRICT=1")
		}
		t.Log("GUANGONG_TEST_POSTGRES not set: PostgreSQL runs skipped")
		return out
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "cmd_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", pg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(pg, "?") {
		sep = "&"
	}
	out["postgres"] = pg + sep + "search_path=" + schema
	return out
}

// runCmd runs one command to completion and returns its output.
func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"guangong"}, args...), noEnv, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

// startServer runs `guangong <args>` until the test ends and returns its base URL.
func startServer(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"guangong"}, args...), noEnv, strings.NewReader(""), out, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server did not stop cleanly: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("server did not stop within 15 s of cancellation")
		}
	})
	re := regexp.MustCompile(`listening on (http://\S+)`)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			waitHealthy(t, m[1])
			return m[1], out
		}
		select {
		case err := <-done:
			t.Fatalf("server exited early: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start:\n%s", out.String())
	return "", nil
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s/healthz never answered 200", base)
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServeBootstrapAndCommands(t *testing.T) {
	for kind, dsn := range dsns(t) {
		t.Run(kind, func(t *testing.T) {
			key := filepath.Join(t.TempDir(), "g.key") // not ./guangong.key in the package folder
			base, out := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--data-key-file", key)
			if !regexp.MustCompile(`一次性密码 \S+`).MatchString(out.String()) {
				t.Fatalf("first start printed no one-time password:\n%s", out.String())
			}
			if code, _ := get(t, base+"/readyz", ""); code != 200 {
				t.Fatalf("/readyz = %d", code)
			}

			// A second process on the same database (as behind a load balancer) must not
			// bootstrap again.
			_, out2 := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--data-key-file", key)
			if strings.Contains(out2.String(), "一次性密码") {
				t.Fatalf("second start bootstrapped again:\n%s", out2.String())
			}

			if o, err := runCmd(t, "", "migrate", "--db", dsn, "--data-key-file", key); err != nil {
				t.Fatalf("migrate: %v\n%s", err, o)
			}
			if o, err := runCmd(t, "weak\n", "user", "add", "--db", dsn, "--data-key-file", key, "--username", "clerk1", "--org", "ROOT", "--role", "clerk"); err == nil || !strings.Contains(err.Error(), "密码") {
				t.Fatalf("a weak password was accepted: %v\n%s", err, o)
			}
			if o, err := runCmd(t, "Str0ng-Pass!\n", "user", "add", "--db", dsn, "--data-key-file", key, "--username", "clerk1", "--org", "ROOT", "--role", "clerk"); err != nil {
				t.Fatalf("user add: %v\n%s", err, o)
			}
			if o, err := runCmd(t, "Str0ng-Pass!\n", "user", "add", "--db", dsn, "--data-key-file", key, "--username", "vol1", "--org", "ROOT", "--role", "volunteer"); err == nil || !strings.Contains(err.Error(), "关联一名志愿者") {
				t.Fatalf("a volunteer account without its volunteer: %v\n%s", err, o)
			}
			if _, err := runCmd(t, "Str0ng-Pass!\n", "user", "add", "--db", dsn, "--data-key-file", key, "--username", "clerk2", "--org", "NO-SUCH-ORG", "--role", "clerk"); err == nil {
				t.Fatal("user add accepted an unknown committee")
			}
			tok, err := runCmd(t, "", "token", "create", "--db", dsn, "--data-key-file", key, "--username", "clerk1")
			if err != nil {
				t.Fatalf("token create: %v\n%s", err, tok)
			}
			tok = strings.TrimSpace(tok)
			code, body := get(t, base+"/api/v1/me", tok)
			if code != 200 || !strings.Contains(body, `"clerk1"`) {
				t.Fatalf("GET /api/v1/me with the new token = %d %s", code, body)
			}
			if code, _ := get(t, base+"/api/v1/me", tok+"x"); code != 401 {
				t.Fatalf("a wrong token gave %d, want 401", code)
			}

			if o, err := runCmd(t, "", "audit", "verify", "--db", dsn, "--data-key-file", key); err != nil || !strings.Contains(o, "审计链完整") {
				t.Fatalf("audit verify on an untouched trail: %v\n%s", err, o)
			}
			// Without the key, the trail is neither written nor checked.
			if o, err := runCmd(t, "", "audit", "verify", "--db", dsn, "--data-key-file", key+".missing"); err == nil || !strings.Contains(err.Error(), "未找到数据加密密钥") {
				t.Fatalf("audit verify without the key: %v\n%s", err, o)
			}
			if o, err := runCmd(t, "", "token", "create", "--db", dsn, "--data-key-file", key+".missing", "--username", "clerk1"); err == nil || !strings.Contains(err.Error(), "数据库已有账号") {
				t.Fatalf("token create without the key: %v\n%s", err, o)
			}
			// The head, recorded outside the database, is checked later, also after more entries.
			head, err := runCmd(t, "", "audit", "head", "--db", dsn, "--data-key-file", key)
			head = strings.TrimSpace(head)
			if err != nil || !regexp.MustCompile(`^[1-9][0-9]*:[0-9a-f]{64}$`).MatchString(head) {
				t.Fatalf("audit head: %v %q", err, head)
			}
			if _, err := runCmd(t, "", "token", "create", "--db", dsn, "--data-key-file", key, "--username", "clerk1", "--name", "second"); err != nil {
				t.Fatal(err)
			}
			if o, err := runCmd(t, "", "audit", "verify", "--db", dsn, "--data-key-file", key, "--head", head); err != nil || !strings.Contains(o, "仍在链中") {
				t.Fatalf("audit verify --head %s: %v\n%s", head, err, o)
			}
			seq, _, _ := strings.Cut(head, ":")
			if o, err := runCmd(t, "", "audit", "verify", "--db", dsn, "--data-key-file", key, "--head", seq+":"+strings.Repeat("0", 64)); err == nil || !strings.Contains(err.Error(), "recorded head") {
				t.Fatalf("audit verify --head with a MAC that is not the entry's: %v\n%s", err, o)
			}
			if o, err := runCmd(t, "", "audit", "verify", "--db", dsn, "--data-key-file", key, "--head", "12"); err == nil || !strings.Contains(err.Error(), "链头格式") {
				t.Fatalf("audit verify --head 12: %v\n%s", err, o)
			}
			// Cut back to the recorded head, head row moved with it: the head's MAC gives it away.
			var n int64
			fmt.Sscan(seq, &n)
			rawExec(t, kind, dsn, fmt.Sprintf(`DELETE FROM audit_log WHERE seq > %d`, n))
			rawExec(t, kind, dsn, fmt.Sprintf(`UPDATE audit_head SET seq = %d, hash = '%s'`, n, head[len(seq)+1:]))
			if o, err := runCmd(t, "", "audit", "verify", "--db", dsn, "--data-key-file", key, "--head", head); err == nil || !strings.Contains(err.Error(), "head's MAC") {
				t.Fatalf("audit verify after the tail was cut and the head moved: %v\n%s", err, o)
			}
			tamperAudit(t, kind, dsn)
			o, err := runCmd(t, "", "audit", "verify", "--db", dsn, "--data-key-file", key)
			if err == nil {
				t.Fatalf("audit verify passed a tampered trail:\n%s", o)
			}
			if !strings.Contains(err.Error(), "第 2 条") {
				t.Fatalf("audit verify did not name entry 2: %v", err)
			}

			// The subtree figures: right as kept, a figure written around the application
			// is found, and a recount puts it right.
			if o, err := runCmd(t, "", "figures", "check", "--db", dsn, "--data-key-file", key); err != nil || !strings.Contains(o, "一致") {
				t.Fatalf("figures check on kept figures: %v\n%s", err, o)
			}
			rawExec(t, kind, dsn, `INSERT INTO tallies (org_id, ym, metric, n) VALUES ('nowhere', 202103, 'meetings', 3)`)
			if o, err := runCmd(t, "", "figures", "check", "--db", dsn, "--data-key-file", key); err == nil || !strings.Contains(o, "nowhere 202103 meetings") {
				t.Fatalf("figures check missed a stray figure: %v\n%s", err, o)
			}
			if o, err := runCmd(t, "", "figures", "recount", "--db", dsn, "--data-key-file", key); err != nil {
				t.Fatalf("figures recount: %v\n%s", err, o)
			}
			if o, err := runCmd(t, "", "figures", "check", "--db", dsn, "--data-key-file", key); err != nil {
				t.Fatalf("figures check after a recount: %v\n%s", err, o)
			}
		})
	}
}

// tamperAudit edits the second audit entry behind the application's back.
func tamperAudit(t *testing.T, kind, dsn string) {
	t.Helper()
	if n := rawExec(t, kind, dsn, `UPDATE audit_log SET username = 'mallory' WHERE seq = 2`); n != 1 {
		t.Fatalf("tampering touched %d rows, want 1", n)
	}
}

// rawExec runs q on the database behind the application's back and returns the rows it touched.
func rawExec(t *testing.T, kind, dsn, q string) int64 {
	t.Helper()
	driver, source := "pgx", dsn
	if kind == "sqlite" {
		driver = "sqlite"
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(q)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := res.RowsAffected()
	return n
}

func TestVersionAndUsage(t *testing.T) {
	o, err := runCmd(t, "", "version")
	if err != nil || !strings.HasPrefix(o, "guangong ") {
		t.Fatalf("version: %v %q", err, o)
	}
	if _, err := runCmd(t, "", "frobnicate"); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}

func TestDemoServes(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, out := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	for _, want := range []string{"dizhuang", "village-clerk", "auditor", "admin"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks login %q:\n%s", want, out.String())
		}
	}
	code, body := get(t, base+"/login", "")
	if code != 200 || !strings.Contains(body, "<form") {
		t.Fatalf("GET /login = %d", code)
	}
}

// The data key is made beside a fresh SQLite database, reused afterwards, and never made
// anew for a database that already has accounts (it would not open their data); without
// it, serve refuses such a database.
func TestDataKeyFile(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "g.db")
	_, out := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	key, err := os.ReadFile(filepath.Join(dir, "g.key"))
	if err != nil || !strings.Contains(out.String(), "已生成数据加密密钥") {
		t.Fatalf("no key file made on first start: %v\n%s", err, out.String())
	}
	if fi, _ := os.Stat(filepath.Join(dir, "g.key")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	_, out2 := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	again, _ := os.ReadFile(filepath.Join(dir, "g.key"))
	if string(again) != string(key) || strings.Contains(out2.String(), "已生成数据加密密钥") {
		t.Fatal("the key file changed on a second start")
	}
	os.Remove(filepath.Join(dir, "g.key"))
	o, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--db", dsn)
	if _, serr := os.Stat(filepath.Join(dir, "g.key")); serr == nil || strings.Contains(o, "已生成数据加密密钥") {
		t.Fatal("a new key was made for a database that already has accounts")
	}
	// Nor does it start without one: its trail could be neither appended to nor verified.
	if err == nil || !strings.Contains(err.Error(), "数据库已有账号") {
		t.Fatalf("serve without the key of a database with accounts: %v\n%s", err, o)
	}
}

func TestDemoRefusesNonEmptyPostgres(t *testing.T) {
	pg, ok := dsns(t)["postgres"]
	if !ok {
		return // dsns logged the skip, or failed under GUANGONG_TEST_STRICT
	}
	if o, err := runCmd(t, "", "migrate", "--db", pg); err != nil {
		t.Fatal(err, o)
	}
	key := filepath.Join(t.TempDir(), "k")
	startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", pg, "--data-key-file", key)
	o, err := runCmd(t, "", "demo", "--addr", "127.0.0.1:0", "--db", pg, "--data-key-file", key)
	if err == nil || !strings.Contains(err.Error(), "空数据库") {
		t.Fatalf("demo on a used database: %v\n%s", err, o)
	}
}

// The demo's figures are computed from its records: the town committee has 17 seats, 14 of
// them veteran party members (the seed's "14名老党员"), and about 300 volunteers and 2,000 youths.
func TestDemoFigures(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "demo.db")
	base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", dsn)
	tok, err := runCmd(t, "", "token", "create", "--db", dsn, "--username", "dizhuang")
	if err != nil {
		t.Fatal(err, tok)
	}
	tok = strings.TrimSpace(tok)
	var me struct{ OrgID string }
	getJSON(t, base+"/api/v1/me", tok, &me)
	var comp struct{ Size, PartyMembers int }
	getJSON(t, base+"/api/v1/orgs/"+me.OrgID+"/composition", tok, &comp)
	if comp.Size != 17 || comp.PartyMembers != 14 {
		t.Fatalf("town composition %+v, want 17 seats and 14 party members", comp)
	}
	for path, want := range map[string]int{"/api/v1/volunteers?limit=1": 300, "/api/v1/youths?limit=1": 2000} {
		var list struct{ Total int }
		getJSON(t, base+path, tok, &list)
		if list.Total != want {
			t.Errorf("%s: total %d, want %d", path, list.Total, want)
		}
	}
}

func getJSON(t *testing.T, url, token string, v any) {
	t.Helper()
	code, body := get(t, url, token)
	if code != 200 {
		t.Fatalf("GET %s = %d %s", url, code, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatal(err)
	}
}

// A public address for QR codes must be an http(s) address with a host.
func TestServeRefusesABadPublicURL(t *testing.T) {
	for _, bad := range []string{"guangong.example.gov.cn", "ftp://guangong.example.gov.cn", "https://", "https://x.example/?a=1"} {
		o, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "g.db"), "--public-url", bad)
		if err == nil || !strings.Contains(err.Error(), "public URL") {
			t.Errorf("--public-url %q: %v\n%s", bad, err, o)
		}
	}
}

// A SQLite database given as a file: URI is the file it names for every command: its key
// file lies beside it (file:DIR/g.db?… uses DIR/g.key, as DIR/g.db does), and backup finds it.
func TestFileURIDatabase(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "g.db")
	startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", file)
	uri := "file:" + file + "?_pragma=busy_timeout(5000)"
	if got, want := keyPath("", uri), filepath.Join(dir, "g.key"); got != want {
		t.Errorf("keyPath(%q) = %q, want %q", uri, got, want)
	}
	if o, err := runCmd(t, "", "audit", "verify", "--db", uri); err != nil {
		t.Errorf("audit verify --db %s: %v\n%s", uri, err, o)
	}
	out := filepath.Join(dir, "b.db")
	o, err := runCmd(t, "", "backup", "--db", uri, "--out", out)
	if err != nil || !strings.Contains(o, "不在备份中") {
		t.Fatalf("backup --db %s: %v\n%s", uri, err, o)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

// A restore onto another machine or directory needs the data key there: without it the
// backup cannot be checked (its audit trail is keyed), and the answer says where the key was
// looked for and how to name it, before anything is touched.
func TestRestoreWithoutKeySaysWhere(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	file := filepath.Join(dir, "g.db")
	startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", file)
	backup := filepath.Join(dir, "b.db")
	if o, err := runCmd(t, "", "backup", "--db", file, "--out", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, o)
	}
	target := filepath.Join(elsewhere, "n.db")
	o, err := runCmd(t, "", "restore", "--db", target, "--from", backup)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(elsewhere, "n.key")) || !strings.Contains(err.Error(), "--data-key-file") {
		t.Fatalf("restore without the key: %v\n%s", err, o)
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatal("a restore without the key put a file in place")
	}
	if o, err := runCmd(t, "", "restore", "--db", target, "--from", backup, "--data-key-file", filepath.Join(dir, "g.key")); err != nil {
		t.Fatalf("restore with --data-key-file: %v\n%s", err, o)
	}
	o, err = runCmd(t, "", "backup", "--db", file, "--out", filepath.Join(dir, "c.db"), "--data-key-file", filepath.Join(dir, "none.key"))
	if err == nil || !strings.Contains(err.Error(), "none.key") {
		t.Fatalf("backup without the key: %v\n%s", err, o)
	}
}

// demo with a file: URI starts afresh each time, like with a plain path: it removes the
// earlier demo file it names (not a file called "file:…"), along with its key.
func TestDemoFileURIAgain(t *testing.T) {
	uri := "file:" + filepath.Join(t.TempDir(), "demo.db")
	for i := range 2 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			base, _ := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", uri)
			if code, _ := get(t, base+"/login", ""); code != 200 {
				t.Fatalf("GET /login = %d", code)
			}
		})
	}
}

// A command opening a database with another database's key refuses before writing: the key
// does not verify the audit head, and entries appended under it would break the trail.
func TestWrongDataKeyRefused(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "g.db")
	t.Run("first start", func(t *testing.T) { startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", file) })
	other := filepath.Join(dir, "other.key")
	if err := os.WriteFile(other, []byte(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o, err := runCmd(t, "", "migrate", "--db", file, "--data-key-file", other)
	if err == nil || !strings.Contains(err.Error(), "does not verify this database's audit trail") {
		t.Fatalf("migrate with another key: %v\n%s", err, o)
	}
	if o, err := runCmd(t, "", "audit", "verify", "--db", file); err != nil {
		t.Fatalf("the trail after the refusal: %v\n%s", err, o)
	}
}

func TestServeRefusesABadSQLiteSync(t *testing.T) {
	o, err := runCmd(t, "", "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "g.db"), "--sqlite-sync", "off")
	if err == nil || !strings.Contains(err.Error(), "--sqlite-sync") {
		t.Errorf("--sqlite-sync off: %v\n%s", err, o)
	}
}
