package hooks_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/hooks"
)

func TestParseModuleFile(t *testing.T) {
	f, err := hooks.ParseModuleFile([]byte(`
modules:
  - name: moderation                 # unique
    path: moderation.wasm            # relative to this file
    sha256: "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"
    tenants: ["*"]                   # optional; default all tenants
    hooks: ["_create_message"]       # optional; default every hook the module exports
    config: {banned_words: "spam,buy now", limit: 5}
    capabilities: ["rooms.read"]     # optional; default none; "*" grants every capability
    allowed_hosts: ["127.0.0.1:9000"]# optional; default none
    timeout: 100ms                   # per call
    memory: 64MiB
    instances: 4                     # pool size
    kv_quota: 1MiB
    on_failure: closed               # closed | open
  - name: minimal
    path: /abs/minimal.wasm
    tenants: [acme, beta]
`), "/etc/chatwasm/modules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Modules) != 2 {
		t.Fatalf("%d modules", len(f.Modules))
	}
	m := f.Modules[0]
	if m.Name != "moderation" || m.Path != "/etc/chatwasm/moderation.wasm" ||
		m.SHA256 != "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" ||
		!m.AllTenants() || !slices.Equal(m.Hooks, []string{"_create_message"}) ||
		m.Config["banned_words"] != "spam,buy now" || m.Config["limit"] != "5" ||
		!m.Granted("rooms.read") || m.Granted("kv") || !slices.Equal(m.AllowedHosts, []string{"127.0.0.1:9000"}) ||
		m.Timeout != 100*time.Millisecond || m.Memory != 64<<20 || m.Instances != 4 || m.KVQuota != 1<<20 ||
		m.OnFailure != hooks.FailClosed || m.Line != 3 {
		t.Errorf("first module %+v", m)
	}
	m = f.Modules[1]
	if m.Path != "/abs/minimal.wasm" || m.Hooks != nil || m.Capabilities != nil || m.Granted("log") ||
		m.AllTenants() || !slices.Equal(m.Tenants, []string{"acme", "beta"}) ||
		m.Timeout != hooks.DefaultTimeout || m.Memory != hooks.DefaultMemory || m.Instances != hooks.DefaultInstances ||
		m.KVQuota != hooks.DefaultKVQuota || m.OnFailure != hooks.FailClosed {
		t.Errorf("defaults %+v", m)
	}

	f, err = hooks.ParseModuleFile(nil, "/x/empty.yaml")
	if err != nil || len(f.Modules) != 0 {
		t.Errorf("empty file: %+v, %v", f, err)
	}
}

func TestModuleFileErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"modules: [\n", "m.yaml: yaml: line 1: did not find expected node content"},
		{"modulez: []\n", `m.yaml: line 1: unknown key "modulez" (the file has one key, modules)`},
		{"modules: a.wasm\n", "m.yaml: line 1: modules: want a list of module entries"},
		{"- a\n", "m.yaml: line 1: the file must be a mapping with a modules list"},
		{"modules:\n  - name: a\n    path: a.wasm\n    hooks: create_message\n", "m.yaml: line 4: hooks: want a list, such as [create_message]"},
		{"modules:\n  - name: a\n    path: a.wasm\n    config: [x]\n", "m.yaml: line 4: config: want a mapping of names to values"},
		{"modules:\n  - name: a\n    path: [a.wasm]\n", "m.yaml: line 3: path: want a single value"},
		{"modules:\n  - name: a\n    path: a.wasm\n    timout: 1s\n",
			`m.yaml: line 4: unknown module field "timout" (known: name, path, sha256, tenants, hooks, config, capabilities, allowed_hosts, timeout, memory, instances, kv_quota, on_failure)`},
		{"modules:\n  - just-a-string\n", "m.yaml: line 2: a module entry must be a mapping"},
		{"modules:\n  - path: a.wasm\n", "m.yaml:2: module without a name"},
		{"modules:\n  - name: 'a b'\n    path: a.wasm\n", `m.yaml:2: module "a b": invalid name`},
		{"modules:\n  - name: a\n", `m.yaml:2: module "a": missing path`},
		{"modules:\n  - name: a\n    path: a.wasm\n  - name: b\n    path: b.wasm\n  - name: a\n    path: c.wasm\n",
			`m.yaml:6: module "a": duplicate name (first at line 2)`},
		{"modules:\n  - name: a\n    path: a.wasm\n    hooks: [_create_mesage]\n", `m.yaml:2: module "a": unknown hook "_create_mesage"`},
		{"modules:\n  - name: a\n    path: a.wasm\n    hooks: [create_message, create_message]\n",
			`m.yaml:2: module "a": hook "create_message" listed twice`},
		{"modules:\n  - name: a\n    path: a.wasm\n    capabilities: [rooms.delete]\n",
			`m.yaml:2: module "a": unknown capability "rooms.delete" (known: rooms.read, members.read, members.write, messages.read, users.read, kv, events.emit, log, clock, random, messages.write, rooms.write, sessions.write, notifications.write, or "*")`},
		{"modules:\n  - name: a\n    path: a.wasm\n    sha256: abc\n", `m.yaml:2: module "a": sha256 "abc" is not 64 hex digits`},
		{"modules:\n  - name: a\n    path: a.wasm\n    tenants: []\n", `m.yaml:2: module "a": empty tenants list`},
		{"modules:\n  - name: a\n    path: a.wasm\n    allowed_hosts: [\"http://x\"]\n",
			`m.yaml:2: module "a": invalid allowed host "http://x" (want host or host:port)`},
		{"modules:\n  - name: a\n    path: a.wasm\n    timeout: 100\n",
			`m.yaml:2: module "a": invalid timeout "100" (a duration such as 100ms, at most 1m0s)`},
		{"modules:\n  - name: a\n    path: a.wasm\n    timeout: 2h\n", `module "a": invalid timeout "2h"`},
		{"modules:\n  - name: a\n    path: a.wasm\n    memory: lots\n", `m.yaml:2: module "a": invalid memory "lots" (a size such as 64MiB)`},
		{"modules:\n  - name: a\n    path: a.wasm\n    memory: 64MB\n",
			`m.yaml:2: module "a": invalid memory "64MB" (a size such as 64MiB; "MB" is ambiguous: say 64MiB)`},
		{"modules:\n  - name: a\n    path: a.wasm\n    kv_quota: 2 g\n",
			`m.yaml:2: module "a": invalid kv_quota "2 g" (a size such as 16MiB, at most 1TiB; "g" is ambiguous: say 2GiB)`},
		{"modules:\n  - name: a\n    path: a.wasm\n    kv_quota: 0\n", `m.yaml:2: module "a": invalid kv_quota "0" (a size such as 16MiB, at most 1TiB)`},
		{"modules:\n  - name: a\n    path: a.wasm\n    instances: 0\n", `m.yaml:2: module "a": instances must be between 1 and 1024, not 0`},
		{"modules:\n  - name: a\n    path: a.wasm\n    instances: many\n", `m.yaml: line 4: instances: want a whole number, not "many"`},
		{"modules:\n  - name: a\n    path: a.wasm\n    on_failure: maybe\n",
			`m.yaml:2: module "a": on_failure must be "closed" or "open", not "maybe"`},
	} {
		_, err := hooks.ParseModuleFile([]byte(tc.yaml), "m.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.yaml, err, tc.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ yaml, want string }{
		{"modules:\n  - name: gone\n    path: missing.wasm\n",
			`modules.yaml:2: module "gone": wasm: load module "gone": open ` + filepath.Join(dir, "missing.wasm")},
		{"modules:\n  - name: tampered\n    path: {{guest}}\n    sha256: \"" + strings.Repeat("ab", 32) + "\"\n",
			`modules.yaml:2: module "tampered": wasm: sha256 mismatch`},
		{"modules:\n  - name: a\n    path: {{guest}}\n    hooks: [_modify_room]\n",
			`modules.yaml:2: module "a": hook "_modify_room" is not exported by ` + guestV1},
		{"modules:\n  - name: future\n    path: {{guest2}}\n",
			`modules.yaml:2: module "future": chatwasm ABI version mismatch: module declares version [2], host speaks 1`},
		{"modules:\n  - name: a\n    path: {{guest}}\n  - name: a\n    path: {{guest}}\n", `duplicate name`},
	} {
		path := writeFile(t, dir, tc.yaml)
		m, err := hooks.NewManager(context.Background(), path, hooks.Options{CacheDir: cacheDir})
		if err == nil {
			m.Close(context.Background())
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.yaml, err, tc.want)
		}
	}
	if _, err := hooks.NewManager(context.Background(), filepath.Join(dir, "nope.yaml"), hooks.Options{}); err == nil ||
		!strings.Contains(err.Error(), "module file: open "+filepath.Join(dir, "nope.yaml")) {
		t.Errorf("missing module file: %v", err)
	}
	// The sha256 of the real file is accepted.
	sum := sha256File(t, guestV1)
	m := newManager(t, "modules:\n  - name: a\n    path: {{guest}}\n    sha256: "+sum+"\n", hooks.Options{})
	if s := acquire(t, m); !slices.Equal(s.Modules(), []string{"a"}) {
		t.Errorf("modules %v", s.Modules())
	}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256Hex(b)
}
