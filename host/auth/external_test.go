package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// provider is a test identity provider: a key pair and the PEM of its
// public half.
type provider struct {
	method jwt.SigningMethod
	priv   crypto.Signer
	pem    []byte
}

func newProvider(t *testing.T, method jwt.SigningMethod, priv crypto.Signer) provider {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return provider{method: method, priv: priv, pem: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}
}

func (p provider) sign(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(p.method, claims).SignedString(p.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var externalNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func validClaims() jwt.MapClaims {
	return jwt.MapClaims{"iss": "https://idp.example.com", "aud": "chat", "sub": "alice",
		"exp": externalNow.Add(time.Hour).Unix(), "email": "alice@example.com", "given_name": "Alice",
		"family_name": "Liddell", "org": "acme"}
}

func newTestExternal(t *testing.T, p provider, cfg ExternalConfig) *External {
	t.Helper()
	cfg.Issuer, cfg.KeyPEM, cfg.Now = "https://idp.example.com", p.pem, func() time.Time { return externalNow }
	e, err := NewExternal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestExternalKeyTypes: tokens of each supported key type verify, and carry
// the identity's claims.
func TestExternalKeyTypes(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	for name, p := range map[string]provider{
		"RS256": newProvider(t, jwt.SigningMethodRS256, rsaKey),
		"PS512": newProvider(t, jwt.SigningMethodPS512, rsaKey),
		"ES256": newProvider(t, jwt.SigningMethodES256, p256),
		"ES384": newProvider(t, jwt.SigningMethodES384, p384),
		"EdDSA": newProvider(t, jwt.SigningMethodEdDSA, edKey),
	} {
		t.Run(name, func(t *testing.T) {
			e := newTestExternal(t, p, ExternalConfig{Audience: "chat", TenantClaim: "org"})
			id, err := e.Verify(p.sign(t, validClaims()))
			want := ExternalIdentity{Subject: "alice", Username: "alice", Tenant: "acme", Email: "alice@example.com", FirstName: "Alice", LastName: "Liddell"}
			if err != nil || id != want {
				t.Fatalf("Verify = %+v, %v; want %+v", id, err, want)
			}
		})
	}
}

// TestExternalRejects: every token the provider did not sign for this
// server, or that is no longer valid, is refused with ErrInvalidToken.
func TestExternalRejects(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p := newProvider(t, jwt.SigningMethodES256, key)
	e := newTestExternal(t, p, ExternalConfig{Audience: "chat", UsernameClaim: "preferred_username", TenantClaim: "org"})
	with := func(k string, v any) jwt.MapClaims {
		c := validClaims()
		c["preferred_username"] = "alice"
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	// HS256 keyed with the public key's PEM: the algorithm-confusion attack.
	confused, err := jwt.NewWithClaims(jwt.SigningMethodHS256, with("x", 1)).SignedString(p.pem)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := jwt.NewWithClaims(jwt.SigningMethodNone, with("x", 1)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{
		"another key":        newProvider(t, jwt.SigningMethodES256, other).sign(t, with("x", 1)),
		"HS256 with the PEM": confused,
		"alg none":           unsigned,
		"other issuer":       p.sign(t, with("iss", "https://evil.example.com")),
		"other audience":     p.sign(t, with("aud", "mail")),
		"no audience":        p.sign(t, with("aud", nil)),
		"expired":            p.sign(t, with("exp", externalNow.Add(-time.Minute).Unix())),
		"no expiry":          p.sign(t, with("exp", nil)),
		"not yet valid":      p.sign(t, with("nbf", externalNow.Add(time.Minute).Unix())),
		"no subject":         p.sign(t, with("sub", nil)),
		"no username":        p.sign(t, with("preferred_username", nil)),
		"numeric username":   p.sign(t, with("preferred_username", 7)),
		"empty username":     p.sign(t, with("preferred_username", "")),
		"no tenant":          p.sign(t, with("org", nil)),
		"garbage":            "not.a.token",
	} {
		if id, err := e.Verify(tok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: Verify = %+v, %v; want ErrInvalidToken", name, id, err)
		}
	}
}

// TestExternalLeeway: the configured leeway absorbs clock skew on exp.
func TestExternalLeeway(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p := newProvider(t, jwt.SigningMethodES256, key)
	c := validClaims()
	c["exp"] = externalNow.Add(-10 * time.Second).Unix()
	tok := p.sign(t, c)
	if _, err := newTestExternal(t, p, ExternalConfig{}).Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("expired 10s ago, no leeway: %v", err)
	}
	if _, err := newTestExternal(t, p, ExternalConfig{Leeway: 30 * time.Second}).Verify(tok); err != nil {
		t.Errorf("expired 10s ago, 30s leeway: %v", err)
	}
}

// TestNewExternalRejectsConfig: no issuer, the server's own issuer, keys
// that are not public keys or too weak.
func TestNewExternalRejectsConfig(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := newProvider(t, jwt.SigningMethodES256, ec).pem
	privDER, _ := x509.MarshalECPrivateKey(ec)
	for name, c := range map[string]struct {
		cfg  ExternalConfig
		want string
	}{
		"no issuer":    {ExternalConfig{KeyPEM: good}, "issuer (iss) is required"},
		"own issuer":   {ExternalConfig{Issuer: "chatwasm", KeyPEM: good}, "server's own issuer"},
		"not PEM":      {ExternalConfig{Issuer: "i", KeyPEM: []byte("hello")}, "not PEM"},
		"private key":  {ExternalConfig{Issuer: "i", KeyPEM: pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: privDER})}, "not a public key"},
		"weak RSA key": {ExternalConfig{Issuer: "i", KeyPEM: newProvider(t, jwt.SigningMethodRS256, weak).pem}, "too weak"},
	} {
		if _, err := NewExternal(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
	}
}

func TestTokenIssuer(t *testing.T) {
	_, tok := issue(t, 1)
	if got := TokenIssuer(tok); got != "chatwasm" {
		t.Errorf("TokenIssuer(own token) = %q", got)
	}
	if got := TokenIssuer("garbage"); got != "" {
		t.Errorf("TokenIssuer(garbage) = %q", got)
	}
}
