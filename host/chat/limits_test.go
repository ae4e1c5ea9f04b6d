package chat_test

import (
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/store"
)

// TestListLimits checks that every list of ids a request may carry is capped:
// one over the cap is a 4003 that says so, at the cap the request goes on to
// its usual checks.
func TestListLimits(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		group := e.room(msgRoom{kind: store.KindGroup, members: []chat.Caller{ann, bob}})
		m := e.send(ann, group, "hello")

		ids := func(n int, id any) []any {
			out := make([]any, n)
			for i := range out {
				out[i] = id
			}
			return out
		}
		tooMany := func(what string) []string {
			return []string{fmt.Sprintf("Too many %s: at most %d in one request", what, field.MaxListItems)}
		}
		e.fail(bob, "message.read", map[string]any{"message_id": ids(field.MaxListItems+1, m["id"])}, 4003,
			tooMany("message ids"))
		e.fail(ann, "room.add_members", map[string]any{"room_id": group, "members": ids(field.MaxListItems+1, 999)}, 4003,
			tooMany("user ids"))
		e.fail(ann, "room.create", map[string]any{"type": "GroupChat", "name": "g", "participants": ids(field.MaxListItems+1, 1)},
			4003, tooMany("user ids"))
		e.fail(ann, "room.modify", map[string]any{"room_id": group, "action": "add_admin",
			"data": map[string]any{"users": ids(field.MaxListItems+1, 2)}}, 4003, tooMany("user ids"))

		// At the cap the list is read (duplicates collapse) and handled as usual.
		e.ok(bob, "message.read", map[string]any{"message_id": ids(field.MaxListItems, m["id"])})
	})
}
