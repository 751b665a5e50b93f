package sqlstore

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
)

// SQLite parses and plans a statement every time database/sql runs a query on a
// connection, and profiles showed that work at 30–50% of a request's CPU. PostgreSQL's
// driver (pgx) keeps a statement cache of its own per connection; the SQLite driver has
// none. So every SQLite connection is wrapped to keep its statements prepared, keyed by
// their text: a hit only binds and steps. The SQL stays as it is written elsewhere, with no
// prepared-statement handles to carry around or to invalidate (SQLite re-prepares a
// statement itself when the schema changes under it).

// stmtCacheSize bounds each connection's cache. The hot statements are a few dozen; texts
// that differ in literals (a page's LIMIT and OFFSET, an IN list's length) come and go
// through the least recently used end.
const stmtCacheSize = 200

// traceQuery, set only by tests (the query plans' test, plans_test.go), hears every
// statement the store runs, with its arguments: on SQLite from cachingConn, on PostgreSQL
// from a pgx tracer that a database opened while it is set carries (openPostgres). Unset,
// it costs one load per statement.
var traceQuery atomic.Pointer[func(query string, args []any)]

// traced hands query and its arguments to traceQuery, when set.
func traced(query string, args []driver.NamedValue) {
	if fn := traceQuery.Load(); fn != nil {
		vals := make([]any, len(args))
		for i, a := range args {
			vals[i] = a.Value
		}
		(*fn)(query, vals)
	}
}

// stmtCacheConnector makes connections with the driver and wraps each in a cache.
type stmtCacheConnector struct {
	dsn    string
	driver driver.Driver
}

func (c *stmtCacheConnector) Connect(context.Context) (driver.Conn, error) {
	dc, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newCachingConn(dc)
}

func (c *stmtCacheConnector) Driver() driver.Driver { return c.driver }

// cachingConn is a driver connection with its statements kept prepared. database/sql uses
// a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	driver.Conn
	begin   driver.ConnBeginTx
	prepare driver.ConnPrepareContext

	stmts    map[string]*list.Element // of *cachedStmt
	lru      list.List                // front: most recently used
	prepared int                      // statements prepared for the cache: its misses
}

// cachedStmt is a prepared statement and whether a result set still reads from it: a
// statement cannot run again (nor be closed) until its rows are closed.
type cachedStmt struct {
	query   string
	stmt    driver.Stmt
	busy    bool
	evicted bool
}

func newCachingConn(dc driver.Conn) (*cachingConn, error) {
	begin, ok1 := dc.(driver.ConnBeginTx)
	prepare, ok2 := dc.(driver.ConnPrepareContext)
	_, ok3 := dc.(driver.Pinger)
	_, ok4 := dc.(driver.ExecerContext)
	_, ok5 := dc.(driver.QueryerContext)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		dc.Close()
		return nil, errors.New("sqlstore: the SQLite driver lacks an interface the statement cache needs")
	}
	return &cachingConn{Conn: dc, begin: begin, prepare: prepare, stmts: map[string]*list.Element{}}, nil
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.begin.BeginTx(ctx, opts)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.prepare.PrepareContext(ctx, query)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		errs = append(errs, e.Value.(*cachedStmt).stmt.Close())
	}
	c.stmts, c.lru = nil, list.List{}
	return errors.Join(append(errs, c.Conn.Close())...)
}

// get returns query's statement, preparing it on a miss. ok is false when the cached one
// is still reading rows (a query run while iterating over the same query's results): then
// the caller runs a one-off statement.
func (c *cachingConn) get(ctx context.Context, query string) (cs *cachedStmt, ok bool, err error) {
	if e, hit := c.stmts[query]; hit {
		cs = e.Value.(*cachedStmt)
		if cs.busy {
			return nil, false, nil
		}
		c.lru.MoveToFront(e)
		return cs, true, nil
	}
	st, err := c.prepare.PrepareContext(ctx, query)
	if err != nil {
		return nil, false, err
	}
	c.prepared++
	cs = &cachedStmt{query: query, stmt: st}
	c.stmts[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		old := c.lru.Back()
		c.lru.Remove(old)
		o := old.Value.(*cachedStmt)
		delete(c.stmts, o.query)
		o.evicted = true
		if !o.busy {
			o.stmt.Close()
		}
	}
	return cs, true, nil
}

// done marks cs free again, closing it if it left the cache meanwhile.
func (c *cachingConn) done(cs *cachedStmt) error {
	cs.busy = false
	if cs.evicted {
		return cs.stmt.Close()
	}
	return nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	traced(query, args)
	cs, ok, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	cs.busy = true
	res, err := cs.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
	return res, errors.Join(err, c.done(cs))
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	traced(query, args)
	cs, ok, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	cs.busy = true
	rows, err := cs.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, errors.Join(err, c.done(cs))
	}
	return &cachedRows{Rows: rows, conn: c, stmt: cs}, nil
}

// cachedRows frees its statement for the next run when closed.
type cachedRows struct {
	driver.Rows
	conn *cachingConn
	stmt *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.stmt != nil {
		err = errors.Join(err, r.conn.done(r.stmt))
		r.stmt = nil
	}
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}
