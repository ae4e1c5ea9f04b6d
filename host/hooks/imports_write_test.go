package hooks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// TestWriteImportsNeedWriteTx calls the write imports where they may not
// write: from an extend hook, which runs outside the operation's
// transaction, and from the replace hook of an operation that only reads.
// Both are refused with a 4006 that says why, and nothing is written (a
// replace hook run in a read transaction stands for the read operation's:
// the transaction decides). (The
// imports themselves are tested with the chat service, which runs the
// cores they call: host/chat imports_write_test.go.)
func TestWriteImportsNeedWriteTx(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		var msgID string
		w.write(t, func(tx *store.Tx) error {
			m, err := tx.InsertMessage(ctx, store.Message{ID: store.NewID(), RoomID: w.room1.ID, SenderID: w.user1.ID, Content: "m"})
			msgID = m.ID
			return err
		})
		s := guestSet(t, hooks.Options{Store: w.st}, guestModule{name: "writer", hooks: "create_message, _join_room", caps: `"*"`, config: "mode: import"})
		notify := `{"import":"notification_create","request":{"message_id":"` + msgID + `","type":"REPLY","recipients":[` + itoa(w.other1.ID) + `]}}`
		create := `{"import":"message_create","request":{"args":{"room_id":"` + w.room1.ID + `","content":"x"}}}`
		for _, in := range []string{notify, create} {
			out, err := s.Run(ctx, "create_message", w.call1, []byte(in), nil)
			if err != nil {
				t.Fatal(err)
			}
			if res, e := importResult(t, out); res != "null" || !strings.Contains(e, `is only available in replace hooks and actions`) ||
				!strings.Contains(e, `"code":4006`) {
				t.Errorf("from an extend hook: %s, %q", res, e)
			}
			w.read(t, func(tx *store.Tx) error {
				call := w.call1
				call.Tx = tx
				out, err = s.Run(ctx, "_join_room", call, []byte(in), nil)
				return err
			})
			if res, e := importResult(t, out); res != "null" || !strings.Contains(e, `is not available in the replace hook of an operation that only reads`) {
				t.Errorf("from a read operation's replace hook: %s, %q", res, e)
			}
		}
		var n int
		w.read(t, func(tx *store.Tx) error {
			return tx.Executor().QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM notifications) + (SELECT COUNT(*) FROM messages)").Scan(&n)
		})
		if n != 1 {
			t.Errorf("notifications and messages: %d; want the one message", n)
		}
	})
}
