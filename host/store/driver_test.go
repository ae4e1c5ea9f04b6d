package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// These tests pin down the driver contract (types, error mapping,
// transactions, locking) on every engine, below the typed queries.

func TestDriverScanTypes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ex := st.Driver()
		if _, err := ex.Exec(ctx, `CREATE TABLE drv_types (
			id BIGINT PRIMARY KEY, b BOOLEAN NOT NULL, n BIGINT, s TEXT, j TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		ts := time.Date(2026, 11, 27, 10, 0, 0, 123456000, time.UTC)
		kind := store.KindGroup
		for _, row := range []struct {
			id   int64
			b    bool
			n    any
			s    any
			json json.RawMessage
		}{
			{1, true, int64(math.MaxInt64), "héllo 🌍 'quoted'", json.RawMessage(`{"a":[1,2]}`)},
			{2, false, nil, nil, json.RawMessage(`{}`)},
			{3, true, store.Micros(ts), string(kind), json.RawMessage(`[]`)},
		} {
			if _, err := ex.Exec(ctx, "INSERT INTO drv_types (id, b, n, s, j) VALUES ($1, $2, $3, $4, $5)",
				row.id, row.b, row.n, row.s, string(row.json)); err != nil {
				t.Fatalf("insert %d: %v", row.id, err)
			}
		}

		var (
			b bool
			n sql.NullInt64
			s sql.NullString
			j string
		)
		scan := func(id int64) {
			t.Helper()
			if err := ex.QueryRow(ctx, "SELECT b, n, s, j FROM drv_types WHERE id = $1", id).Scan(&b, &n, &s, &j); err != nil {
				t.Fatalf("scan %d: %v", id, err)
			}
		}
		scan(1)
		if !b || n != (sql.NullInt64{Int64: math.MaxInt64, Valid: true}) || s != (sql.NullString{String: "héllo 🌍 'quoted'", Valid: true}) || j != `{"a":[1,2]}` {
			t.Errorf("row 1 = %v %v %v %q", b, n, s, j)
		}
		scan(2)
		if b || n.Valid || s.Valid || j != "{}" {
			t.Errorf("row 2 = %v %v %v %q, want false and NULLs", b, n, s, j)
		}

		// Plain Go types and named string types scan too.
		var (
			us  int64
			got store.RoomKind
			one int
		)
		if err := ex.QueryRow(ctx, "SELECT n, s, 1 FROM drv_types WHERE id = $1", 3).Scan(&us, &got, &one); err != nil {
			t.Fatal(err)
		}
		if !store.FromMicros(us).Equal(ts) || got != kind || one != 1 {
			t.Errorf("row 3 = %v %q %d, want %v %q 1", store.FromMicros(us), got, one, ts, kind)
		}

		rows, err := ex.Query(ctx, "SELECT id FROM drv_types WHERE b ORDER BY id DESC")
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || fmt.Sprint(ids) != "[3 1]" {
			t.Errorf("ids = %v, %v; want [3 1]", ids, err)
		}

		n2, err := ex.Exec(ctx, "UPDATE drv_types SET b = NOT b WHERE id <> $1", 99)
		if err != nil || n2 != 3 {
			t.Errorf("update affected %d, %v; want 3", n2, err)
		}
	})
}

func TestDriverErrorMapping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var alice store.User
		if err := st.Write(ctx, func(tx *store.Tx) (err error) {
			alice, err = tx.CreateUser(ctx, store.User{Username: "alice"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ex := st.Driver()
		now := store.Micros(time.Now())
		for _, c := range []struct {
			name string
			sql  string
			args []any
		}{
			{"unique", "INSERT INTO users (username) VALUES ($1)", []any{"alice"}},
			{"check", "INSERT INTO rooms (id, tenant, kind, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
				[]any{"r1", "default", "Chatroom", now}},
			{"foreign key", "INSERT INTO sessions (user_id, channel_name, last_seen) VALUES ($1, $2, $3)",
				[]any{alice.ID + 1000, "c", now}},
			{"not null", "INSERT INTO sessions (user_id, channel_name, last_seen) VALUES ($1, $2, $3)",
				[]any{alice.ID, nil, now}},
		} {
			_, err := ex.Exec(ctx, c.sql, c.args...)
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s violation: err = %v, want ErrConflict", c.name, err)
			}
		}

		// Through a typed query and a transaction the sentinel survives.
		err := st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateUser(ctx, store.User{Username: "alice"})
			return err
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate CreateUser: err = %v, want ErrConflict", err)
		}

		var id int64
		err = ex.QueryRow(ctx, "SELECT id FROM users WHERE username = $1", "nobody").Scan(&id)
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no row: err = %v, want ErrNotFound", err)
		}
		err = st.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.GetUser(ctx, alice.ID+1000)
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetUser of no user: err = %v, want ErrNotFound", err)
		}
	})
}

func TestDriverTransactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := st.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.CreateUser(ctx, store.User{Username: "ghost"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write returned %v, want fn's error", err)
		}
		if countUsers(t, st) != 0 {
			t.Error("a failed transaction left its insert behind")
		}

		if err := st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateUser(ctx, store.User{Username: "kept"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if countUsers(t, st) != 1 {
			t.Error("a committed insert is not visible")
		}

		err = st.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateUser(ctx, store.User{Username: "sneaky"})
			return err
		})
		if err == nil {
			t.Error("a read transaction accepted a write")
		}
		if countUsers(t, st) != 1 {
			t.Error("a write in a read transaction took effect")
		}
	})
}

// A read transaction sees one snapshot, even when a write commits in the
// middle of it.
func TestDriverReadSnapshot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var before, after int
		err := st.Read(ctx, func(tx *store.Tx) error {
			if err := tx.Executor().QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&before); err != nil {
				return err
			}
			if err := st.Write(ctx, func(w *store.Tx) error {
				_, err := w.CreateUser(ctx, store.User{Username: "late"})
				return err
			}); err != nil {
				return err
			}
			return tx.Executor().QueryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&after)
		})
		if err != nil {
			t.Fatal(err)
		}
		if before != 0 || after != 0 {
			t.Errorf("counts in one read transaction = %d, %d; want 0, 0", before, after)
		}
		if countUsers(t, st) != 1 {
			t.Error("the concurrent write was lost")
		}
	})
}

// GetRoom with lock=true serialises check-then-write on one room: however
// many transactions race to join, the cap holds.
func TestDriverRoomLockSerialisesCheckThenWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const racers, capacity = 16, 5
		var users []int64
		if err := st.Write(ctx, func(tx *store.Tx) error {
			for i := range racers {
				u, err := tx.CreateUser(ctx, store.User{Username: fmt.Sprintf("u%d", i)})
				if err != nil {
					return err
				}
				users = append(users, u.ID)
			}
			now := store.Micros(tx.Now())
			_, err := tx.Executor().Exec(ctx, `INSERT INTO rooms (id, tenant, kind, max_members, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5)`, "room", store.DefaultTenant, string(store.KindGroup), capacity, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}

		var wg sync.WaitGroup
		errs := make(chan error, racers)
		for _, uid := range users {
			wg.Go(func() {
				errs <- st.Write(ctx, func(tx *store.Tx) error {
					rm, err := tx.GetRoom(ctx, store.DefaultTenant, "room", true)
					if err != nil {
						return err
					}
					var n int64
					if err := tx.Executor().QueryRow(ctx, "SELECT COUNT(*) FROM room_members WHERE room_id = $1", rm.ID).Scan(&n); err != nil {
						return err
					}
					// Widen the window between check and write.
					time.Sleep(2 * time.Millisecond)
					if n >= rm.MaxMembers {
						return nil
					}
					_, err = tx.Executor().Exec(ctx, "INSERT INTO room_members (room_id, user_id) VALUES ($1, $2)", rm.ID, uid)
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		var n int
		if err := st.Driver().QueryRow(ctx, "SELECT COUNT(*) FROM room_members").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != capacity {
			t.Errorf("%d members joined a room capped at %d", n, capacity)
		}
	})
}

func TestDriverMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.SetSettingIfAbsent(ctx, "k", "v")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		var v string
		if err := st.Read(ctx, func(tx *store.Tx) (err error) {
			v, err = tx.GetSetting(ctx, "k")
			return err
		}); err != nil || v != "v" {
			t.Errorf("setting after re-migrating = %q, %v; want v", v, err)
		}
	})
}

func countUsers(t *testing.T, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.Driver().QueryRow(context.Background(), "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
