// Package auth issues and verifies chatwasm's access tokens: HS256 JWTs whose
// subject is the user id, signed with the server's secret, and verifies
// those of an external identity provider (External). It also keeps the
// generated secret and admin token in the database.
package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// issuerName is the "iss" claim of every token the server signs. Verify
// requires it, so a token minted for another system with the same key is not
// accepted by accident.
const issuerName = "chatwasm"

// ErrInvalidToken is returned by Verify for a missing, malformed, badly
// signed or expired token.
var ErrInvalidToken = errors.New("auth: invalid token")

// DefaultTokenTTL is the lifetime of a token whose issuer names none: the
// admin API's without "ttl", the CLI's without --ttl.
const DefaultTokenTTL = 24 * time.Hour

// Issuer signs and verifies access tokens with one HMAC key.
type Issuer struct {
	key    []byte
	now    func() time.Time
	parser *jwt.Parser
	// adminParser verifies tenant admin tokens.
	adminParser *jwt.Parser
}

// Option configures an Issuer.
type Option func(*Issuer)

// WithClock replaces the wall clock, for tests.
func WithClock(now func() time.Time) Option { return func(i *Issuer) { i.now = now } }

// NewIssuer returns an Issuer keyed with secret, which must not be empty.
func NewIssuer(secret []byte, opts ...Option) (*Issuer, error) {
	if len(secret) == 0 {
		return nil, errors.New("auth: empty secret")
	}
	i := &Issuer{key: append([]byte(nil), secret...), now: time.Now}
	for _, o := range opts {
		o(i)
	}
	popts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(issuerName),
		jwt.WithTimeFunc(func() time.Time { return i.now() }),
	}
	i.parser = jwt.NewParser(popts...)
	i.adminParser = jwt.NewParser(append(popts, jwt.WithAudience(adminAudience))...)
	return i, nil
}

// Issue returns a token for userID that expires after ttl.
func (i *Issuer) Issue(userID int64, ttl time.Duration) (string, error) {
	return i.sign(strconv.FormatInt(userID, 10), nil, ttl)
}

// sign returns a token of subject for audience (nil: none) that expires
// after ttl.
func (i *Issuer) sign(subject string, audience jwt.ClaimStrings, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("auth: token ttl must be positive, got %s", ttl)
	}
	now := i.now()
	claims := jwt.RegisteredClaims{
		Issuer:    issuerName,
		Subject:   subject,
		Audience:  audience,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return s, nil
}

// Verify checks a token and returns the user id it was issued for. Every
// failure wraps ErrInvalidToken.
func (i *Issuer) Verify(token string) (int64, error) {
	if token == "" {
		return 0, fmt.Errorf("%w: missing", ErrInvalidToken)
	}
	claims, err := i.claims(i.parser, token)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: subject %q is not a user id", ErrInvalidToken, claims.Subject)
	}
	return id, nil
}

// claims checks token with p (signature, expiry, issuer, audience) and
// returns its claims; a failure wraps ErrInvalidToken.
func (i *Issuer) claims(p *jwt.Parser, token string) (jwt.RegisteredClaims, error) {
	var claims jwt.RegisteredClaims
	if _, err := p.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return i.key, nil }); err != nil {
		return claims, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	return claims, nil
}

// adminAudience is the "aud" claim of a tenant admin token; a user token
// has none, and its subject is a user id, so neither passes for the other.
const adminAudience = "chatwasm-admin"

// tenantSubject prefixes the tenant in a tenant admin token's subject.
const tenantSubject = "tenant:"

// IssueTenantAdmin returns a token for the admin API scoped to tenant (the
// modules of that tenant only) that expires after ttl.
func (i *Issuer) IssueTenantAdmin(tenant string, ttl time.Duration) (string, error) {
	if tenant == "" {
		return "", errors.New("auth: tenant admin token without a tenant")
	}
	return i.sign(tenantSubject+tenant, jwt.ClaimStrings{adminAudience}, ttl)
}

// VerifyTenantAdmin checks a tenant admin token and returns its tenant.
// Every failure wraps ErrInvalidToken.
func (i *Issuer) VerifyTenantAdmin(token string) (string, error) {
	if token == "" {
		return "", fmt.Errorf("%w: missing", ErrInvalidToken)
	}
	claims, err := i.claims(i.adminParser, token)
	if err != nil {
		return "", err
	}
	tenant, ok := strings.CutPrefix(claims.Subject, tenantSubject)
	if !ok || tenant == "" {
		return "", fmt.Errorf("%w: subject %q is not a tenant", ErrInvalidToken, claims.Subject)
	}
	return tenant, nil
}

// FromRequest extracts the token of a request: the "token" query parameter
// (what browsers can send on a WebSocket URL) or else an
// "Authorization: Bearer" header. It returns "" when there is neither.
func FromRequest(r *http.Request) string {
	if t := r.URL.Query().Get("token"); t != "" {
		return t
	}
	return BearerToken(r)
}

// BearerToken returns the token of an "Authorization: Bearer" header, or "".
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}
