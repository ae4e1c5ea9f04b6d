package main

import (
	"context"
	"encoding/json"
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
	db := c.dbFlag(cmd)
	tenant := cmd.fs.String("tenant", "", "list only this tenant's users (default: every tenant)")
	after := cmd.fs.Int64("after", 0, "list users with an id above this one")
	limit := cmd.fs.Int("limit", users.DefaultPageSize, fmt.Sprintf("most users to print, 1 to %d", users.MaxPageSize))
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		return c.usageError(cmd, fmt.Sprintf("unexpected argument %q", pos[0]))
	}
	if *limit < 1 || *limit > users.MaxPageSize || *after < 0 {
		return c.usageError(cmd, fmt.Sprintf("--limit must be from 1 to %d and --after not negative", users.MaxPageSize))
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return c.fail("user list", err)
	}
	defer st.Close()
	p, err := users.List(ctx, st, *tenant, *after, *limit)
	if err != nil {
		return c.fail("user list", err)
	}
	return c.printJSON("user list", p)
}

func (c cli) userGet(ctx context.Context, args []string) int {
	cmd := newCommand("user get", "chatwasm user get USERNAME|ID [flags]",
		"Prints a user with its tenant and external identities as JSON (the admin\n"+
			"API's GET /admin/users/{id}). An argument that is not a username is taken\n"+
			"as a user id.", c.getenv)
	db := c.dbFlag(cmd)
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError(cmd, "exactly one USERNAME or ID is required")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return c.fail("user get", err)
	}
	defer st.Close()
	id, err := findUser(ctx, st, pos[0])
	if err != nil {
		return c.fail("user get", err)
	}
	d, err := users.Get(ctx, st, id)
	if err != nil {
		return c.fail("user get", err)
	}
	return c.printJSON("user get", d)
}

func (c cli) userDelete(ctx context.Context, args []string) int {
	cmd := newCommand("user delete", "chatwasm user delete USERNAME|ID [flags]",
		"Deletes a user with their sessions, messages, memberships, and the groups,\n"+
			"channels and 1-1 chats they created. Their external identities stay\n"+
			"refused until unlinked. An argument that is not a username is taken as a\n"+
			"user id.\n\n"+cliDeleteNote, c.getenv)
	db := c.dbFlag(cmd)
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError(cmd, "exactly one USERNAME or ID is required")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return c.fail("user delete", err)
	}
	defer st.Close()
	id, err := findUser(ctx, st, pos[0])
	if err == nil {
		err = st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteUser(ctx, id) })
	}
	if err != nil {
		return c.fail("user delete", err)
	}
	fmt.Fprintf(c.stderr, "user %d deleted\n", id)
	return exitOK
}

func (c cli) userUnlink(ctx context.Context, args []string) int {
	cmd := newCommand("user unlink", "chatwasm user unlink ISSUER SUBJECT [flags]",
		"Unlinks an external identity (a JWT's iss and sub) from its user, or from the\n"+
			"deleted user that left it refused. The identity's next token is then a new\n"+
			"identity: created or linked as serve's --jwt-create-users and\n"+
			"--jwt-link-existing say. The user stays, and so do their open connections.", c.getenv)
	db := c.dbFlag(cmd)
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return c.usageError(cmd, "ISSUER and SUBJECT are required")
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return c.fail("user unlink", err)
	}
	defer st.Close()
	err = st.Write(ctx, func(tx *store.Tx) error { return tx.UnlinkExternalIdentity(ctx, pos[0], pos[1]) })
	if errors.Is(err, store.ErrNotFound) {
		err = fmt.Errorf("no identity %q of issuer %q", pos[1], pos[0])
	}
	if err != nil {
		return c.fail("user unlink", err)
	}
	fmt.Fprintln(c.stderr, "identity unlinked")
	return exitOK
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

func (c cli) printJSON(op string, v any) int {
	if err := json.NewEncoder(c.stdout).Encode(v); err != nil {
		return c.fail(op, err)
	}
	return exitOK
}
