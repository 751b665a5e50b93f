package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Group commit. SQLite has one writer, and each commit writes every page it changed to the
// log (and, with synchronous=FULL, waits for the disk). Writes that arrive while one commits
// are therefore run together in the next transaction, each inside a savepoint of its own: a
// write that fails rolls back only its own savepoint and answers its error, and the others
// commit once, sharing the log writes of the pages they all touch (the audit head, the
// tallies, the indexes' last pages) and the one sync. Every write still answers only after
// its commit.

// maxGroup caps the writes of one commit, so that one commit's wait stays short.
const maxGroup = 64

var errClosed = errors.New("sqlstore: the database is closed")

type groupCommit struct {
	db   *DB
	jobs chan *writeJob
	quit chan struct{}
	done sync.WaitGroup

	largest int // the most writes one commit has carried (tests read it)
}

type writeJob struct {
	ctx context.Context
	fn  func(tx *Tx) error
	err chan error
}

func newGroupCommit(db *DB) *groupCommit {
	g := &groupCommit{db: db, jobs: make(chan *writeJob), quit: make(chan struct{})}
	g.done.Add(1)
	go g.loop()
	return g
}

// run queues fn and waits for its commit (or its failure).
func (g *groupCommit) run(ctx context.Context, fn func(tx *Tx) error) error {
	j := &writeJob{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case g.jobs <- j:
	case <-g.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-j.err
}

func (g *groupCommit) close() {
	close(g.quit)
	g.done.Wait()
}

func (g *groupCommit) loop() {
	defer g.done.Done()
	for {
		var first *writeJob
		select {
		case first = <-g.jobs:
		case <-g.quit:
			return
		}
		group := []*writeJob{first}
	more:
		for len(group) < maxGroup {
			select {
			case j := <-g.jobs:
				group = append(group, j)
			default:
				break more
			}
		}
		g.largest = max(g.largest, len(group))
		g.commit(group)
	}
}

// commit runs a group in one transaction and answers each job.
func (g *groupCommit) commit(group []*writeJob) {
	if len(group) == 1 { // alone: as an ordinary transaction, cancelled with its request
		j := group[0]
		j.err <- g.db.runTx(j.ctx, j.fn, false)
		return
	}
	errs := make([]error, len(group))
	err := g.db.runTx(context.Background(), func(tx *Tx) error {
		for i, j := range group {
			if err := j.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.Tx.ExecContext(tx.ctx, `SAVEPOINT write`); err != nil {
				return err
			}
			// Detached: a request that ends while its statement runs must not interrupt
			// SQLite, which would roll back the whole group's transaction.
			jtx := g.db.newTx(context.WithoutCancel(j.ctx), tx.Tx)
			jtx.detached = true
			errs[i] = jtx.apply(j.fn)
			if errs[i] != nil {
				if _, err := tx.Tx.ExecContext(tx.ctx, `ROLLBACK TO write`); err != nil {
					return fmt.Errorf("sqlstore: group commit: %w (after %w)", err, errs[i])
				}
			}
			if _, err := tx.Tx.ExecContext(tx.ctx, `RELEASE write`); err != nil {
				return err
			}
		}
		return nil
	}, true)
	for i, j := range group {
		if err != nil && errs[i] == nil {
			errs[i] = err // the commit failed: nothing of the group was saved
		}
		j.err <- errs[i]
	}
}

// runTx runs fn in a write transaction of its own and commits it. grouped: fn runs the
// group's jobs, each applying its own figures.
func (db *DB) runTx(ctx context.Context, fn func(tx *Tx) error, grouped bool) error {
	stx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := db.newTx(ctx, stx)
	if grouped {
		err = fn(tx)
	} else {
		err = tx.apply(fn)
	}
	if err != nil {
		stx.Rollback()
		return err
	}
	return stx.Commit()
}

// apply runs one write's fn and its figures' changes; a panic in fn becomes its error, so
// that it fails that write alone.
func (tx *Tx) apply(fn func(tx *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlstore: write panicked: %v", p)
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.flushTallies()
}

// A detached transaction's statements run under its own context whatever context the
// caller passes: one that cannot be cancelled (see commit).

func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(tx.stmtCtx(ctx), query, args...)
}

func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(tx.stmtCtx(ctx), query, args...)
}

func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(tx.stmtCtx(ctx), query, args...)
}

func (tx *Tx) stmtCtx(ctx context.Context) context.Context {
	if tx.detached {
		return tx.ctx
	}
	return ctx
}
