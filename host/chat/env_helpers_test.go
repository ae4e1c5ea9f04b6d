package chat_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// chatEnv drives actions through Service.Handle on a real store, with
// users from the fixture factory. msgEnv and roomEnv build on it.
type chatEnv struct {
	t   testing.TB
	st  *store.Store
	svc *chat.Service
	fx  *fixture.Factory
}

func newChatEnv(t testing.TB, st *store.Store, cfg chat.Config) chatEnv {
	return chatEnv{t: t, st: st, svc: chat.New(st, cfg, nil), fx: fixture.New(t, st)}
}

// user creates a user of tenant "acme" and returns a connection of theirs.
func (e *chatEnv) user(name string) chat.Caller { return e.userIn(fixture.DefaultTenant, name) }

func (e *chatEnv) userIn(tenant, name string) chat.Caller {
	e.t.Helper()
	return callerOf(e.fx.User(name, fixture.Tenant(tenant)))
}

// callerOf is a connection of u.
func callerOf(u store.User) chat.Caller {
	return chat.Caller{UserID: u.ID, Tenant: u.Tenant, Username: u.Username, ChannelName: "chan-" + u.Username}
}

// userOf is the user of connection c, as the fixtures need it.
func userOf(c chat.Caller) store.User {
	return store.User{ID: c.UserID, Tenant: c.Tenant, Username: c.Username}
}

// handle runs an action; data is marshalled unless it is a json.RawMessage.
func (e *chatEnv) handle(c chat.Caller, event string, data any) ([]wire.Effect, error) {
	e.t.Helper()
	raw, ok := data.(json.RawMessage)
	if !ok && data != nil {
		var err error
		if raw, err = json.Marshal(data); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.svc.Handle(context.Background(), c, event, raw)
}

// fail runs an action that must fail with code and, unless detail is nil,
// exactly that detail (compared as JSON).
func (e *chatEnv) fail(c chat.Caller, event string, data any, code int, detail any) {
	e.t.Helper()
	eff, err := e.handle(c, event, data)
	if err == nil {
		e.t.Fatalf("%s %v: succeeded with %v, want error %d", event, data, roomSummary(e.t, eff), code)
	}
	ce, isChat := err.(*wire.Error)
	if !isChat {
		e.t.Fatalf("%s %v: error %T %v, want *wire.Error", event, data, err, err)
	}
	if ce.Code != code {
		e.t.Fatalf("%s %v: code %d (%v), want %d", event, data, ce.Code, ce.Detail, code)
	}
	if detail != nil && !jsonEqual(e.t, ce.Detail, detail) {
		got, _ := json.Marshal(ce.Detail)
		want, _ := json.Marshal(detail)
		e.t.Fatalf("%s %v: detail %s, want %s", event, data, got, want)
	}
}

// jsonEqual reports whether a and b encode to the same JSON value.
func jsonEqual(t testing.TB, a, b any) bool {
	t.Helper()
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var out any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// sentFrame is a decoded Send effect.
type sentFrame struct {
	Group     string
	Type      string          `json:"type"`
	EventType string          `json:"eventType"`
	Data      json.RawMessage `json:"data"`
}

// decodeFrame decodes the frame of e, a Send, which must be a
// broadcast_group frame.
func decodeFrame(t testing.TB, e wire.Effect) sentFrame {
	t.Helper()
	var f sentFrame
	if err := json.Unmarshal(e.Frame, &f); err != nil {
		t.Fatalf("frame %s: %v", e.Frame, err)
	}
	if f.Type != "broadcast_group" {
		t.Fatalf("frame %s lacks type broadcast_group", e.Frame)
	}
	f.Group = e.Group
	return f
}

// jsonObject decodes raw, a JSON object.
func jsonObject(t testing.TB, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m
}
