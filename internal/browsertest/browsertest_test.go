package browsertest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPagesAreIsolated: two pages of one browser share no storage, WaitFor
// sees a change the page makes later (under a policy that forbids eval, as
// the web app's does), and a screenshot is a PNG.
func TestPagesAreIsolated(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Security-Policy", "script-src 'self'")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><p id="p">waiting</p>`))
	}))
	defer srv.Close()
	b := Start(t)
	one, two := b.NewPage(t), b.NewPage(t)
	one.Do(chromedp.Navigate(srv.URL))
	two.Do(chromedp.Navigate(srv.URL))
	Eval[any](one, `localStorage.setItem("who", "one"); sessionStorage.setItem("who", "one"); document.cookie = "who=one"`)
	if got := Eval[string](two, `String(localStorage.getItem("who")) + String(sessionStorage.getItem("who")) + document.cookie`); got != "nullnull" {
		t.Errorf("the second page sees the first's storage: %q", got)
	}
	if got := Eval[string](one, `localStorage.getItem("who") + document.cookie`); got != "onewho=one" {
		t.Errorf("the first page's own storage = %q", got)
	}
	Eval[any](one, `setTimeout(() => { document.getElementById("p").textContent = "done" }, 200)`)
	one.Do(one.WaitFor(`document.getElementById("p").textContent === "done"`))
	path := filepath.Join(t.TempDir(), "shot.png")
	one.Screenshot(t, path)
	png, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot: %v, %d bytes, not a PNG", err, len(png))
	}
}
