package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	chatserver "github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// TestConnectNotificationsBacklog: a member with thousands of pending
// notifications gets them all at connect by default; with
// --connect-notifications-per-room the newest N of each room; and when they
// are more than --max-out-frame-bytes holds, the newest that fit, in a valid
// frame within the limit, counted in
// chatwasm_connect_notifications_truncated_total, instead of a refused frame
// or a closed connection. The backlog is written straight to the database:
// thousands of message.send would only slow the test down.
func TestConnectNotificationsBacklog(t *testing.T) {
	t.Parallel()
	s, alice, bob := startPair(t)
	rooms := []string{createGroup(t, alice, "one", []user{bob.u}, nil, bob), createGroup(t, alice, "two", []user{bob.u}, nil, bob)}
	bob.Close()
	const n = 3000
	newest := seedBacklog(t, s, rooms, alice.u.ID, n) // per room, oldest first

	// Everything, in each room oldest first.
	all := backlogByRoom(t, connectRaw(t, s, bob.u.Token))
	for _, r := range rooms {
		if !slices.Equal(all[r], newest[r]) {
			t.Fatalf("room %s: %d notifications, want all %d in order", r, len(all[r]), len(newest[r]))
		}
	}

	// The newest 5 of each room.
	capped := startServer(t, sharingDatabaseWith(s), withFlags("--connect-notifications-per-room", "5"))
	got := backlogByRoom(t, connectRaw(t, capped, bob.u.Token))
	for _, r := range rooms {
		if want := newest[r][len(newest[r])-5:]; !slices.Equal(got[r], want) {
			t.Fatalf("room %s with 5 per room: %v, want %v", r, got[r], want)
		}
	}

	// Over the frame limit: the newest that fit.
	const limit = 64 << 10
	small := startServer(t, sharingDatabaseWith(s), withFlags("--max-out-frame-bytes", fmt.Sprint(limit)))
	raw := connectRaw(t, small, bob.u.Token)
	if len(raw) > limit {
		t.Fatalf("chat.notifications of %d bytes, over the %d limit", len(raw), limit)
	}
	got = backlogByRoom(t, raw)
	kept := 0
	for _, r := range rooms {
		kept += len(got[r])
		if want := newest[r][len(newest[r])-len(got[r]):]; !slices.Equal(got[r], want) {
			t.Fatalf("room %s under the byte limit: not the newest %d", r, len(got[r]))
		}
	}
	// Sent alternately to the two rooms: the newest of both are kept.
	if kept < 20 || kept >= n || len(got[rooms[0]])-len(got[rooms[1]]) > 1 || len(got[rooms[1]])-len(got[rooms[0]]) > 1 {
		t.Fatalf("kept %d and %d notifications of %d", len(got[rooms[0]]), len(got[rooms[1]]), n)
	}
	if m := small.metricsText(t); !strings.Contains(m, "chatwasm_connect_notifications_truncated_total 1") {
		t.Fatalf("metrics: no truncated connect counted")
	}
	// With a module hooking the operation and adding a field to every
	// message, the final frame is cut the same way.
	padded := startServer(t, sharingDatabaseWith(s), withFlags("--max-out-frame-bytes", fmt.Sprint(limit)),
		withModuleFile(paddingModuleFile(t)))
	raw = connectRaw(t, padded, bob.u.Token)
	if len(raw) > limit {
		t.Fatalf("module-hooked chat.notifications of %d bytes, over the %d limit", len(raw), limit)
	}
	got = backlogByRoom(t, raw, "padding")
	kept = 0
	for _, r := range rooms {
		kept += len(got[r])
		if want := newest[r][len(newest[r])-len(got[r]):]; !slices.Equal(got[r], want) {
			t.Fatalf("room %s, module-hooked: not the newest %d", r, len(got[r]))
		}
	}
	if kept < 10 || kept >= n {
		t.Fatalf("module-hooked: kept %d notifications of %d", kept, n)
	}
	if m := padded.metricsText(t); !strings.Contains(m, "chatwasm_connect_notifications_truncated_total 1") {
		t.Fatalf("metrics: no truncated module-hooked connect counted")
	}

	// The connection is usable, and the server that cut nothing counted none.
	c := small.connect(t, bob.u)
	c.heartbeat()
	if m := s.metricsText(t); !strings.Contains(m, "chatwasm_connect_notifications_truncated_total 0") {
		t.Fatalf("metrics: a truncated connect counted on the default server")
	}
}

// seedBacklog stores n messages from sender, alternately in rooms, each
// notifying the rooms' other members, in one transaction, and returns each
// room's message ids oldest first.
func seedBacklog(t *testing.T, s *server, rooms []string, sender int64, n int) map[string][]string {
	t.Helper()
	ctx := context.Background()
	st, err := chatserver.OpenStore(ctx, s.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ids := map[string][]string{}
	content := strings.Repeat("backlog ", 12)
	if err := st.Write(ctx, func(tx *store.Tx) error {
		for i := range n {
			room := rooms[i%len(rooms)]
			m, err := tx.InsertMessage(ctx, store.Message{RoomID: room, SenderID: sender, Content: fmt.Sprint(content, i)})
			if err != nil {
				return err
			}
			if _, _, err := tx.NotifyRoom(ctx, room, m.ID, store.NotifyNewMessage, sender); err != nil {
				return err
			}
			ids[room] = append(ids[room], m.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// connectRaw connects with token and returns the raw chat.notifications
// frame.
func connectRaw(t *testing.T, s *server, token string) []byte {
	t.Helper()
	c, err := testserver.Dial(t, s.WSURL(token), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, ok := c.Next(30e9)
	if !ok || f.EventType() != "chat.notifications" {
		t.Fatalf("connect: first frame %v (%v), want chat.notifications", f, c.ReadErr())
	}
	return f.Raw
}

// backlogByRoom decodes a chat.notifications frame into each room's message
// ids, in the frame's order, checking every notification's shape; every
// message must carry the modules' fields named by added besides its own.
func backlogByRoom(t *testing.T, raw []byte, added ...string) map[string][]string {
	t.Helper()
	var f struct {
		Data map[string][]map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("chat.notifications %.200s: %v", raw, err)
	}
	out := map[string][]string{}
	for room, ns := range f.Data {
		for _, n := range ns {
			assertKeys(t, n, notificationKeys...)
			msg, _ := n["message"].(map[string]any)
			for _, k := range added {
				if _, ok := msg[k]; !ok {
					t.Fatalf("message without the module's %q: %v", k, msg)
				}
				delete(msg, k)
			}
			m := assertMessage(t, msg)
			assertEqual(t, "notification type", n["notification_type"], "NEW_MESSAGE")
			out[room] = append(out[room], getString(t, m, "id"))
		}
	}
	return out
}

// TestLargeHistoryCountBound: an unpaginated history is refused with a 4003
// before it is read when its messages cannot fit in a frame of
// --max-out-frame-bytes, counting each message's fixed part (200 bytes)
// besides its content, so a room of many short messages is refused as a
// room of a few long ones is; a smaller room is served whole, and the big
// one page by page.
func TestLargeHistoryCountBound(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	s, alice, bob := startPair(t, withFlags("--max-out-frame-bytes", fmt.Sprint(limit)))
	big := createGroup(t, alice, "big", []user{bob.u}, nil, bob)
	small := createGroup(t, alice, "small", []user{bob.u}, nil, bob)
	seedBacklog(t, s, []string{big}, alice.u.ID, 400) // 400 × (about 100 + 200) bytes at least: over 64 KiB
	seedBacklog(t, s, []string{small}, alice.u.ID, 20)

	alice.send("room.messages", map[string]any{"room_id": big})
	// Refused before reading, not built and refused by the gateway.
	if detail := mustJSON(alice.expectError(4003)); !strings.Contains(detail, "the messages take at least") ||
		!strings.Contains(detail, fmt.Sprintf("at most %d): paginate room.messages", limit)) {
		t.Fatalf("detail %s, want the history's response-too-large message naming the limit", detail)
	}
	if got := len(history(t, alice, small)); got != 20 {
		t.Fatalf("small room's history: %d messages, want 20", got)
	}
	page := paginate(t, alice, big, 2, 50)
	if msgs := asArray(t, get(t, page, "data", "messages")); len(msgs) != 50 {
		t.Fatalf("paginated history: %d messages, want 50", len(msgs))
	}
}

// paddingModuleFile builds testdata/padding and returns a module file that
// loads it.
func paddingModuleFile(t *testing.T) string {
	t.Helper()
	wasm, err := gobuild.Wasm(filepath.Join("testdata", "padding"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "modules.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf("modules:\n  - name: padding\n    path: %s\n", wasm)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
