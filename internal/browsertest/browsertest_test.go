package browsertest

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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
	shot, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(shot, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot: %v, %d bytes, not a PNG", err, len(shot))
	}
}

// TestWatchErrors: the recorder sees a Content-Security-Policy violation,
// an uncaught exception and a console.error, leaves out what the test
// expects and the page's other logging, and List returns everything the
// page reported before it, with nothing recorded before the page ran.
func TestWatchErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Security-Policy", "script-src 'self'")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><script>document.title = "inline ran"</script><script src="/page.js"></script>`))
	})
	mux.HandleFunc("/page.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte(`console.log("fine"); console.error("expected by the test"); console.error("from the page"); throw new Error("boom")`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	p := Start(t).NewPage(t)
	errs := p.WatchErrors(func(m chromedp.ConsoleMessage) bool { return strings.Contains(m.Text, "expected by the test") })
	if got := errs.List(); len(got) != 0 {
		t.Fatalf("errors before the page ran: %v", got)
	}
	p.Do(chromedp.Navigate(srv.URL))
	got := errs.List()
	want := []string{"Content Security Policy", "from the page", "boom"}
	if len(got) != len(want) {
		t.Fatalf("recorded %d errors, want %d (%v): %q", len(got), len(want), want, got)
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("error %d = %q, want it to mention %q", i, got[i], w)
		}
	}
	if title := Eval[string](p, "document.title"); title != "t" {
		t.Errorf("the inline script ran under the policy: title %q", title)
	}
}

// TestScreenshotOf: an element's screenshot is a PNG of the element's
// size, its part below the viewport included.
func TestScreenshotOf(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><div id="tall" style="width:300px;height:2000px;background:teal"></div>`))
	}))
	defer srv.Close()
	p := Start(t).NewPage(t)
	p.Do(chromedp.Navigate(srv.URL))
	path := filepath.Join(t.TempDir(), "tall.png")
	p.ScreenshotOf(t, "#tall", path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if cfg.Width != 300 || cfg.Height != 2000 {
		t.Errorf("the screenshot is %d×%d, want the element's 300×2000", cfg.Width, cfg.Height)
	}
}
