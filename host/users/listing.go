package users

import (
	"context"
	"fmt"

	"github.com/chatwasm/chatwasm/host/store"
)

// Page sizes of List.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Summary is a user as administration tools list it: unlike store.User on
// the chat wire, it shows the tenant.
type Summary struct {
	ID        int64  `json:"id"`
	Tenant    string `json:"tenant"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// Detail is one user with the external identities linked to it.
type Detail struct {
	Summary
	Identities []store.Identity `json:"identities"`
}

// Page is one page of List. Next is the after of the next page, nil on the
// last page.
type Page struct {
	Users []Summary `json:"users"`
	Next  *int64    `json:"next"`
}

func summary(u store.User) Summary {
	return Summary{ID: u.ID, Tenant: u.Tenant, Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}
}

// List returns the users of tenant (every tenant if empty) with an id above
// after, at most limit of them, ordered by id. A limit outside
// 1..MaxPageSize or a negative after is ErrInvalid.
func List(ctx context.Context, st *store.Store, tenant string, after int64, limit int) (Page, error) {
	if limit < 1 || limit > MaxPageSize {
		return Page{}, fmt.Errorf("%w: limit %d must be between 1 and %d", ErrInvalid, limit, MaxPageSize)
	}
	if after < 0 {
		return Page{}, fmt.Errorf("%w: after %d must not be negative", ErrInvalid, after)
	}
	var us []store.User
	err := st.Read(ctx, func(tx *store.Tx) error {
		var err error
		// One more than asked tells whether there is a next page, so that
		// the last page says so rather than a further, empty one.
		us, err = tx.ListUsers(ctx, tenant, after, limit+1)
		return err
	})
	if err != nil {
		return Page{}, err
	}
	p := Page{Users: make([]Summary, 0, min(len(us), limit))}
	for i, u := range us {
		if i == limit {
			next := p.Users[limit-1].ID
			p.Next = &next
			break
		}
		p.Users = append(p.Users, summary(u))
	}
	return p, nil
}

// Get returns a user with its identities: store.ErrNotFound if there is none.
func Get(ctx context.Context, st *store.Store, id int64) (Detail, error) {
	var d Detail
	err := st.Read(ctx, func(tx *store.Tx) error {
		u, err := tx.GetUser(ctx, id)
		if err != nil {
			return err
		}
		d.Summary = summary(u)
		d.Identities, err = tx.IdentitiesOfUser(ctx, id)
		if d.Identities == nil {
			d.Identities = []store.Identity{}
		}
		return err
	})
	return d, err
}
