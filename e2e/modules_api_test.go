package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/natstest"
)

// The modules uploaded over the admin API (docs/modules.md): stored in the
// database, loaded by every node without a restart.

// moderationBuild is the Go moderation example, built once.
var moderationBuild = sync.OnceValues(func() (string, error) {
	return gobuild.Wasm(filepath.Join("..", "modules", "examples", "moderation"))
})

// moderationWasm returns the bytes of the moderation example.
func moderationWasm(t *testing.T) []byte {
	t.Helper()
	path, err := moderationBuild()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// moderationManifest is the moderation example's entry of its modules.yaml.
var moderationManifest = map[string]any{"hooks": []string{"_create_message"},
	"config": map[string]string{"banned_words": "spam,buy now"}, "timeout": "1s"}

// refusedContent is the moderation example's refusal.
const refusedContent = "Message contains prohibited content"

// withModuleAPI starts a server whose compile cache the suite shares and
// which does not poll the database: only the admin API's own reload, and
// the broker, load an upload.
func withModuleAPI(extra ...string) serverOption {
	return withFlags(append([]string{"--module-cache", filepath.Join(guestCache, "compile-cache"), "--module-watch", "0"}, extra...)...)
}

// moduleEntry is an entry of GET /admin/modules.
type listedModule struct {
	Name            string   `json:"name"`
	Tenant          string   `json:"tenant"`
	Source          string   `json:"source"`
	SHA256          string   `json:"sha256"`
	Size            int64    `json:"size"`
	Hooks           []string `json:"hooks"`
	Tenants         []string `json:"tenants"`
	Capabilities    []string `json:"capabilities"`
	Enabled         bool     `json:"enabled"`
	State           string   `json:"state"`
	DisabledTenants []string `json:"disabled_tenants"`
	LastError       string   `json:"last_error"`
	Calls           int64    `json:"calls"`
	Errors          int64    `json:"errors"`
	Timeouts        int64    `json:"timeouts"`
	CallSeconds     float64  `json:"call_seconds"`
	UpdatedAt       string   `json:"updated_at"`
}

// modules lists the modules token sees on s.
func (s *server) modules(t *testing.T, token string) []listedModule {
	t.Helper()
	status, out := s.AdminRequest(t, http.MethodGet, "/admin/modules", token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /admin/modules: %d %s", status, out)
	}
	var list struct {
		Modules []listedModule `json:"modules"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	return list.Modules
}

// wantStatus fails the test unless a request answered status with a body
// containing substr.
func wantStatus(t *testing.T, what string, status int, out []byte, want int, substr string) {
	t.Helper()
	if status != want || !strings.Contains(string(out), substr) {
		t.Fatalf("%s: %d %s; want %d with %q", what, status, out, want, substr)
	}
}

// TestModuleAPI: a module uploaded over the admin API applies to the next
// message without a restart; disable, enable and delete take effect as
// they answer; a taken name, malformed bytes and a bad manifest are
// refused before anything is stored; the list reports the module's calls.
func TestModuleAPI(t *testing.T) {
	t.Parallel()
	s, alice, bob := startPair(t, withModuleAPI())
	room := createGroup(t, alice, "g", []user{bob.u}, nil, bob)
	sendMessage(t, alice, room, "spam before the upload", bob)

	wasm := moderationWasm(t)
	upload := map[string]any{"name": "moderation", "manifest": moderationManifest, "wasm": wasm}
	status, out := s.Admin(t, http.MethodPost, "/admin/modules", upload)
	wantStatus(t, "upload", status, out, http.StatusCreated, `"state":"active"`)
	var m listedModule
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	if m.Name != "moderation" || m.Source != "api" || m.Tenant != "" || m.SHA256 != hex.EncodeToString(sum[:]) ||
		m.Size != int64(len(wasm)) || !slices.Equal(m.Hooks, []string{"_create_message"}) || m.Tenants != nil || !m.Enabled {
		t.Errorf("uploaded module: %+v", m)
	}
	if _, err := time.Parse(time.RFC3339, m.UpdatedAt); err != nil {
		t.Errorf("updated_at %q: %v", m.UpdatedAt, err)
	}

	alice.send("message.send", map[string]any{"room_id": room, "content": "buy now!"})
	alice.expectValidation(refusedContent)
	bob.expectNothing(quietPeriod)
	sendMessage(t, alice, room, "clean", bob)

	list := s.modules(t, s.AdminToken)
	if len(list) != 1 || list[0].Calls != 2 || list[0].Errors != 1 || list[0].State != "active" || list[0].CallSeconds <= 0 {
		t.Errorf("list after two calls, one refused: %+v", list)
	}

	status, out = s.Admin(t, http.MethodPost, "/admin/modules", upload)
	wantStatus(t, "upload of a taken name", status, out, http.StatusConflict, `module \"moderation\" already exists`)
	bad := map[string]any{"name": "broken", "wasm": []byte("\x00asm\x01\x00\x00\x00\x05\xff\xff\xff\xff\x0f")}
	status, out = s.Admin(t, http.MethodPost, "/admin/modules", bad)
	wantStatus(t, "upload of malformed bytes", status, out, http.StatusUnprocessableEntity, "wasmbin")
	badManifest := map[string]any{"name": "m2", "manifest": map[string]any{"hooks": []string{"no_such_hook"}}, "wasm": wasm}
	status, out = s.Admin(t, http.MethodPost, "/admin/modules", badManifest)
	wantStatus(t, "upload with an unknown hook", status, out, http.StatusUnprocessableEntity, `unknown hook \"no_such_hook\"`)
	unexported := map[string]any{"name": "m3", "manifest": map[string]any{"hooks": []string{"join_room"}}, "wasm": wasm}
	status, out = s.Admin(t, http.MethodPost, "/admin/modules", unexported)
	wantStatus(t, "upload hooking what it does not export", status, out, http.StatusUnprocessableEntity, `hook \"join_room\" is not exported`)
	if n := len(s.modules(t, s.AdminToken)); n != 1 {
		t.Errorf("%d modules listed after the refused uploads, want 1", n)
	}

	status, out = s.Admin(t, http.MethodPost, "/admin/modules/moderation/disable", nil)
	wantStatus(t, "disable", status, out, http.StatusOK, `"state":"disabled"`)
	sendMessage(t, alice, room, "spam while disabled", bob)
	status, out = s.Admin(t, http.MethodPost, "/admin/modules/moderation/enable", nil)
	wantStatus(t, "enable", status, out, http.StatusOK, `"state":"active"`)
	alice.send("message.send", map[string]any{"room_id": room, "content": "spam again"})
	alice.expectValidation(refusedContent)
	status, out = s.Admin(t, http.MethodDelete, "/admin/modules/moderation", nil)
	wantStatus(t, "delete", status, out, http.StatusNoContent, "")
	sendMessage(t, alice, room, "spam after the delete", bob)
	status, out = s.Admin(t, http.MethodGet, "/admin/modules/moderation", nil)
	wantStatus(t, "get a deleted module", status, out, http.StatusNotFound, "not found")
	s.waitLog(t, `msg="modules changed"`, "removed=[moderation]")
}

// TestModuleAPITenant: a tenant's token manages its tenant's modules only,
// within the operator's policy; its module applies to its tenant only; the
// modules of modules.yaml are listed to the operator, read-only.
func TestModuleAPITenant(t *testing.T) {
	t.Parallel()
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("capabilities: [log]\nmax_memory: 64MiB\nmax_timeout: 2s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wasmPath, err := moderationBuild()
	if err != nil {
		t.Fatal(err)
	}
	file := writeModuleFile(t, fmt.Sprintf("  - name: filemod\n    path: %s\n    hooks: [_create_message]\n    tenants: [nobody]\n", wasmPath))
	s := startServer(t, withModuleAPI("--tenant-module-policy", policy, "--modules", file))
	acme := strings.TrimSpace(mustCLI(t, s.DB, s.Secret, "admin-token", "--tenant", "acme", "--ttl", "1h"))
	other := strings.TrimSpace(mustCLI(t, s.DB, s.Secret, "admin-token", "--tenant", "other"))
	wasm := moderationWasm(t)

	over := map[string]any{"name": "acme-mod", "wasm": wasm, "manifest": map[string]any{"hooks": []string{"_create_message"},
		"config": map[string]string{"banned_words": "spam"}, "memory": "128MiB"}}
	status, out := s.AdminRequest(t, http.MethodPost, "/admin/modules", acme, over)
	wantStatus(t, "tenant upload over the memory limit", status, out, http.StatusForbidden,
		"memory: 134217728 bytes is over the limit of 67108864 bytes")
	over["manifest"] = map[string]any{"capabilities": []string{"kv"}}
	status, out = s.AdminRequest(t, http.MethodPost, "/admin/modules", acme, over)
	wantStatus(t, "tenant upload asking a capability", status, out, http.StatusForbidden, `capabilities: \"kv\" is not allowed (allowed: log)`)

	// Its manifest says every tenant: a tenant's module is its tenant's only.
	ok := map[string]any{"name": "acme-mod", "wasm": wasm, "manifest": map[string]any{"hooks": []string{"_create_message"},
		"tenants": []string{"*"}, "config": map[string]string{"banned_words": "spam"}, "timeout": "1s"}}
	status, out = s.AdminRequest(t, http.MethodPost, "/admin/modules", acme, ok)
	wantStatus(t, "tenant upload", status, out, http.StatusCreated, `"tenant":"acme","source":"api"`)
	if !strings.Contains(string(out), `"tenants":["acme"]`) {
		t.Errorf("tenant module's tenants: %s", out)
	}
	a := s.connect(t, s.CreateUserIn(t, "acme", "a1"))
	d := s.connect(t, s.CreateUser(t, "d1"))
	aroom := createGroup(t, a, "acme room", nil, nil)
	droom := createGroup(t, d, "default room", nil, nil)
	a.send("message.send", map[string]any{"room_id": aroom, "content": "spam"})
	a.expectValidation(refusedContent)
	sendMessage(t, d, droom, "spam")

	// Each tenant sees and manages its own.
	if l := s.modules(t, other); len(l) != 0 {
		t.Errorf("tenant other lists %+v", l)
	}
	if l := s.modules(t, acme); len(l) != 1 || l[0].Name != "acme-mod" {
		t.Errorf("tenant acme lists %+v", l)
	}
	status, out = s.AdminRequest(t, http.MethodPost, "/admin/modules/acme-mod/disable", other, nil)
	wantStatus(t, "another tenant disables it", status, out, http.StatusNotFound, "not found")
	status, out = s.AdminRequest(t, http.MethodGet, "/admin/users", acme, nil)
	wantStatus(t, "a tenant token elsewhere", status, out, http.StatusForbidden, "may only manage its modules")
	status, out = s.AdminRequest(t, http.MethodGet, "/admin/modules", "not-a-token", nil)
	wantStatus(t, "a bad token", status, out, http.StatusUnauthorized, "invalid admin token")

	// The operator sees the file's module and the tenant's, and may not
	// change the file's, nor upload over its name.
	list := s.modules(t, s.AdminToken)
	if len(list) != 2 || list[0].Name != "filemod" || list[0].Source != "file" || list[1].Name != "acme-mod" {
		t.Errorf("operator's list: %+v", list)
	}
	status, out = s.Admin(t, http.MethodPost, "/admin/modules/filemod/disable", nil)
	wantStatus(t, "disable a file module", status, out, http.StatusConflict, "managed by modules.yaml")
	status, out = s.Admin(t, http.MethodPost, "/admin/modules", map[string]any{"name": "filemod", "wasm": wasm})
	wantStatus(t, "upload over a file module's name", status, out, http.StatusConflict, "managed by modules.yaml")

	status, out = s.AdminRequest(t, http.MethodDelete, "/admin/modules/acme-mod", acme, nil)
	wantStatus(t, "tenant deletes its module", status, out, http.StatusNoContent, "")
	sendMessage(t, a, aroom, "spam after the delete")
}

// TestModuleAPITenantCount: a tenant keeps at most the policy's
// max_modules modules (every one is stored, and loaded by every node),
// counting its own only: another tenant's and the operator's do not
// count, and deleting one frees its place.
func TestModuleAPITenantCount(t *testing.T) {
	t.Parallel()
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("max_modules: 2\nmax_timeout: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, withModuleAPI("--tenant-module-policy", policy))
	acme := strings.TrimSpace(mustCLI(t, s.DB, s.Secret, "admin-token", "--tenant", "acme"))
	other := strings.TrimSpace(mustCLI(t, s.DB, s.Secret, "admin-token", "--tenant", "other"))
	wasm := moderationWasm(t)
	upload := func(token, name string, want int, substr string) {
		t.Helper()
		status, out := s.AdminRequest(t, http.MethodPost, "/admin/modules", token,
			map[string]any{"name": name, "wasm": wasm, "manifest": moderationManifest})
		wantStatus(t, "upload of "+name, status, out, want, substr)
	}
	upload(acme, "a1", http.StatusCreated, `"tenant":"acme"`)
	upload(acme, "a2", http.StatusCreated, `"tenant":"acme"`)
	upload(acme, "a3", http.StatusForbidden, `module \"a3\": over the tenant module policy: max_modules: tenant \"acme\" has 2 modules, the limit is 2`)
	upload(other, "o1", http.StatusCreated, `"tenant":"other"`)
	upload(s.AdminToken, "op1", http.StatusCreated, `"tenant":""`)
	status, out := s.AdminRequest(t, http.MethodDelete, "/admin/modules/a1", acme, nil)
	wantStatus(t, "delete a1", status, out, http.StatusNoContent, "")
	upload(acme, "a3", http.StatusCreated, `"tenant":"acme"`)
	if n := len(s.modules(t, s.AdminToken)); n != 4 {
		t.Errorf("%d modules stored, want 4 (a2, a3, o1, op1)", n)
	}
}

// TestModuleAPINodes: a module uploaded on node 1 runs on node 2 without a
// restart, told through the broker (neither node polls the database), and
// so does its disabling.
func TestModuleAPINodes(t *testing.T) {
	t.Parallel()
	n1, n2, _, _ := twoNodes(t, withModuleAPI())
	uploadReachesNode(t, n1, n2)
}

// TestNATSModuleAPI is TestModuleAPINodes on the NATS broker, which
// delivers the control envelope to every node though none watches a group
// for it.
func TestNATSModuleAPI(t *testing.T) {
	t.Parallel()
	requirePostgres(t)
	srv := natstest.Start(t)
	n1 := startServer(t, withNATS(srv), withModuleAPI())
	n2 := startServer(t, withNATS(srv), withModuleAPI(), sharingDatabaseWith(n1))
	uploadReachesNode(t, n1, n2)
}

// uploadReachesNode uploads the moderation module on n1 and checks that it
// refuses a message on n2, then disables it on n1 and checks that n2 lets
// the message through.
func uploadReachesNode(t *testing.T, n1, n2 *server) {
	t.Helper()
	b := n2.login(t, "bob")
	room := createGroup(t, b, "g", nil, nil)
	status, out := n1.Admin(t, http.MethodPost, "/admin/modules",
		map[string]any{"name": "moderation", "manifest": moderationManifest, "wasm": moderationWasm(t)})
	wantStatus(t, "upload on node 1", status, out, http.StatusCreated, `"state":"active"`)
	n2.waitReload(t, "added=[moderation]")
	b.send("message.send", map[string]any{"room_id": room, "content": "spam"})
	b.expectValidation(refusedContent)
	if l := n2.modules(t, n2.AdminToken); len(l) != 1 || l[0].Calls != 1 || l[0].Errors != 1 {
		t.Errorf("node 2's list: %+v", l)
	}

	status, out = n1.Admin(t, http.MethodPost, "/admin/modules/moderation/disable", nil)
	wantStatus(t, "disable on node 1", status, out, http.StatusOK, `"state":"disabled"`)
	n2.waitReload(t, "removed=[moderation]")
	sendMessage(t, b, room, "spam")
}

// waitReload waits until s has logged a reload that changed what change
// says; loading a module can take long on a loaded machine, so the bound
// is generous.
func (s *server) waitReload(t *testing.T, change string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !slices.ContainsFunc(strings.Split(s.Log(), "\n"), func(l string) bool {
		return strings.Contains(l, `msg="modules changed"`) && strings.Contains(l, change)
	}) {
		if time.Now().After(deadline) {
			t.Fatalf("no reload with %s in the log:\n%s", change, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestModuleCLI: chatwasm module upload, list, disable, enable and delete
// manage a running server's modules over its admin API, the manifest in
// the modules.yaml entry format.
func TestModuleCLI(t *testing.T) {
	t.Parallel()
	s, alice, bob := startPair(t, withModuleAPI())
	room := createGroup(t, alice, "g", []user{bob.u}, nil, bob)
	wasmPath, err := moderationBuild()
	if err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(t.TempDir(), "moderation.yaml")
	err = os.WriteFile(manifest, []byte("name: moderation\nhooks: [\"_create_message\"]\nconfig:\n  banned_words: \"spam,buy now\"\ntimeout: 1s\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	api := []string{"--server", s.OpsURL(""), "--token", s.AdminToken}
	cli := func(args ...string) string { t.Helper(); return mustCLI(t, s.DB, "", append(args, api...)...) }

	if out := cli("module", "upload", wasmPath, "--manifest", manifest); !strings.Contains(out, `"name":"moderation"`) ||
		!strings.Contains(out, `"state":"active"`) {
		t.Errorf("module upload printed %q", out)
	}
	alice.send("message.send", map[string]any{"room_id": room, "content": "spam"})
	alice.expectValidation(refusedContent)
	out := cli("module", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "NAME") ||
		!strings.Contains(lines[1], "moderation") || !strings.Contains(lines[1], "active") {
		t.Errorf("module list printed %q", out)
	}
	if out := cli("module", "list", "--json"); !strings.Contains(out, `"calls":1`) {
		t.Errorf("module list --json printed %q", out)
	}
	if out := cli("module", "disable", "moderation"); !strings.Contains(out, `"state":"disabled"`) {
		t.Errorf("module disable printed %q", out)
	}
	sendMessage(t, alice, room, "spam while disabled", bob)
	cli("module", "enable", "moderation")
	alice.send("message.send", map[string]any{"room_id": room, "content": "buy now"})
	alice.expectValidation(refusedContent)
	if out := cli("module", "delete", "moderation"); !strings.Contains(out, "deleted") {
		t.Errorf("module delete printed %q", out)
	}
	sendMessage(t, alice, room, "spam after the delete", bob)

	res := runCLI(t, s.DB, "", append([]string{"module", "delete", "moderation"}, api...)...)
	if res.code != 1 || !strings.Contains(res.stderr, `module \"moderation\" not found`) && !strings.Contains(res.stderr, `module "moderation" not found`) {
		t.Errorf("deleting it again: exit %d, stderr %q", res.code, res.stderr)
	}
	res = runCLI(t, s.DB, "", "module", "list", "--server", s.OpsURL(""))
	if res.code != 2 || !strings.Contains(res.stderr, "--token") {
		t.Errorf("module list without a token: exit %d, stderr %q", res.code, res.stderr)
	}
}
