package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// roomUsers creates users of tenant with the given names and returns their ids.
func roomUsers(t *testing.T, st *store.Store, tenant string, names ...string) []int64 {
	t.Helper()
	var ids []int64
	err := st.Write(context.Background(), func(tx *store.Tx) error {
		for _, n := range names {
			u, err := tx.CreateUser(context.Background(), store.User{Tenant: tenant, Username: n})
			if err != nil {
				return err
			}
			ids = append(ids, u.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func mustWrite(t *testing.T, st *store.Store, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := st.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func TestRoomCreateGetUpdateDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := roomUsers(t, st, "t1", "ann", "bob")
		desc := "about"
		var rm store.Room
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			var err error
			rm, err = tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindGroup, Name: "g", Description: &desc,
				CreatorID: &u[0], MaxMembers: 5, GroupLocked: true}, "")
			return err
		})
		if rm.ID == "" || !rm.CreatedAt.Equal(rm.UpdatedAt) || string(rm.Preferences) != "{}" {
			t.Fatalf("created room = %+v", rm)
		}
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			got, err := tx.GetRoom(ctx, "t1", rm.ID, true)
			if err != nil {
				return err
			}
			if got.Name != "g" || *got.Description != "about" || *got.CreatorID != u[0] || got.MaxMembers != 5 ||
				!got.GroupLocked || got.IsPublic || got.Avatar != nil || got.LastMessageID != nil ||
				!got.CreatedAt.Equal(rm.CreatedAt) {
				return fmt.Errorf("got %+v", got)
			}
			if _, err := tx.GetRoom(ctx, "t2", rm.ID, false); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("other tenant: %v, want ErrNotFound", err)
			}
			avatar := "https://x/a.png"
			got.Name, got.Avatar, got.GroupLocked, got.Preferences = "g2", &avatar, false, []byte(`{"theme":"dark"}`)
			got.MaxMembers = 99 // not editable
			if _, err := tx.UpdateRoom(ctx, got); err != nil {
				return err
			}
			again, err := tx.GetRoom(ctx, "t1", rm.ID, false)
			if err != nil {
				return err
			}
			if again.Name != "g2" || *again.Avatar != avatar || again.GroupLocked || again.MaxMembers != 5 ||
				string(again.Preferences) != `{"theme":"dark"}` || again.UpdatedAt.Before(again.CreatedAt) {
				return fmt.Errorf("after update %+v", again)
			}
			return nil
		})
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			if err := tx.AddMembers(ctx, rm.ID, u, false); err != nil {
				return err
			}
			if err := tx.GrantPermissions(ctx, rm.ID, u[:1], []string{"p"}); err != nil {
				return err
			}
			if err := tx.DeleteRoom(ctx, rm.ID); err != nil {
				return err
			}
			if err := tx.DeleteRoom(ctx, rm.ID); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("second delete: %v", err)
			}
			if _, err := tx.UpdateRoom(ctx, rm); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("update deleted: %v", err)
			}
			ids, err := tx.RoomIDsOfUser(ctx, u[0])
			if err != nil || len(ids) != 0 {
				return fmt.Errorf("memberships after delete: %v %v", ids, err)
			}
			ok, err := tx.HasPermission(ctx, rm.ID, u[0], "p")
			if err != nil || ok {
				return fmt.Errorf("permission after delete: %v %v", ok, err)
			}
			return nil
		})
	})
}

func TestRoomPairKeyIsUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := roomUsers(t, st, "t1", "ann", "bob")
		if store.PairKey(u[0], u[1]) != store.PairKey(u[1], u[0]) {
			t.Fatal("PairKey depends on order")
		}
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindOneToOne}, store.PairKey(u[0], u[1]))
			return err
		})
		ctx := context.Background()
		err := st.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindOneToOne}, store.PairKey(u[1], u[0]))
			return err
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate pair: %v, want ErrConflict", err)
		}
		// The same pair key in another tenant, and rooms without one, coexist.
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.CreateRoom(ctx, store.Room{Tenant: "t2", Kind: store.KindOneToOne}, store.PairKey(u[0], u[1])); err != nil {
				return err
			}
			for range 2 {
				if _, err := tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindGroup, Name: "g", CreatorID: &u[0]}, ""); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func TestRoomMembersAndPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := roomUsers(t, st, "t1", "ann", "bob", "cat")
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			rm, err := tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindChannel, Name: "c", CreatorID: &u[0], MaxMembers: 10}, "")
			if err != nil {
				return err
			}
			if err := tx.AddMembers(ctx, rm.ID, u[:1], true); err != nil {
				return err
			}
			// Re-adding keeps the existing role.
			if err := tx.AddMembers(ctx, rm.ID, []int64{u[2], u[1], u[0]}, false); err != nil {
				return err
			}
			ms, err := tx.Members(ctx, rm.ID)
			if err != nil {
				return err
			}
			want := []store.Member{{UserID: u[0], IsAdmin: true}, {UserID: u[1]}, {UserID: u[2]}}
			if !slices.Equal(ms, want) {
				return fmt.Errorf("members %v, want %v", ms, want)
			}
			if n, err := tx.CountMembers(ctx, rm.ID); err != nil || n != 3 {
				return fmt.Errorf("count %d %v", n, err)
			}
			if err := tx.SetAdmin(ctx, rm.ID, []int64{u[1], 999999}, true); err != nil {
				return err
			}
			if _, admin, err := tx.Membership(ctx, rm.ID, u[1]); err != nil || !admin {
				return fmt.Errorf("bob admin=%v %v", admin, err)
			}
			if err := tx.SetAdmin(ctx, rm.ID, []int64{u[1]}, false); err != nil {
				return err
			}
			if _, admin, _ := tx.Membership(ctx, rm.ID, u[1]); admin {
				return errors.New("bob still admin")
			}

			perms := []string{"can_send_messages", "can_add_new_subscribers"}
			if err := tx.GrantPermissions(ctx, rm.ID, u[1:], perms); err != nil {
				return err
			}
			if err := tx.GrantPermissions(ctx, rm.ID, u[1:2], perms); err != nil { // idempotent
				return err
			}
			got, err := tx.Permissions(ctx, rm.ID, u[1])
			if err != nil || !slices.Equal(got, []string{"can_add_new_subscribers", "can_send_messages"}) {
				return fmt.Errorf("bob perms %v %v", got, err)
			}
			if err := tx.RevokePermissions(ctx, rm.ID, u[1:2], []string{"can_send_messages", "can_remove_subscribers"}); err != nil {
				return err
			}
			if got, _ := tx.Permissions(ctx, rm.ID, u[1]); !slices.Equal(got, []string{"can_add_new_subscribers"}) {
				return fmt.Errorf("bob perms after revoke %v", got)
			}

			// Removing ends membership and every permission; non-members are ignored.
			if err := tx.RemoveMembers(ctx, rm.ID, []int64{u[1], u[2], 999999}); err != nil {
				return err
			}
			if ids, _ := tx.MemberIDs(ctx, rm.ID); !slices.Equal(ids, u[:1]) {
				return fmt.Errorf("members after remove %v", ids)
			}
			for _, id := range u[1:] {
				if got, _ := tx.Permissions(ctx, rm.ID, id); len(got) != 0 {
					return fmt.Errorf("user %d keeps %v", id, got)
				}
			}
			return tx.RemoveMembers(ctx, rm.ID, nil)
		})
	})
}

func TestRoomsOfUserOrderAndPeers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := roomUsers(t, st, "t1", "ann", "bob", "cat")
		ids := map[string]string{}
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			mk := func(name string, kind store.RoomKind, created int64, members []int64, pair string) error {
				rm := store.Room{Tenant: "t1", Kind: kind, Name: name}
				if kind != store.KindOneToOne {
					rm.CreatorID = &u[0]
				}
				rm, err := tx.CreateRoom(ctx, rm, pair)
				if err != nil {
					return err
				}
				ids[name] = rm.ID
				if _, err := tx.Executor().Exec(ctx, "UPDATE rooms SET created_at = $1 WHERE id = $2", created, rm.ID); err != nil {
					return err
				}
				return tx.AddMembers(ctx, rm.ID, members, false)
			}
			for _, r := range []struct {
				name    string
				kind    store.RoomKind
				created int64
				members []int64
				pair    string
			}{
				{"old-empty", store.KindGroup, 1_000, u, ""},
				{"new-empty", store.KindChannel, 5_000, u[:2], ""},
				{"dm-bob", store.KindOneToOne, 2_000, u[:2], store.PairKey(u[0], u[1])},
				{"dm-cat", store.KindOneToOne, 3_000, []int64{u[0], u[2]}, store.PairKey(u[0], u[2])},
				{"not-mine", store.KindGroup, 9_000, u[1:], ""},
			} {
				if err := mk(r.name, r.kind, r.created, r.members, r.pair); err != nil {
					return err
				}
			}
			// dm-cat gets the older message, dm-bob the newer one.
			for _, name := range []string{"dm-cat", "dm-bob"} {
				m, err := tx.InsertMessage(ctx, store.Message{RoomID: ids[name], SenderID: u[0], Content: "hi"})
				if err != nil {
					return err
				}
				if _, err := tx.Executor().Exec(ctx, "UPDATE messages SET created_at = $1 WHERE id = $2",
					map[string]int64{"dm-cat": 10_000, "dm-bob": 20_000}[name], m.ID); err != nil {
					return err
				}
				if err := tx.SetLastMessage(ctx, ids[name], m.ID); err != nil {
					return err
				}
			}
			return nil
		})
		ctx := context.Background()
		err := st.Read(ctx, func(tx *store.Tx) error {
			rooms, err := tx.RoomsOfUser(ctx, u[0])
			if err != nil {
				return err
			}
			var got []string
			for _, rm := range rooms {
				got = append(got, rm.Name)
			}
			want := []string{ids["dm-bob"], ids["dm-cat"], ids["new-empty"], ids["old-empty"]}
			var gotIDs []string
			for _, rm := range rooms {
				gotIDs = append(gotIDs, rm.ID)
			}
			if !slices.Equal(gotIDs, want) {
				return fmt.Errorf("order %v", got)
			}
			peers, err := tx.OneToOnePeers(ctx, u[0])
			if err != nil {
				return err
			}
			if len(peers) != 2 || peers[ids["dm-bob"]] != u[1] || peers[ids["dm-cat"]] != u[2] {
				return fmt.Errorf("peers %v", peers)
			}
			if rooms, _ := tx.RoomsOfUser(ctx, 999999); len(rooms) != 0 {
				return fmt.Errorf("rooms of nobody: %v", rooms)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestRoomIDOfMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := roomUsers(t, st, "t1", "ann")
		var roomID, live, gone string
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			rm, err := tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindGroup, Name: "g", CreatorID: &u[0]}, "")
			if err != nil {
				return err
			}
			roomID = rm.ID
			m1, err := tx.InsertMessage(ctx, store.Message{RoomID: rm.ID, SenderID: u[0], Content: "a"})
			if err != nil {
				return err
			}
			m2, err := tx.InsertMessage(ctx, store.Message{RoomID: rm.ID, SenderID: u[0], Content: "b", IsDeleted: true})
			live, gone = m1.ID, m2.ID
			return err
		})
		ctx := context.Background()
		err := st.Read(ctx, func(tx *store.Tx) error {
			if got, err := tx.RoomIDOfMessage(ctx, "t1", live); err != nil || got != roomID {
				return fmt.Errorf("live message: %q %v", got, err)
			}
			for _, c := range []struct{ tenant, id string }{{"t1", gone}, {"t2", live}, {"t1", store.NewID()}} {
				if _, err := tx.RoomIDOfMessage(ctx, c.tenant, c.id); !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("%v: %v, want ErrNotFound", c, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
