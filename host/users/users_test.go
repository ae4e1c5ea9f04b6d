package users

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // runes, not bytes, are counted
	for _, c := range []struct {
		name   string
		in     Input
		substr string // "" when valid
	}{
		{"minimal", Input{Username: "alice"}, ""},
		{"every field", Input{Username: "a.l+i-c_e@x", Email: "a@b", FirstName: long(150), LastName: long(150), Tenant: "acme"}, ""},
		{"unicode username", Input{Username: "zoë٣"}, ""},
		{"longest username", Input{Username: long(150)}, ""},
		{"longest email", Input{Username: "a", Email: "@" + long(253)}, ""},
		{"longest tenant", Input{Username: "a", Tenant: long(64)}, ""},
		{"missing username", Input{Email: "a@b.c"}, "username is required"},
		{"long username", Input{Username: long(151)}, "username must be at most 150"},
		{"space in username", Input{Username: "a b"}, "username may contain only"},
		{"symbol in username", Input{Username: "a!"}, "username may contain only"},
		{"email without @", Input{Username: "a", Email: "nope"}, "email must be"},
		{"long email", Input{Username: "a", Email: "@" + long(254)}, "email must be"},
		{"long first name", Input{Username: "a", FirstName: long(151)}, "first_name must be at most 150"},
		{"long last name", Input{Username: "a", LastName: long(151)}, "last_name must be at most 150"},
		{"long tenant", Input{Username: "a", Tenant: long(65)}, "tenant must be"},
		{"tenant with spaces", Input{Username: "a", Tenant: " acme"}, "tenant must be"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.in.Validate()
			switch {
			case c.substr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case c.substr == "":
			case !errors.Is(err, ErrInvalid):
				t.Fatalf("Validate() = %v, want an ErrInvalid", err)
			case !strings.Contains(err.Error(), c.substr):
				t.Fatalf("Validate() = %q, want it to contain %q", err, c.substr)
			}
		})
	}
}

func TestValidEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"a@b.c": true, "@": true, "": false, "ab.c": false,
		strings.Repeat("a", 252) + "@b": true, strings.Repeat("a", 253) + "@b": false,
	} {
		if got := ValidEmail(s); got != want {
			t.Errorf("ValidEmail(%.20q…) = %v, want %v", s, got, want)
		}
	}
}

func TestCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		in := Input{Username: "alice", Email: "alice@example.com", FirstName: "Alice", LastName: "Liddell", Tenant: "acme"}
		u, err := Create(ctx, st, in)
		if err != nil {
			t.Fatal(err)
		}
		if u.ID <= 0 {
			t.Errorf("ID = %d, want a positive id", u.ID)
		}
		var got store.User
		if err := st.Read(ctx, func(tx *store.Tx) error {
			var err error
			got, err = tx.GetUser(ctx, u.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for field, pair := range map[string][2]string{
			"Username":  {got.Username, in.Username},
			"Email":     {got.Email, in.Email},
			"FirstName": {got.FirstName, in.FirstName},
			"LastName":  {got.LastName, in.LastName},
			"Tenant":    {got.Tenant, in.Tenant},
		} {
			if pair[0] != pair[1] {
				t.Errorf("stored %s = %q, want %q", field, pair[0], pair[1])
			}
		}

		if _, err := Create(ctx, st, Input{Username: "alice"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate username: err = %v, want store.ErrConflict", err)
		}
		if _, err := Create(ctx, st, Input{Username: "bad name"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("invalid username: err = %v, want ErrInvalid", err)
		}
		bob, err := Create(ctx, st, Input{Username: "bob"})
		if err != nil {
			t.Fatal(err)
		}
		if bob.Tenant != store.DefaultTenant {
			t.Errorf("Tenant = %q, want the default %q", bob.Tenant, store.DefaultTenant)
		}
	})
}

func TestCreateTxRollsBackWithItsTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		errLater := errors.New("a later write failed")
		err := st.Write(ctx, func(tx *store.Tx) error {
			if _, err := CreateTx(ctx, tx, Input{Username: "carol"}); err != nil {
				return err
			}
			return errLater
		})
		if !errors.Is(err, errLater) {
			t.Fatalf("Write = %v, want %v", err, errLater)
		}
		err = st.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.GetUserByUsername(ctx, "carol")
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("carol after the rollback: err = %v, want store.ErrNotFound", err)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			_, err := CreateTx(ctx, tx, Input{Username: ""})
			return err
		}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("CreateTx without a username: err = %v, want ErrInvalid", err)
		}
	})
}
