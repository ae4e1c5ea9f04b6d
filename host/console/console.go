// Package console is chatwasm's admin console: a web page, embedded in the
// binary, that asks for the admin token and drives the admin API (users,
// tenants, this node's connections, modules and live counters). It is
// plain HTML, CSS and JavaScript modules with no dependency and no build
// step; the server mounts it at Prefix next to the admin API, on the
// internal listener when there is one.
package console

import (
	"embed"
	"net/http"
)

// Prefix is the path the console is served under.
const Prefix = "/console/"

// files are the console's page, style sheet and scripts.
//
//go:embed index.html console.css js
var files embed.FS

// policy is the console's Content-Security-Policy: its own scripts and
// styles only (no inline code, so an injected tag cannot run), requests to
// its own origin only (the admin API), and no framing.
const policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the console's files; mount it at Prefix. The pages hold
// no secret: the admin token is asked for in the browser, kept in its
// session storage and sent to the admin API only.
func Handler() http.Handler {
	serve := http.StripPrefix(Prefix, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", policy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		// The files change with the binary: revalidate every time.
		h.Set("Cache-Control", "no-cache")
		serve.ServeHTTP(w, r)
	})
}
