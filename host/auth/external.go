package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ExternalConfig describes an identity provider whose tokens the server
// accepts besides its own: signed with the provider's key, they name a user
// by a claim instead of by the server's user id.
type ExternalConfig struct {
	// Issuer is the "iss" the provider's tokens carry; required, and not
	// the server's own ("chatwasm").
	Issuer string
	// Audience, if set, must be one of the tokens' "aud".
	Audience string
	// KeyPEM is the provider's public key in PEM: a PKIX "PUBLIC KEY"
	// (RSA of 2048 bits or more, ECDSA P-256/384/521, Ed25519), a PKCS #1
	// "RSA PUBLIC KEY", or a "CERTIFICATE" holding one. The key decides the
	// algorithms accepted (RS*/PS*, ES*, EdDSA); HMAC and "none" never are.
	KeyPEM []byte
	// UsernameClaim is the claim naming the user; "" means "sub".
	UsernameClaim string
	// TenantClaim, if set, is the claim naming the user's tenant.
	TenantClaim string
	// Leeway is the clock skew allowed on "exp", "nbf" and "iat".
	Leeway time.Duration
	// Now replaces the wall clock, for tests.
	Now func() time.Time
}

// ExternalIdentity is what a provider's token says about its user. Subject
// ("sub") is the provider's stable id of the user; email and the names come
// from the OpenID Connect claims "email", "given_name" and "family_name"
// when present.
type ExternalIdentity struct {
	Subject   string
	Username  string
	Tenant    string // "" unless ExternalConfig.TenantClaim is set
	Email     string
	FirstName string
	LastName  string
}

// External verifies an identity provider's tokens.
type External struct {
	cfg    ExternalConfig
	key    any
	parser *jwt.Parser
}

// NewExternal checks cfg and parses the provider's key.
func NewExternal(cfg ExternalConfig) (*External, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("auth: external issuer: the issuer (iss) is required")
	case cfg.Issuer == issuerName:
		return nil, fmt.Errorf("auth: external issuer: %q is the server's own issuer", issuerName)
	}
	key, algs, err := parsePublicKey(cfg.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("auth: external issuer %s: %w", cfg.Issuer, err)
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "sub"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(algs),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(func() time.Time { return cfg.Now() }),
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	return &External{cfg: cfg, key: key, parser: jwt.NewParser(opts...)}, nil
}

// Issuer returns the "iss" of the provider's tokens.
func (e *External) Issuer() string { return e.cfg.Issuer }

// Verify checks a provider's token and returns the identity it carries.
// Every failure wraps ErrInvalidToken.
func (e *External) Verify(token string) (ExternalIdentity, error) {
	claims := jwt.MapClaims{}
	if _, err := e.parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return e.key, nil }); err != nil {
		return ExternalIdentity{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	var id ExternalIdentity
	var ok bool
	if id.Subject, ok = claims["sub"].(string); !ok || id.Subject == "" {
		return ExternalIdentity{}, fmt.Errorf("%w: claim \"sub\" is not a non-empty string", ErrInvalidToken)
	}
	if id.Username, ok = claims[e.cfg.UsernameClaim].(string); !ok || id.Username == "" {
		return ExternalIdentity{}, fmt.Errorf("%w: claim %q is not a non-empty string", ErrInvalidToken, e.cfg.UsernameClaim)
	}
	if e.cfg.TenantClaim != "" {
		if id.Tenant, ok = claims[e.cfg.TenantClaim].(string); !ok || id.Tenant == "" {
			return ExternalIdentity{}, fmt.Errorf("%w: claim %q is not a non-empty string", ErrInvalidToken, e.cfg.TenantClaim)
		}
	}
	id.Email, _ = claims["email"].(string)
	id.FirstName, _ = claims["given_name"].(string)
	id.LastName, _ = claims["family_name"].(string)
	return id, nil
}

// TokenIssuer returns the "iss" of a token without verifying it, to tell
// which key verifies it; "" if the token does not parse.
func TokenIssuer(token string) string {
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil {
		return ""
	}
	return claims.Issuer
}

// parsePublicKey reads a PEM public key and returns it with the JWT
// algorithms it verifies.
func parsePublicKey(data []byte) (any, []string, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, nil, errors.New("the key is not PEM")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return nil, nil, fmt.Errorf("PEM block %q is not a public key or a certificate", block.Type)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("parse the key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, nil, fmt.Errorf("an RSA key of %d bits is too weak (2048 at least)", k.N.BitLen())
		}
		return k, []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return k, []string{"ES256"}, nil
		case elliptic.P384():
			return k, []string{"ES384"}, nil
		case elliptic.P521():
			return k, []string{"ES512"}, nil
		}
		return nil, nil, fmt.Errorf("ECDSA curve %s is not supported", k.Curve.Params().Name)
	case ed25519.PublicKey:
		return k, []string{"EdDSA"}, nil
	}
	return nil, nil, fmt.Errorf("key type %T is not supported", key)
}
