package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/postgres"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/jackc/pgx/v5/pgconn"
)

func open(t *testing.T, url string) *postgres.Driver {
	t.Helper()
	d, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// Two transactions that lock the same rows in opposite orders deadlock;
// PostgreSQL aborts one, and InTx runs it again so both succeed.
func TestDeadlockIsRetried(t *testing.T) {
	st := storetest.Open(t, "postgres")
	ctx := context.Background()
	if _, err := st.Driver().Exec(ctx, "INSERT INTO settings (key, value) VALUES ('a', '0'), ('b', '0')"); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	firstLocks := sync.WaitGroup{}
	firstLocks.Add(2)
	// Only one side checks for the deadlock soon: if both did, a loaded
	// machine could let both find it and abort, and both be retried.
	lockInOrder := func(first, second, deadlockTimeout string) error {
		attempt := 0
		return st.Driver().InTx(ctx, true, func(ex store.Executor) error {
			calls.Add(1)
			attempt++
			if _, err := ex.Exec(ctx, "SET LOCAL deadlock_timeout = '"+deadlockTimeout+"'"); err != nil {
				return err
			}
			if _, err := ex.Exec(ctx, "UPDATE settings SET value = value || '+' WHERE key = $1", first); err != nil {
				return err
			}
			if attempt == 1 {
				// Both hold their first lock before either asks for its second.
				firstLocks.Done()
				firstLocks.Wait()
			}
			_, err := ex.Exec(ctx, "UPDATE settings SET value = value || '+' WHERE key = $1", second)
			return err
		})
	}
	var wg sync.WaitGroup
	var errA, errB error
	wg.Go(func() { errA = lockInOrder("a", "b", "20ms") })
	wg.Go(func() { errB = lockInOrder("b", "a", "1min") })
	wg.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("transactions failed: %v, %v", errA, errB)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("fn ran %d times, want 3 (one deadlock victim retried once)", got)
	}
	var a, b string
	if err := st.Driver().QueryRow(ctx, "SELECT (SELECT value FROM settings WHERE key = 'a'), (SELECT value FROM settings WHERE key = 'b')").Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != "0++" || b != "0++" {
		t.Errorf("a, b = %q, %q; want both updated twice", a, b)
	}
}

// Retries are bounded, and only serialization failures and deadlocks are
// retried.
func TestRetriesAreBounded(t *testing.T) {
	st := storetest.Open(t, "postgres")
	ctx := context.Background()
	for _, c := range []struct {
		err  error
		want int
	}{
		{&pgconn.PgError{Code: "40001", Message: "could not serialize access"}, 5},
		{fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}), 5},
		{&pgconn.PgError{Code: "23505", Message: "duplicate key"}, 1},
		{errors.New("plain"), 1},
	} {
		calls := 0
		err := st.Driver().InTx(ctx, true, func(store.Executor) error {
			calls++
			return c.err
		})
		if !errors.Is(err, c.err) || calls != c.want {
			t.Errorf("fn failing with %v: ran %d times and returned %v; want %d times and that error", c.err, calls, err, c.want)
		}
	}
}

// A constraint violation is ErrConflict and still carries PostgreSQL's error,
// with the constraint's name.
func TestConflictKeepsPgError(t *testing.T) {
	st := storetest.Open(t, "postgres")
	ctx := context.Background()
	q := "INSERT INTO users (username) VALUES ($1)"
	if _, err := st.Driver().Exec(ctx, q, "bob"); err != nil {
		t.Fatal(err)
	}
	_, err := st.Driver().Exec(ctx, q, "bob")
	var pe *pgconn.PgError
	if !errors.Is(err, store.ErrConflict) || !errors.As(err, &pe) || pe.Code != "23505" || pe.ConstraintName != "users_username_key" {
		t.Errorf("duplicate username: %v", err)
	}
}

func TestOpenKeywordValueForm(t *testing.T) {
	url := storetest.PostgresURL(t)
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	dsn := fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", cfg.Host, cfg.Port, cfg.User, cfg.Database)
	d := open(t, dsn)
	var db string
	if err := d.QueryRow(context.Background(), "SELECT current_database()").Scan(&db); err != nil || db != cfg.Database {
		t.Errorf("connected to %q, %v; want %q", db, err, cfg.Database)
	}
}

func TestOpenFailsFast(t *testing.T) {
	for _, url := range []string{"postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", "::not a url::"} {
		if d, err := postgres.Open(context.Background(), url); err == nil {
			d.Close()
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}
