package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/golang-jwt/jwt/v5"
)

// issue makes an issuer with a test key and a token of it for userID,
// valid for an hour.
func issue(t *testing.T, userID int64) (*Issuer, string) {
	t.Helper()
	iss, err := NewIssuer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Issue(userID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return iss, tok
}

func TestIssueVerify(t *testing.T) {
	iss, tok := issue(t, 42)
	id, err := iss.Verify(tok)
	if err != nil || id != 42 {
		t.Fatalf("Verify = %d, %v; want 42, nil", id, err)
	}
}

func TestVerifyRejects(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	iss, err := NewIssuer(key, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	expired, err := iss.Issue(1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	later, err := NewIssuer(key, WithClock(func() time.Time { return now.Add(2 * time.Minute) }))
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewIssuer([]byte("another key, another server......"), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Issue(1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(m jwt.SigningMethod, k any, c jwt.Claims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exp := jwt.NewNumericDate(now.Add(time.Hour))
	cases := map[string]string{
		"missing":        "",
		"garbage":        "not-a-jwt",
		"expired":        expired,
		"wrong key":      foreign,
		"alg none":       sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.RegisteredClaims{Issuer: issuerName, Subject: "1", ExpiresAt: exp}),
		"HS512":          sign(jwt.SigningMethodHS512, key, jwt.RegisteredClaims{Issuer: issuerName, Subject: "1", ExpiresAt: exp}),
		"no expiry":      sign(jwt.SigningMethodHS256, key, jwt.RegisteredClaims{Issuer: issuerName, Subject: "1"}),
		"other issuer":   sign(jwt.SigningMethodHS256, key, jwt.RegisteredClaims{Issuer: "someone", Subject: "1", ExpiresAt: exp}),
		"subject not id": sign(jwt.SigningMethodHS256, key, jwt.RegisteredClaims{Issuer: issuerName, Subject: "alice", ExpiresAt: exp}),
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			v := iss
			if name == "expired" {
				v = later
			}
			if id, err := v.Verify(tok); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Verify = %d, %v; want ErrInvalidToken", id, err)
			}
		})
	}
}

func TestIssueRejectsBadTTL(t *testing.T) {
	iss, err := NewIssuer([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Issue(1, 0); err == nil {
		t.Fatal("Issue with ttl 0 succeeded")
	}
	if _, err := NewIssuer(nil); err == nil {
		t.Fatal("NewIssuer with empty secret succeeded")
	}
}

func TestFromRequest(t *testing.T) {
	r := httptest.NewRequest("GET", "/messaging/?token=q", nil)
	r.Header.Set("Authorization", "Bearer h")
	if got := FromRequest(r); got != "q" {
		t.Fatalf("query token: got %q", got)
	}
	r = httptest.NewRequest("GET", "/messaging/", nil)
	r.Header.Set("Authorization", "bearer  h ")
	if got := FromRequest(r); got != "h" {
		t.Fatalf("header token: got %q", got)
	}
	r.Header.Set("Authorization", "Basic abc")
	if got := FromRequest(r); got != "" {
		t.Fatalf("basic auth: got %q", got)
	}
}

func TestLoadSecret(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		got, err := LoadSecret(ctx, st, "configured")
		if err != nil || string(got) != "configured" {
			t.Fatalf("configured secret: %q, %v", got, err)
		}
		first, err := LoadSecret(ctx, st, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(first) != 64 {
			t.Fatalf("generated secret %q: want 64 hex chars", first)
		}
		second, err := LoadSecret(ctx, st, "")
		if err != nil {
			t.Fatal(err)
		}
		if string(first) != string(second) {
			t.Fatalf("stored secret changed: %q then %q", first, second)
		}
	})
}

// TestTenantAdminToken: a tenant admin token names its tenant, expires, and
// neither it nor a user token passes for the other.
func TestTenantAdminToken(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	iss, err := NewIssuer([]byte("0123456789abcdef0123456789abcdef"), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.IssueTenantAdmin("acme", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if tenant, err := iss.VerifyTenantAdmin(tok); err != nil || tenant != "acme" {
		t.Errorf("VerifyTenantAdmin = %q, %v; want acme", tenant, err)
	}
	if _, err := iss.Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a tenant admin token verified as a user token: %v", err)
	}
	user, err := iss.Issue(42, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.VerifyTenantAdmin(user); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a user token verified as a tenant admin token: %v", err)
	}
	other, _ := NewIssuer([]byte("another key, another key, another"))
	forged, _ := other.IssueTenantAdmin("acme", time.Hour)
	if _, err := iss.VerifyTenantAdmin(forged); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("a token of another key: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := iss.VerifyTenantAdmin(tok); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("an expired token: %v", err)
	}
	if _, err := iss.IssueTenantAdmin("", time.Hour); err == nil {
		t.Error("a token without a tenant was issued")
	}
}
