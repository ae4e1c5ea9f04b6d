package store_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// migrationSet is a test-only set of migrations: the schema's real migration
// 1 followed by the given files.
func migrationSet(t *testing.T, files map[string]string) fstest.MapFS {
	t.Helper()
	init, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"0001_init.sql": {Data: init}}
	for name, text := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	return fsys
}

// versions returns the versions of ms.
func versions(ms []store.Migration) []int {
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.Version)
	}
	return vs
}

// recorded returns the versions schema_migrations records.
func recorded(t *testing.T, st *store.Store) []int {
	t.Helper()
	s, err := st.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var vs []int
	for _, a := range s.Applied {
		vs = append(vs, a.Version)
	}
	return vs
}

// tableExists reports whether st's database has the table name.
func tableExists(t *testing.T, st *store.Store, name string) bool {
	t.Helper()
	var one int
	err := st.Driver().QueryRow(context.Background(), st.Driver().Dialect().Migration.TableExists, name).Scan(&one)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// TestMigrateFresh: an empty database gets every migration, recorded, and a
// second run applies nothing.
func TestMigrateFresh(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		ctx := context.Background()
		st := open()
		all, err := store.Migrations(st.Driver().Dialect())
		if err != nil {
			t.Fatal(err)
		}
		if len(all) == 0 || all[0].Version != 1 || all[0].Name != "init" {
			t.Fatalf("migrations start with %v, want 1 init", all)
		}
		before, err := st.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if before.Version() != 0 || before.Unversioned || !slices.Equal(versions(before.Pending), versions(all)) {
			t.Errorf("status of an empty database: version %d, unversioned %v, pending %v; want 0, false, %v",
				before.Version(), before.Unversioned, versions(before.Pending), versions(all))
		}
		if tableExists(t, st, "schema_migrations") {
			t.Error("status created schema_migrations")
		}
		res, err := st.MigrateUp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(versions(res.Applied), versions(all)) || res.Adopted {
			t.Errorf("first run applied %v (adopted %v), want %v", versions(res.Applied), res.Adopted, versions(all))
		}
		if got := recorded(t, st); !slices.Equal(got, versions(all)) {
			t.Errorf("schema_migrations records %v, want %v", got, versions(all))
		}
		if !tableExists(t, st, "users") {
			t.Error("no users table after migrating")
		}
		res, err = st.MigrateUp(ctx)
		if err != nil || len(res.Applied) != 0 {
			t.Errorf("second run applied %v, %v; want nothing", versions(res.Applied), err)
		}
	})
}

// TestMigrateAdoptsUnversioned: a database created by the releases before
// versioned migrations (their idempotent script, which is migration 1's
// text, and no schema_migrations) is adopted as version 1, keeps its data,
// and then takes a later migration.
func TestMigrateAdoptsUnversioned(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		ctx := context.Background()
		// Only migration 1 is adopted: the later ones of this binary would
		// make the database newer than the set of "next" below.
		old := open(store.WithMigrations(migrationSet(t, nil)))
		if err := storetest.CreateUnversioned(ctx, old); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Driver().Exec(ctx, "INSERT INTO users (username) VALUES ('alice')"); err != nil {
			t.Fatal(err)
		}
		s, err := old.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !s.Unversioned || s.Version() != 0 || len(s.Pending) == 0 || s.Pending[0].Version != 1 {
			t.Fatalf("status of an unversioned database: unversioned %v, version %d, pending %v; want true, 0, from 1",
				s.Unversioned, s.Version(), versions(s.Pending))
		}

		// Adopted by a release whose only migration is 1, so that the next
		// release's migration is 2 whatever the schema's later ones are.
		res, err := open(store.WithMigrations(migrationSet(t, nil))).MigrateUp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Adopted || len(res.Applied) == 0 || res.Applied[0].Version != 1 {
			t.Errorf("adopting applied %v (adopted %v), want 1 adopted", versions(res.Applied), res.Adopted)
		}

		next := open(store.WithMigrations(migrationSet(t, map[string]string{
			"0002_nickname.sql": "ALTER TABLE users ADD COLUMN nickname TEXT NOT NULL DEFAULT 'none';",
		})))
		res, err = next.MigrateUp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(versions(res.Applied), []int{2}) || res.Adopted {
			t.Errorf("upgrade applied %v (adopted %v), want [2]", versions(res.Applied), res.Adopted)
		}
		var nick string
		if err := next.Driver().QueryRow(ctx, "SELECT nickname FROM users WHERE username = 'alice'").Scan(&nick); err != nil || nick != "none" {
			t.Errorf("alice's nickname after the upgrade: %q, %v", nick, err)
		}
		if got := recorded(t, next); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("schema_migrations records %v, want [1 2]", got)
		}
	})
}

// TestMigrateRefusesNewerDatabase: a database holding a migration the binary
// does not know is refused with ErrSchemaTooNew, and nothing is applied to
// it; so is one whose record misses an old migration.
func TestMigrateRefusesNewerDatabase(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		ctx := context.Background()
		newer := open(store.WithMigrations(migrationSet(t, map[string]string{
			"0002_newer.sql": "CREATE TABLE newer (id BIGINT);",
		})))
		if err := newer.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// An older binary, which also has a migration of its own pending,
		// so that a run that went ahead would show.
		older := open(store.WithMigrations(migrationSet(t, map[string]string{
			"0003_other.sql": "CREATE TABLE other (id BIGINT);",
		})))
		res, err := older.MigrateUp(ctx)
		if !errors.Is(err, store.ErrSchemaTooNew) || len(res.Applied) != 0 {
			t.Errorf("older binary: applied %v, %v; want nothing and ErrSchemaTooNew", versions(res.Applied), err)
		}
		s, err := older.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Unknown) != 1 || s.Unknown[0].Version != 2 || s.Unknown[0].Name != "newer" || !errors.Is(s.Err(), store.ErrSchemaTooNew) {
			t.Errorf("status: unknown %v, err %v; want 2 newer, ErrSchemaTooNew", s.Unknown, s.Err())
		}
		if tableExists(t, older, "other") || !slices.Equal(recorded(t, older), []int{1, 2}) {
			t.Error("the refused run changed the database")
		}

		// A record missing migration 1 below 2: applying 1 now would run
		// it out of order.
		if _, err := newer.Driver().Exec(ctx, "DELETE FROM schema_migrations WHERE version = 1"); err != nil {
			t.Fatal(err)
		}
		if _, err := newer.MigrateUp(ctx); err == nil {
			t.Error("a database missing migration 1 below 2 was migrated")
		}
	})
}

// TestMigrateFailureStops: a migration that fails is rolled back and stops
// the run; the ones before it stay applied, and it is pending again.
func TestMigrateFailureStops(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		ctx := context.Background()
		st := open(store.WithMigrations(migrationSet(t, map[string]string{
			"0002_half.sql":  "CREATE TABLE half (id BIGINT);\nINSERT INTO no_such_table VALUES (1);",
			"0003_later.sql": "CREATE TABLE later (id BIGINT);",
		})))
		res, err := st.MigrateUp(ctx)
		if err == nil || !slices.Equal(versions(res.Applied), []int{1}) {
			t.Fatalf("run with a failing migration 2: applied %v, %v; want [1] and an error", versions(res.Applied), err)
		}
		s, err := st.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if s.Version() != 1 || !slices.Equal(versions(s.Pending), []int{2, 3}) || tableExists(t, st, "half") || tableExists(t, st, "later") {
			t.Errorf("after the failure: version %d, pending %v, half %v, later %v; want 1, [2 3], no tables",
				s.Version(), versions(s.Pending), tableExists(t, st, "half"), tableExists(t, st, "later"))
		}
	})
}

// TestMigrateConcurrent: migrators starting at once on one database (nodes,
// processes: each its own store and connections) apply each migration once
// between them. Migration 2 is not idempotent, so a second application
// would fail.
func TestMigrateConcurrent(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		set := migrationSet(t, map[string]string{
			"0002_once.sql": "CREATE TABLE once (id BIGINT);",
			"0003_row.sql":  "INSERT INTO settings (key, value) VALUES ('migrated', 'once');",
		})
		const migrators = 4
		stores := make([]*store.Store, migrators)
		for i := range stores {
			stores[i] = open(store.WithMigrations(set))
		}
		results := make([]store.MigrateResult, migrators)
		errs := make([]error, migrators)
		var wg sync.WaitGroup
		for i, st := range stores {
			wg.Go(func() { results[i], errs[i] = st.MigrateUp(context.Background()) })
		}
		wg.Wait()
		var applied []int
		for i := range stores {
			if errs[i] != nil {
				t.Errorf("migrator %d: %v", i, errs[i])
			}
			applied = append(applied, versions(results[i].Applied)...)
		}
		slices.Sort(applied)
		if !slices.Equal(applied, []int{1, 2, 3}) {
			t.Errorf("the migrators applied %v between them, want each of 1, 2, 3 once", applied)
		}
		if got := recorded(t, stores[0]); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("schema_migrations records %v, want [1 2 3]", got)
		}
	})
}

// TestMigrationsPerEngine: a version may have a file per engine; each
// engine runs its own, and a file for both is used where an engine has
// none.
func TestMigrationsPerEngine(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		st := open(store.WithMigrations(migrationSet(t, map[string]string{
			"0002_engine.sqlite.sql":   "CREATE TABLE on_sqlite (id BIGINT);",
			"0002_engine.postgres.sql": "CREATE TABLE on_postgres (id BIGINT);",
			"0003_both.sql":            "CREATE TABLE on_both (id BIGINT);",
		})))
		res, err := st.MigrateUp(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Applied) != 3 || res.Applied[1].Name != "engine" {
			t.Errorf("applied %v, want 1 init, 2 engine, 3 both", res.Applied)
		}
		engine := st.Driver().Dialect().Name
		for table, want := range map[string]bool{
			"on_sqlite": engine == "sqlite", "on_postgres": engine == "postgres", "on_both": true,
		} {
			if got := tableExists(t, st, table); got != want {
				t.Errorf("table %s exists: %v, want %v", table, got, want)
			}
		}
	})
}

// TestMigrationFileNames: a file that is not NNNN_name.sql, two files of one
// version for the same engine, a version without a file for the engine and
// a file for an engine that does not exist make the set unusable, before
// anything runs.
func TestMigrationFileNames(t *testing.T) {
	for name, c := range map[string]struct {
		files map[string]string
		want  string // in the error
	}{
		"no number":       {map[string]string{"init.sql": ""}, "want NNNN_name.sql"},
		"version 0":       {map[string]string{"0000_zero.sql": ""}, "want NNNN_name.sql"},
		"two files":       {map[string]string{"0002_a.sql": "", "0002_b.sql": ""}, "two files"},
		"one engine only": {map[string]string{"0002_a.postgres.sql": ""}, "no file for sqlite"},
		"unknown engine":  {map[string]string{"0002_a.sqlite.sql": "", "0002_a.mysql.sql": ""}, `unknown engine "mysql"`},
	} {
		t.Run(name, func(t *testing.T) {
			st := storetest.Empty(t, "sqlite")(store.WithMigrations(migrationSet(t, c.files)))
			if _, err := st.MigrateUp(context.Background()); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: %v, want an error saying %q", c.files, err, c.want)
			}
			if tableExists(t, st, "schema_migrations") {
				t.Errorf("%v: the bad set changed the database", c.files)
			}
		})
	}
}
