package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/broker"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/identity"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// env is a gateway serving on a real HTTP server over a real SQLite file.
type env struct {
	tb  testing.TB
	st  *store.Store
	gw  *Gateway
	hub *Hub
	br  broker.Broker
	iss *auth.Issuer
	srv *httptest.Server
	reg *prometheus.Registry
}

func newEnv(tb testing.TB, cfg Config) *env {
	tb.Helper()
	st := storetest.Open(tb, "sqlite")
	iss, err := auth.NewIssuer([]byte("test secret, test secret, test!!"))
	if err != nil {
		tb.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		tb.Fatal(err)
	}
	hub := NewHub(nil)
	br := broker.NewMemory(hub.Apply)
	gw, err := New(cfg, Deps{Service: chat.New(st, chat.DefaultConfig(), nil), Auth: identity.New(st, iss, identity.Options{}), Hub: hub, Broker: br, Metrics: m})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	tb.Cleanup(srv.Close)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := gw.Shutdown(ctx); err != nil {
			tb.Errorf("gateway shutdown: %v", err)
		}
	})
	return &env{tb: tb, st: st, gw: gw, hub: hub, br: br, iss: iss, srv: srv, reg: reg}
}

func (e *env) user(name string) store.User {
	e.tb.Helper()
	var u store.User
	err := e.st.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		u, err = tx.CreateUser(context.Background(), store.User{Username: name, Email: name + "@example.com"})
		return err
	})
	if err != nil {
		e.tb.Fatal(err)
	}
	return u
}

func (e *env) token(userID int64) string {
	e.tb.Helper()
	tok, err := e.iss.Issue(userID, time.Hour)
	if err != nil {
		e.tb.Fatal(err)
	}
	return tok
}

func (e *env) url() string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/" }

func (e *env) dial(query string, h http.Header) (*websocket.Conn, error) {
	ws, resp, err := websocket.DefaultDialer.Dial(e.url()+query, h)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return ws, err
}

// open opens a connection for u with a fresh token; closing it is the
// caller's business.
func (e *env) open(u store.User) *websocket.Conn {
	e.tb.Helper()
	ws, err := e.dial("?token="+e.token(u.ID), nil)
	if err != nil {
		e.tb.Fatal(err)
	}
	return ws
}

// connect opens a connection for u and consumes its chat.notifications frame.
func (e *env) connect(u store.User) *websocket.Conn {
	e.tb.Helper()
	ws := e.open(u)
	e.tb.Cleanup(func() { ws.Close() })
	f := readFrame(e.tb, ws)
	if f["eventType"] != "chat.notifications" {
		e.tb.Fatalf("first frame %v, want chat.notifications", f)
	}
	return ws
}

// sessions counts the active sessions of a user.
func (e *env) sessions(userID int64) int {
	e.tb.Helper()
	var chans []string
	if err := e.st.Read(context.Background(), func(tx *store.Tx) (err error) {
		chans, err = tx.SessionChannels(context.Background(), userID, time.Hour, true)
		return err
	}); err != nil {
		e.tb.Fatal(err)
	}
	return len(chans)
}

// counter returns the value of a counter (summed over its label sets that
// match labels).
func (e *env) counter(name string, labels map[string]string) float64 {
	e.tb.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.tb.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

func readRaw(tb testing.TB, ws *websocket.Conn) []byte {
	tb.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	mt, b, err := ws.ReadMessage()
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	if mt != websocket.TextMessage {
		tb.Fatalf("message type %d, want text", mt)
	}
	return b
}

func readFrame(tb testing.TB, ws *websocket.Conn) map[string]any {
	tb.Helper()
	b := readRaw(tb, ws)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("frame %s: %v", b, err)
	}
	return m
}

// expectClose reads until the server closes the connection and checks the
// close code.
func expectClose(tb testing.TB, ws *websocket.Conn, code int) {
	tb.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, b, err := ws.ReadMessage()
		if err == nil {
			tb.Logf("frame before close: %s", b)
			continue
		}
		if !websocket.IsCloseError(err, code) {
			tb.Fatalf("read error %v, want close %d", err, code)
		}
		return
	}
}

// expectSilence checks that nothing is pending for a connection: the reply
// to a heartbeat sent now is the next frame. (A read timeout would do, but it
// breaks a gorilla connection for good.)
func expectSilence(tb testing.TB, ws *websocket.Conn) {
	tb.Helper()
	heartbeat(tb, ws)
}

// heartbeat proves a connection is still usable.
func heartbeat(tb testing.TB, ws *websocket.Conn) {
	tb.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"event_type":"session.heartbeat"}`)); err != nil {
		tb.Fatal(err)
	}
	if got := string(readRaw(tb, ws)); got != `{"status":"success"}` {
		tb.Fatalf("heartbeat reply %s", got)
	}
}

// eventually polls cond until it holds or a deadline passes.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
