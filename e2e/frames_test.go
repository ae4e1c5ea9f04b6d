package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/internal/testserver"
	"github.com/gorilla/websocket"
)

// TestBadFrames sends every kind of bad input; each gets its error frame and
// the same connection keeps working afterwards.
func TestBadFrames(t *testing.T) {
	t.Parallel()
	_, alice, bob := startPair(t, withMaxFrameBytes(4096))
	dm := createOneToOne(t, alice, bob.u, bob)
	group := createGroup(t, alice, "G", nil, nil)
	sent := 0
	stillWorks := func(what string) {
		t.Helper()
		alice.heartbeat()
		sent++
		content := fmt.Sprintf("step %d", sent)
		alice.send("message.send", map[string]any{"room_id": dm, "content": content})
		m := asObject(t, expectSame(t, "message.dispatch", alice, bob))
		assertEqual(t, "content after "+what, m["content"], content)
	}

	raw := []struct {
		name string
		typ  int
		body string
	}{
		{"malformed JSON", websocket.TextMessage, `{"event_type": "room.list", "data": {`},
		{"not JSON at all", websocket.TextMessage, `hello`},
		{"JSON array", websocket.TextMessage, `[{"event_type": "room.list"}]`},
		{"JSON string", websocket.TextMessage, `"room.list"`},
		{"JSON number", websocket.TextMessage, `42`},
		{"JSON null", websocket.TextMessage, `null`},
		{"empty frame", websocket.TextMessage, ``},
		{"binary frame", websocket.BinaryMessage, `{"event_type": "room.list", "data": {}}`},
	}
	for _, tc := range raw {
		alice.sendRaw(tc.typ, []byte(tc.body))
		alice.expectError(4003)
		stillWorks(tc.name)
	}

	// A frame over --max-frame-bytes: a 4003 naming the limit.
	big := `{"event_type": "message.send", "data": {"room_id": "` + dm + `", "content": "` + strings.Repeat("x", 20000) + `"}}`
	alice.sendRaw(websocket.TextMessage, []byte(big))
	alice.expectErrorContaining(4003, "4096")
	quiet(bob) // the oversized message was not processed
	stillWorks("an oversized frame")

	// A frame just under the limit is processed.
	fits := strings.Repeat("y", 3900)
	alice.send("message.send", map[string]any{"room_id": dm, "content": fits})
	assertEqual(t, "content of a frame under the limit", asObject(t, expectSame(t, "message.dispatch", alice, bob))["content"], fits)
	sent++

	// Unknown, missing and non-string event types.
	for _, body := range []string{
		`{"event_type": "message.delete", "data": {}}`,
		`{"event_type": "", "data": {}}`,
		`{"event_type": "MESSAGE.SEND", "data": {}}`,
		`{"data": {"room_id": "x"}}`,
		`{}`,
		`{"event_type": 7}`,
		`{"event_type": null}`,
		`{"event_type": ["room.list"]}`,
		`{"eventType": "room.list"}`,
	} {
		alice.sendRaw(websocket.TextMessage, []byte(body))
		alice.expectInvalidEvent()
		stillWorks(body)
	}

	// Missing, null or mistyped data: an error frame each.
	for _, tc := range []struct {
		event string
		data  any
	}{
		{"message.send", testserver.NoData},
		{"message.send", nil},
		{"message.send", "hello"},
		{"message.send", []any{dm, "hi"}},
		{"message.send", map[string]any{"room_id": dm, "content": "x", "extra_fields": "y"}},
		{"message.send", map[string]any{"room_id": dm, "content": "x", "extra_fields": []any{}}},
		{"message.send", map[string]any{"room_id": dm, "content": []any{"x"}}},
		{"message.send", map[string]any{"room_id": dm, "content": map[string]any{"text": "x"}}},
		{"room.create", testserver.NoData},
		{"room.create", nil},
		{"room.create", map[string]any{"type": "GroupChat", "name": "x", "extra_fields": "y"}},
		{"room.info", nil},
		{"room.add_members", nil},
		{"room.add_members", map[string]any{"room_id": group}},
		{"room.add_members", map[string]any{"room_id": group, "members": "all"}},
		{"room.remove_members", map[string]any{"room_id": group, "members": 3}},
		{"room.modify", nil},
		{"room.join", []any{}},
		{"room.leave", "x"},
		{"room.messages", nil},
		{"message.read", nil},
		{"message.acknowledged", testserver.NoData},
		{"message.react", nil},
		{"message.typing", nil},
		{"message.modify", nil},
	} {
		alice.send(tc.event, tc.data)
		f := alice.nextFrame()
		e, ok := f.Object["error"].(map[string]any)
		if !ok || len(f.Object) != 1 {
			t.Fatalf("%s with data %s: got %s, want an error frame", tc.event, mustJSON(tc.data), f)
		}
		assertKeys(t, e, "code", "detail")
		// docs/decisions.md: missing or mistyped fields are a 4003, not the
		// reference's 4006; room.modify looks its room up without a type
		// check, so a missing room_id is not found (docs/protocol.md §2.7).
		want := int64(4003)
		if tc.event == "room.modify" {
			want = 4004
		}
		if code := asInt(t, e["code"]); code != want {
			t.Errorf("%s with data %s: error %s, want code %d", tc.event, mustJSON(tc.data), f, want)
		}
		stillWorks(tc.event + " with bad data")
	}
	quiet(alice, bob)
	if n := len(history(t, alice, dm)); n != sent {
		t.Fatalf("history holds %d messages, want %d: a bad frame stored a message or lost one", n, sent)
	}
}

// TestTextFrameTimestamps checks the wire formats of §2.2 on one message:
// timestamps, UUIDs and integer user ids.
func TestTextFrameTimestamps(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alice := s.login(t, "alice")
	room := createRoom(t, alice, map[string]any{"type": "GroupChat", "name": "T"})
	alice.send("message.send", map[string]any{"room_id": room["id"], "content": "t"})
	f := alice.expectFrame("message.dispatch")
	for _, key := range []string{`"created_at":"`, `"updated_at":"`} {
		if !strings.Contains(f.String(), key) {
			t.Fatalf("frame %s lacks %s", f, key)
		}
	}
	m := assertMessage(t, f.Object["data"])
	if _, ok := get(t, m, "sender", "id").(float64); !ok {
		t.Fatalf("user id %v is not a JSON number", get(t, m, "sender", "id"))
	}
}
