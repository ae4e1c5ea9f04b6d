package store

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// migrationsFS holds the schema's migrations: migrations/NNNN_name.sql, for
// both engines, or NNNN_name.sqlite.sql and NNNN_name.postgres.sql where the
// engines need different text. {{autoid}} in the text is the engine's
// auto-increment integer primary key (MigrationDialect.AutoID).
//
//go:embed migrations/*.sql
var migrationsFS embed.FS

// ErrSchemaTooNew is returned, without anything being changed, for a
// database holding a migration this binary does not know: a newer chatwasm
// migrated it, and running an older one on it could corrupt it.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this chatwasm")

// Migration is one numbered change of the schema.
type Migration struct {
	// Version orders the migrations; they run in increasing order.
	Version int
	// Name says what the migration does (the file name's part after the
	// number).
	Name string
	// Statements are the migration's SQL statements for one engine.
	Statements []string
}

// String is "VERSION NAME", as the CLI prints it.
func (m Migration) String() string { return strconv.Itoa(m.Version) + " " + m.Name }

// AppliedMigration is a migration recorded in the database.
type AppliedMigration struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// MigrationStatus is what Status finds in the database.
type MigrationStatus struct {
	// Engine is the dialect's name ("sqlite", "postgres").
	Engine string
	// Applied are the migrations the database records, oldest first.
	Applied []AppliedMigration
	// Unversioned is true for a database created before migrations were
	// versioned: it has tables but records no migration. Migration 1 adopts
	// it (its text is the schema of those releases, and creates only what is
	// missing).
	Unversioned bool
	// Pending are the migrations Up would apply, in order.
	Pending []Migration
	// Unknown are the recorded migrations this binary does not know; Up
	// refuses such a database with ErrSchemaTooNew.
	Unknown []AppliedMigration
}

// Version is the highest version the database records, 0 for none.
func (s MigrationStatus) Version() int {
	if len(s.Applied) == 0 {
		return 0
	}
	return s.Applied[len(s.Applied)-1].Version
}

// MigrateResult is what one run of MigrateUp did.
type MigrateResult struct {
	// Applied are the migrations this run applied, in order; none when the
	// database was up to date.
	Applied []Migration
	// Adopted is true when migration 1 ran over the tables of a database
	// created before migrations were versioned.
	Adopted bool
}

// Migrations returns the schema's migrations in d's SQL, in order.
func Migrations(d Dialect) ([]Migration, error) {
	fsys, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return loadMigrations(fsys, d)
}

// WithMigrations replaces the schema's migrations by those at the root of
// fsys (named as in host/store/migrations), for tests of the migration
// runner.
func WithMigrations(fsys fs.FS) Option { return func(s *Store) { s.migrations = fsys } }

// engines are the Dialect names a migration file may be written for.
var engines = []string{"sqlite", "postgres"}

// loadMigrations reads the migrations at the root of fsys for the engine of
// d: for each version, its file for d's engine if there is one, else its
// file for both.
func loadMigrations(fsys fs.FS, d Dialect) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	type file struct {
		name, path string
		own        bool // written for d's engine only
	}
	files := map[int]file{}
	var others []int // versions with a file for another engine only, so far
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".sql")
		if e.IsDir() || !ok {
			continue
		}
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || name == "" {
			return nil, fmt.Errorf("store: migration file %s: want NNNN_name.sql", e.Name())
		}
		own := false
		if stem, engine, found := strings.Cut(name, "."); found {
			if !slices.Contains(engines, engine) {
				return nil, fmt.Errorf("store: migration file %s: unknown engine %q (want %s)", e.Name(), engine, strings.Join(engines, " or "))
			}
			if engine != d.Name {
				others = append(others, v)
				continue
			}
			name, own = stem, true
		}
		if f, dup := files[v]; dup && f.own == own {
			return nil, fmt.Errorf("store: migration %d: two files, %s and %s", v, f.path, e.Name())
		} else if dup && f.own {
			continue
		}
		files[v] = file{name: name, path: e.Name(), own: own}
	}
	for _, v := range others {
		if _, ok := files[v]; !ok {
			return nil, fmt.Errorf("store: migration %d: no file for %s, nor one for both engines", v, d.Name)
		}
	}
	ms := make([]Migration, 0, len(files))
	for v, f := range files {
		text, err := fs.ReadFile(fsys, f.path)
		if err != nil {
			return nil, fmt.Errorf("store: migration %d: %w", v, err)
		}
		ms = append(ms, Migration{Version: v, Name: f.name, Statements: splitStatements(strings.ReplaceAll(string(text), "{{autoid}}", d.Migration.AutoID))})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return cmp.Compare(a.Version, b.Version) })
	return ms, nil
}

// splitStatements splits SQL text into its statements, dropping comment
// lines. A ";" ends a statement wherever it is, so none may appear inside
// one (in a string literal or a comment).
func splitStatements(text string) []string {
	var out []string
	for _, stmt := range strings.Split(text, ";") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "--") {
				lines = append(lines, l)
			}
		}
		if len(lines) > 0 {
			out = append(out, strings.Join(lines, "\n"))
		}
	}
	return out
}

// versionTable records the applied migrations. It is the runner's own, not
// a migration: the runner needs it to know which migrations to run.
const versionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at BIGINT NOT NULL
)`

// Migrate applies every pending migration (MigrateUp, for callers that need
// only the outcome).
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.MigrateUp(ctx)
	return err
}

// MigrateUp applies the pending migrations in order, each in a write
// transaction of its own that first takes the dialect's migration lock
// (MigrationDialect.Lock), so that migrators starting at once (several
// nodes, a "chatwasm migrate" during a start) take turns and each migration
// is applied once. A
// migration that fails rolls back and stops the run; the ones before it stay
// applied. A database holding a migration this binary does not know is
// refused with ErrSchemaTooNew before anything is changed.
func (s *Store) MigrateUp(ctx context.Context) (MigrateResult, error) {
	var res MigrateResult
	ms, err := s.migrationSet()
	if err != nil {
		return res, err
	}
	for {
		var applied *Migration
		var adopted bool
		err := s.drv.InTx(ctx, true, func(ex Executor) error {
			// Reset: InTx may run this again after a serialization failure.
			applied, adopted = nil, false
			d := s.drv.Dialect()
			if d.Migration.Lock != "" {
				if _, err := ex.Exec(ctx, d.Migration.Lock); err != nil {
					return fmt.Errorf("store: migrate: lock: %w", err)
				}
			}
			if _, err := ex.Exec(ctx, versionTable); err != nil {
				return fmt.Errorf("store: migrate: create schema_migrations: %w", err)
			}
			st, err := s.status(ctx, ex, ms)
			if err != nil {
				return err
			}
			if err := st.Err(); err != nil {
				return err
			}
			if len(st.Pending) == 0 {
				return nil
			}
			m := st.Pending[0]
			for _, stmt := range m.Statements {
				if _, err := ex.Exec(ctx, stmt); err != nil {
					return fmt.Errorf("store: migration %s: %w", m, err)
				}
			}
			if _, err := ex.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.Version, m.Name, Micros(s.now())); err != nil {
				return fmt.Errorf("store: migration %s: record: %w", m, err)
			}
			applied, adopted = &m, st.Unversioned
			return nil
		})
		if err != nil || applied == nil {
			return res, err
		}
		res.Applied = append(res.Applied, *applied)
		res.Adopted = res.Adopted || adopted
	}
}

// MigrationStatus reads which migrations the database records and which are
// pending, changing nothing.
func (s *Store) MigrationStatus(ctx context.Context) (MigrationStatus, error) {
	ms, err := s.migrationSet()
	if err != nil {
		return MigrationStatus{}, err
	}
	var st MigrationStatus
	err = s.drv.InTx(ctx, false, func(ex Executor) (err error) {
		st, err = s.status(ctx, ex, ms)
		return err
	})
	return st, err
}

// migrationSet is the store's migrations in its dialect.
func (s *Store) migrationSet() ([]Migration, error) {
	if s.migrations == nil {
		return Migrations(s.drv.Dialect())
	}
	return loadMigrations(s.migrations, s.drv.Dialect())
}

// status compares the migrations ms with those the database records.
func (s *Store) status(ctx context.Context, ex Executor, ms []Migration) (MigrationStatus, error) {
	d := s.drv.Dialect()
	st := MigrationStatus{Engine: d.Name}
	versioned, err := tableExists(ctx, ex, d, "schema_migrations")
	if err != nil {
		return st, err
	}
	if versioned {
		rows, err := ex.Query(ctx, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
		if err != nil {
			return st, fmt.Errorf("store: read schema_migrations: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a AppliedMigration
			var at int64
			if err := rows.Scan(&a.Version, &a.Name, &at); err != nil {
				return st, fmt.Errorf("store: read schema_migrations: %w", err)
			}
			a.AppliedAt = FromMicros(at)
			st.Applied = append(st.Applied, a)
		}
		if err := rows.Err(); err != nil {
			return st, fmt.Errorf("store: read schema_migrations: %w", err)
		}
	}
	if len(st.Applied) == 0 {
		// The releases before versioned migrations all created the
		// settings table.
		if st.Unversioned, err = tableExists(ctx, ex, d, "settings"); err != nil {
			return st, err
		}
	}
	known := map[int]bool{}
	for _, m := range ms {
		known[m.Version] = true
	}
	done := map[int]bool{}
	for _, a := range st.Applied {
		done[a.Version] = true
		if !known[a.Version] {
			st.Unknown = append(st.Unknown, a)
		}
	}
	for _, m := range ms {
		if !done[m.Version] {
			st.Pending = append(st.Pending, m)
		}
	}
	return st, nil
}

// Err is why MigrateUp refuses the database, nil if it does not: it holds
// migrations this binary does not know (ErrSchemaTooNew), or misses one
// older than one it holds (applying it now would run it out of order).
func (st MigrationStatus) Err() error {
	if len(st.Unknown) > 0 {
		u := st.Unknown[len(st.Unknown)-1]
		return fmt.Errorf("%w: it records migration %d %s, which this binary does not have: run a chatwasm at least as new as the one that migrated it",
			ErrSchemaTooNew, u.Version, u.Name)
	}
	if len(st.Pending) > 0 && st.Pending[0].Version < st.Version() {
		return fmt.Errorf("store: migrate: migration %s is not applied but the later %d is: the database's schema_migrations was changed by hand",
			st.Pending[0], st.Version())
	}
	return nil
}

// tableExists reports whether the table name exists.
func tableExists(ctx context.Context, ex Executor, d Dialect, name string) (bool, error) {
	var one int
	switch err := ex.QueryRow(ctx, d.Migration.TableExists, name).Scan(&one); {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: look for table %s: %w", name, err)
	}
	return true, nil
}
