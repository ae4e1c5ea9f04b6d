package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestExternalIssuer: a server started with --jwt-issuer and --jwt-key
// accepts the provider's tokens besides its own, creates their users on
// first connect, and closes connections with a forged one with 4001.
func TestExternalIssuer(t *testing.T) {
	t.Parallel()
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
	const issuer = "https://idp.example.test"
	s := startServer(t, withFlags("--jwt-issuer", issuer, "--jwt-key", keyFile, "--jwt-audience", "chat",
		"--jwt-username-claim", "preferred_username"))
	sign := func(key ed25519.PrivateKey, username string) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{
			"iss": issuer, "aud": "chat", "sub": "opaque-id-1", "preferred_username": username,
			"given_name": "Carol", "exp": time.Now().Add(time.Hour).Unix(),
		}).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	// carol exists only at the provider: her first connect creates her.
	carol := s.connect(t, user{Username: "carol", Token: sign(priv, "carol")})
	alice := s.login(t, "alice") // a user of the server, with its own token
	room := createGroup(t, carol, "G", []user{alice.u}, nil, alice)
	msg := sendMessage(t, carol, room, "hello from the provider", alice)
	sender := asObject(t, msg["sender"])
	assertEqual(t, "sender", sender["username"], "carol")
	assertEqual(t, "sender's first name, from given_name", sender["first_name"], "Carol")
	// The second connect is the same user.
	again := s.connect(t, user{Username: "carol", Token: sign(priv, "carol")})
	again.send("room.list", map[string]any{})
	if rooms := asArray(t, again.nextFrame().v["data"]); len(rooms) != 1 {
		t.Fatalf("carol's rooms on her second connection: %v", rooms)
	}

	// A token signed with another key is closed with 4001.
	_, forger, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := dial(t, s.wsURL(sign(forger, "alice")), nil)
	if err != nil {
		t.Fatal(err)
	}
	forged.u.Username = "forged"
	if code := forged.expectClose(); code != 4001 {
		t.Fatalf("forged token: close %d, want 4001", code)
	}
}
