package admin

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

// ErrInvalid wraps every validation failure of CreateUser; the message says
// which field is wrong.
var ErrInvalid = errors.New("invalid")

// NewUser is the input of CreateUser.
type NewUser struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	// Tenant is optional: empty means store.DefaultTenant.
	Tenant string `json:"tenant"`
}

// Validate checks a new user the way Django's auth.User does: a username of
// at most 150 letters, digits and @.+-_ characters, names of at most 150
// characters, an email of at most 254 characters with an @.
func (u NewUser) Validate() error {
	switch {
	case u.Username == "":
		return fmt.Errorf("%w: username is required", ErrInvalid)
	case utf8.RuneCountInString(u.Username) > maxUsernameLen:
		return fmt.Errorf("%w: username must be at most %d characters", ErrInvalid, maxUsernameLen)
	case strings.IndexFunc(u.Username, notUsernameRune) >= 0:
		return fmt.Errorf("%w: username may contain only letters, digits and @/./+/-/_ characters", ErrInvalid)
	case u.Email != "" && !ValidEmail(u.Email):
		return fmt.Errorf("%w: email must be an address of at most %d characters", ErrInvalid, maxEmailLen)
	case utf8.RuneCountInString(u.FirstName) > MaxNameLen:
		return fmt.Errorf("%w: first_name must be at most %d characters", ErrInvalid, MaxNameLen)
	case utf8.RuneCountInString(u.LastName) > MaxNameLen:
		return fmt.Errorf("%w: last_name must be at most %d characters", ErrInvalid, MaxNameLen)
	case utf8.RuneCountInString(u.Tenant) > maxTenantLen || strings.TrimSpace(u.Tenant) != u.Tenant:
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

// CreateUser validates and inserts a user. A duplicate username is
// store.ErrConflict, a validation failure ErrInvalid. The admin API and the
// CLI both create users through it.
func CreateUser(ctx context.Context, st *store.Store, in NewUser) (store.User, error) {
	if err := in.Validate(); err != nil {
		return store.User{}, err
	}
	var u store.User
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.CreateUser(ctx, store.User{
			Tenant:    in.Tenant,
			Username:  in.Username,
			Email:     in.Email,
			FirstName: in.FirstName,
			LastName:  in.LastName,
		})
		return err
	})
	return u, err
}
