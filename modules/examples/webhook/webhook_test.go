package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
)

// receiver is the service the webhook calls: it records the events and
// answers as the test tells it to.
type receiver struct {
	mu     sync.Mutex
	events []event
	status int
	delay  time.Duration
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	var ev event
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" || json.Unmarshal(b, &ev) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	r.events = append(r.events, ev)
	status, delay := r.status, r.delay
	r.mu.Unlock()
	time.Sleep(delay)
	w.WriteHeader(status)
}

func (r *receiver) set(status int, delay time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.delay = status, delay
}

func (r *receiver) received() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]event(nil), r.events...)
}

// TestWebhook runs the module, built from source and deployed with this
// directory's modules.yaml (pointed at a test receiver), in a real server.
func TestWebhook(t *testing.T) {
	rcv := &receiver{status: http.StatusNoContent}
	hook := httptest.NewServer(rcv)
	defer hook.Close()
	wasm := modtest.Build(t, ".")
	srv := modtest.StartServer(t, modtest.ModuleFileFrom(t, "modules.yaml", map[string]string{
		"path: webhook.wasm":                "path: " + wasm,
		"http://127.0.0.1:9000/chat-events": hook.URL + "/chat-events",
		"timeout: 2s":                       "timeout: 500ms",
	}))
	aliceU, bobU := srv.CreateUser(t, "alice"), srv.CreateUser(t, "bob")
	alice, bob := srv.Connect(t, aliceU), srv.Connect(t, bobU)
	room := alice.CreateRoom(map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{bobU.ID}})
	bob.Expect("roomcreate.dispatch", nil)

	send := func(content string) chatwasm.Message {
		t.Helper()
		alice.Send("message.send", map[string]any{"room_id": room.ID, "content": content})
		var m chatwasm.Message
		alice.Expect("message.dispatch", &m)
		bob.Expect("message.dispatch", nil)
		if m.Content != content || m.Room.ID != room.ID {
			t.Errorf("dispatched %+v", m)
		}
		return m
	}

	// The webhook hears of the message once it is stored.
	send("first")
	if got := rcv.received(); len(got) != 1 || got[0] != (event{Room: room.ID, Sender: "alice"}) {
		t.Errorf("webhook received %+v", got)
	}

	// A failing webhook does not fail the message; the module logs it.
	rcv.set(http.StatusInternalServerError, 0)
	send("second")
	if !strings.Contains(srv.Log(), "webhook failed") || !strings.Contains(srv.Log(), "status=500") {
		t.Errorf("the failure was not logged:\n%s", srv.Log())
	}

	// Neither does a webhook slower than the module's timeout.
	rcv.set(http.StatusOK, 2*time.Second)
	send("third")
	if !strings.Contains(srv.Log(), "module fault") {
		t.Errorf("the slow webhook was no fault:\n%s", srv.Log())
	}

	// Nor one that cannot be reached at all.
	hook.Close()
	send("fourth")
	if n := len(rcv.received()); n != 3 {
		t.Errorf("webhook received %d events, want 3", n)
	}

	// A message the default refuses is not announced.
	rcv.set(http.StatusOK, 0)
	alice.Send("message.send", map[string]any{"room_id": room.ID, "content": "  "})
	alice.ExpectError(4003, map[string][]string{"content": {"This field may not be blank."}})
	if n := len(rcv.received()); n != 3 {
		t.Errorf("webhook received %d events after a refused message, want 3", n)
	}
}
