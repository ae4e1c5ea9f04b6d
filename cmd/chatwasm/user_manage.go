package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/users"
)

// CLI commands open the database directly, so they cannot reach a running
// server: a user deleted here keeps the connections it has open (the admin
// API's DELETE /admin/users/{id} closes them).
const cliDeleteNote = "A running server is not told: the user's open connections stay open until they\n" +
	"end (DELETE /admin/users/{id} of the admin API closes them)."

func (c cli) userList(ctx context.Context, args []string) int {
	cmd := newCommand("user list", "chatwasm user list [flags]",
		"Prints one page of users, ordered by id, as the JSON object of the admin API's\n"+
			"GET /admin/users: {\"users\":[...],\"next\":ID or null}. Pass next as --after\n"+
			"for the following page.", c.getenv)
	tenant := cmd.fs.String("tenant", "", "list only this tenant's users (default: every tenant)")
	after := cmd.fs.Int64("after", 0, "list users with an id above this one")
	limit := cmd.fs.Int("limit", users.DefaultPageSize, fmt.Sprintf("most users to print, 1 to %d", users.MaxPageSize))
	check := func() error {
		if *limit < 1 || *limit > users.MaxPageSize || *after < 0 {
			return usageErr(fmt.Sprintf("--limit must be from 1 to %d and --after not negative", users.MaxPageSize))
		}
		return nil
	}
	return c.runOnStore(ctx, cmd, args, 0, "", check, func(st *store.Store, _ []string) error {
		p, err := users.List(ctx, st, *tenant, *after, *limit)
		if err != nil {
			return err
		}
		return c.printJSON(p)
	})
}

func (c cli) userGet(ctx context.Context, args []string) int {
	cmd := newCommand("user get", "chatwasm user get USERNAME|ID [flags]",
		"Prints a user with its tenant and external identities as JSON (the admin\n"+
			"API's GET /admin/users/{id}). An argument that is not a username is taken\n"+
			"as a user id.", c.getenv)
	return c.runOnUser(ctx, cmd, args, func(st *store.Store, id int64) error {
		d, err := users.Get(ctx, st, id)
		if err != nil {
			return err
		}
		return c.printJSON(d)
	})
}

func (c cli) userDelete(ctx context.Context, args []string) int {
	cmd := newCommand("user delete", "chatwasm user delete USERNAME|ID [flags]",
		"Deletes a user with their sessions, messages, memberships, and the groups,\n"+
			"channels and 1-1 chats they created. Their external identities stay\n"+
			"refused until unlinked. An argument that is not a username is taken as a\n"+
			"user id.\n\n"+cliDeleteNote, c.getenv)
	return c.runOnUser(ctx, cmd, args, func(st *store.Store, id int64) error {
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteUser(ctx, id) }); err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "user %d deleted\n", id)
		return nil
	})
}

func (c cli) userUnlink(ctx context.Context, args []string) int {
	cmd := newCommand("user unlink", "chatwasm user unlink ISSUER SUBJECT [flags]",
		"Unlinks an external identity (a JWT's iss and sub) from its user, or from the\n"+
			"deleted user that left it refused. The identity's next token is then a new\n"+
			"identity: created or linked as serve's --jwt-create-users and\n"+
			"--jwt-link-existing say. The user stays, and so do their open connections.", c.getenv)
	return c.runOnStore(ctx, cmd, args, 2, "ISSUER and SUBJECT are required", nil, func(st *store.Store, pos []string) error {
		err := st.Write(ctx, func(tx *store.Tx) error { return tx.UnlinkExternalIdentity(ctx, pos[0], pos[1]) })
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no identity %q of issuer %q", pos[1], pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stderr, "identity unlinked")
		return nil
	})
}

// runOnUser is runOnStore for a command whose one argument is a user
// (USERNAME|ID, findUser): fn gets the user's id.
func (c cli) runOnUser(ctx context.Context, cmd *command, args []string, fn func(st *store.Store, id int64) error) int {
	return c.runOnStore(ctx, cmd, args, 1, "exactly one USERNAME or ID is required", nil, func(st *store.Store, pos []string) error {
		id, err := findUser(ctx, st, pos[0])
		if err != nil {
			return err
		}
		return fn(st, id)
	})
}

// findUser resolves a USERNAME|ID argument: a username first, since
// usernames may be all digits, then a user id.
func findUser(ctx context.Context, st *store.Store, ref string) (int64, error) {
	var id int64
	err := st.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.GetUserByUsername(ctx, ref)
		if errors.Is(err, store.ErrNotFound) {
			if n, perr := strconv.ParseInt(ref, 10, 64); perr == nil && n > 0 {
				u, err = tx.GetUser(ctx, n)
			}
		}
		id = u.ID
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("no user %q", ref)
	}
	return id, err
}
