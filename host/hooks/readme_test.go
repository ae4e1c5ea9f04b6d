package hooks_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// TestReadmeModule runs the example module of abi/README.md.
func TestReadmeModule(t *testing.T) {
	s := guestSet(t, hooks.Options{}, guestModule{name: "moderation", path: "{{readme}}", hooks: `"_create_message"`, config: `banned_words: "spam,buy now"`})
	ctx := context.Background()
	echo := func(_ context.Context, in []byte) ([]byte, error) { return in, nil }
	_, err := s.Run(ctx, "_create_message", alice, []byte(`{"room_id":"r","content":"Buy now!"}`), echo)
	ae := modkit.WireError(t, err)
	if d, _ := json.Marshal(ae.Detail); ae.Code != 4003 || string(d) != `["Message rejected by moderation"]` {
		t.Errorf("banned: %d %s", ae.Code, d)
	}
	in := `{"room_id":"r","content":"hello"}`
	if out, err := s.Run(ctx, "_create_message", alice, []byte(in), echo); err != nil || string(out) != in {
		t.Errorf("allowed: %s, %v", out, err)
	}
	sentinel := errors.New("cause")
	fails := func(context.Context, []byte) ([]byte, error) { return nil, &wrapped{abi.ErrNotFound(), sentinel} }
	if _, err := s.Run(ctx, "_create_message", alice, []byte(in), fails); !errors.Is(err, sentinel) {
		t.Errorf("the default's error was not passed on unchanged: %v", err)
	}
}
