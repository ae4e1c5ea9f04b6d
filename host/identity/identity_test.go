package identity_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/identity"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/golang-jwt/jwt/v5"
)

const idp = "https://idp.example.com"

// fixture is a store, the server's issuer and an external provider.
type fixture struct {
	st  *store.Store
	own *auth.Issuer
	ext *auth.External
	key *ecdsa.PrivateKey
}

func newFixture(t *testing.T, st *store.Store, tenantClaim string) *fixture {
	t.Helper()
	own, err := auth.NewIssuer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	ext, err := auth.NewExternal(auth.ExternalConfig{Issuer: idp, TenantClaim: tenantClaim, UsernameClaim: "preferred_username",
		KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, own: own, ext: ext, key: key}
}

// token is an external token for username, whose subject is "id-"+username
// unless more says otherwise.
func (f *fixture) token(t *testing.T, username string, more jwt.MapClaims) string {
	t.Helper()
	c := jwt.MapClaims{"iss": idp, "sub": "id-" + username, "preferred_username": username, "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range more {
		c[k] = v
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodES256, c).SignedString(f.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) createUser(t *testing.T, u store.User) store.User {
	t.Helper()
	err := f.st.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		u, err = tx.CreateUser(context.Background(), u)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestOwnTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		r := identity.New(st, f.own, identity.Options{External: f.ext, CreateUsers: true})
		ctx := context.Background()
		alice := f.createUser(t, store.User{Username: "alice"})
		tok, err := f.own.Issue(alice.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if u, err := r.Authenticate(ctx, tok); err != nil || u.ID != alice.ID {
			t.Fatalf("own token: %+v, %v", u, err)
		}
		gone, err := f.own.Issue(alice.ID+100, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Authenticate(ctx, gone); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("own token of no user: %v, want ErrNotFound", err)
		}
		for _, bad := range []string{"", "garbage"} {
			if _, err := r.Authenticate(ctx, bad); !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("token %q: %v, want ErrInvalidToken", bad, err)
			}
		}
		// Without an external provider its tokens are just bad tokens.
		plain := identity.New(st, f.own, identity.Options{})
		if _, err := plain.Authenticate(ctx, f.token(t, "alice", nil)); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("external token with no provider configured: %v, want ErrInvalidToken", err)
		}
	})
}

func TestExternalTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		ctx := context.Background()
		r := identity.New(st, f.own, identity.Options{External: f.ext, CreateUsers: true})

		// An identity seen for the first time gets a user of its own, with
		// the claims that fit, once.
		tok := f.token(t, "carol", jwt.MapClaims{"email": "carol@example.com", "given_name": "Carol", "family_name": "C"})
		carol, err := r.Authenticate(ctx, tok)
		if err != nil || carol.Username != "carol" || carol.Email != "carol@example.com" || carol.FirstName != "Carol" ||
			carol.LastName != "C" || carol.Tenant != store.DefaultTenant {
			t.Fatalf("created user: %+v, %v", carol, err)
		}
		if again, err := r.Authenticate(ctx, tok); err != nil || again.ID != carol.ID {
			t.Fatalf("second connect: %+v, %v; want user %d", again, err, carol.ID)
		}
		// The link is the subject: a new username claim is still carol.
		renamed := f.token(t, "caroline", jwt.MapClaims{"sub": "id-carol"})
		if u, err := r.Authenticate(ctx, renamed); err != nil || u.ID != carol.ID {
			t.Errorf("renamed at the provider: %+v, %v; want user %d", u, err, carol.ID)
		}
		dave, err := r.Authenticate(ctx, f.token(t, "dave", jwt.MapClaims{"email": "not an address"}))
		if err != nil || dave.Email != "" {
			t.Errorf("bad email claim: %+v, %v; want the user without it", dave, err)
		}
		if _, err := r.Authenticate(ctx, f.token(t, "no spaces please", nil)); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("username that is not one: %v, want ErrInvalidToken", err)
		}
		// Without CreateUsers an identity with no user is refused like a
		// deleted user; one with a user still connects.
		strict := identity.New(st, f.own, identity.Options{External: f.ext})
		if _, err := strict.Authenticate(ctx, f.token(t, "erin", nil)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("new identity, no creation: %v, want ErrNotFound", err)
		}
		if u, err := strict.Authenticate(ctx, tok); err != nil || u.ID != carol.ID {
			t.Errorf("linked identity, no creation: %+v, %v", u, err)
		}
	})
}

// TestExternalTokensDoNotTakeOverUsers: a provider's identity does not
// become a user it was not linked to (a local one, or another identity's)
// unless LinkExisting says so, and a deleted user's identity stays refused.
func TestExternalTokensDoNotTakeOverUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		ctx := context.Background()
		alice := f.createUser(t, store.User{Username: "alice", Tenant: "acme"})
		r := identity.New(st, f.own, identity.Options{External: f.ext, CreateUsers: true})
		if _, err := r.Authenticate(ctx, f.token(t, "alice", nil)); !errors.Is(err, auth.ErrInvalidToken) {
			t.Fatalf("an identity named like a local user: %v, want ErrInvalidToken", err)
		}
		linking := identity.New(st, f.own, identity.Options{External: f.ext, CreateUsers: true, LinkExisting: true})
		if u, err := linking.Authenticate(ctx, f.token(t, "alice", nil)); err != nil || u.ID != alice.ID {
			t.Fatalf("LinkExisting: %+v, %v; want user %d", u, err, alice.ID)
		}
		// Linked once, the identity is alice without LinkExisting too, and
		// another identity with her username is not.
		if u, err := r.Authenticate(ctx, f.token(t, "alice", nil)); err != nil || u.ID != alice.ID {
			t.Errorf("linked identity: %+v, %v; want user %d", u, err, alice.ID)
		}
		other := f.token(t, "alice", jwt.MapClaims{"sub": "someone-else"})
		if _, err := linking.Authenticate(ctx, other); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("a second identity for a linked user: %v, want ErrInvalidToken", err)
		}
		// Deleting the user refuses the identity; it is not created again.
		bob, err := r.Authenticate(ctx, f.token(t, "bob", nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.DeleteUser(ctx, bob.ID) }); err != nil {
			t.Fatal(err)
		}
		if u, err := r.Authenticate(ctx, f.token(t, "bob", nil)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted user's identity: %+v, %v; want ErrNotFound", u, err)
		}
	})
}

// TestExternalTenantClaim: with a tenant claim a user is created in that
// tenant, and an identity whose tenant is not its user's is refused.
func TestExternalTenantClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "org")
		ctx := context.Background()
		f.createUser(t, store.User{Username: "alice", Tenant: "acme"})
		r := identity.New(st, f.own, identity.Options{External: f.ext, CreateUsers: true, LinkExisting: true})
		if _, err := r.Authenticate(ctx, f.token(t, "alice", jwt.MapClaims{"org": "globex", "sub": "squatter"})); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("linking another tenant's user: %v, want ErrInvalidToken", err)
		}
		// The refusal left no link behind: alice's own identity still links
		// (found in review: it was locked out).
		if u, err := r.Authenticate(ctx, f.token(t, "alice", jwt.MapClaims{"org": "acme"})); err != nil || u.Username != "alice" {
			t.Errorf("alice after a refused link of her username: %+v, %v", u, err)
		}
		bob, err := r.Authenticate(ctx, f.token(t, "bob", jwt.MapClaims{"org": "globex"}))
		if err != nil || bob.Tenant != "globex" {
			t.Fatalf("new user of the claimed tenant: %+v, %v", bob, err)
		}
		if _, err := r.Authenticate(ctx, f.token(t, "bob", jwt.MapClaims{"org": "acme"})); !errors.Is(err, auth.ErrInvalidToken) {
			t.Errorf("the same identity claiming another tenant: %v, want ErrInvalidToken", err)
		}
	})
}

// TestExternalConcurrentFirstConnect: connections of a new user racing to
// create it all end up with the one user.
func TestExternalConcurrentFirstConnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, "")
		r := identity.New(st, f.own, identity.Options{External: f.ext, CreateUsers: true})
		tok := f.token(t, "zoe", nil)
		const n = 8
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				u, err := r.Authenticate(context.Background(), tok)
				ids[i], errs[i] = u.ID, err
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil || ids[i] != ids[0] {
				t.Fatalf("connection %d: user %d, %v; want user %d", i, ids[i], errs[i], ids[0])
			}
		}
	})
}
