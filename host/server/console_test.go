package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// getJSON GETs an admin API path and decodes its body into out.
func (r *running) getJSON(t *testing.T, path string, out any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+r.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer adm")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %s: %v", path, b, err)
	}
	return resp.StatusCode
}

// session is one entry of GET /admin/sessions.
type session struct {
	Channel     string    `json:"channel"`
	SessionID   int64     `json:"session_id"`
	UserID      int64     `json:"user_id"`
	Username    string    `json:"username"`
	Tenant      string    `json:"tenant"`
	ConnectedAt time.Time `json:"connected_at"`
	RemoteAddr  string    `json:"remote_addr"`
	Rooms       int       `json:"rooms"`
}

type sessionPage struct {
	Sessions []session `json:"sessions"`
	Total    int       `json:"total"`
}

// TestAdminSessionsAndTenants: GET /admin/sessions lists this node's open
// connections, oldest first, with their user, tenant, address and rooms,
// by tenant and up to a limit; GET /admin/tenants counts each tenant's
// users and connections; a closed connection leaves both lists.
func TestAdminSessionsAndTenants(t *testing.T) { engines(t, testAdminSessionsAndTenants) }

func testAdminSessionsAndTenants(t *testing.T, cfg Config) {
	r := start(t, cfg)
	aliceID, aliceTok := r.user(t, "alice")
	alice := r.connect(t, "alice", aliceID, aliceTok)
	alice2 := r.connect(t, "alice2", aliceID, aliceTok)
	carol, _ := r.user(t, "carol")
	status, bobU := r.admin(t, "POST", "/admin/users", `{"username":"bob","tenant":"acme"}`)
	if status != http.StatusCreated {
		t.Fatalf("create bob: %d %v", status, bobU)
	}
	bobID := int64(bobU["id"].(float64))
	_, tok := r.admin(t, "POST", "/admin/tokens", `{"user_id":`+strconv.FormatInt(bobID, 10)+`}`)
	r.connect(t, "bob", bobID, tok["token"].(string))
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{carol}})
	alice.expect("roomcreate.dispatch")
	alice2.expect("roomcreate.dispatch")

	var all sessionPage
	if code := r.getJSON(t, "/admin/sessions", &all); code != http.StatusOK || all.Total != 3 || len(all.Sessions) != 3 {
		t.Fatalf("sessions: %d %+v, want 3", code, all)
	}
	wantUsers := []int64{aliceID, aliceID, bobID}
	for i, s := range all.Sessions {
		if s.UserID != wantUsers[i] || s.SessionID == 0 || s.Channel == "" || !strings.HasPrefix(s.RemoteAddr, "127.0.0.1:") ||
			s.ConnectedAt.IsZero() || time.Since(s.ConnectedAt) < 0 || (i > 0 && s.ConnectedAt.Before(all.Sessions[i-1].ConnectedAt)) {
			t.Errorf("session %d = %+v: want user %d, oldest first, with its session, channel and address", i, s, wantUsers[i])
		}
	}
	a1, a2, b := all.Sessions[0], all.Sessions[1], all.Sessions[2]
	if a1.Username != "alice" || a1.Tenant != "default" || b.Username != "bob" || b.Tenant != "acme" ||
		a1.Rooms != 1 || a2.Rooms != 1 || b.Rooms != 0 || a1.Channel == a2.Channel {
		t.Errorf("sessions %+v: want alice's two in the team room, bob's in none", all.Sessions)
	}

	var acme, first sessionPage
	r.getJSON(t, "/admin/sessions?tenant=acme", &acme)
	if acme.Total != 1 || len(acme.Sessions) != 1 || acme.Sessions[0].UserID != bobID {
		t.Errorf("acme's sessions: %+v, want bob's", acme)
	}
	r.getJSON(t, "/admin/sessions?limit=1", &first)
	if first.Total != 3 || len(first.Sessions) != 1 || first.Sessions[0].Channel != a1.Channel {
		t.Errorf("limit=1: %+v, want the oldest and a total of 3", first)
	}
	for _, bad := range []string{"0", "1001", "x"} {
		if status, body := r.admin(t, "GET", "/admin/sessions?limit="+bad, ""); status != http.StatusBadRequest {
			t.Errorf("limit=%s: %d %v, want 400", bad, status, body)
		}
	}

	type tenant struct {
		Tenant   string `json:"tenant"`
		Users    int64  `json:"users"`
		Sessions int    `json:"sessions"`
	}
	tenants := func() []tenant {
		var out struct{ Tenants []tenant }
		if code := r.getJSON(t, "/admin/tenants", &out); code != http.StatusOK {
			t.Fatalf("tenants: %d", code)
		}
		return out.Tenants
	}
	if got, want := tenants(), []tenant{{"acme", 1, 1}, {"default", 2, 2}}; !equalJSON(got, want) {
		t.Errorf("tenants = %+v, want %+v", got, want)
	}

	// alice's second connection closes: it leaves the lists (the server
	// notices at once, but in its own goroutine).
	alice2.ws.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var p sessionPage
		r.getJSON(t, "/admin/sessions", &p)
		if p.Total == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed connection is still listed: %+v", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got, want := tenants(), []tenant{{"acme", 1, 1}, {"default", 2, 1}}; !equalJSON(got, want) {
		t.Errorf("tenants after a close = %+v, want %+v", got, want)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// stats is GET /admin/stats.
type stats struct {
	Connections   float64 `json:"connections"`
	MessagesSent  float64 `json:"messages_sent"`
	FramesIn      float64 `json:"frames_in"`
	FramesOut     float64 `json:"frames_out"`
	ErrorFrames   float64 `json:"error_frames"`
	ModuleCalls   float64 `json:"module_calls"`
	ModuleErrors  float64 `json:"module_errors"`
	Goroutines    float64 `json:"goroutines"`
	ResidentBytes float64 `json:"resident_bytes"`
	UptimeSeconds float64 `json:"uptime_seconds"`
}

// metricSum adds up the samples of metric name whose labels contain
// labels, in GET /metrics.
func (r *running) metricSum(t *testing.T, name, labels string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + r.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^` + name + `(\{[^}]*\})? (\S+)$`)
	sum := 0.0
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		if !strings.Contains(m[1], labels) {
			continue
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	return sum
}

// TestAdminStats: GET /admin/stats counts connections, messages and frames
// as GET /metrics does, and the uptime.
func TestAdminStats(t *testing.T) {
	r := start(t, testConfig(t))
	alice, bob := r.client(t, "alice"), r.client(t, "bob")
	alice.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{bob.id}})
	room := alice.expect("roomcreate.dispatch").data(t)["id"].(string)
	bob.expect("roomcreate.dispatch")
	for range 3 {
		alice.send("message.send", map[string]any{"room_id": room, "content": "hi"})
		alice.expect("message.dispatch")
		bob.expect("message.dispatch")
	}
	alice.send("no.such.event", nil)
	alice.expect("error")

	// 2 room.create dispatches, 6 message dispatches, 1 error: a writer
	// counts a frame once written, which may be just after the client read
	// it.
	var s stats
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if code := r.getJSON(t, "/admin/stats", &s); code != http.StatusOK {
			t.Fatalf("stats: %d", code)
		}
		if s.FramesOut >= 9 || time.Now().After(deadline) {
			break
		}
	}
	if s.Connections != 2 || s.MessagesSent != 3 || s.FramesIn != 5 || s.FramesOut != 9 || s.ErrorFrames != 1 ||
		s.ModuleCalls != 0 || s.Goroutines < 1 || s.ResidentBytes <= 0 || s.UptimeSeconds <= 0 {
		t.Errorf("stats = %+v", s)
	}
	for name, got := range map[string]float64{"chatwasm_connections_open": s.Connections,
		"chatwasm_frames_out_total": s.FramesOut, "chatwasm_frames_in_total": s.FramesIn} {
		if want := r.metricSum(t, name, ""); got != want {
			t.Errorf("stats say %v for %s, /metrics %v", got, name, want)
		}
	}
}

// module is one entry of GET /admin/modules, as the contract names its
// fields.
type module struct {
	Name            string    `json:"name"`
	Tenant          string    `json:"tenant"`
	Source          string    `json:"source"`
	SHA256          string    `json:"sha256"`
	Size            int       `json:"size"`
	Hooks           []string  `json:"hooks"`
	Tenants         []string  `json:"tenants"`
	Capabilities    []string  `json:"capabilities"`
	Enabled         bool      `json:"enabled"`
	State           string    `json:"state"`
	DisabledTenants []string  `json:"disabled_tenants"`
	LastError       string    `json:"last_error"`
	Calls           int64     `json:"calls"`
	Errors          int64     `json:"errors"`
	Timeouts        int64     `json:"timeouts"`
	CallSeconds     float64   `json:"call_seconds"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// TestAdminModules: GET /admin/modules lists the module of the module file
// (the conformance module, built from source) with its hooks and the calls
// the chat made to it, as many as chatwasm_module_calls_total counts, and
// /admin/stats the same total; a server without modules lists none.
func TestAdminModules(t *testing.T) {
	plain := start(t, testConfig(t))
	var none map[string]json.RawMessage
	if code := plain.getJSON(t, "/admin/modules", &none); code != http.StatusOK || string(none["modules"]) != "[]" {
		t.Fatalf("without modules: %d %s, want an empty list", code, none["modules"])
	}

	r := start(t, withModules(t, testConfig(t), conformanceModules))
	alice, bob := r.client(t, "alice"), r.client(t, "bob")
	alice.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{bob.id}})
	room := alice.expect("roomcreate.dispatch").data(t)["id"].(string)
	bob.expect("roomcreate.dispatch")
	alice.send("message.send", map[string]any{"room_id": room, "content": "hi"})
	alice.expect("message.dispatch")
	bob.expect("message.dispatch")

	var list struct{ Modules []module }
	if code := r.getJSON(t, "/admin/modules", &list); code != http.StatusOK || len(list.Modules) != 1 {
		t.Fatalf("modules: %d %+v, want the conformance module", code, list)
	}
	m := list.Modules[0]
	wasm, err := os.ReadFile(conformance(t))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(wasm)
	if m.Name != "conformance" || m.Source != "file" || m.Tenant != "" || m.SHA256 != hex.EncodeToString(sum[:]) ||
		m.Size != len(wasm) || m.Tenants != nil || !m.Enabled || m.State != "active" || len(m.DisabledTenants) != 0 ||
		m.LastError != "" || m.Errors != 0 || m.Timeouts != 0 || m.UpdatedAt.IsZero() {
		t.Errorf("module = %+v", m)
	}
	for _, h := range []string{"create_message", "_create_message", "create_room", "serialize_message"} {
		if !contains(m.Hooks, h) {
			t.Errorf("hooks %v: no %s", m.Hooks, h)
		}
	}
	if want := r.metricSum(t, "chatwasm_module_calls_total", `module="conformance"`); m.Calls < 4 || float64(m.Calls) != want {
		t.Errorf("%d calls, /metrics counts %v", m.Calls, want)
	}
	if m.CallSeconds <= 0 {
		t.Errorf("call_seconds %v", m.CallSeconds)
	}
	var s stats
	r.getJSON(t, "/admin/stats", &s)
	if s.ModuleCalls != float64(m.Calls) {
		t.Errorf("stats count %v module calls, the module list %d", s.ModuleCalls, m.Calls)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestConsoleServed: /console/ serves the page with a policy that runs
// only the console's own scripts, every script the page imports is served
// as JavaScript, and the page holds no inline script, style or handler
// (which the policy would block).
func TestConsoleServed(t *testing.T) {
	r := start(t, testConfig(t))
	get := func(p string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get("http://" + r.base + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, resp.StatusCode, b)
		}
		return resp, string(b)
	}
	resp, page := get("/console/")
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(csp, "script-src 'self'") ||
		!strings.Contains(csp, "default-src 'none'") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("GET /console/: %v", resp.Header)
	}
	if regexp.MustCompile(`<script(?:\s+type="module")?>|<script\s[^>]*>[^<]|\sstyle=|\son[a-z]+=`).MatchString(page) {
		t.Fatal("the page has inline script, style or event handlers")
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noFollow.Get("http://" + r.base + "/console"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/console/" {
		t.Errorf("GET /console: %d to %q, want a redirect to /console/", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Every script reachable from the page's, through its imports.
	importRE := regexp.MustCompile(`(?m)^import [^'"]*['"](\.[^'"]+)['"];`)
	srcRE := regexp.MustCompile(`<script type="module" src="([^"]+)"></script>`)
	todo := []string{}
	for _, m := range srcRE.FindAllStringSubmatch(page, -1) {
		todo = append(todo, "/console/"+m[1])
	}
	seen := map[string]bool{}
	for len(todo) > 0 {
		p := todo[0]
		todo = todo[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		resp, js := get(p)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s: Content-Type %q", p, ct)
		}
		for _, m := range importRE.FindAllStringSubmatch(js, -1) {
			todo = append(todo, path.Join(path.Dir(p), m[1]))
		}
	}
	if len(seen) < 8 {
		t.Errorf("only %d scripts reached from the page: %v", len(seen), seen)
	}
}
