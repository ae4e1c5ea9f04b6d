package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/chatwasm/chatwasm/host/store"
)

// SecretSetting is the settings key under which a generated token secret is
// kept, so that tokens survive restarts and the CLI signs with the same key
// as the server.
const SecretSetting = "auth.token_secret"

// AdminTokenSetting is the settings key under which a generated admin API
// token is kept: every node of a deployment and every restart accept the
// same one, and `chatwasm admin-token` prints it, so the server never has
// to write it to its log.
const AdminTokenSetting = "auth.admin_token"

// LoadSecret returns the token signing secret: configured when non-empty
// (CHATWASM_SECRET), otherwise the one stored in the database, generated and
// stored on first use.
func LoadSecret(ctx context.Context, st *store.Store, configured string) ([]byte, error) {
	s, err := loadGenerated(ctx, st, SecretSetting, configured, 32)
	if err != nil {
		return nil, fmt.Errorf("auth: load secret: %w", err)
	}
	return []byte(s), nil
}

// LoadAdminToken returns the admin API token: configured when non-empty
// (CHATWASM_ADMIN_TOKEN), otherwise the one stored in the database,
// generated and stored on first use.
func LoadAdminToken(ctx context.Context, st *store.Store, configured string) (string, error) {
	s, err := loadGenerated(ctx, st, AdminTokenSetting, configured, 16)
	if err != nil {
		return "", fmt.Errorf("auth: load admin token: %w", err)
	}
	return s, nil
}

// loadGenerated returns configured if set, else the value of setting, which
// is n random bytes generated and stored by whichever process asks first.
func loadGenerated(ctx context.Context, st *store.Store, setting, configured string, n int) (string, error) {
	if configured != "" {
		return configured, nil
	}
	fresh := RandomToken(n)
	var v string
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		v, err = tx.SetSettingIfAbsent(ctx, setting, fresh)
		return err
	})
	return v, err
}

// RandomToken returns n random bytes, hex-encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24: it crashes the program instead
	return hex.EncodeToString(b)
}
