package hooks_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/chatwasm/chatwasm/host/wasm/wasmbin"
	"github.com/prometheus/client_golang/prometheus"
)

// storeModule stores the module wasm under name for tenant with manifest.
func storeModule(t *testing.T, st *store.Store, name, tenant string, wasm []byte, manifest string, enabled bool) {
	t.Helper()
	sum := sha256.Sum256(wasm)
	err := st.Write(context.Background(), func(tx *store.Tx) error {
		return tx.CreateModule(context.Background(), store.StoredModule{Name: name, Tenant: tenant, Wasm: wasm,
			SHA256: hex.EncodeToString(sum[:]), Manifest: manifest, Enabled: enabled})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storedManager is a Manager of st's stored modules alone, under the tenant
// policy limits (the default when nil), closed when the test ends.
func storedManager(t *testing.T, st *store.Store, limits *hooks.Limits) *hooks.Manager {
	t.Helper()
	m, err := hooks.NewManager(context.Background(), "", hooks.Options{CacheDir: cacheDir,
		Registerer: prometheus.NewRegistry(), Store: st, Stored: true, TenantLimits: limits})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

// TestStoredModules: the stored modules load after the file's, a tenant's
// only for it; one that clashes with a file module's name or does not load
// is refused alone, with its reason in Status; Sync reloads on a change of
// the stored modules only; each reload logs what changed.
func TestStoredModules(t *testing.T) {
	ctx := context.Background()
	guest, err := os.ReadFile(guestV1)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, "sqlite")
	storeModule(t, st, "s", "acme", guest, `{"hooks":["create_message"],"tenants":["*"],"config":{"mode":"wrap","tag":"s"}}`, true)
	storeModule(t, st, "m", "", guest, `{"hooks":["create_message"]}`, true)
	storeModule(t, st, "bad", "", []byte("\x00asm\x01\x00\x00\x00\x01\xff"), `{}`, true)
	storeModule(t, st, "off", "", guest, `{"hooks":["create_message"]}`, false)
	var logs bytes.Buffer
	path := writeFile(t, t.TempDir(), tagged("m"))
	m, err := hooks.NewManager(ctx, path, hooks.Options{CacheDir: cacheDir, Registerer: prometheus.NewRegistry(),
		Store: st, Stored: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)

	s, release := m.Acquire()
	if got := s.Hooking("acme", "create_message"); !slices.Equal(got, []string{"m", "s"}) {
		t.Errorf("acme's chain = %v, want the file's m then the stored s", got)
	}
	if got := s.Hooking("default", "create_message"); !slices.Equal(got, []string{"m"}) {
		t.Errorf("another tenant's chain = %v, want [m]: s belongs to acme whatever its manifest says", got)
	}
	acme := alice
	acme.Tenant = "acme"
	if got, err := run(t, s, "create_message", acme, &core{}); err != nil || !slices.Equal(got, []string{"m:in", "s:in", "core", "s:out", "m:out"}) {
		t.Errorf("acme's create_message = %v, %v", got, err)
	}
	release()

	byName := map[string]hooks.ModuleStatus{}
	for _, ms := range m.Status() {
		if ms.Stored || ms.Refused == "" {
			byName[ms.Name+"/"+map[bool]string{true: "api", false: "file"}[ms.Stored]] = ms
		}
	}
	if ms := byName["s/api"]; ms.Owner != "acme" || ms.Refused != "" || ms.Calls != 1 || ms.Errors != 0 ||
		!slices.Equal(ms.Hooks, []string{"create_message"}) || !slices.Equal(ms.Tenants, []string{"acme"}) || ms.Size != len(guest) {
		t.Errorf("status of s = %+v", ms)
	}
	if ms := byName["m/file"]; ms.Stored || ms.Calls != 1 {
		t.Errorf("status of the file's m = %+v", ms)
	}
	if ms := byName["m/api"]; !strings.Contains(ms.Refused, "taken by a module of the module file") {
		t.Errorf("stored m clashing with the file's: refused %q", ms.Refused)
	}
	if ms := byName["bad/api"]; !strings.Contains(ms.Refused, "malformed") {
		t.Errorf("malformed stored module: refused %q", ms.Refused)
	}
	if _, ok := byName["off/api"]; ok {
		t.Error("a disabled module is listed by the Manager")
	}
	if !strings.Contains(logs.String(), `msg="module refused" module=bad`) || !strings.Contains(logs.String(), `added="[m s]"`) {
		t.Errorf("first load's log:\n%s", logs.String())
	}

	logs.Reset()
	if err := m.Sync(ctx); err != nil || logs.Len() != 0 {
		t.Errorf("Sync without a change: %v, logged %q", err, logs.String())
	}
	if err := st.Write(ctx, func(tx *store.Tx) error { return tx.SetModuleEnabled(ctx, "s", store.AnyOwner, false) }); err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	s, release = m.Acquire()
	if got := s.Hooking("acme", "create_message"); !slices.Equal(got, []string{"m"}) {
		t.Errorf("after disabling s, acme's chain = %v", got)
	}
	release()
	if !strings.Contains(logs.String(), `msg="modules changed" added=[] removed=[s] replaced=[]`) {
		t.Errorf("reload's log:\n%s", logs.String())
	}
}

// TestCheckMalformed: an upload's check refuses malformed bytes with the
// wasm package's error, before the compiler sees them.
func TestCheckMalformed(t *testing.T) {
	m, err := hooks.NewManager(context.Background(), "", hooks.Options{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	spec, err := hooks.Manifest{}.Spec("x")
	if err != nil {
		t.Fatal(err)
	}
	spec.Wasm = []byte("\x00asm\x01\x00\x00\x00\x05\xff\xff\xff\xff\x0f")
	if err := m.Check(context.Background(), spec); !errors.Is(err, wasmbin.ErrMalformed) && !errors.Is(err, wasmbin.ErrLimit) {
		t.Errorf("Check(malformed) = %v, want a wasmbin refusal", err)
	}
	guest, err := os.ReadFile(guestV1)
	if err != nil {
		t.Fatal(err)
	}
	spec.Wasm, spec.Hooks = guest, []string{"create_message"}
	if err := m.Check(context.Background(), spec); err != nil {
		t.Errorf("Check(guest) = %v", err)
	}
}

// TestWatchStored: Watch finds a change of the stored modules by their
// version alone, as a node does that missed the broker's notice.
func TestWatchStored(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	guest, err := os.ReadFile(guestV1)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t, "sqlite")
	m := storedManager(t, st, nil)
	if s, release := m.Acquire(); s != nil {
		release()
		t.Fatal("a Manager without modules serves a set")
	}
	done := make(chan struct{})
	go func() { defer close(done); m.Watch(ctx, 10*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	storeModule(t, st, "s", "", guest, `{"hooks":["create_message"],"config":{"mode":"wrap","tag":"s"}}`, true)
	deadline := time.Now().Add(time.Minute)
	for {
		s, release := m.Acquire()
		got := s.Hooking("default", "create_message")
		release()
		if slices.Equal(got, []string{"s"}) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Watch did not load the stored module: chain %v", got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestStoredOverPolicy: a node loads a tenant's stored module only within
// its own tenant module policy, whatever the policy was when (and where) it
// was uploaded: one granted more than the policy allows is refused, with
// the reason, and the operator's stored modules are not bound by it.
func TestStoredOverPolicy(t *testing.T) {
	guest, err := os.ReadFile(guestV1)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		// Stored as a node with a looser policy (or this one before its
		// policy was narrowed) would have accepted them.
		storeModule(t, st, "grabby", "acme", guest, `{"hooks":["create_message"],"capabilities":["kv"],"memory":"1MiB"}`, true)
		storeModule(t, st, "big", "acme", guest, `{"hooks":["create_message"],"instances":4}`, true)
		storeModule(t, st, "fits", "acme", guest, `{"hooks":["create_message"],"capabilities":["log"]}`, true)
		storeModule(t, st, "ops", "", guest, `{"hooks":["create_message"],"capabilities":["kv"],"instances":4}`, true)
		limits := hooks.DefaultLimits()
		limits.Capabilities = []string{"log"}
		m := storedManager(t, st, &limits)
		s, release := m.Acquire()
		got := s.Hooking("acme", "create_message")
		release()
		if !slices.Equal(got, []string{"fits", "ops"}) {
			t.Errorf("acme's chain = %v, want [fits ops]: the modules over the policy are left out", got)
		}
		refused := map[string]string{}
		for _, ms := range m.Status() {
			refused[ms.Name] = ms.Refused
		}
		for name, want := range map[string]string{
			"grabby": `over the tenant module policy: capabilities: "kv" is not allowed (allowed: log)`,
			"big":    "over the tenant module policy: instances: 4 is over the limit of 2",
			"fits":   "", "ops": "",
		} {
			if got := refused[name]; (want == "") != (got == "") || !strings.Contains(got, want) {
				t.Errorf("%s refused %q, want %q", name, got, want)
			}
		}
	})
}

// TestStoredTenantKV: a tenant's module never finds the key-value store
// that an operator's module of the same name keeps for the tenant (it may
// have been removed, or be added later: names are unique only among the
// modules in force).
func TestStoredTenantKV(t *testing.T) {
	ctx := context.Background()
	guest, err := os.ReadFile(guestV1)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		// What an operator's module "shared" kept for acme.
		if err := st.Write(ctx, func(tx *store.Tx) error {
			return tx.ModuleKVSet(ctx, "shared", "acme", "k", `"the operator's"`, 1<<20)
		}); err != nil {
			t.Fatal(err)
		}
		storeModule(t, st, "shared", "acme", guest, `{"hooks":["join_room","create_message"],"capabilities":["kv"],"config":{"mode":"kv_get"}}`, true)
		limits := hooks.DefaultLimits()
		limits.Capabilities = []string{"kv"}
		m := storedManager(t, st, &limits)
		s, release := m.Acquire()
		defer release()
		acme := alice
		acme.Tenant = "acme"
		out, err := s.Run(ctx, "join_room", acme, []byte(`{"key":"k"}`), nil)
		if err != nil || string(out) != `{"error":"","value":{"value":null}}` {
			t.Errorf("the tenant's module reads the operator's module's key: %s, %v", out, err)
		}
	})
}
