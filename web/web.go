// Package web serves the browser chat app at / of the public listener: the
// files of static/, embedded in the binary, so that `go run ./cmd/chatwasm
// serve` serves it with no build step. The app's TypeScript sources are in
// src/; static/js is their tsc output, committed (web/README.md).
package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

//go:embed static
var files embed.FS

// ContentSecurityPolicy is the policy of every response of the app: scripts
// and styles from the app's own origin only (no inline script can run),
// WebSocket and fetch to the same origin, no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Config is what the app needs to know of the server, served to it as
// /config.json.
type Config struct {
	// WSPath is the path of the WebSocket endpoint (serve's --ws-path).
	WSPath string `json:"wsPath"`
}

// Handler serves the app: index.html at /, its scripts and styles below it,
// cfg as /config.json, 404 for anything else (directories are not listed)
// and 405 for methods other than GET and HEAD.
func Handler(cfg Config) (http.Handler, error) {
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	fileServer := http.FileServerFS(files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		// No validators come with embedded files: ask browsers to revalidate,
		// so that a new binary's app is loaded at once.
		h.Set("Cache-Control", "no-cache")
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		case r.URL.Path == "/config.json":
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(config)
		case r.URL.Path != "/" && strings.HasSuffix(r.URL.Path, "/"):
			http.NotFound(w, r)
		default:
			// The files are under static/ in the embedded tree.
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/static" + r.URL.Path
			r2.URL.RawPath = ""
			fileServer.ServeHTTP(w, r2)
		}
	}), nil
}
