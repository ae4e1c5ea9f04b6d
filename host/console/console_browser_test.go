package console_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/testserver"
	"github.com/chromedp/chromedp"
)

// EnvScreenshot names the PNG file TestConsoleBrowser writes a screenshot
// of the modules page to (docs/console.png is made so).
const EnvScreenshot = "CHATWASM_CONSOLE_SCREENSHOT"

// browser starts a headless Chromium for the test and returns its context.
// Without Chromium the test is skipped, or fails under CI=true.
//
// The shared browser-test harness replaces this helper when it lands.
func browser(t *testing.T) context.Context {
	t.Helper()
	var exe string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium on PATH (apt-get install chromium)")
		}
		t.Skip("no Chromium on PATH (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 800), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser on the context that lives as long as the test:
	// the deadline goes on the runs only. Generous: a correct run takes
	// seconds even on a loaded machine.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	ctx, cancelRun := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelRun)
	return ctx
}

// TestConsoleBrowser: in Chromium, the console signs in with the admin
// token, lists the loaded moderation module (built from source) with the
// calls and the refusal the chat made it serve, following new calls as
// they come, lists the open connections and the tenants, issues a user a
// token that connects, refuses a wrong admin token, and runs with no script
// error or policy violation.
func TestConsoleBrowser(t *testing.T) {
	ctx := browser(t)
	wasm, err := gobuild.Wasm(filepath.Join("..", "..", "modules", "examples", "moderation"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	modules := filepath.Join(dir, "modules.yaml")
	if err := os.WriteFile(modules, []byte(fmt.Sprintf(`modules:
  - name: moderation
    path: %s
    hooks: ["_create_message"]
    config:
      banned_words: "spam,buy now"
`, wasm)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := testserver.Start(t, testserver.WithFlags("--internal-addr", "127.0.0.1:0", "--modules", modules,
		"--module-cache", filepath.Join(dir, "cache")))

	alice, bob := s.CreateUser(t, "alice"), s.CreateUser(t, "bob")
	ca, cb := s.Connect(t, alice.Token), s.Connect(t, bob.Token)
	expect := func(c *testserver.Conn, event string) testserver.Frame {
		t.Helper()
		for {
			f, ok := c.Next(30 * time.Second)
			if !ok {
				t.Fatalf("no %s frame", event)
			}
			if f.EventType() == event {
				return f
			}
		}
	}
	if err := ca.Send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{bob.ID}}); err != nil {
		t.Fatal(err)
	}
	room, _ := expect(ca, "roomcreate.dispatch").Object["data"].(map[string]any)["id"].(string)
	expect(cb, "roomcreate.dispatch")
	for _, text := range []string{"hello", "buy now!"} {
		if err := ca.Send("message.send", map[string]any{"room_id": room, "content": text}); err != nil {
			t.Fatal(err)
		}
	}
	// The refusal comes straight back, the dispatch through the broker:
	// in either order.
	var dispatched, refused bool
	for !dispatched || !refused {
		f, ok := ca.Next(30 * time.Second)
		switch {
		case !ok:
			t.Fatalf("dispatched %v, refused %v: no more frames", dispatched, refused)
		case f.EventType() == "message.dispatch":
			dispatched = true
		case strings.HasPrefix(f.String(), `{"error"`):
			if !strings.Contains(f.String(), "4003") {
				t.Fatalf("the banned message: %s, want a 4003", f)
			}
			refused = true
		}
	}

	// Every exception and console error, CSP violations included.
	var (
		mu       sync.Mutex
		problems []string
	)
	mctx, stopMessages := context.WithCancel(ctx)
	messages := chromedp.Console(mctx)
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		for m, err := range messages {
			if err != nil {
				return
			}
			// Chromium logs the answer the test causes on purpose: the
			// wrong token's sign-in (401).
			expected := strings.HasSuffix(m.URL, "/admin/stats") && strings.Contains(m.Text, "401")
			if (m.Type == chromedp.ConsoleError || m.IsException()) && !expected {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	seen := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(problems)
	}

	row := chromedp.CSS(`tr[data-module="moderation"] td[data-col="calls"]`)
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.OpsURL("/console/")),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		// A wrong token is refused, and the form stays.
		chromedp.SendKeys(chromedp.CSS(`#token`), "not-the-token"),
		chromedp.Click(chromedp.CSS(`#signin button[type="submit"]`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('signin-error').textContent.includes('refused')`),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[string](`document.getElementById('token').value = ''`)(ctx, tg)
			return err
		}),
		chromedp.SendKeys(chromedp.CSS(`#token`), s.AdminToken),
		chromedp.Click(chromedp.CSS(`#signin button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-stat="connections"]`)),
		chromedp.Click(chromedp.CSS(`a[href="#modules"]`)),
		chromedp.WaitVisible(row),
	)
	if err != nil {
		t.Fatalf("console: %v; problems: %v", err, seen())
	}
	text := func(col string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-module="moderation"] td[data-col="`+col+`"]`)))
		if err != nil {
			t.Fatalf("the module's %s: %v", col, err)
		}
		return v
	}
	// Two message.send calls, one of them refused.
	if calls, errs, hooks := text("calls"), text("errors"), text("hooks"); calls != "2" || errs != "1" ||
		!strings.Contains(hooks, "_create_message") {
		t.Errorf("the moderation module's row: %s calls, %s errors, hooks %q; want 2, 1, _create_message", calls, errs, hooks)
	}
	if path := os.Getenv(EnvScreenshot); path != "" {
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(`body`)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The page follows the calls: one more message is one more call.
	if err := ca.Send("message.send", map[string]any{"room_id": room, "content": "again"}); err != nil {
		t.Fatal(err)
	}
	expect(ca, "message.dispatch")
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
		`document.querySelector('tr[data-module="moderation"] td[data-col="calls"]').textContent === '3'`)); err != nil {
		t.Errorf("the calls shown did not reach 3: %v (%s)", err, text("calls"))
	}

	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="#sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-channel]`)),
	)
	if err != nil {
		t.Fatalf("sessions page: %v; problems: %v", err, seen())
	}
	sessions, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll('tr[data-channel] td[data-col="user"]')].map(td => td.textContent).join(",")`))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("alice (%d),bob (%d)", alice.ID, bob.ID); sessions != want {
		t.Errorf("sessions page lists %q, want %q", sessions, want)
	}

	// Tenants, then a user's page, where a token is issued that connects.
	tenantUsers := chromedp.CSS(`tr[data-tenant="default"] td[data-col="users"]`)
	userLink := chromedp.CSS(fmt.Sprintf(`a[href="#users/%d"]`, alice.ID))
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="#tenants"]`)),
		chromedp.WaitVisible(tenantUsers),
	)
	if err != nil {
		t.Fatalf("tenants page: %v; problems: %v", err, seen())
	}
	if n, err := chromedp.Run(ctx, chromedp.Text(tenantUsers)); err != nil || n != "2" {
		t.Errorf("the default tenant has %q users (%v), want 2", n, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="#users"]`)),
		chromedp.WaitVisible(userLink),
		chromedp.Click(userLink),
		chromedp.WaitVisible(chromedp.CSS(`input[name="ttl"]`)),
		chromedp.Click(chromedp.CSS(`form.inline button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.token-out`)),
	)
	if err != nil {
		t.Fatalf("user page: %v; problems: %v", err, seen())
	}
	token, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.token-out').value`))
	if err != nil {
		t.Fatal(err)
	}
	s.Connect(t, token).Close() // fails the test unless the token authenticates alice

	stopMessages()
	<-listening
	if p := seen(); len(p) > 0 {
		t.Errorf("the console had errors: %v", p)
	}
}
