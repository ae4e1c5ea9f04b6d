package web

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func serve(t *testing.T, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	h, err := Handler(Config{WSPath: "/chat/"})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	if got := rec.Header().Get("Content-Security-Policy"); got != ContentSecurityPolicy {
		t.Errorf("%s %s: Content-Security-Policy = %q, want %q", method, path, got, ContentSecurityPolicy)
	}
	return rec
}

// TestIndex: / is the app's page, under the policy, and every script and
// stylesheet it names is served with its type; none is inline.
func TestIndex(t *testing.T) {
	rec := serve(t, http.MethodGet, "/")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	page := rec.Body.String()
	if !strings.Contains(page, `id="composer"`) {
		t.Fatalf("GET / is not the app:\n%s", page)
	}
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(page, -1) {
		if !strings.Contains(tag, ` src="`) {
			t.Errorf("inline script %s: the policy would block it", tag)
		}
	}
	if regexp.MustCompile(`<style|\sstyle=|\son[a-z]+=`).MatchString(page) {
		t.Errorf("inline style or event handler in index.html: the policy would block it")
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) < 2 {
		t.Fatalf("index.html names %d files, want the script and the stylesheet", len(refs))
	}
	types := map[string]string{".js": "text/javascript", ".css": "text/css"}
	for _, m := range refs {
		path := "/" + m[1]
		rec := serve(t, http.MethodGet, path)
		want := types[path[strings.LastIndex(path, "."):]]
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), want) {
			t.Errorf("GET %s = %d %q, want 200 %s", path, rec.Code, rec.Header().Get("Content-Type"), want)
		}
	}
	// The app's modules import the SDK's by relative path: it must be there.
	if rec := serve(t, http.MethodGet, "/js/clients/js/src/index.js"); rec.Code != http.StatusOK {
		t.Errorf("GET the SDK's index.js = %d", rec.Code)
	}
}

// TestNotServed: unknown files and directories are 404 (no listing), other
// methods 405.
func TestNotServed(t *testing.T) {
	for _, path := range []string{"/nosuch", "/js/", "/js/web/src/", "/static/app.css", "/../web.go"} {
		if rec := serve(t, http.MethodGet, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
	rec := serve(t, http.MethodPost, "/")
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST / = %d, Allow %q; want 405, GET, HEAD", rec.Code, rec.Header().Get("Allow"))
	}
}

// TestConfig: the app learns the WebSocket path from /config.json.
func TestConfig(t *testing.T) {
	rec := serve(t, http.MethodGet, "/config.json")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || rec.Body.String() != `{"wsPath":"/chat/"}` {
		t.Errorf("GET /config.json = %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

// TestAppUsesOnlyTheSDK: the app's sources open no socket and write no
// frame of their own: the protocol is the SDK's (clients/js) alone. Event
// names in c.on(...) are the SDK's typed API.
func TestAppUsesOnlyTheSDK(t *testing.T) {
	sources, err := filepath.Glob(filepath.Join("src", "*.ts"))
	if err != nil || len(sources) == 0 {
		t.Fatalf("no sources in src/: %v", err)
	}
	forbidden := regexp.MustCompile(`new WebSocket|\.send\(|event_type`)
	imports := regexp.MustCompile(`from "([^"]+)"`)
	for _, path := range sources {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if m := forbidden.FindString(line); m != "" {
				t.Errorf("%s:%d: %q: the app speaks the protocol through the SDK only", path, i+1, m)
			}
		}
		for _, m := range imports.FindAllStringSubmatch(string(src), -1) {
			if !strings.HasPrefix(m[1], "./") && m[1] != "../../clients/js/src/index.js" {
				t.Errorf("%s imports %q: only the app's own modules and the SDK's index", path, m[1])
			}
		}
	}
}
