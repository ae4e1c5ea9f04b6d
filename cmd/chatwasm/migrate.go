package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store"
)

const migrateUsage = `Usage:
  chatwasm migrate [up] [flags]     apply the schema's pending migrations (the default)
  chatwasm migrate status [flags]   print the schema's version and the pending migrations

The schema is a numbered series of migrations, recorded in the database's
schema_migrations table as they are applied. "serve" applies the pending ones
on start too. A database created before migrations were numbered is adopted
as version 1. A database migrated by a newer chatwasm is refused. Run
"chatwasm migrate SUBCOMMAND --help" for the flags.
`

// migrate is "chatwasm migrate": up when no subcommand is named, so that
// "chatwasm migrate --db URL" keeps working.
func (c cli) migrate(ctx context.Context, args []string) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return c.dispatch(ctx, "chatwasm migrate", "subcommand", migrateUsage, args, map[string]func(context.Context, []string) int{
			"up":     c.migrateUp,
			"status": c.migrateStatus,
		})
	}
	return c.migrateUp(ctx, args)
}

func (c cli) migrateUp(ctx context.Context, args []string) int {
	cmd := newCommand("migrate up", "chatwasm migrate [up] [flags]",
		"Applies the schema's pending migrations and prints them, or \"up to date\".", c.getenv)
	return c.runOnDatabase(ctx, cmd, args, 0, "", nil, openUnmigrated, func(st *store.Store, _ []string) error {
		res, err := st.MigrateUp(ctx)
		if len(res.Applied) > 0 {
			names := make([]string, len(res.Applied))
			for i, m := range res.Applied {
				names[i] = m.String()
				if m.Version == 1 && res.Adopted {
					names[i] += " (adopting the existing tables)"
				}
			}
			fmt.Fprintf(c.stdout, "applied %d migration(s): %s\n", len(res.Applied), strings.Join(names, ", "))
		} else if err == nil {
			fmt.Fprintln(c.stdout, "up to date")
		}
		return err
	})
}

func (c cli) migrateStatus(ctx context.Context, args []string) int {
	cmd := newCommand("migrate status", "chatwasm migrate status [flags]",
		"Prints the database's engine, schema version and pending migrations, changing nothing.", c.getenv)
	return c.runOnDatabase(ctx, cmd, args, 0, "", nil, openUnmigrated, func(st *store.Store, _ []string) error {
		s, err := st.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "engine: %s\n", s.Engine)
		switch {
		case len(s.Applied) > 0:
			a := s.Applied[len(s.Applied)-1]
			fmt.Fprintf(c.stdout, "version: %d %s (applied %s)\n", a.Version, a.Name, a.AppliedAt.Format("2006-01-02 15:04:05 UTC"))
		case s.Unversioned:
			fmt.Fprintln(c.stdout, "version: none (created before migrations were numbered: migration 1 adopts its tables)")
		default:
			fmt.Fprintln(c.stdout, "version: none (empty database)")
		}
		pending := "none"
		if len(s.Pending) > 0 {
			names := make([]string, len(s.Pending))
			for i, m := range s.Pending {
				names[i] = m.String()
			}
			pending = strings.Join(names, ", ")
		}
		fmt.Fprintf(c.stdout, "pending: %s\n", pending)
		if len(s.Unknown) > 0 {
			names := make([]string, len(s.Unknown))
			for i, a := range s.Unknown {
				names[i] = fmt.Sprintf("%d %s", a.Version, a.Name)
			}
			fmt.Fprintf(c.stdout, "unknown to this chatwasm: %s\n", strings.Join(names, ", "))
		}
		return s.Err()
	})
}

// openUnmigrated opens the database as it is, without migrating it.
func openUnmigrated(ctx context.Context, url string) (*store.Store, error) {
	return server.OpenStore(ctx, url)
}
