package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"guangong"
	"guangong/api"
	"guangong/demo"
	"guangong/httpx"
	"guangong/importer"
	"guangong/sqlstore"
	"guangong/web"
)

type serveOptions struct {
	addr       string
	keyFile    string
	metrics    bool
	trustProxy bool
	publicURL  string
	debugAddr  string // net/http/pprof on a loopback listener of its own, when set

	templates func() (*web.Parsed, error) // the site's templates, parsed while the database opens

	sqliteSync string // PRAGMA synchronous: full or normal

	backupDir   string // scheduled backups of a SQLite database, when set
	backupEvery time.Duration
	backupKeep  int
}

func (e *env) serveFlags(name, defaultDB string, args []string) (*serveOptions, string, error) {
	fs, dsn := e.flags(name, defaultDB)
	addr := e.getenv("GUANGONG_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	o := &serveOptions{}
	fs.StringVar(&o.addr, "addr", addr, "listen address")
	keyFile := e.keyFlag(fs)
	fs.BoolVar(&o.metrics, "metrics", e.getenv("GUANGONG_METRICS") == "1", "serve Prometheus metrics at /metrics")
	fs.BoolVar(&o.trustProxy, "trust-proxy", e.getenv("GUANGONG_TRUST_PROXY") == "1", "trust X-Forwarded-For/Proto from a reverse proxy")
	fs.StringVar(&o.publicURL, "public-url", e.getenv("GUANGONG_PUBLIC_URL"), "the address phones reach the site at, printed in duty posts' QR codes (default: as each page was opened)")
	fs.StringVar(&o.debugAddr, "debug-addr", e.getenv("GUANGONG_DEBUG_ADDR"), "serve net/http/pprof on this loopback address, e.g. 127.0.0.1:6060 (default: off)")
	fs.StringVar(&o.backupDir, "backup-dir", e.getenv("GUANGONG_BACKUP_DIR"), "SQLite: make a checked backup into this directory every --backup-every")
	sync := e.getenv("GUANGONG_SQLITE_SYNC")
	if sync == "" {
		sync = "full"
	}
	fs.StringVar(&o.sqliteSync, "sqlite-sync", sync, "SQLite durability: full (every commit survives a power cut) or normal (faster writes; a power cut may lose the last commits)")
	every, keep, err := backupDefaults(e.getenv)
	if err != nil {
		return nil, "", err
	}
	fs.DurationVar(&o.backupEvery, "backup-every", every, "how often to back up into --backup-dir")
	fs.IntVar(&o.backupKeep, "backup-keep", keep, "how many backups to keep in --backup-dir (the newest)")
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if o.publicURL != "" {
		if err := httpx.CheckPublicURL(o.publicURL); err != nil {
			return nil, "", err
		}
	}
	if o.debugAddr != "" {
		if err := checkDebugAddr(o.debugAddr); err != nil {
			return nil, "", err
		}
	}
	if err := e.checkBackupOptions(o, *dsn); err != nil {
		return nil, "", err
	}
	if s := strings.ToLower(o.sqliteSync); s != "full" && s != "normal" {
		return nil, "", fmt.Errorf("--sqlite-sync %q: full 或 normal (full or normal)", o.sqliteSync)
	}
	e.storeOpts = append(e.storeOpts, sqlstore.WithSQLiteSync(o.sqliteSync))
	o.keyFile = keyPath(*keyFile, *dsn)
	return o, *dsn, nil
}

func (e *env) serve(ctx context.Context, args []string) error {
	o, dsn, err := e.serveFlags("serve", "guangong.db", args)
	if err != nil {
		return err
	}
	o.templates = parseInBackground()
	db, err := e.openKeyed(ctx, dsn, o.keyFile, true)
	if err != nil {
		return err
	}
	defer db.Close()
	username, password, err := db.Bootstrap(ctx, "关心下一代工作委员会")
	if err != nil {
		return err
	}
	if username != "" {
		fmt.Fprintf(e.stdout, "首次启动：已创建系统管理员 %s，一次性密码 %s（首次登录须修改密码并绑定动态口令）\n", username, password)
		fmt.Fprintf(e.stdout, "first start: created system administrator %s with one-time password %s\n", username, password)
	}
	return e.listen(ctx, db, o)
}

func (e *env) demo(ctx context.Context, args []string) error {
	o, dsn, err := e.serveFlags("demo", "guangong-demo.db", args)
	if err != nil {
		return err
	}
	o.templates = parseInBackground()
	if !strings.Contains(dsn, "://") {
		if err := e.holdShared(dsn); err != nil { // not under a restore
			return err
		}
		file, err := sqlstore.SQLiteFile(dsn)
		if err != nil {
			return err
		}
		// A demo is always fresh: remove an earlier demo file and its WAL.
		for _, path := range []string{file, file + "-wal", file + "-shm", o.keyFile} {
			if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	db, err := e.openKeyed(ctx, dsn, o.keyFile, true)
	if err != nil {
		return err
	}
	defer db.Close()
	// A PostgreSQL database is not ours to wipe: the demo needs an empty one.
	if _, n, err := db.FindOrgs(ctx, guangong.SystemActor("demo"), guangong.OrgFilter{IncludeDissolved: true, Page: guangong.Page{Limit: 1}}); err != nil {
		return err
	} else if n > 0 {
		return errors.New("演示需要一个空数据库 (the demo needs an empty database): " + redact(dsn))
	}
	logins, err := demo.Build(ctx, db)
	if err != nil {
		return fmt.Errorf("building the demo: %w", err)
	}
	fmt.Fprintln(e.stdout, "演示数据已生成 (demo database built):", redact(dsn))
	fmt.Fprintln(e.stdout, "演示账号 (demo logins; all fictional):")
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  用户名 username\t密码 password\t角色 role\t组织 committee")
	for _, l := range logins {
		fmt.Fprintf(tw, "  %s\t%s\t%s (%s)\t%s\n", l.Username, l.Password, l.Role.Label().Zh, l.Role, l.OrgName)
	}
	tw.Flush()
	fmt.Fprintln(e.stdout, "  系统管理员和安全审计员首次登录时须绑定动态口令（TOTP）。")
	return e.listen(ctx, db, o)
}

// parseInBackground parses the site's templates alongside opening and checking the database
// (PRAGMA quick_check reads the whole file), rather than after: the two were most of a start.
func parseInBackground() func() (*web.Parsed, error) {
	type parsed struct {
		p   *web.Parsed
		err error
	}
	ch := make(chan parsed, 1)
	go func() {
		p, err := web.ParseTemplates()
		ch <- parsed{p, err}
	}()
	return sync.OnceValues(func() (*web.Parsed, error) {
		r := <-ch
		return r.p, r.err
	})
}

// listen serves until ctx ends, then drains requests for up to 10 s.
func (e *env) listen(ctx context.Context, db *sqlstore.DB, o *serveOptions) error {
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	var metrics *httpx.Metrics
	if o.metrics {
		metrics = httpx.NewMetrics(db.Stats)
	}
	// One runner for pages and API, so that shutdown can wait for the checks it started.
	imports := &importer.Runner{Store: db, Log: log}
	defer imports.Wait()
	apiHandler := api.New(api.Config{Store: db, Log: log, TrustProxy: o.trustProxy, PublicURL: o.publicURL, Version: version, Importer: imports})
	var templates *web.Parsed
	if o.templates != nil {
		var err error
		if templates, err = o.templates(); err != nil {
			return err
		}
	}
	handler, err := web.New(web.Config{Store: db, Log: log, Metrics: metrics, API: apiHandler,
		TrustProxy: o.trustProxy, PublicURL: o.publicURL, Version: version, Importer: imports, Templates: templates})
	if err != nil {
		return err
	}
	if o.backupDir != "" {
		sched := &sqlstore.BackupSchedule{DB: db, Dir: o.backupDir, Every: o.backupEvery, Keep: o.backupKeep, Log: log}
		bctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { sched.Run(bctx) })
		defer wg.Wait() // after stop: a backup under way is abandoned, its partial file removed
		defer stop()
		log.Info("backups scheduled", "dir", o.backupDir, "every", o.backupEvery.String(), "keep", o.backupKeep)
	}
	if o.debugAddr != "" {
		stop, err := e.listenDebug(o.debugAddr, log)
		if err != nil {
			return err
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(e.stdout, "guangong %s listening on http://%s\n", version, ln.Addr())
	log.Info("listening", "addr", ln.Addr().String(), "db", db.Dialect(), "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// A start leaves as much garbage as it keeps (parsing the templates, checking the
	// database, a first start's password hash, 19 MiB): collect it and hand the pages back
	// once, now, rather than idle on them until the scavenger returns them bit by bit.
	// Nothing else changes: the collector's settings stay Go's, under load as before.
	go debug.FreeOSMemory()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	return nil
}

var _ guangong.Store = (*sqlstore.DB)(nil)
