package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"guangong"
	"guangong/sqlstore"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `guangong — 关工台账 (ledgers for committees caring for the next generation)

Usage:
  guangong serve   [--addr 127.0.0.1:8080] [--db guangong.db|postgres://…] [--metrics] [--trust-proxy] [--public-url URL] [--backup-dir DIR] [--sqlite-sync full|normal] [--debug-addr 127.0.0.1:6060]
  guangong demo    [--addr 127.0.0.1:8080] [--db guangong-demo.db|postgres://…]
  guangong migrate [--db …]
  guangong user add --username U --org ORG --role ROLE [--name NAME] [--volunteer ID] [--db …]   (password on stdin)
  guangong token create --username U [--name NAME] [--expires DAYS] [--db …]
  guangong audit verify [--head SEQ:MAC] [--db …]
  guangong audit head [--db …]
  guangong figures check|recount [--db …]
  guangong backup  --out FILE [--db guangong.db]   (SQLite, also while serve runs; PostgreSQL: pg_dump)
  guangong restore --from FILE [--db guangong.db]  (SQLite, with no guangong process on it; PostgreSQL: pg_restore)
  guangong version

The commands that open the database also take --data-key-file (default: beside the SQLite file, e.g. guangong.key):
the key that encrypts ID numbers and phones and keys the audit trail; GUANGONG_DATA_KEY (base64, 32 bytes)
gives it directly. Only serve and demo make one, for a database without accounts. It is not in a backup:
back it up separately.
serve also takes --backup-dir DIR [--backup-every 24h] [--backup-keep 14]: a checked backup of a SQLite
database into DIR (named by UTC time) at start when the newest is older than --backup-every, then every
--backup-every, keeping the newest --backup-keep.
serve and demo also take --sqlite-sync full|normal (default full): full makes every saved record survive a power
cut; normal writes faster but a power cut can lose the last seconds of records (never the file).
serve and demo also take --debug-addr ADDR: Go's profiler (net/http/pprof, /debug/pprof/) on a listener of its
own, for the machine's operator; off by default, and only on a loopback address (127.0.0.1, ::1, localhost).

Environment: GUANGONG_ADDR, GUANGONG_DB, GUANGONG_DATA_KEY_FILE, GUANGONG_METRICS=1, GUANGONG_TRUST_PROXY=1,
GUANGONG_BACKUP_DIR, GUANGONG_BACKUP_EVERY, GUANGONG_BACKUP_KEEP, GUANGONG_SQLITE_SYNC, GUANGONG_DEBUG_ADDR stand for the flags.
Roles: sysadmin (系统管理员), auditor (安全审计员), orgadmin (单位管理员), clerk (录入员), viewer (查看者).
`

// env is the process environment, injected so tests can run commands side by side.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	locks     map[string]io.Closer // the SQLite databases this command holds (lock.go)
	storeOpts []sqlstore.Option    // what the command's flags add to every open (serve: --sqlite-sync)
	backupDir string               // serve's --backup-dir, named when a database is damaged
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	defer e.unlock()
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return e.serve(ctx, rest)
	case "demo":
		return e.demo(ctx, rest)
	case "migrate":
		return e.migrate(ctx, rest)
	case "user":
		if len(rest) > 0 && rest[0] == "add" {
			return e.userAdd(ctx, rest[1:])
		}
	case "token":
		if len(rest) > 0 && rest[0] == "create" {
			return e.tokenCreate(ctx, rest[1:])
		}
	case "audit":
		if len(rest) > 0 && rest[0] == "verify" {
			return e.auditVerify(ctx, rest[1:])
		}
		if len(rest) > 0 && rest[0] == "head" {
			return e.auditHead(ctx, rest[1:])
		}
	case "figures":
		if len(rest) > 0 && (rest[0] == "check" || rest[0] == "recount") {
			return e.figures(ctx, rest[0], rest[1:])
		}
	case "backup":
		return e.backup(ctx, rest)
	case "restore":
		return e.restore(ctx, rest)
	case "version":
		fmt.Fprintln(stdout, "guangong", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args[1:], " "))
}

// flags makes a flag set whose --db defaults to GUANGONG_DB, then ./guangong.db.
func (e *env) flags(name string, defaultDB string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	def := e.getenv("GUANGONG_DB")
	if def == "" {
		def = defaultDB
	}
	return fs, fs.String("db", def, "SQLite file path or postgres:// URL")
}

// open opens and migrates the database, for use: a SQLite file is locked for the rest of
// the command (so no restore runs under it) and must pass PRAGMA quick_check first.
func (e *env) open(ctx context.Context, dsn string, opts ...sqlstore.Option) (*sqlstore.DB, error) {
	if err := e.holdShared(dsn); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(dsn, append(opts, e.storeOpts...)...)
	if err == nil {
		if err = db.CheckIntegrity(ctx, true); err != nil {
			db.Close()
		}
	}
	if err != nil {
		return nil, e.damaged(dsn, err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (e *env) migrate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("migrate", "guangong.db")
	keyFile := e.keyFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := e.openKeyed(ctx, *dsn, keyPath(*keyFile, *dsn), false)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(e.stdout, "数据库已迁移到最新版本 (migrated):", redact(*dsn))
	return nil
}

func (e *env) userAdd(ctx context.Context, args []string) error {
	fs, dsn := e.flags("user add", "guangong.db")
	username := fs.String("username", "", "login name")
	orgRef := fs.String("org", "", "committee id or code")
	role := fs.String("role", "", "sysadmin, auditor, orgadmin, clerk, viewer or volunteer")
	name := fs.String("name", "", "display name (default: the username)")
	volunteer := fs.String("volunteer", "", "role volunteer: the id of the volunteer record the account acts as")
	keyFile := e.keyFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := e.openKeyed(ctx, *dsn, keyPath(*keyFile, *dsn), false)
	if err != nil {
		return err
	}
	defer db.Close()
	sys := guangong.SystemActor("cli")
	org, err := db.FindOrgByRef(ctx, sys, *orgRef)
	if err != nil {
		return describe(err)
	}
	password, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	password = strings.TrimRight(password, "\r\n")
	display := *name
	if display == "" {
		display = *username
	}
	u := &guangong.User{Username: *username, DisplayName: display, OrgID: org.ID,
		Role: guangong.Role(*role), VolunteerID: *volunteer, Lang: "zh"}
	if err := db.CreateUser(ctx, sys, u, password); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "已创建账号 %s（%s，%s）id=%s\n", u.Username, u.Role.Label().Zh, org.Name, u.ID)
	return nil
}

func (e *env) tokenCreate(ctx context.Context, args []string) error {
	fs, dsn := e.flags("token create", "guangong.db")
	username := fs.String("username", "", "the account the token acts as")
	name := fs.String("name", "cli", "a label for the token")
	expires := fs.Int("expires", 0, "days until the token expires (0: never)")
	keyFile := e.keyFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := e.openKeyed(ctx, *dsn, keyPath(*keyFile, *dsn), false)
	if err != nil {
		return err
	}
	defer db.Close()
	sys := guangong.SystemActor("cli")
	u, err := db.FindUserByUsername(ctx, sys, *username)
	if err != nil {
		return describe(err)
	}
	raw, _, err := db.CreateToken(ctx, sys, u.ID, *name, *expires)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(e.stdout, raw)
	return nil
}

func (e *env) auditVerify(ctx context.Context, args []string) error {
	fs, dsn := e.flags("audit verify", "guangong.db")
	keyFile := e.keyFlag(fs)
	head := fs.String("head", "", "SEQ:MAC recorded earlier by audit head: the trail must still hold that entry unchanged")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var at *guangong.AuditHead
	if *head != "" {
		var err error
		if at, err = guangong.ParseAuditHead("head", *head); err != nil {
			return describe(err)
		}
	}
	db, err := e.openChecking(*dsn, keyPath(*keyFile, *dsn))
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := verified(ctx, db, at)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "审计链完整，共校验 %d 条 (audit chain intact, %d entries checked)\n", res.Checked, res.Checked)
	if at != nil {
		fmt.Fprintf(e.stdout, "链头 %s 仍在链中，未被改动 (the recorded head %s is still in the chain, unchanged)\n", at, at)
	}
	return nil
}

// auditHead verifies the trail and prints its head as SEQ:MAC, for the operator to record
// outside the database and check later with audit verify --head.
func (e *env) auditHead(ctx context.Context, args []string) error {
	fs, dsn := e.flags("audit head", "guangong.db")
	keyFile := e.keyFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := e.openChecking(*dsn, keyPath(*keyFile, *dsn))
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := verified(ctx, db, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, res.Head)
	return nil
}

// verified walks the chain and turns a break into an error naming the entry.
func verified(ctx context.Context, db *sqlstore.DB, at *guangong.AuditHead) (*guangong.AuditVerification, error) {
	res, err := db.VerifyAudit(ctx, guangong.SystemActor("cli"), at)
	if err != nil {
		return nil, describe(err)
	}
	if !res.OK {
		where := fmt.Sprintf("第 %d 条", res.BrokenSeq)
		if res.BrokenID != "" {
			where += "（id " + res.BrokenID + "）"
		}
		return nil, fmt.Errorf("审计链在%s处断裂 (audit chain broken at seq %d): %s", where, res.BrokenSeq, res.Reason)
	}
	return res, nil
}

// figures checks each committee's subtree figures (the tallies progress pages read)
// against a recount from the records, or recounts them: after rows were restored or
// loaded around the application.
func (e *env) figures(ctx context.Context, what string, args []string) error {
	fs, dsn := e.flags("figures "+what, "guangong.db")
	keyFile := e.keyFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := e.openKeyed(ctx, *dsn, keyPath(*keyFile, *dsn), false)
	if err != nil {
		return err
	}
	defer db.Close()
	if what == "recount" {
		if err := db.RecountTallies(ctx); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "已按台账记录重新统计各组织的汇总数字 (subtree figures recounted from the records)")
		return nil
	}
	diffs, err := db.CheckTallies(ctx)
	if err != nil {
		return err
	}
	if len(diffs) == 0 {
		fmt.Fprintln(e.stdout, "汇总数字与台账记录一致 (every subtree figure equals a recount from the records)")
		return nil
	}
	for i, d := range diffs {
		if i == 20 {
			fmt.Fprintf(e.stdout, "… 另有 %d 处 (%d more)\n", len(diffs)-20, len(diffs)-20)
			break
		}
		fmt.Fprintf(e.stdout, "%s %s: 存储 %d，重新统计 %d (stored %d, recount %d)\n", d.OrgID, d.Key, d.Stored, d.Recount, d.Stored, d.Recount)
	}
	return fmt.Errorf("%d 处汇总数字与记录不符，请运行 guangong figures recount (%d figures differ from the records; run guangong figures recount)", len(diffs), len(diffs))
}

// describe turns a domain error into a line for the terminal, with its field messages.
func describe(err error) error {
	var ge *guangong.Error
	if !errors.As(err, &ge) || ge.Code == guangong.EINTERNAL {
		return err
	}
	parts := []string{ge.Msg.Zh}
	for field, m := range ge.Fields {
		parts = append(parts, field+": "+m.Zh)
	}
	return errors.New(strings.Join(parts, "；"))
}

// redact hides a password in a database URL before it is printed.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			if colon := strings.Index(dsn[i+3:at], ":"); colon >= 0 {
				return dsn[:i+3+colon] + ":***" + dsn[at:]
			}
		}
	}
	return dsn
}
