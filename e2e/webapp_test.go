package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/internal/browsertest"
	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/testserver"
	"github.com/chatwasm/chatwasm/web"
	"github.com/chromedp/chromedp"
)

// The web app's tests (web/): a headless Chromium (internal/browsertest)
// drives the app the server serves at /, one isolated browser context per
// user, signed in with the link of `chatwasm token USER --url`. Every wait
// is for a DOM condition, bounded by browsertest.Timeout. Without Chromium
// they skip, unless CI=true.

// EnvScreenshots names a directory: the chat test then writes the README's
// screenshots of the app there (docs/webapp-desktop.png, docs/webapp-phone.png):
//
//	CHATWASM_SCREENSHOTS=$PWD/docs go test -count=1 -run TestWebAppChat ./e2e/
const envScreenshots = "CHATWASM_SCREENSHOTS"

// webUser is one user's page of the web app.
type webUser struct {
	*browsertest.Page
	u user
}

// js quotes s as a JavaScript string literal (JSON's are valid JavaScript).
func js(s string) string { return strconv.Quote(s) }

// openWebApp opens the sign-in link of u in a new page of b and waits until
// the app is connected, checking that the token left the address bar.
func openWebApp(t *testing.T, b *browsertest.Browser, s *server, u user) *webUser {
	t.Helper()
	link := strings.TrimSpace(mustCLI(t, s.DB, s.Secret, "token", u.Username, "--url", "--base", s.URL("")))
	w := &webUser{Page: b.NewPage(t), u: u}
	w.Do(chromedp.Navigate(link), w.connected())
	if href := browsertest.Eval[string](w.Page, "location.href"); href != s.URL("/") {
		t.Fatalf("%s: the address bar shows %q after sign-in, want %q (no token)", u.Username, href, s.URL("/"))
	}
	if me := browsertest.Eval[string](w.Page, `document.querySelector("#me").textContent`); me != u.Username {
		t.Fatalf("%s: the app shows %q as the user", u.Username, me)
	}
	return w
}

// connected waits until the app says it is connected.
func (w *webUser) connected() chromedp.Action[chromedp.Void] {
	return w.WaitFor(`document.querySelector("#status")?.dataset.state === "open"`)
}

// roomButton is a JavaScript expression: the room list's button of the room
// shown as name, or undefined.
func roomButton(name string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#room-list .room")].find(b => b.querySelector(".room-name").textContent === %s)`, js(name))
}

// messageItem is a JavaScript expression: the open room's message whose
// content is content, or undefined.
func messageItem(content string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#messages .message")].find(li => li.querySelector(".content").textContent === %s)`, js(content))
}

// openRoom opens the room shown as name and waits for its details.
func (w *webUser) openRoom(name string) {
	w.Do(w.WaitFor(roomButton(name)))
	browsertest.Eval[any](w.Page, roomButton(name)+".click()")
	w.Do(w.WaitFor(`document.querySelector("#room-title").textContent === ` + js(name) +
		` && document.querySelector("#room-id").textContent !== ""`))
}

// send types text in the composer and presses Enter, as a keyboard user.
func (w *webUser) send(text string) {
	w.Do(chromedp.SendKeys(chromedp.CSS("#composer-input"), text), browsertest.Enter())
}

// messageAction clicks the button named action (reply, edit, react-👍, …)
// of the message with content.
func (w *webUser) messageAction(content, action string) {
	w.Do(w.WaitFor(messageItem(content)))
	browsertest.Eval[any](w.Page, messageItem(content)+`.querySelector('[data-action="`+action+`"]').click()`)
}

// startDirectChat has a create the 1-1 chat with b through the form and
// waits until both list it.
func startDirectChat(a, b *webUser) {
	a.Do(
		chromedp.Click(chromedp.CSS("#new-room-box summary")),
		chromedp.SendKeys(chromedp.CSS("#new-members"), strconv.FormatInt(b.u.ID, 10)),
		chromedp.Click(chromedp.CSS(`#new-room button[type="submit"]`)),
		a.WaitFor(roomButton(b.u.Username)),
	)
	b.Do(b.WaitFor(roomButton(a.u.Username)))
}

// TestWebAppChat: Alice and Bob, each in a browser context of their own,
// chat in a 1-1 they create in the app: an unread count, send (Enter),
// typing seen by the other, read receipt seen by the sender, reply,
// reaction, edit and delete, each seen on the other side; and the layout
// at phone width. The page comes with its Content-Security-Policy, under
// which all of it runs.
func TestWebAppChat(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	resp, err := http.Get(s.URL("/"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); resp.StatusCode != http.StatusOK || csp != web.ContentSecurityPolicy {
		t.Fatalf("GET / = %d, Content-Security-Policy %q", resp.StatusCode, csp)
	}
	aliceU, bobU := s.CreateUser(t, "alice"), s.CreateUser(t, "bob")
	b := browsertest.Start(t)
	alice, bob := openWebApp(t, b, s, aliceU), openWebApp(t, b, s, bobU)
	startDirectChat(alice, bob)

	alice.openRoom("bob")
	alice.send("hello bob")
	alice.Do(alice.WaitFor(messageItem("hello bob")))
	// Bob has not opened the chat: one unread message.
	bob.Do(bob.WaitFor(roomButton("alice") + `?.querySelector(".unread")?.textContent === "1"`))

	bob.openRoom("alice")
	bob.Do(bob.WaitFor(messageItem("hello bob")), bob.WaitFor(`!`+roomButton("alice")+`.querySelector(".unread")`))
	// Bob's app marked it read: Alice sees the receipt.
	alice.Do(alice.WaitFor(messageItem("hello bob") + `?.querySelector(".receipts")?.textContent === "Read by bob"`))

	// Bob types: Alice sees it before the message is sent. The indicator
	// goes away after a few seconds, so a page observer records that it
	// showed, however late the test looks.
	browsertest.Eval[any](alice.Page, `window.sawTyping = false;
		new MutationObserver(() => {
			if (document.querySelector("#typing").textContent === "bob is typing…") window.sawTyping = true;
		}).observe(document.querySelector("#typing"), {childList: true, characterData: true, subtree: true})`)
	bob.Do(chromedp.SendKeys(chromedp.CSS("#composer-input"), "hi alice"))
	alice.Do(alice.WaitFor(`window.sawTyping`))
	bob.Do(browsertest.Enter())
	alice.Do(alice.WaitFor(messageItem("hi alice")))
	if left := browsertest.Eval[string](bob.Page, `document.querySelector("#composer-input").value`); left != "" {
		t.Errorf("the composer holds %q after Enter sent the message", left)
	}

	// Alice replies to it; Bob sees the reply with what it answers.
	alice.messageAction("hi alice", "reply")
	alice.Do(alice.WaitFor(`document.querySelector("#composing-text").textContent === "Replying to bob: hi alice"`))
	alice.send("a reply")
	bob.Do(bob.WaitFor(messageItem("a reply") + `?.querySelector(".reply-to")?.textContent === "↪ bob: hi alice"`))

	// Bob reacts to the reply; Alice sees the reaction, and Bob's button is on.
	bob.messageAction("a reply", "react-👍")
	alice.Do(alice.WaitFor(messageItem("a reply") + `?.querySelector(".reactions")?.textContent === "👍 1"`))
	bob.Do(bob.WaitFor(messageItem("a reply") + `?.querySelector('[data-action="react-👍"]').getAttribute("aria-pressed") === "true"`))

	// Alice edits her first message, then deletes it.
	alice.messageAction("hello bob", "edit")
	alice.Do(
		alice.WaitFor(`document.querySelector("#composer-input").value === "hello bob"`),
		chromedp.SendKeys(chromedp.CSS("#composer-input"), ", edited"),
		browsertest.Enter(),
	)
	bob.Do(bob.WaitFor(messageItem("hello bob, edited") + `?.querySelector(".edited")`))
	alice.messageAction("hello bob, edited", "delete")
	bob.Do(bob.WaitFor(`!` + messageItem("hello bob, edited")))

	// No error was shown on either side.
	for _, w := range []*webUser{alice, bob} {
		if notice := browsertest.Eval[string](w.Page, `document.querySelector("#notice").hidden ? "" : document.querySelector("#notice").textContent`); notice != "" {
			t.Errorf("%s's app shows %q", w.u.Username, notice)
		}
	}

	dir := os.Getenv(envScreenshots)
	if dir == "" {
		dir = t.TempDir()
	}
	alice.Screenshot(t, filepath.Join(dir, "webapp-desktop.png"))

	// At phone width the open room takes the whole screen, with a way back.
	bob.Do(chromedp.EmulateViewport(390, 780))
	bob.Do(bob.WaitFor(`getComputedStyle(document.querySelector("#sidebar")).display === "none"` +
		` && getComputedStyle(document.querySelector("#back")).display !== "none"`))
	bob.Screenshot(t, filepath.Join(dir, "webapp-phone.png"))
	bob.Do(chromedp.Click(chromedp.CSS("#back")), bob.WaitFor(`getComputedStyle(document.querySelector("#sidebar")).display !== "none"`))
}

// moderationEntry is the module file's entry for the moderation example,
// which refuses messages with "spam" or "buy now" with a 4003.
func moderationEntry(t *testing.T) string {
	t.Helper()
	wasm, err := moderationBuild()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("  - name: moderation\n    path: %s\n    hooks: [\"_create_message\"]\n    config: {banned_words: \"spam,buy now\"}\n", wasm)
}

// TestWebAppModuleRefusal: the moderation module's refusal (a 4003 error
// frame) is shown as a clear message (see checkRefusalShown). The server
// runs with --ws-path /chat/, which the app learns from /config.json.
func TestWebAppModuleRefusal(t *testing.T) {
	t.Parallel()
	s := startServer(t, withModuleFile(writeModuleFile(t, moderationEntry(t))), testserver.WithFlags("--ws-path", "/chat/"))
	checkRefusalShown(t, s, "Message not sent: Message contains prohibited content (refused, code 4003)")
}

// TestWebAppModuleErrorCode: a refusal with a module's own code is shown as
// clearly as a 4003: the error-codes example, deployed after moderation as
// in its modules.yaml, turns moderation's refusal into a 4007.
func TestWebAppModuleErrorCode(t *testing.T) {
	t.Parallel()
	wasm, err := gobuild.Wasm(filepath.Join("..", "modules", "examples", "error-codes"))
	if err != nil {
		t.Fatal(err)
	}
	entries := moderationEntry(t) + fmt.Sprintf("  - name: error-codes\n    path: %s\n    hooks: [\"handle_exception\"]\n    config: {code: \"4007\"}\n", wasm)
	s := startServer(t, withModuleFile(writeModuleFile(t, entries)))
	checkRefusalShown(t, s, "Message not sent: Message contains prohibited content (refused, code 4007)")
}

// checkRefusalShown has Alice send Bob, in the app, a message s's modules
// refuse: the app shows want as its notice and gives the refused text back
// to the composer, and the message reaches nobody; the next clean message
// goes through and clears the notice.
func checkRefusalShown(t *testing.T, s *server, want string) {
	t.Helper()
	aliceU, bobU := s.CreateUser(t, "alice"), s.CreateUser(t, "bob")
	b := browsertest.Start(t)
	alice, bob := openWebApp(t, b, s, aliceU), openWebApp(t, b, s, bobU)
	startDirectChat(alice, bob)
	alice.openRoom("bob")
	bob.openRoom("alice")

	alice.send("buy now, cheap")
	alice.Do(alice.WaitFor(`!document.querySelector("#notice").hidden`))
	if got := browsertest.Eval[string](alice.Page, `document.querySelector("#notice").textContent`); got != want {
		t.Errorf("the refusal shows as %q, want %q", got, want)
	}
	if got := browsertest.Eval[string](alice.Page, `document.querySelector("#composer-input").value`); got != "buy now, cheap" {
		t.Errorf("the composer holds %q after the refusal, want the refused text back", got)
	}

	browsertest.Eval[string](alice.Page, `document.querySelector("#composer-input").value = ""`)
	alice.send("a clean message")
	bob.Do(bob.WaitFor(messageItem("a clean message")))
	alice.Do(alice.WaitFor(messageItem("a clean message")), alice.WaitFor(`document.querySelector("#notice").hidden`))
	for _, w := range []*webUser{alice, bob} {
		if n := browsertest.Eval[int](w.Page, `document.querySelectorAll("#messages .message").length`); n != 1 {
			t.Errorf("%s's app shows %d messages, want only the clean one", w.u.Username, n)
		}
	}
}

// TestWebAppReconnect: the app reconnects after the server restarts and
// shows what was sent while it was away. Between the two runs on the same
// address and database, a run with another WebSocket path keeps the app out
// (its attempts get 404) while Bob sends, so the message is certainly sent
// while Alice's app is disconnected. Not parallel: the address is free
// between the runs, and fewer tests running makes it less likely that
// another takes it.
func TestWebAppReconnect(t *testing.T) {
	s := startServer(t)
	aliceU := s.CreateUser(t, "alice")
	bob := s.login(t, "bob")
	room := createOneToOne(t, bob, aliceU)
	sendMessage(t, bob, room, "before the restart")

	b := browsertest.Start(t)
	alice := openWebApp(t, b, s, aliceU)
	alice.openRoom("bob")
	alice.Do(alice.WaitFor(messageItem("before the restart")))

	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	alice.Do(alice.WaitFor(`document.querySelector("#status").dataset.state === "reconnecting"`))

	away := startServer(t, sharingDatabaseWith(s), testserver.WithFlags("--addr", s.Addr, "--ws-path", "/elsewhere/"))
	b2 := away.connect(t, bob.u)
	sendMessage(t, b2, room, "sent while you were away")
	if err := away.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if state := browsertest.Eval[string](alice.Page, `document.querySelector("#status").dataset.state`); state == "open" {
		t.Fatal("the app connected to the run it cannot reach")
	}

	startServer(t, sharingDatabaseWith(s), testserver.WithFlags("--addr", s.Addr))
	alice.Do(alice.connected(), alice.WaitFor(messageItem("sent while you were away")))
	if n := browsertest.Eval[int](alice.Page, `document.querySelectorAll("#messages .message").length`); n != 2 {
		t.Errorf("after the reconnect the room shows %d messages, want 2", n)
	}
}

// TestWebAppRooms: groups and channels in the app: Alice creates a group
// with Bob and makes him an admin, and sends an attachment link; Bob joins a
// public channel by its id, is made a moderator and forwards the group's
// message there; Bob leaves the group; a history longer than a page loads with "Load older".
func TestWebAppRooms(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	aliceU, bobU := s.CreateUser(t, "alice"), s.CreateUser(t, "bob")
	b := browsertest.Start(t)
	alice, bob := openWebApp(t, b, s, aliceU), openWebApp(t, b, s, bobU)
	bobID := strconv.FormatInt(bobU.ID, 10)

	// create fills in and submits the form for a room of kind.
	create := func(kind, name, members string, public bool) {
		browsertest.Eval[any](alice.Page, `document.querySelector("#new-room-box").open = true;
			document.querySelector("#new-kind").value = `+js(kind)+`;
			document.querySelector("#new-kind").dispatchEvent(new Event("change"))`)
		alice.Do(chromedp.SendKeys(chromedp.CSS("#new-name"), name))
		if members != "" {
			alice.Do(chromedp.SendKeys(chromedp.CSS("#new-members"), members))
		}
		if public {
			alice.Do(chromedp.Click(chromedp.CSS("#new-public")))
		}
		alice.Do(chromedp.Click(chromedp.CSS(`#new-room button[type="submit"]`)), alice.WaitFor(roomButton(name)))
	}
	member := func(id string) string { return `document.querySelector('#member-list [data-user-id="` + id + `"]')` }

	create("GroupChat", "team", bobID, false)
	bob.Do(bob.WaitFor(roomButton("team")))
	alice.openRoom("team")
	bob.openRoom("team")

	// Alice makes Bob an admin from the members panel; Bob's panel shows it.
	alice.Do(chromedp.Click(chromedp.CSS("#members-button")), alice.WaitFor(member(bobID)))
	browsertest.Eval[any](alice.Page, `[...`+member(bobID)+`.querySelectorAll("button")].find(b => b.textContent === "Make admin").click()`)
	bob.Do(chromedp.Click(chromedp.CSS("#members-button")),
		bob.WaitFor(member(bobID)+`?.querySelector(".badge")?.textContent === "admin"`))

	// An attachment, as a link.
	alice.Do(chromedp.SendKeys(chromedp.CSS("#composer-attachment"), "https://files.example.com/report.pdf"),
		chromedp.SendKeys(chromedp.CSS("#composer-input"), "the report"), browsertest.Enter())
	bob.Do(bob.WaitFor(messageItem("the report") + `?.querySelector('.attachments a[href="https://files.example.com/report.pdf"]')`))

	// A public channel, which Bob joins by its id.
	create("Channel", "news", "", true)
	alice.openRoom("news")
	channelID := browsertest.Eval[string](alice.Page, `document.querySelector("#room-id").textContent`)
	browsertest.Eval[any](bob.Page, `document.querySelectorAll("#sidebar details")[1].open = true`)
	// The app opens the room it joined once its list is read again: the
	// button can show before that (the membership event refreshes the list
	// too), and a room Bob opened in between would be replaced by it.
	bob.Do(chromedp.SendKeys(chromedp.CSS("#join-id"), channelID), chromedp.Click(chromedp.CSS(`#join-room button`)),
		bob.WaitFor(`document.querySelector("#room-title").textContent === "news" && document.querySelector("#room-id").textContent === `+js(channelID)))

	// Only moderators may send in a channel: Alice makes Bob one.
	alice.Do(alice.WaitFor(member(bobID)))
	browsertest.Eval[any](alice.Page, `[...`+member(bobID)+`.querySelectorAll("button")].find(b => b.textContent === "Make moderator").click()`)
	alice.Do(alice.WaitFor(member(bobID) + `?.querySelector(".badge")?.textContent === "moderator"`))

	// Bob forwards the report into it; Alice, in the channel, sees the forward.
	bob.openRoom("team")
	bob.messageAction("the report", "forward")
	bob.Do(bob.WaitFor(`document.querySelector("#forward-dialog").open`))
	browsertest.Eval[any](bob.Page, `document.querySelector("#forward-room").value = `+js(channelID))
	bob.Do(chromedp.Click(chromedp.CSS(`#forward-form button[type="submit"]`)))
	alice.Do(alice.WaitFor(messageItem("the report") + `?.querySelector(".forwarded")?.textContent === "Forwarded from alice"`))

	// Bob leaves the group: it leaves his list, and Alice's members panel.
	browsertest.Eval[any](bob.Page, `document.querySelector("#leave").click()`)
	bob.Do(bob.WaitFor(`!` + roomButton("team")))
	alice.openRoom("team")
	alice.Do(alice.WaitFor(member(strconv.FormatInt(aliceU.ID, 10))), alice.WaitFor(`!`+member(bobID)))

	// 35 messages: the newest 30 first, the rest with "Load older".
	a := s.connect(t, aliceU)
	teamID := browsertest.Eval[string](alice.Page, `document.querySelector("#room-id").textContent`)
	for i := range 34 {
		sendMessage(t, a, teamID, fmt.Sprintf("message %d", i))
	}
	bob.Do(bob.WaitFor(`document.querySelector("#notice").textContent === "You left team"`))
	alice.openRoom("news")
	alice.openRoom("team")
	count := `document.querySelectorAll("#messages .message").length`
	alice.Do(alice.WaitFor(count+` === 30`), alice.WaitFor(`!document.querySelector("#older").hidden`))
	alice.Do(chromedp.Click(chromedp.CSS("#older")), alice.WaitFor(count+` === 35`),
		alice.WaitFor(`document.querySelector("#older").hidden`))
	if first := browsertest.Eval[string](alice.Page, `document.querySelector("#messages .message .content").textContent`); first != "the report" {
		t.Errorf("the oldest message shown is %q, want the report", first)
	}
}

// TestWebAppSignIn: without a session the app asks for a link or token
// (there is no sign-up); a refused token says so; a pasted token signs in,
// with the messages that came meanwhile counted as unread from the
// connect-time notifications; the session survives a reload of the tab and
// ends with "Sign out".
func TestWebAppSignIn(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	aliceU := s.CreateUser(t, "alice")
	bob := s.login(t, "bob")
	room := createOneToOne(t, bob, aliceU)
	sendMessage(t, bob, room, "one")
	sendMessage(t, bob, room, "two")

	b := browsertest.Start(t)
	p := b.NewPage(t)
	signIn := `!document.querySelector("#signin").hidden && document.querySelector("#app").hidden`
	p.Do(chromedp.Navigate(s.URL("/")), p.WaitFor(signIn))

	p.Do(chromedp.SendKeys(chromedp.CSS("#signin-token"), "not-a-token"), browsertest.Enter(),
		p.WaitFor(signIn+` && document.querySelector("#signin-reason").textContent.startsWith("The server refused the token")`))

	p.Do(chromedp.SendKeys(chromedp.CSS("#signin-token"), aliceU.Token), browsertest.Enter(),
		p.WaitFor(`document.querySelector("#status")?.dataset.state === "open"`),
		p.WaitFor(roomButton("bob")+`?.querySelector(".unread")?.textContent === "2"`))

	p.Do(chromedp.Reload(), p.WaitFor(`document.querySelector("#status")?.dataset.state === "open"`), p.WaitFor(roomButton("bob")))
	p.Do(chromedp.Click(chromedp.CSS("#signout")), p.WaitFor(signIn))
	p.Do(chromedp.Reload(), p.WaitFor(signIn))
	if stored := browsertest.Eval[int](p, `sessionStorage.length`); stored != 0 {
		t.Errorf("%d items left in sessionStorage after signing out", stored)
	}
}
