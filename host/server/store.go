package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/postgres"
	"github.com/chatwasm/chatwasm/host/store/sqlite"
)

// OpenStore opens the database named by url. It does not migrate.
//
// Supported forms: "sqlite:PATH" (also "sqlite://PATH"; "sqlite:///abs" is
// the absolute path /abs), "postgres://..." or "postgresql://..." (a libpq
// URL), a libpq "key=value ..." string (PostgreSQL), and a plain file path
// such as "chatwasm.db" (SQLite).
func OpenStore(ctx context.Context, url string, opts ...store.Option) (*store.Store, error) {
	scheme, rest := dbScheme(url)
	switch scheme {
	case "postgres", "postgresql":
		drv, err := postgres.Open(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("server: open database: %w", err)
		}
		return store.New(drv, opts...), nil
	case "sqlite":
		drv, err := sqlite.Open(ctx, strings.TrimPrefix(rest, "//"))
		if err != nil {
			return nil, fmt.Errorf("server: open database: %w", err)
		}
		return store.New(drv, opts...), nil
	default:
		// Only the scheme is echoed: the rest of a URL may hold a password.
		return nil, fmt.Errorf("server: unsupported database URL scheme %q (want sqlite:PATH or postgres://...)", scheme)
	}
}

// dbScheme splits a --db value into its scheme and the rest: a value with
// no scheme is a libpq key=value string when it has an "=", else a file
// path for SQLite.
func dbScheme(url string) (scheme, rest string) {
	if s, r, ok := strings.Cut(url, ":"); ok && s != "" && !strings.ContainsAny(s, "/.\\ =") {
		return s, r
	}
	if strings.Contains(url, "=") {
		return "postgres", url
	}
	return "sqlite", url
}

// newSQLiteFile returns the path of url's SQLite database file when it does
// not exist yet, "" when it does or url is not SQLite.
func newSQLiteFile(url string) string {
	scheme, rest := dbScheme(url)
	if scheme != "sqlite" {
		return ""
	}
	path := strings.TrimPrefix(rest, "//")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return path
	}
	return ""
}

// removeNewFile removes the SQLite database path (and its WAL files) that a
// failed start created; "" is no file.
func removeNewFile(path string, log *slog.Logger) {
	if path == "" {
		return
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			log.Warn("could not remove the database file of the failed start", "path", p, "err", err)
		}
	}
}
