package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/gorilla/websocket"
)

// The conformance module (host/chat/testdata/conformance), built once per
// source version by internal/gobuild, and the compile cache the servers of
// the tests share.
var conformanceWasm = sync.OnceValues(func() (string, error) {
	return gobuild.Wasm(filepath.Join("..", "chat", "testdata", "conformance"))
})

func moduleTestDir() string { return filepath.Join(os.TempDir(), "chatwasm-server-test") }

// conformance returns the path of the built conformance module.
func conformance(t testing.TB) string {
	t.Helper()
	path, err := conformanceWasm()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// moduleFile writes a module file whose {{conformance}} is the built
// module, and returns its path.
func moduleFile(t *testing.T, dir, yaml string) string {
	t.Helper()
	path := filepath.Join(dir, "modules.yaml")
	yaml = strings.ReplaceAll(yaml, "{{conformance}}", conformance(t))
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// seen is one hook call the conformance module recorded.
type seen struct {
	Hook     string
	Module   string
	Envelope envelope
}

// envelope is the hook input (abi.Call) with its args kept raw.
type envelope struct {
	ABI    int    `json:"abi"`
	Hook   string `json:"hook"`
	Tenant string `json:"tenant"`
	Caller struct {
		UserID    int64  `json:"user_id"`
		Username  string `json:"username"`
		SessionID int64  `json:"session_id"`
	} `json:"caller"`
	Args json.RawMessage `json:"args"`
}

// recorder is a slog handler that writes text logs to a buffer and keeps
// the conformance module's records of the hook calls.
type recorder struct {
	text  slog.Handler
	attrs []slog.Attr
	mu    *sync.Mutex
	calls *[]seen
}

func newRecorder(w io.Writer) *recorder {
	return &recorder{text: slog.NewTextHandler(w, nil), mu: &sync.Mutex{}, calls: &[]seen{}}
}

func (r *recorder) Enabled(ctx context.Context, l slog.Level) bool { return r.text.Enabled(ctx, l) }

func (r *recorder) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Message == "conformance.seen" {
		var s seen
		collect := func(a slog.Attr) bool {
			switch a.Key {
			case "hook":
				s.Hook = a.Value.String()
			case "module":
				s.Module = a.Value.String()
			case "envelope":
				if err := json.Unmarshal([]byte(a.Value.String()), &s.Envelope); err != nil {
					s.Hook = "undecodable envelope: " + err.Error()
				}
			}
			return true
		}
		for _, a := range r.attrs {
			collect(a)
		}
		rec.Attrs(collect)
		r.mu.Lock()
		*r.calls = append(*r.calls, s)
		r.mu.Unlock()
	}
	return r.text.Handle(ctx, rec)
}

func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *r
	c.text = r.text.WithAttrs(as)
	c.attrs = append(slices.Clone(r.attrs), as...)
	return &c
}

func (r *recorder) WithGroup(name string) slog.Handler {
	c := *r
	c.text = r.text.WithGroup(name)
	return &c
}

// seen returns the calls recorded so far.
func (r *recorder) seen() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(*r.calls)
}

// startRecorded starts Run(cfg) like start, logging to a recorder.
func startRecorded(t *testing.T, cfg Config) (*running, *recorder) {
	t.Helper()
	var rec *recorder
	r := startWith(t, cfg, func(w io.Writer) slog.Handler {
		rec = newRecorder(w)
		return rec
	})
	return r, rec
}

// withModules returns cfg running the module file yaml, with the shared
// compile cache.
func withModules(t *testing.T, cfg Config, yaml string) Config {
	t.Helper()
	cfg.Modules = moduleFile(t, t.TempDir(), yaml)
	cfg.ModuleCache = filepath.Join(moduleTestDir(), "compile-cache")
	return cfg
}

// wsFrame is one frame a client received.
type wsFrame struct {
	raw []byte
	v   map[string]any
}

func (f wsFrame) eventType() string {
	s, _ := f.v["eventType"].(string)
	return s
}

// wsClient is one user's connection, read by a goroutine so that waits
// time out cleanly.
type wsClient struct {
	t      *testing.T
	name   string
	id     int64
	ws     *websocket.Conn
	frames chan wsFrame
	mu     sync.Mutex
	// notifications is the chat.notifications frame read at connect.
	notifications wsFrame
}

const frameTimeout = 10 * time.Second

// user creates a user through the admin API and returns a token for it.
func (r *running) user(t *testing.T, name string) (int64, string) {
	t.Helper()
	status, u := r.admin(t, "POST", "/admin/users", `{"username":"`+name+`","email":"`+name+`@example.com"}`)
	if status != 201 {
		t.Fatalf("create user %s: %d %v", name, status, u)
	}
	id := u["id"].(float64)
	status, tok := r.admin(t, "POST", "/admin/tokens", `{"user_id":`+idStr(id)+`}`)
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	return int64(id), tok["token"].(string)
}

// connect opens a connection with token and reads chat.notifications.
func (r *running) connect(t *testing.T, name string, id int64, token string) *wsClient {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+r.base+"/messaging/?token="+token, nil)
	if err != nil {
		t.Fatalf("dial as %s: %v", name, err)
	}
	resp.Body.Close()
	c := &wsClient{t: t, name: name, id: id, ws: ws, frames: make(chan wsFrame, 256)}
	go func() {
		defer close(c.frames)
		for {
			_, raw, err := ws.ReadMessage()
			if err != nil {
				return
			}
			f := wsFrame{raw: raw}
			_ = json.Unmarshal(raw, &f.v)
			c.frames <- f
		}
	}()
	t.Cleanup(func() { ws.Close() })
	c.notifications = c.expect("chat.notifications")
	return c
}

// client creates a user and connects it.
func (r *running) client(t *testing.T, name string) *wsClient {
	t.Helper()
	id, tok := r.user(t, name)
	return r.connect(t, name, id, tok)
}

// send sends a frame; data nil omits it, a string is sent as raw text.
func (c *wsClient) send(event string, data any) {
	c.t.Helper()
	frame := map[string]any{"event_type": event}
	if data != nil {
		frame["data"] = data
	}
	b, err := json.Marshal(frame)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *wsClient) sendRaw(b []byte) {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		c.t.Fatalf("%s: write: %v", c.name, err)
	}
}

// next returns the next frame.
func (c *wsClient) next() wsFrame {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("%s: connection closed", c.name)
		}
		return f
	case <-time.After(frameTimeout):
		c.t.Fatalf("%s: no frame within %v", c.name, frameTimeout)
	}
	return wsFrame{}
}

// expect returns the next frame, which must be of eventType ("error" for
// an error frame, "" for any other frame without eventType).
func (c *wsClient) expect(eventType string) wsFrame {
	c.t.Helper()
	f := c.next()
	got := f.eventType()
	if _, isErr := f.v["error"]; isErr {
		got = "error"
	}
	if got != eventType {
		c.t.Fatalf("%s: got %s, want a %q frame", c.name, f.raw, eventType)
	}
	return f
}

// quiet checks that no frame arrives for a moment.
func (c *wsClient) quiet() {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if ok {
			c.t.Fatalf("%s: unexpected frame %s", c.name, f.raw)
		}
	case <-time.After(300 * time.Millisecond):
	}
}

// data returns a frame's data as an object.
func (f wsFrame) data(t *testing.T) map[string]any {
	t.Helper()
	d, ok := f.v["data"].(map[string]any)
	if !ok {
		t.Fatalf("frame %s has no object data", f.raw)
	}
	return d
}
