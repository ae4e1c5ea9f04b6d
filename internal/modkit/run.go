package modkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/prometheus/client_golang/prometheus"
)

// Load loads the deployment yaml (module paths absolute, or relative to a
// temporary directory) and returns its module set, released when the test
// ends. Compiled modules are cached across test runs.
func Load(t testing.TB, yaml string, opts hooks.Options) *hooks.Set {
	t.Helper()
	s, release := Manager(t, yaml, opts).Acquire()
	t.Cleanup(release)
	return s
}

// Manager loads the deployment yaml as Load does and returns its Manager,
// closed when the test ends: what a chat.Service or a server runs with.
func Manager(t testing.TB, yaml string, opts hooks.Options) *hooks.Manager {
	t.Helper()
	path := filepath.Join(t.TempDir(), "modules.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if opts.CacheDir == "" {
		opts.CacheDir = compileCacheDir()
	}
	if opts.Registerer == nil {
		opts.Registerer = prometheus.NewRegistry()
	}
	m, err := hooks.NewManager(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return m
}

// Result is how a hook call ended, in a form that compares across modules.
type Result struct {
	// Code and Detail (JSON) are the client's error; Code is 0 when the
	// call succeeded.
	Code   int
	Detail string
	// Output is the call's output, normalised (see Normalize).
	Output string
	// DefaultArgs is the args the Go default got through next (""
	// when it did not run), normalised.
	DefaultArgs string
}

// Run calls hook on s with args for call, def being the Go default at the
// end of the chain, and returns the result with the keys in drop removed
// from the output (see Normalize). A failure that carries no client error
// fails the test.
func Run(t testing.TB, s *hooks.Set, hook string, call hooks.CallInfo, args []byte, def hooks.Next,
	drop ...string) Result {
	t.Helper()
	var r Result
	out, err := s.Run(context.Background(), hook, call, args, func(ctx context.Context, in []byte) ([]byte, error) {
		r.DefaultArgs = Normalize(t, in)
		return def(ctx, in)
	})
	if err != nil {
		ae := WireError(t, err)
		detail, jerr := json.Marshal(ae.Detail)
		if jerr != nil {
			t.Fatal(jerr)
		}
		r.Code, r.Detail = ae.Code, string(detail)
		return r
	}
	r.Output = Normalize(t, out, drop...)
	return r
}

// WireError returns the client error err carries (an *abi.Error, as a hook
// chain returns); an error without one fails the test.
func WireError(t testing.TB, err error) *abi.Error {
	t.Helper()
	var ae *abi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) carries no *abi.Error", err, err)
	}
	return ae
}

// Normalize returns the JSON document doc in canonical form (members
// sorted, no insignificant space), with the members named in drop removed
// from every object at any depth: the ids and timestamps that differ
// between two runs of the same operation.
func Normalize(t testing.TB, doc []byte, drop ...string) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, doc)
	}
	v = strip(v, drop)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func strip(v any, drop []string) any {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range drop {
			delete(v, k)
		}
		for k, e := range v {
			v[k] = strip(e, drop)
		}
	case []any:
		for i, e := range v {
			v[i] = strip(e, drop)
		}
	}
	return v
}
