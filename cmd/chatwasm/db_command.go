package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chatwasm/chatwasm/host/store"
)

// usageErr is an error of a command's arguments, found after parsing: the
// command answers it with its usage and exit status 2.
type usageErr string

func (e usageErr) Error() string { return string(e) }

// runOnStore is the body of a command that works on the database directly
// (user ..., token, admin-token): it adds --db to cmd, parses args,
// requires nargs positional arguments (what says which, for the error),
// runs check (if not nil) on the flags, opens and migrates the database and
// runs fn on it and the arguments. An error fn returns fails the command; a
// usageErr, from check or fn, is a usage error.
func (c cli) runOnStore(ctx context.Context, cmd *command, args []string, nargs int, what string,
	check func() error, fn func(st *store.Store, pos []string) error) int {
	return c.runOnDatabase(ctx, cmd, args, nargs, what, check, openStore, fn)
}

// runOnDatabase is runOnStore opening the database with open: the migrate
// commands open it without migrating it.
func (c cli) runOnDatabase(ctx context.Context, cmd *command, args []string, nargs int, what string,
	check func() error, open func(ctx context.Context, url string) (*store.Store, error),
	fn func(st *store.Store, pos []string) error) int {
	db := c.dbFlag(cmd)
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	switch {
	case len(pos) == nargs:
	case nargs == 0:
		return c.usageError(cmd, fmt.Sprintf("unexpected argument %q", pos[0]))
	default:
		return c.usageError(cmd, what)
	}
	var err error
	if check != nil {
		err = check()
	}
	if err == nil {
		var st *store.Store
		if st, err = open(ctx, *db); err == nil {
			err = fn(st, pos)
			if cerr := st.Close(); err == nil {
				err = cerr
			}
		}
	}
	var ue usageErr
	switch {
	case errors.As(err, &ue):
		return c.usageError(cmd, string(ue))
	case err != nil:
		return c.fail(cmd.fs.Name(), err)
	}
	return exitOK
}

// printJSON writes v as one line of JSON on the standard output.
func (c cli) printJSON(v any) error { return json.NewEncoder(c.stdout).Encode(v) }
