// Package users keeps the rules a chatwasm user must satisfy and creates
// users that satisfy them. The admin API, external identities, the module
// sandbox and the CLI all create users through it, so that a user is held to
// the same rules whichever way it came in. It also shows users as the admin
// API and the CLI list them (listing.go), so both print the same JSON.
package users

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatwasm/chatwasm/host/store"
)

// MaxNameLen is the most characters of a first or last name, as in
// Django's auth.User (the reference's users).
const MaxNameLen = 150

// Limits of the other user fields, as in Django's auth.User.
const (
	maxUsernameLen = 150
	maxEmailLen    = 254
	maxTenantLen   = 64
)

// ErrInvalid wraps every validation failure; the message says which field is
// wrong.
var ErrInvalid = errors.New("invalid")

// Input is what a user is created from: the fields its creator chooses.
type Input struct {
	Username  string
	Email     string
	FirstName string
	LastName  string
	// Tenant is optional: empty means store.DefaultTenant.
	Tenant string
}

// Validate checks a new user the way Django's auth.User does: a username of
// at most 150 letters, digits and @.+-_ characters, names of at most 150
// characters, an email of at most 254 characters with an @.
func (in Input) Validate() error {
	switch {
	case in.Username == "":
		return fmt.Errorf("%w: username is required", ErrInvalid)
	case utf8.RuneCountInString(in.Username) > maxUsernameLen:
		return fmt.Errorf("%w: username must be at most %d characters", ErrInvalid, maxUsernameLen)
	case strings.IndexFunc(in.Username, notUsernameRune) >= 0:
		return fmt.Errorf("%w: username may contain only letters, digits and @/./+/-/_ characters", ErrInvalid)
	case in.Email != "" && !ValidEmail(in.Email):
		return fmt.Errorf("%w: email must be an address of at most %d characters", ErrInvalid, maxEmailLen)
	case utf8.RuneCountInString(in.FirstName) > MaxNameLen:
		return fmt.Errorf("%w: first_name must be at most %d characters", ErrInvalid, MaxNameLen)
	case utf8.RuneCountInString(in.LastName) > MaxNameLen:
		return fmt.Errorf("%w: last_name must be at most %d characters", ErrInvalid, MaxNameLen)
	case utf8.RuneCountInString(in.Tenant) > maxTenantLen || strings.TrimSpace(in.Tenant) != in.Tenant:
		return fmt.Errorf("%w: tenant must be at most %d characters without surrounding spaces", ErrInvalid, maxTenantLen)
	}
	return nil
}

// ValidEmail reports whether s passes as a user's email: an @ and at most
// 254 characters, as Django's auth.User requires.
func ValidEmail(s string) bool {
	return strings.Contains(s, "@") && utf8.RuneCountInString(s) <= maxEmailLen
}

func notUsernameRune(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("@.+-_", r)
}

// Create validates in and inserts the user in a transaction of its own. A
// duplicate username is store.ErrConflict, a validation failure ErrInvalid.
func Create(ctx context.Context, st *store.Store, in Input) (store.User, error) {
	// Checked before the transaction too, so that refused input takes no
	// write lock.
	if err := in.Validate(); err != nil {
		return store.User{}, err
	}
	var u store.User
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		u, err = CreateTx(ctx, tx, in)
		return err
	})
	return u, err
}

// CreateTx validates in and inserts the user in tx, for a caller that writes
// the user together with other rows. Its errors are those of Create.
func CreateTx(ctx context.Context, tx *store.Tx, in Input) (store.User, error) {
	if err := in.Validate(); err != nil {
		return store.User{}, err
	}
	return tx.CreateUser(ctx, store.User{
		Tenant:    in.Tenant,
		Username:  in.Username,
		Email:     in.Email,
		FirstName: in.FirstName,
		LastName:  in.LastName,
	})
}
