package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/postgres"
	"github.com/chatwasm/chatwasm/host/store/sqlite"
)

// OpenStore opens the database named by url. It does not migrate.
//
// Supported forms: "sqlite:PATH" (also "sqlite://PATH"; "sqlite:///abs" is
// the absolute path /abs) and "postgres://..." or "postgresql://..." (a libpq
// URL).
func OpenStore(ctx context.Context, url string) (*store.Store, error) {
	scheme, rest, _ := strings.Cut(url, ":")
	switch scheme {
	case "postgres", "postgresql":
		drv, err := postgres.Open(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("server: open database: %w", err)
		}
		return store.New(drv), nil
	case "sqlite":
		drv, err := sqlite.Open(ctx, strings.TrimPrefix(rest, "//"))
		if err != nil {
			return nil, fmt.Errorf("server: open database: %w", err)
		}
		return store.New(drv), nil
	default:
		// Only the scheme is echoed: the rest of a URL may hold a password.
		return nil, fmt.Errorf("server: unsupported database URL scheme %q (want sqlite:PATH or postgres://...)", scheme)
	}
}
