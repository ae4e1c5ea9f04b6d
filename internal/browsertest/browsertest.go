// Package browsertest runs a headless Chromium for tests, through chromedp:
// find the browser, start it (skipping the test when there is none, failing
// under CI=true), open isolated browser contexts (one per simulated user:
// storage, cookies and cache of its own), run steps with a generous timeout
// that fails the test with what the page showed, wait for DOM conditions,
// evaluate JavaScript, press Enter as a keyboard does, record what the
// page's console reports as errors (Content-Security-Policy violations
// included), and take screenshots of the viewport or of an element.
// What the test evaluates runs through DevTools, outside the page's
// Content-Security-Policy.
//
//	b := browsertest.Start(t)
//	alice := b.NewPage(t)
//	alice.Do(chromedp.Navigate(url), alice.WaitFor(`document.querySelector("#me")`))
//	name := browsertest.Eval[string](alice, `document.querySelector("#me").textContent`)
//	alice.Screenshot(t, filepath.Join(dir, "app.png"))
//
// A test that the page runs without errors watches them from the start:
//
//	errs := alice.WatchErrors(nil)
//	alice.Do(chromedp.Navigate(url), …)
//	if e := errs.List(); len(e) > 0 { t.Errorf("the page reported %v", e) }
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EnvChromium names the browser binary to run instead of the first of
// Candidates found on PATH.
const EnvChromium = "CHATWASM_CHROMIUM"

// Candidates are the browser commands Find looks for on PATH, in order:
// Debian's chromium first.
var Candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Timeout bounds each Page.Do: far beyond what a correct run takes (under a
// second a step on an idle machine), so that only a hung page reaches it.
const Timeout = 60 * time.Second

// Find returns the browser to run: $CHATWASM_CHROMIUM, else the first of
// Candidates on PATH.
func Find() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		return p, nil
	}
	for _, c := range Candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("browsertest: no Chromium: none of %v on PATH and %s unset (Debian: apt-get install chromium)", Candidates, EnvChromium)
}

// Browser is one headless browser process, stopped when the test that
// started it ends.
type Browser struct {
	ctx context.Context // the browser's first target's; its children share the process
}

// Start starts a headless browser (1280×800 windows), with
// --no-sandbox only when running as root (Chromium's sandbox refuses root).
// Without a browser it skips the test, or fails it when CI=true.
func Start(tb testing.TB) *Browser {
	tb.Helper()
	path, err := Find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal(err)
		}
		tb.Skip(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(1280, 800),
		chromedp.UserDataDir(tb.TempDir()),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	tb.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := attach(ctx); err != nil {
		tb.Fatalf("browsertest: start %s: %v", path, err)
	}
	return &Browser{ctx: ctx}
}

// Page is one tab in a browser context of its own.
type Page struct {
	tb  testing.TB
	ctx context.Context
}

// NewPage opens a tab in a new browser context, isolated from every other
// (like a separate browser profile), closed when the test ends.
func (b *Browser) NewPage(tb testing.TB) *Page {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	tb.Cleanup(cancel)
	if err := attach(ctx); err != nil {
		tb.Fatalf("browsertest: attach to the new tab: %v", err)
	}
	return &Page{tb: tb, ctx: ctx}
}

// attach makes the first chromedp run on ctx, which binds the browser or tab
// to ctx itself: the run must not have a timeout (the timeout would end the
// browser or tab with it), so Timeout bounds the wait instead.
func attach(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(Timeout):
		return errors.New("no answer")
	}
}

// Context is the page's chromedp context, for chromedp.Run and Do.
func (p *Page) Context() context.Context { return p.ctx }

// Do runs steps in the page within Timeout, and fails the test on an error,
// with the text the page showed.
func (p *Page) Do(steps ...chromedp.Action[chromedp.Void]) {
	p.tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, Timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.tb.Fatalf("browsertest: %v\n%s", err, p.Text())
	}
}

// Eval evaluates the JavaScript expression in p and returns its value,
// decoded as T; an error fails the test.
func Eval[T any](p *Page, expr string) T {
	p.tb.Helper()
	var v T
	p.Do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var err error
		v, err = chromedp.Evaluate[T](expr)(ctx, t)
		return chromedp.Void{}, err
	})
	return v
}

// WaitFor is a step that waits until the JavaScript expression is truthy,
// evaluating it every 50 ms; Do's Timeout bounds it. An expression that
// throws counts as false (the page may be between two documents, or not
// have built the element yet); the last exception is reported on timeout.
// It polls from Go rather than with chromedp.Poll, whose page function is
// built with `new Function`, which a Content-Security-Policy without
// 'unsafe-eval' (the web app's) forbids; DevTools' own evaluation is not
// subject to it.
func (p *Page) WaitFor(expr string) chromedp.Action[chromedp.Void] {
	check := chromedp.Evaluate[bool]("!!(" + expr + ")")
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var last error
		for {
			ok, err := check(ctx, t)
			if ok && err == nil {
				return chromedp.Void{}, nil
			}
			if err != nil {
				last = err
			}
			select {
			case <-ctx.Done():
				if last != nil {
					return chromedp.Void{}, fmt.Errorf("waiting for %s: %w (last evaluation: %v)", expr, ctx.Err(), last)
				}
				return chromedp.Void{}, fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
			case <-tick.C:
			}
		}
	}
}

// Text is what the page shows (document.body.innerText), for failure
// messages; a note when it cannot be read.
func (p *Page) Text() string {
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return fmt.Sprintf("(the page's text is unreadable: %v)", err)
	}
	return "page text:\n" + s
}

// Screenshot writes a PNG of the page's viewport to path.
func (p *Page) Screenshot(tb testing.TB, path string) {
	tb.Helper()
	p.screenshot(tb, path, chromedp.CaptureScreenshot())
}

// ScreenshotOf writes a PNG of the first element matching the CSS selector
// to path: all of it, the part outside the viewport too (of "body": the
// whole page, no taller than its content).
func (p *Page) ScreenshotOf(tb testing.TB, selector, path string) {
	tb.Helper()
	p.screenshot(tb, path, chromedp.Screenshot(chromedp.CSS(selector)))
}

func (p *Page) screenshot(tb testing.TB, path string, shoot chromedp.Action[[]byte]) {
	tb.Helper()
	var png []byte
	p.Do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var err error
		png, err = shoot(ctx, t)
		return chromedp.Void{}, err
	})
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatal(err)
	}
}
