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
