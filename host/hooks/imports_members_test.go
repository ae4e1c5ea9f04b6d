package hooks_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestMembersImports checks the rules members_add and members_remove share
// with the built-in membership changes: admin grants the room kind's
// object permissions, a one-to-one chat keeps its two participants, a room
// is never left empty, and a refused change leaves nothing behind while
// the operation's transaction carries on and commits.
func TestMembersImports(t *testing.T) {
	eachWorld(t, func(t *testing.T, w *world) {
		ctx := context.Background()
		var channel, dm store.Room
		w.write(t, func(tx *store.Tx) error {
			var err error
			if channel, err = tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindChannel, Name: "c",
				CreatorID: &w.user1.ID, MaxMembers: 100}, ""); err != nil {
				return err
			}
			if err := tx.AddMembers(ctx, channel.ID, []int64{w.user1.ID}, true); err != nil {
				return err
			}
			if dm, err = tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindOneToOne, MaxMembers: 2},
				store.PairKey(w.user1.ID, w.other1.ID)); err != nil {
				return err
			}
			return tx.AddMembers(ctx, dm.ID, []int64{w.user1.ID, w.other1.ID}, false)
		})
		m := newManager(t, modulesYAML(guestModule{name: "members", hooks: "_create_message", caps: `"*"`, config: "mode: import"}), hooks.Options{Store: w.st})
		s := acquire(t, m)
		// imp calls an import from the replace layer; the transaction also
		// writes a key of its own first, which must commit whatever the
		// import answered.
		n := 0
		imp := func(name, req string) (result, errText string) {
			t.Helper()
			n++
			key := "before/" + itoa(int64(n))
			out, err := w.runTx(ctx, s, "_create_message", []byte(`{"import":"`+name+`","request":`+req+`}`), nil,
				func(tx *store.Tx) error { return tx.ModuleKVSet(ctx, "members", "t1", key, "1", 1<<20) })
			if err != nil {
				t.Fatalf("%s %s: %v", name, req, err)
			}
			if _, ok := w.kv(t, "members", "t1", key); !ok {
				t.Errorf("%s %s: the operation's own write did not commit", name, req)
			}
			return importResult(t, out)
		}
		members := func(roomID string) (ids, admins []int64) { return storetest.Members(t, w.st, roomID) }
		perms := func(roomID string, userID int64) []string { return storetest.Permissions(t, w.st, roomID, userID) }
		sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
		wantErr := func(name, req, substr string) {
			t.Helper()
			res, e := imp(name, req)
			if res != "null" || !strings.Contains(e, substr) {
				t.Errorf("%s %s: %s, %q; want an error containing %q", name, req, res, e, substr)
			}
		}
		o1 := itoa(w.other1.ID)

		// admin: a new member becomes a moderator with the channel's
		// permissions; an existing member of a group is promoted.
		if res, e := imp("members_add", `{"room_id":`+quote(channel.ID)+`,"user_ids":[`+o1+`],"admin":true}`); res != `{"count":2}` || e != "" {
			t.Fatalf("members_add admin: %s, %q", res, e)
		}
		if _, admins := members(channel.ID); !slices.Equal(admins, []int64{w.user1.ID, w.other1.ID}) {
			t.Errorf("channel admins %v", admins)
		}
		if got := perms(channel.ID, w.other1.ID); !slices.Equal(got, sorted(store.KindPermissions(store.KindChannel))) {
			t.Errorf("moderator's permissions %v", got)
		}
		if res, e := imp("members_add", `{"room_id":`+quote(w.room1.ID)+`,"user_ids":[`+o1+`]}`); res != `{"count":2}` || e != "" {
			t.Fatalf("members_add: %s, %q", res, e)
		}
		if got := perms(w.room1.ID, w.other1.ID); len(got) != 0 {
			t.Errorf("plain member's permissions %v", got)
		}
		if res, e := imp("members_add", `{"room_id":`+quote(w.room1.ID)+`,"user_ids":[`+o1+`],"admin":true}`); res != `{"count":2}` || e != "" {
			t.Fatalf("members_add admin of a member: %s, %q", res, e)
		}
		if _, admins := members(w.room1.ID); !slices.Equal(admins, []int64{w.user1.ID, w.other1.ID}) {
			t.Errorf("group admins %v", admins)
		}
		if got := perms(w.room1.ID, w.other1.ID); !slices.Equal(got, sorted(store.KindPermissions(store.KindGroup))) {
			t.Errorf("admin's permissions %v", got)
		}

		// A one-to-one chat keeps its two participants.
		wantErr("members_add", `{"room_id":`+quote(dm.ID)+`,"user_ids":[`+o1+`]}`, "A one to one chat can only have 2 participants")
		wantErr("members_remove", `{"room_id":`+quote(dm.ID)+`,"user_ids":[`+o1+`]}`, "A one to one chat can only have 2 participants")
		if ids, _ := members(dm.ID); !slices.Equal(ids, []int64{w.user1.ID, w.other1.ID}) {
			t.Errorf("1-1 members %v", ids)
		}

		// Emptying a room is refused after the removal ran: the savepoint
		// undoes it.
		wantErr("members_remove", `{"room_id":`+quote(channel.ID)+`,"user_ids":[`+itoa(w.user1.ID)+`,`+o1+`]}`, "no members left")
		if ids, _ := members(channel.ID); !slices.Equal(ids, []int64{w.user1.ID, w.other1.ID}) {
			t.Errorf("channel members after a refused removal %v", ids)
		}
		if got := perms(channel.ID, w.other1.ID); !slices.Equal(got, sorted(store.KindPermissions(store.KindChannel))) {
			t.Errorf("moderator's permissions after a refused removal %v", got)
		}
		if res, e := imp("members_remove", `{"room_id":`+quote(channel.ID)+`,"user_ids":[`+o1+`]}`); res != `{"count":1}` || e != "" {
			t.Fatalf("members_remove: %s, %q", res, e)
		}
		if got := perms(channel.ID, w.other1.ID); len(got) != 0 {
			t.Errorf("a removed moderator keeps %v", got)
		}
	})
}
