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

// LoadSecret returns the token signing secret: configured when non-empty
// (CHATWASM_SECRET), otherwise the one stored in the database, generated and
// stored on first use.
func LoadSecret(ctx context.Context, st *store.Store, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	fresh := RandomToken(32)
	var secret string
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		secret, err = tx.SetSettingIfAbsent(ctx, SecretSetting, fresh)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: load secret: %w", err)
	}
	return []byte(secret), nil
}

// RandomToken returns n random bytes, hex-encoded.
func RandomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24: it crashes the program instead
	return hex.EncodeToString(b)
}
