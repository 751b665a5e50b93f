// Command loadtest is the Go half of scripts/loadtest.sh, the load-test kit: it generates
// the county the kit measures, reports a database's size, drops a PostgreSQL schema it
// made, and turns the runs' results into the Markdown table against issue 15's targets.
//
//	loadtest generate --db FILE|postgres://… --out DIR [--scale 1]   (GUANGONG_DATA_KEY set)
//	loadtest size     --db FILE|postgres://…
//	loadtest drop     --db postgres://…?search_path=loadtest_…
//	loadtest report   RESULTS
package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"guangong/sqlstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: loadtest generate|size|drop|report …")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("db", "", "SQLite file or postgres:// URL")
	out := fs.String("out", "", "generate: the directory for the id lists")
	scale := fs.Float64("scale", 1, "generate: a fraction of the kit's rows (the tree keeps its 500 committees)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "generate":
		return generate(ctx, *dsn, *out, *scale, stdout, stderr)
	case "size":
		n, err := size(ctx, *dsn)
		if err == nil {
			fmt.Fprintln(stdout, n)
		}
		return err
	case "drop":
		return dropSchema(ctx, *dsn)
	case "report":
		if fs.NArg() != 1 {
			return errors.New("usage: loadtest report RESULTS")
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		return report(f, stdout)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// The committees and the year the kit's list requests read: fixed, so every run asks the
// same questions of the same seed's data.
const (
	kitYear    = 2024
	kitTown    = 3  // of 20
	kitVillage = 77 // of 479
)

// generate writes sqlstore.LoadKit (scaled) into dsn, a PostgreSQL database getting a new
// schema of its own, and prints shell assignments for the script: the DSN, the committees
// and year its requests read, and the files listing event ids and village ids.
func generate(ctx context.Context, dsn, out string, scale float64, stdout, stderr io.Writer) error {
	if dsn == "" || out == "" {
		return errors.New("generate needs --db and --out")
	}
	if strings.Contains(dsn, "://") {
		var err error
		if dsn, err = newSchema(ctx, dsn); err != nil {
			return err
		}
	}
	// The recount is audited, with the key the server will use.
	key, err := base64.StdEncoding.DecodeString(os.Getenv("GUANGONG_DATA_KEY"))
	if err != nil || len(key) != 32 {
		return errors.New("generate needs GUANGONG_DATA_KEY: 32 bytes, base64-encoded")
	}
	db, err := sqlstore.Open(dsn, sqlstore.WithDataKey(key))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	spec := sqlstore.LoadKit.Scaled(scale)
	fmt.Fprintf(stderr, "loadtest: generating %d activities, %d volunteers and %d service-hours records (seed %d)\n",
		spec.Activities, spec.Volunteers, spec.Hours, spec.Seed)
	c, err := db.Load(ctx, spec, func(msg string) { fmt.Fprintln(stderr, "loadtest:", msg) })
	if err != nil {
		return err
	}
	// Ids for the by-id request, drawn with the kit's seed: the whole county, so that each
	// request reads another part of the table.
	r := rand.New(rand.NewPCG(spec.Seed, 1))
	var ids []string
	for range min(5000, len(c.Events)) {
		ids = append(ids, c.Events[r.IntN(len(c.Events))])
	}
	idsFile, villagesFile := filepath.Join(out, "event-ids.txt"), filepath.Join(out, "villages.txt")
	if err := os.WriteFile(idsFile, []byte(strings.Join(ids, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(villagesFile, []byte(strings.Join(c.Villages, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	for _, kv := range [][2]string{{"DSN", dsn}, {"COUNTY", c.County}, {"TOWN", c.Towns[kitTown]},
		{"VILLAGE", c.Villages[kitVillage]}, {"YEAR", fmt.Sprint(kitYear)}, {"IDS_FILE", idsFile},
		{"VILLAGES_FILE", villagesFile}} {
		fmt.Fprintf(stdout, "%s='%s'\n", kv[0], kv[1])
	}
	return nil
}

// newSchema makes a schema loadtest_<random> in the PostgreSQL database of dsn and returns
// a DSN whose connections use it, so a run never touches anyone else's tables.
func newSchema(ctx context.Context, dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	schema := fmt.Sprintf("loadtest_%s_%08x", time.Now().UTC().Format("20060102"), rand.Uint32())
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", fmt.Errorf("creating schema %s: %w", schema, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// openSchema opens the PostgreSQL database of a DSN made by newSchema, and names its
// schema; any other DSN is refused.
func openSchema(dsn string) (*sql.DB, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, "", err
	}
	s := u.Query().Get("search_path")
	if !strings.HasPrefix(s, "loadtest_") || strings.ContainsAny(s, ` ,;"'`) {
		return nil, "", fmt.Errorf("%q is not a schema loadtest made", s)
	}
	db, err := sql.Open("pgx", dsn)
	return db, s, err
}

// dropSchema drops a schema newSchema made, and only such a schema.
func dropSchema(ctx context.Context, dsn string) error {
	db, schema, err := openSchema(dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
	return err
}

// size is the data set's bytes on disk: on SQLite the file after a checkpoint (the
// write-ahead log folded in and truncated), on PostgreSQL the tables of the schema with
// their indexes and TOAST.
func size(ctx context.Context, dsn string) (int64, error) {
	if strings.Contains(dsn, "://") {
		db, schema, err := openSchema(dsn)
		if err != nil {
			return 0, err
		}
		defer db.Close()
		var n int64
		err = db.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
			JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')`, schema).Scan(&n)
		return n, err
	}
	file, err := sqlstore.SQLiteFile(dsn)
	if err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", file)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, err
	}
	var n int64
	for _, f := range []string{file, file + "-wal"} {
		if st, err := os.Stat(f); err == nil {
			n += st.Size()
		}
	}
	return n, nil
}
