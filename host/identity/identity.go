// Package identity resolves a connection's access token to its user. The
// server's own tokens name a user by id. An external identity provider's
// tokens (auth.External) name one by username, and a deployment may have
// the server create that user the first time it connects.
package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"unicode/utf8"

	"github.com/chatwasm/chatwasm/host/admin"
	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/store"
)

// Options configure a Resolver.
type Options struct {
	// External, if set, is the identity provider whose tokens are accepted
	// besides the server's own.
	External *auth.External
	// CreateUsers creates the user of a valid external token whose username
	// is unknown; without it such a token is refused like a deleted user's.
	CreateUsers bool
	// Log may be nil (discard).
	Log *slog.Logger
}

// Resolver turns tokens into users.
type Resolver struct {
	st   *store.Store
	own  *auth.Issuer
	opts Options
}

// New returns a Resolver over st that accepts own's tokens and those of
// opts.External.
func New(st *store.Store, own *auth.Issuer, opts Options) *Resolver {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Resolver{st: st, own: own, opts: opts}
}

// Authenticate returns the user a token names. A missing, malformed, badly
// signed or expired token wraps auth.ErrInvalidToken; a user that does not
// exist (deleted, or unknown where users are not created) is
// store.ErrNotFound.
func (r *Resolver) Authenticate(ctx context.Context, token string) (store.User, error) {
	if ext := r.opts.External; ext != nil && token != "" && auth.TokenIssuer(token) == ext.Issuer() {
		id, err := ext.Verify(token)
		if err != nil {
			return store.User{}, err
		}
		return r.externalUser(ctx, id)
	}
	id, err := r.own.Verify(token)
	if err != nil {
		return store.User{}, err
	}
	var u store.User
	err = r.st.Read(ctx, func(tx *store.Tx) error {
		u, err = tx.GetUser(ctx, id)
		return err
	})
	return u, err
}

// externalUser returns the user of an external identity, creating it if the
// deployment says so. With a tenant claim, the user must be of that tenant:
// usernames are unique across tenants, and a provider's user of one tenant
// must not become a namesake of another.
func (r *Resolver) externalUser(ctx context.Context, id auth.ExternalIdentity) (store.User, error) {
	u, err := r.byUsername(ctx, id.Username)
	if errors.Is(err, store.ErrNotFound) && r.opts.CreateUsers {
		u, err = r.create(ctx, id)
	}
	if err != nil {
		return store.User{}, err
	}
	if id.Tenant != "" && u.Tenant != id.Tenant {
		return store.User{}, fmt.Errorf("%w: user %q is of tenant %q, the token says %q", auth.ErrInvalidToken, u.Username, u.Tenant, id.Tenant)
	}
	return u, nil
}

func (r *Resolver) byUsername(ctx context.Context, username string) (store.User, error) {
	var u store.User
	err := r.st.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.GetUserByUsername(ctx, username)
		return err
	})
	return u, err
}

// create makes the user of an external identity. Optional claims that
// would not pass as a user's fields are left out rather than refusing the
// user; a username that would not is a bad token.
func (r *Resolver) create(ctx context.Context, id auth.ExternalIdentity) (store.User, error) {
	nu := admin.NewUser{Username: id.Username, Tenant: id.Tenant, Email: id.Email,
		FirstName: truncate(id.FirstName, admin.MaxNameLen), LastName: truncate(id.LastName, admin.MaxNameLen)}
	if (admin.NewUser{Username: "x", Email: nu.Email}).Validate() != nil {
		nu.Email = ""
	}
	u, err := admin.CreateUser(ctx, r.st, nu)
	switch {
	case errors.Is(err, store.ErrConflict):
		// Created meanwhile by another connection of the same user.
		return r.byUsername(ctx, id.Username)
	case errors.Is(err, admin.ErrInvalid):
		return store.User{}, fmt.Errorf("%w: %w", auth.ErrInvalidToken, err)
	case err != nil:
		return store.User{}, err
	}
	r.opts.Log.Info("user created from an external token", "user", u.ID, "username", u.Username, "tenant", u.Tenant,
		"issuer", r.opts.External.Issuer())
	return u, nil
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
