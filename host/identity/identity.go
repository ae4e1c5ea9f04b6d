// Package identity resolves a connection's access token to its user. The
// server's own tokens name a user by id. An external identity provider's
// tokens (auth.External) name the user linked to their issuer and subject:
// one the server created for that identity on its first connect, or, where
// the deployment allows it, an existing user of the same username.
package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"unicode/utf8"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/users"
)

// Options configure a Resolver.
type Options struct {
	// External, if set, is the identity provider whose tokens are accepted
	// besides the server's own.
	External *auth.External
	// CreateUsers creates the user of a valid external token whose
	// identity is not linked to one yet; without it such a token is
	// refused like a deleted user's.
	CreateUsers bool
	// LinkExisting links an external identity seen for the first time to
	// the existing user of its username. Without it such a token is
	// refused: a provider's user must not take over a user the server's
	// operators created, or one of another provider.
	LinkExisting bool
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

// externalUser returns the user linked to an external identity, linking
// one on the identity's first connect. With a tenant claim, the user must be
// of that tenant.
func (r *Resolver) externalUser(ctx context.Context, id auth.ExternalIdentity) (store.User, error) {
	iss := r.opts.External.Issuer()
	// Two tries: a first connect that loses a race to link the identity
	// finds the winner's link on the second.
	for try := 0; ; try++ {
		u, err := r.linked(ctx, iss, id.Subject)
		if errors.Is(err, store.ErrNotFound) {
			u, err = r.link(ctx, iss, id)
			if errors.Is(err, store.ErrConflict) {
				if try == 0 {
					continue
				}
				// Not a race lost twice: the user of the username is
				// linked to another identity.
				err = fmt.Errorf("%w: the user %q is another external identity's", auth.ErrInvalidToken, id.Username)
			}
		}
		if errors.Is(err, store.ErrIdentityDeleted) {
			// Deleting the user refuses the identity, as it refuses the
			// server's own tokens of the user.
			return store.User{}, fmt.Errorf("%w: %w", store.ErrNotFound, err)
		}
		if err != nil {
			return store.User{}, err
		}
		if id.Tenant != "" && u.Tenant != id.Tenant {
			return store.User{}, fmt.Errorf("%w: user %q is of tenant %q, the token says %q", auth.ErrInvalidToken, u.Username, u.Tenant, id.Tenant)
		}
		return u, nil
	}
}

// linked returns the user linked to issuer's subject: store.ErrNotFound if
// there is none, store.ErrIdentityDeleted if that user was deleted.
func (r *Resolver) linked(ctx context.Context, issuer, subject string) (store.User, error) {
	var u store.User
	err := r.st.Read(ctx, func(tx *store.Tx) error {
		id, err := tx.ExternalIdentity(ctx, issuer, subject)
		if err != nil {
			return err
		}
		u, err = tx.GetUser(ctx, id)
		return err
	})
	return u, err
}

// link links an identity seen for the first time to a user: the existing
// user of its username where LinkExisting allows it, else a new one where
// CreateUsers does. A concurrent link of the same identity or user is
// store.ErrConflict.
func (r *Resolver) link(ctx context.Context, issuer string, id auth.ExternalIdentity) (store.User, error) {
	nu := users.Input{Username: id.Username, Tenant: id.Tenant, Email: id.Email,
		FirstName: truncate(id.FirstName, users.MaxNameLen), LastName: truncate(id.LastName, users.MaxNameLen)}
	if !users.ValidEmail(nu.Email) {
		nu.Email = "" // an optional claim that does not fit is left out
	}
	if err := nu.Validate(); err != nil {
		return store.User{}, fmt.Errorf("%w: %w", auth.ErrInvalidToken, err)
	}
	var u store.User
	created, meanwhile := false, false
	err := r.st.Write(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.GetUserByUsername(ctx, id.Username)
		// A concurrent first connect of the identity may have linked it
		// since linked looked. Read after the user: a link commits with its
		// user, so on PostgreSQL (each statement reading what is committed
		// when it starts) a user seen here brings its link into view.
		uid, lerr := tx.ExternalIdentity(ctx, issuer, id.Subject)
		if lerr == nil {
			meanwhile = true
			u, err = tx.GetUser(ctx, uid)
			return err
		}
		if !errors.Is(lerr, store.ErrNotFound) {
			return lerr
		}
		switch {
		case err == nil && !r.opts.LinkExisting:
			return fmt.Errorf("%w: username %q is taken by a user not linked to this identity (--jwt-link-existing links them)",
				auth.ErrInvalidToken, id.Username)
		case err == nil && id.Tenant != "" && u.Tenant != id.Tenant:
			// Checked before the link is written: a refused link must not
			// stay and lock the user's own identity out.
			return fmt.Errorf("%w: user %q is of tenant %q, the token says %q", auth.ErrInvalidToken, u.Username, u.Tenant, id.Tenant)
		case errors.Is(err, store.ErrNotFound) && !r.opts.CreateUsers:
			return err
		case errors.Is(err, store.ErrNotFound):
			created = true
			u, err = users.CreateTx(ctx, tx, nu)
		}
		if err != nil {
			return err
		}
		return tx.LinkExternalIdentity(ctx, issuer, id.Subject, u.ID)
	})
	if err != nil || meanwhile {
		return u, err
	}
	msg := "external identity linked to an existing user"
	if created {
		msg = "user created for an external identity"
	}
	r.opts.Log.Info(msg, "user", u.ID, "username", u.Username, "tenant", u.Tenant, "issuer", issuer, "subject", id.Subject)
	return u, nil
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
