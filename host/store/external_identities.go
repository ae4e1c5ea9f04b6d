package store

import (
	"context"
	"database/sql"
	"errors"
)

// ErrIdentityDeleted is returned by ExternalIdentity for an identity whose
// user was deleted.
var ErrIdentityDeleted = errors.New("store: the user of this identity was deleted")

// ExternalIdentity returns the id of the user linked to an external
// identity provider's subject: ErrNotFound if there is none, and
// ErrIdentityDeleted if that user was deleted.
func (t *Tx) ExternalIdentity(ctx context.Context, issuer, subject string) (int64, error) {
	var id sql.NullInt64
	err := t.ex.QueryRow(ctx, "SELECT user_id FROM external_identities WHERE issuer = $1 AND subject = $2",
		issuer, subject).Scan(&id)
	switch {
	case err != nil:
		return 0, wrap("external identity", err)
	case !id.Valid:
		return 0, ErrIdentityDeleted
	}
	return id.Int64, nil
}

// LinkExternalIdentity links an external identity provider's subject to a
// user. An identity or a user already linked is ErrConflict.
func (t *Tx) LinkExternalIdentity(ctx context.Context, issuer, subject string, userID int64) error {
	_, err := t.ex.Exec(ctx, "INSERT INTO external_identities (issuer, subject, user_id) VALUES ($1, $2, $3)",
		issuer, subject, userID)
	return wrap("link external identity", err)
}

// Identity is an external identity provider's subject linked to a user.
type Identity struct {
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
}

// IdentitiesOfUser returns the external identities linked to a user, ordered
// by issuer and subject (empty if there are none).
func (t *Tx) IdentitiesOfUser(ctx context.Context, userID int64) ([]Identity, error) {
	return collect(ctx, t.ex, "identities of user", func(r scanner) (Identity, error) {
		var i Identity
		err := r.Scan(&i.Issuer, &i.Subject)
		return i, err
	}, "SELECT issuer, subject FROM external_identities WHERE user_id = $1 ORDER BY issuer, subject", userID)
}

// UnlinkExternalIdentity deletes an identity's row, linked or left by a
// deleted user: ErrNotFound if there is none. The identity's next token is
// then a new identity, created or linked to an existing user as the server's
// settings say. This differs on purpose from deleting the user, which keeps
// the row with no user so that the identity stays refused (ErrIdentityDeleted).
func (t *Tx) UnlinkExternalIdentity(ctx context.Context, issuer, subject string) error {
	n, err := t.ex.Exec(ctx, "DELETE FROM external_identities WHERE issuer = $1 AND subject = $2", issuer, subject)
	if err != nil {
		return wrap("unlink external identity", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
