package gateway

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/gorilla/websocket"
)

func TestConnectSendsNotificationsFirst(t *testing.T) {
	e := newEnv(t, Config{})
	ws := e.open(e.user("alice"))
	defer ws.Close()
	if got := string(readRaw(t, ws)); got != `{"eventType":"chat.notifications","data":{}}` {
		t.Fatalf("first frame %s", got)
	}
	heartbeat(t, ws)
	if got := e.counter("chatwasm_connections_open", nil); got != 1 {
		t.Fatalf("open connections = %v, want 1", got)
	}
}

func TestBearerHeader(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.user("alice")
	ws, err := e.dial("", http.Header{"Authorization": {"Bearer " + e.token(u.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if f := readFrame(t, ws); f["eventType"] != "chat.notifications" {
		t.Fatalf("first frame %v", f)
	}
}

func TestUnauthenticatedClosed4001(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.user("alice")
	gone := e.user("gone")
	goneTok := e.token(gone.ID)
	if err := e.st.Write(context.Background(), func(tx *store.Tx) error {
		return tx.DeleteUser(context.Background(), gone.ID)
	}); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-2 * time.Hour)
	old, err := auth.NewIssuer([]byte("test secret, test secret, test!!"), auth.WithClock(func() time.Time { return past }))
	if err != nil {
		t.Fatal(err)
	}
	expired, err := old.Issue(u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"missing":      "",
		"garbage":      "?token=garbage",
		"expired":      "?token=" + expired,
		"deleted user": "?token=" + goneTok,
		"bad bearer":   "", // with a bad header below
	}
	for name, q := range cases {
		t.Run(name, func(t *testing.T) {
			var h http.Header
			if name == "bad bearer" {
				h = http.Header{"Authorization": {"Bearer nope"}}
			}
			ws, err := e.dial(q, h)
			if err != nil {
				t.Fatalf("upgrade refused (%v): want accept then close 4001", err)
			}
			defer ws.Close()
			expectClose(t, ws, 4001)
		})
	}
	if got := e.counter("chatwasm_auth_failures_total", nil); got != float64(len(cases)) {
		t.Fatalf("auth failures = %v, want %d", got, len(cases))
	}
}

func TestFrameValidation(t *testing.T) {
	e := newEnv(t, Config{MaxFrameBytes: 1024})
	ws := e.connect(e.user("alice"))
	cases := []struct {
		name   string
		mt     int
		frame  string
		want   string
		substr string
	}{
		{name: "binary", mt: websocket.BinaryMessage, frame: `{"event_type":"session.heartbeat"}`,
			want: `{"error":{"code":4003,"detail":["Binary frames are not supported: send JSON text frames"]}}`},
		{name: "malformed", frame: `{"event_type":`, substr: `{"error":{"code":4003,"detail":["Malformed JSON: `},
		{name: "empty", frame: ``, substr: `{"error":{"code":4003,"detail":["Malformed JSON: `},
		{name: "array", frame: `[1,2]`, want: `{"error":{"code":4003,"detail":["Frame must be a JSON object"]}}`},
		{name: "string", frame: `"room.list"`, want: `{"error":{"code":4003,"detail":["Frame must be a JSON object"]}}`},
		{name: "null", frame: `null`, want: `{"error":{"code":4003,"detail":["Frame must be a JSON object"]}}`},
		{name: "huge", frame: `{"event_type":"session.heartbeat","pad":"` + strings.Repeat("x", 100_000) + `"}`,
			want: `{"error":{"code":4003,"detail":["Frame exceeds the maximum size of 1024 bytes"]}}`},
		{name: "huge binary", mt: websocket.BinaryMessage, frame: strings.Repeat("x", 100_000),
			want: `{"error":{"code":4003,"detail":["Binary frames are not supported: send JSON text frames"]}}`},
		{name: "unknown event", frame: `{"event_type":"room.explode","data":{}}`, want: `{"error":"invalid event type"}`},
		{name: "missing event", frame: `{"data":{}}`, want: `{"error":"invalid event type"}`},
		{name: "non-string event", frame: `{"event_type":42}`, want: `{"error":"invalid event type"}`},
		{name: "empty event", frame: `{"event_type":""}`, want: `{"error":"invalid event type"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mt := c.mt
			if mt == 0 {
				mt = websocket.TextMessage
			}
			if err := ws.WriteMessage(mt, []byte(c.frame)); err != nil {
				t.Fatal(err)
			}
			got := string(readRaw(t, ws))
			if c.want != "" && got != c.want {
				t.Fatalf("reply %s\nwant  %s", got, c.want)
			}
			if c.substr != "" && !strings.HasPrefix(got, c.substr) {
				t.Fatalf("reply %s\nwant prefix %s", got, c.substr)
			}
			heartbeat(t, ws) // the socket stays usable
		})
	}
	if got := e.counter("chatwasm_errors_total", map[string]string{"code": "4003"}); got != 8 {
		t.Fatalf("4003 errors counted = %v, want 8", got)
	}
	if got := e.counter("chatwasm_frames_in_total", map[string]string{"event_type": "session.heartbeat"}); got != float64(len(cases)) {
		t.Fatalf("heartbeats counted = %v, want %d", got, len(cases))
	}
}

func TestFrameAtLimitIsProcessed(t *testing.T) {
	frame := `{"event_type":"session.heartbeat","pad":"` + strings.Repeat("x", 50) + `"}`
	e := newEnv(t, Config{MaxFrameBytes: int64(len(frame))})
	ws := e.connect(e.user("alice"))
	if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatal(err)
	}
	if got := string(readRaw(t, ws)); got != `{"status":"success"}` {
		t.Fatalf("reply %s", got)
	}
}

func TestChatErrorFrame(t *testing.T) {
	e := newEnv(t, Config{})
	ws := e.connect(e.user("alice"))
	// room.info checks room_id's type before anything else (docs/protocol.md §2.7).
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"event_type":"room.info","data":{"room_id":[1]}}`)); err != nil {
		t.Fatal(err)
	}
	f := readFrame(t, ws)
	ef, ok := f["error"].(map[string]any)
	if !ok || ef["code"] != float64(4003) {
		t.Fatalf("reply %v, want a 4003 error frame", f)
	}
	heartbeat(t, ws)
}

func TestDisconnectUser(t *testing.T) {
	e := newEnv(t, Config{})
	alice, bob := e.user("alice"), e.user("bob")
	a1, a2, b := e.connect(alice), e.connect(alice), e.connect(bob)
	e.gw.DisconnectUser(alice.ID, 4001, "user deleted")
	expectClose(t, a1, 4001)
	expectClose(t, a2, 4001)
	heartbeat(t, b)
	eventually(t, "alice's connections to leave the hub", func() bool { return len(e.hub.userConns(alice.ID)) == 0 })
}

func TestShutdownClosesGoingAway(t *testing.T) {
	e := newEnv(t, Config{})
	u := e.user("alice")
	a, b := e.connect(u), e.connect(u)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.gw.Shutdown(ctx) }()
	expectClose(t, a, websocket.CloseGoingAway)
	expectClose(t, b, websocket.CloseGoingAway)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := e.counter("chatwasm_connections_open", nil); got != 0 {
		t.Fatalf("open connections after shutdown = %v", got)
	}
	// A connection arriving during shutdown is turned away the same way.
	late := e.open(u)
	defer late.Close()
	expectClose(t, late, websocket.CloseGoingAway)
}

// TestPlainHTTPRejected: a plain GET, or a handshake the upgrader would
// refuse, with a valid token is answered 400 and opens no session (a
// connection opens its session before it is accepted, so the check must
// come first).
func TestPlainHTTPRejected(t *testing.T) {
	e := newEnv(t, Config{})
	alice := e.user("alice")
	upgrade := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}}
	for name, h := range map[string]http.Header{
		"plain GET":     nil,
		"no key":        upgrade,
		"wrong version": {"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-Websocket-Version": {"8"}},
	} {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/?token="+e.token(alice.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
		}
	}
	if n := e.sessions(alice.ID); n != 0 {
		t.Errorf("requests that were not handshakes opened %d sessions", n)
	}
}

// TestSubscribedBeforeAccepted: as in the reference (docs/protocol.md §2.4), a
// connection has its session and is in the hub by the time its client sees
// the handshake complete, so nothing sent to it afterwards can miss it.
// Before, the socket was accepted first, and CI once lost a
// roomcreate.dispatch sent right after a connect (e2e
// TestNotificationsDisabled).
func TestSubscribedBeforeAccepted(t *testing.T) {
	e := newEnv(t, Config{})
	bob := e.user("bob")
	for i := range 20 {
		ws := e.open(bob)
		if n := len(e.hub.userConns(bob.ID)); n != 1 {
			t.Fatalf("connect %d: %d connections of bob in the hub when the handshake completed, want 1", i, n)
		}
		if n := e.sessions(bob.ID); n != i+1 {
			t.Fatalf("connect %d: %d sessions of bob when the handshake completed, want %d", i, n, i+1)
		}
		ws.Close()
		eventually(t, "the closed connection leaving the hub", func() bool { return len(e.hub.userConns(bob.ID)) == 0 })
	}
}

// TestClosedWhileConnecting: a connection that DisconnectUser (a deleted
// user) closes while it connects gets that close as soon as its handshake
// completes, and nothing before it. Connect is held up by holding the
// database's writer, which its session insert waits for.
func TestClosedWhileConnecting(t *testing.T) {
	e := newEnv(t, Config{})
	bob := e.user("bob")
	held, release := make(chan struct{}), make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		writerDone <- e.st.Write(context.Background(), func(*store.Tx) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	type dialed struct {
		ws  *websocket.Conn
		err error
	}
	got := make(chan dialed, 1)
	go func() {
		ws, err := e.dial("?token="+e.token(bob.ID), nil)
		got <- dialed{ws, err}
	}()
	eventually(t, "bob connecting", func() bool { return len(e.hub.userConns(bob.ID)) == 1 })
	e.gw.DisconnectUser(bob.ID, 4001, "user deleted")
	close(release)
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	d := <-got
	if d.err != nil {
		t.Fatal(d.err)
	}
	defer d.ws.Close()
	_ = d.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := d.ws.ReadMessage()
	if !websocket.IsCloseError(err, 4001) {
		t.Fatalf("first read: frame %s, error %v; want the 4001 close and nothing before it", b, err)
	}
}
