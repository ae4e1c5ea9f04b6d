package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
)

// openCached opens a one-connection pool with a statement cache of size,
// on a table t holding 1, 2 and 3, and returns its connection.
func openCached(t *testing.T, size int) *sql.Conn {
	t.Helper()
	ctx := context.Background()
	db, err := openDB("file:"+filepath.Join(t.TempDir(), "cache.db"), size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	db.SetMaxOpenConns(1)
	for _, q := range []string{"CREATE TABLE t (x INTEGER PRIMARY KEY)", "INSERT INTO t (x) VALUES (1), (2), (3)"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// cached returns the SQL texts cached on c's connection, most recently used
// first.
func cached(t *testing.T, c *sql.Conn) []string {
	t.Helper()
	var out []string
	err := c.Raw(func(dc any) error {
		for e := dc.(*cachingConn).lru.Front(); e != nil; e = e.Next() {
			out = append(out, e.Value.(*cachedStmt).query)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func column(t *testing.T, rows *sql.Rows) []int64 {
	t.Helper()
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var x int64
		if err := rows.Scan(&x); err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A query run again while its own rows are still being read must not reset
// them: the nested run goes uncached and both see every row.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	ctx := context.Background()
	c := openCached(t, 8)
	const q = "SELECT x FROM t WHERE x >= $1 ORDER BY x"
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	outer, err := tx.QueryContext(ctx, q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var seen []int64
	for outer.Next() {
		var x int64
		if err := outer.Scan(&x); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, x)
		inner, err := tx.QueryContext(ctx, q, x)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := column(t, inner), []int64{1, 2, 3}[x-1:]; !slices.Equal(got, want) {
			t.Fatalf("inner query from %d = %v, want %v", x, got, want)
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if !slices.Equal(seen, []int64{1, 2, 3}) {
		t.Fatalf("outer rows %v, want [1 2 3]", seen)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := cached(t, c); !slices.Contains(got, q) {
		t.Fatalf("cache %q lacks the query", got)
	}
}

// The cache keeps the most recently used statements up to its size; a
// statement evicted while its rows are open keeps serving them.
func TestStmtCacheEviction(t *testing.T) {
	ctx := context.Background()
	c := openCached(t, 2)
	q1, q2, q3 := "SELECT x FROM t ORDER BY x", "SELECT x FROM t WHERE x > 1 ORDER BY x", "SELECT x FROM t WHERE x > 2"

	rows, err := c.QueryContext(ctx, q1)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatal("no first row")
	}
	for range 2 {
		for _, q := range []string{q2, q3} {
			r, err := c.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			column(t, r)
		}
	}
	if got, want := cached(t, c), []string{q3, q2}; !slices.Equal(got, want) {
		t.Fatalf("cache %q, want %q", got, want)
	}
	var x int64
	if err := rows.Scan(&x); err != nil {
		t.Fatal(err)
	}
	if rest := column(t, rows); x != 1 || !slices.Equal(rest, []int64{2, 3}) {
		t.Fatalf("evicted statement's rows: %d then %v, want 1 then [2 3]", x, rest)
	}
	// Prepared again on its next use.
	r, err := c.QueryContext(ctx, q1)
	if err != nil {
		t.Fatal(err)
	}
	if got := column(t, r); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("q1 again = %v", got)
	}
	if got, want := cached(t, c), []string{q1, q3}; !slices.Equal(got, want) {
		t.Fatalf("cache %q, want %q", got, want)
	}
}

// A cached statement that failed (constraint, no rows) is reusable, and the
// driver still maps the errors onto the store's sentinels.
func TestStmtCacheErrorsThroughDriver(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "drv.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Exec(ctx, "CREATE TABLE k (name TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	const ins = "INSERT INTO k (name) VALUES ($1)"
	for i, tc := range []struct {
		name string
		want error
	}{{"a", nil}, {"a", store.ErrConflict}, {"b", nil}, {"b", store.ErrConflict}, {"c", nil}} {
		err := d.InTx(ctx, true, func(ex store.Executor) error {
			_, err := ex.Exec(ctx, ins, tc.name)
			return err
		})
		if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Fatalf("insert %d (%s): %v, want %v", i, tc.name, err, tc.want)
		}
	}
	const sel = "SELECT name FROM k WHERE name = $1"
	for _, tc := range []struct {
		name string
		want error
	}{{"a", nil}, {"zz", store.ErrNotFound}, {"c", nil}} {
		var got string
		err := d.QueryRow(ctx, sel, tc.name).Scan(&got)
		if !errors.Is(err, tc.want) || (tc.want == nil && got != tc.name) {
			t.Fatalf("select %s: %q, %v, want %v", tc.name, got, err, tc.want)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatalf("close with cached statements: %v", err)
	}
}
