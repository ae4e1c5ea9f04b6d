package hooks_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// marked is a payload with a field JSON does not carry, so that a test can
// tell the value Call was given from a decoded copy of it.
type marked struct {
	Trail []string `json:"trail"`
	Mark  string   `json:"-"`
}

// TestCallUnchangedPayloads: a layer that passes next the args it got, byte
// for byte, and returns what next returned, costs no decoding: the default
// gets Call's own input and Call returns the default's own result. A layer
// that changes them gets the decoded payloads, as before.
func TestCallUnchangedPayloads(t *testing.T) {
	pass, err := gobuild.Wasm(filepath.Join("..", "..", "bench", "testdata", "passthrough"))
	if err != nil {
		t.Fatal(err)
	}
	var got marked
	def := func(_ context.Context, in marked) (marked, error) {
		got = in
		return marked{Trail: append(slices.Clip(in.Trail), "core"), Mark: "out"}, nil
	}
	for _, c := range []struct {
		name, module      string
		inMark, outMark   string
		inTrail, outTrail []string
	}{
		{"pass-through", fmt.Sprintf("path: %s", pass), "in", "out", []string{"x"}, []string{"x", "core"}},
		{"rewriting", "path: {{guest}}\n    config: {mode: wrap, tag: a}", "", "",
			[]string{"x", "a:in"}, []string{"x", "a:in", "core", "a:out"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newManager(t, "modules:\n  - name: a\n    "+c.module+"\n    hooks: [create_message]\n", hooks.Options{})
			out, err := hooks.Call(context.Background(), acquire(t, m), "create_message", alice,
				marked{Trail: []string{"x"}, Mark: "in"}, def)
			if err != nil {
				t.Fatal(err)
			}
			if got.Mark != c.inMark || !slices.Equal(got.Trail, c.inTrail) {
				t.Errorf("the default got %+v, want mark %q and trail %v", got, c.inMark, c.inTrail)
			}
			if out.Mark != c.outMark || !slices.Equal(out.Trail, c.outTrail) {
				t.Errorf("Call returned %+v, want mark %q and trail %v", out, c.outMark, c.outTrail)
			}
		})
	}
}
