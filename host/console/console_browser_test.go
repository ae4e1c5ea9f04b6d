package console_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/browsertest"
	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/testserver"
	"github.com/chromedp/chromedp"
)

// EnvScreenshot names the PNG file TestConsoleBrowser writes a screenshot
// of the modules page to (docs/console.png is made so).
const EnvScreenshot = "CHATWASM_CONSOLE_SCREENSHOT"

// TestConsoleBrowser: in Chromium, the console signs in with the admin
// token, lists the loaded moderation module (built from source) with the
// calls and the refusal the chat made it serve, following new calls as
// they come, lists the open connections and the tenants, issues a user a
// token that connects, refuses a wrong admin token, and runs with no script
// error or policy violation.
func TestConsoleBrowser(t *testing.T) {
	page := browsertest.Start(t).NewPage(t)
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

	// Chromium logs the answer the test causes on purpose: the wrong
	// token's sign-in (401).
	errs := page.WatchErrors(func(m chromedp.ConsoleMessage) bool {
		return strings.HasSuffix(m.URL, "/admin/stats") && strings.Contains(m.Text, "401")
	})
	cell := func(col string) string {
		return `document.querySelector('tr[data-module="moderation"] td[data-col="` + col + `"]')`
	}
	page.Do(
		chromedp.Navigate(s.OpsURL("/console/")),
		chromedp.WaitVisible(chromedp.CSS(`#token`)),
		// A wrong token is refused, and the form stays.
		chromedp.SendKeys(chromedp.CSS(`#token`), "not-the-token"),
		chromedp.Click(chromedp.CSS(`#signin button[type="submit"]`)),
		page.WaitFor(`document.getElementById('signin-error').textContent.includes('refused')`),
	)
	browsertest.Eval[string](page, `document.getElementById('token').value = ''`)
	page.Do(
		chromedp.SendKeys(chromedp.CSS(`#token`), s.AdminToken),
		chromedp.Click(chromedp.CSS(`#signin button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-stat="connections"]`)),
		chromedp.Click(chromedp.CSS(`a[href="#modules"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-module="moderation"] td[data-col="calls"]`)),
	)
	text := func(col string) string {
		t.Helper()
		return browsertest.Eval[string](page, cell(col)+`.textContent`)
	}
	// Two message.send calls, one of them refused.
	if calls, failed, hooks := text("calls"), text("errors"), text("hooks"); calls != "2" || failed != "1" ||
		!strings.Contains(hooks, "_create_message") {
		t.Errorf("the moderation module's row: %s calls, %s errors, hooks %q; want 2, 1, _create_message", calls, failed, hooks)
	}
	if path := os.Getenv(EnvScreenshot); path != "" {
		page.ScreenshotOf(t, "body", path)
	}

	// The page follows the calls: one more message is one more call.
	if err := ca.Send("message.send", map[string]any{"room_id": room, "content": "again"}); err != nil {
		t.Fatal(err)
	}
	expect(ca, "message.dispatch")
	page.Do(page.WaitFor(cell("calls") + `.textContent === '3'`))

	page.Do(
		chromedp.Click(chromedp.CSS(`a[href="#sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-channel]`)),
	)
	sessions := browsertest.Eval[string](page,
		`[...document.querySelectorAll('tr[data-channel] td[data-col="user"]')].map(td => td.textContent).join(",")`)
	if want := fmt.Sprintf("alice (%d),bob (%d)", alice.ID, bob.ID); sessions != want {
		t.Errorf("sessions page lists %q, want %q", sessions, want)
	}

	// Tenants, then a user's page, where a token is issued that connects.
	tenantUsers := `tr[data-tenant="default"] td[data-col="users"]`
	userLink := chromedp.CSS(fmt.Sprintf(`a[href="#users/%d"]`, alice.ID))
	page.Do(
		chromedp.Click(chromedp.CSS(`a[href="#tenants"]`)),
		chromedp.WaitVisible(chromedp.CSS(tenantUsers)),
	)
	if n := browsertest.Eval[string](page, `document.querySelector('`+tenantUsers+`').textContent`); n != "2" {
		t.Errorf("the default tenant has %q users, want 2", n)
	}
	page.Do(
		chromedp.Click(chromedp.CSS(`a[href="#users"]`)),
		chromedp.WaitVisible(userLink),
		chromedp.Click(userLink),
		chromedp.WaitVisible(chromedp.CSS(`input[name="ttl"]`)),
		chromedp.Click(chromedp.CSS(`form.inline button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.token-out`)),
	)
	token := browsertest.Eval[string](page, `document.querySelector('.token-out').value`)
	s.Connect(t, token).Close() // fails the test unless the token authenticates alice

	if p := errs.List(); len(p) > 0 {
		t.Errorf("the console had errors: %v", p)
	}
}
