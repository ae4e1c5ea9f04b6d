package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/golang-jwt/jwt/v5"
)

// TestExternalIssuer: a server started with --jwt-issuer and --jwt-key
// accepts the provider's tokens besides its own, creates their users on
// first connect, and closes connections with a forged one with 4001.
func TestExternalIssuer(t *testing.T) {
	t.Parallel()
	idp := newIdentityProvider(t)
	s := startServer(t, idp.flags())
	priv, sign := idp.key, idp.sign

	// carol exists only at the provider: her first connect creates her.
	carol := s.connect(t, user{User: abi.User{Username: "carol"}, Token: sign(priv, "carol")})
	alice := s.login(t, "alice") // a user of the server, with its own token
	room := createGroup(t, carol, "G", []user{alice.u}, nil, alice)
	msg := sendMessage(t, carol, room, "hello from the provider", alice)
	sender := asObject(t, msg["sender"])
	assertEqual(t, "sender", sender["username"], "carol")
	assertEqual(t, "sender's first name, from given_name", sender["first_name"], "Carol")
	// The second connect is the same user.
	again := s.connect(t, user{User: abi.User{Username: "carol"}, Token: sign(priv, "carol")})
	again.send("room.list", map[string]any{})
	if rooms := asArray(t, again.nextFrame().Object["data"]); len(rooms) != 1 {
		t.Fatalf("carol's rooms on her second connection: %v", rooms)
	}

	// The provider cannot name a user it did not create: alice is the
	// server's, so a provider token with her username is closed with 4001.
	refused := func(what, tok string) {
		t.Helper()
		c, err := dial(t, s.WSURL(tok), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.u.Username = what
		if code := c.expectClose(); code != 4001 {
			t.Fatalf("%s: close %d, want 4001", what, code)
		}
	}
	refused("a provider token naming a local user", sign(priv, "alice"))
	// Deleting carol refuses her identity from then on, instead of creating
	// her again.
	if status, out := s.Admin(t, "DELETE", fmt.Sprintf("/admin/users/%v", sender["id"]), nil); status != 204 {
		t.Fatalf("DELETE carol: %d %s", status, out)
	}
	refused("a deleted provider user", sign(priv, "carol"))

	// A token signed with another key is closed with 4001.
	_, forger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := dial(t, s.WSURL(sign(forger, "alice")), nil)
	if err != nil {
		t.Fatal(err)
	}
	forged.u.Username = "forged"
	if code := forged.expectClose(); code != 4001 {
		t.Fatalf("forged token: close %d, want 4001", code)
	}
}

// externalIssuer is the issuer of identityProvider's tokens.
const externalIssuer = "https://idp.example.test"

// identityProvider is an external token issuer with an Ed25519 key whose
// public half a server reads from keyFile.
type identityProvider struct {
	t       *testing.T
	key     ed25519.PrivateKey
	keyFile string
}

func newIdentityProvider(t *testing.T) *identityProvider {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "idp.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &identityProvider{t: t, key: priv, keyFile: keyFile}
}

// flags are the server flags that accept the provider's tokens.
func (p *identityProvider) flags() serverOption {
	return withFlags("--jwt-issuer", externalIssuer, "--jwt-key", p.keyFile, "--jwt-audience", "chat",
		"--jwt-username-claim", "preferred_username")
}

// sign returns an hour-long token for username (subject "idp|username")
// signed with key.
func (p *identityProvider) sign(key ed25519.PrivateKey, username string) string {
	p.t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
		"iss": externalIssuer, "aud": "chat", "sub": "idp|" + username, "preferred_username": username,
		"given_name": "Carol", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(key)
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}
