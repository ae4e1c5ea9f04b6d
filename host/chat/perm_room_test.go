package chat

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// permRoomFixture is one room of each shape the permission rules tell apart,
// built directly in the store.
type permRoomFixture struct {
	st                                    *store.Store
	svc                                   *Service
	creator, admin, member, perm, outside Caller
	stranger                              Caller // another tenant
	channel, locked, open, dm             string
	message, deleted                      string // in channel; deleted is soft-deleted
}

// eachPermRoomFixture runs test on a permRoomFixture over each store
// engine.
func eachPermRoomFixture(t *testing.T, test func(t *testing.T, f permRoomFixture)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) { test(t, newPermRoomFixture(t, st)) })
}

func newPermRoomFixture(t *testing.T, st *store.Store) permRoomFixture {
	t.Helper()
	f := permRoomFixture{st: st, svc: New(st, DefaultConfig(), nil)}
	fx := fixture.New(t, st)
	caller := func(u store.User) Caller { return Caller{UserID: u.ID, Tenant: u.Tenant, Username: u.Username} }
	creator, admin, member, perm := fx.User("creator"), fx.User("admin"), fx.User("member"), fx.User("perm")
	f.creator, f.admin, f.member, f.perm = caller(creator), caller(admin), caller(member), caller(perm)
	f.outside, f.stranger = caller(fx.User("outside")), caller(fx.User("stranger", fixture.Tenant("other")))
	room := func(kind store.RoomKind, locked bool) store.Room {
		if kind == store.KindOneToOne {
			return fx.Room(kind, []store.User{creator, member})
		}
		rm := fx.Room(kind, []store.User{creator, admin, member, perm}, fixture.Locked(locked), fixture.Admins(admin.ID),
			fixture.MaxMembers(10))
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			return tx.GrantPermissions(context.Background(), rm.ID, []int64{perm.ID}, kindPermissions(kind))
		})
		if err != nil {
			t.Fatal(err)
		}
		return rm
	}
	channel := room(store.KindChannel, false)
	f.channel, f.locked, f.open = channel.ID, room(store.KindGroup, true).ID, room(store.KindGroup, false).ID
	f.dm = room(store.KindOneToOne, false).ID
	f.message = fx.Message(channel, creator, "x").ID
	f.deleted = fx.Message(channel, creator, "y", fixture.Deleted()).ID
	return f
}

func permRoomRaw(t *testing.T, v any) json.RawMessage {
	t.Helper()
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// permRoomCheck runs check and compares the outcome: code 0 means allowed
// (and the room returned must be wantRoom).
func permRoomCheck(t *testing.T, st *store.Store, what string, check func(ctx context.Context, tx *store.Tx) (store.Room, error),
	code int, detail any, wantRoom string) {
	t.Helper()
	ctx := context.Background()
	var rm store.Room
	err := st.Read(ctx, func(tx *store.Tx) error {
		var err error
		rm, err = check(ctx, tx)
		return err
	})
	if code == 0 {
		if err != nil || rm.ID != wantRoom {
			t.Errorf("%s: room %q, err %v; want room %s allowed", what, rm.ID, err, wantRoom)
		}
		return
	}
	ce := wire.AsError(err)
	got, _ := json.Marshal(ce.Detail)
	want, _ := json.Marshal(detail)
	if err == nil || ce.Code != code || string(got) != string(want) {
		t.Errorf("%s: err %v, want %d %s", what, err, code, want)
	}
}

// accessRoom is the room of a send-permission check's outcome.
func accessRoom(acc store.RoomAccess, err error) (store.Room, error) { return acc.Room, err }

func TestSendPermission(t *testing.T) {
	eachPermRoomFixture(t, func(t *testing.T, f permRoomFixture) {
		const denied = "User is not authorized to send message to this room"
		for _, c := range []struct {
			who   Caller
			room  string
			allow bool
		}{
			{f.creator, f.channel, true}, {f.admin, f.channel, true}, {f.perm, f.channel, true},
			{f.member, f.channel, false}, {f.outside, f.channel, false},
			{f.creator, f.locked, true}, {f.admin, f.locked, true}, {f.perm, f.locked, false}, {f.member, f.locked, false},
			{f.member, f.open, true}, {f.outside, f.open, false},
			{f.member, f.dm, true}, {f.admin, f.dm, false},
		} {
			code := 0
			if !c.allow {
				code = wire.CodePermission
			}
			permRoomCheck(t, f.st, c.who.Username+" in "+c.room, func(ctx context.Context, tx *store.Tx) (store.Room, error) {
				return accessRoom(f.svc.sendPermission(ctx, tx, c.who, permRoomRaw(t, c.room), nil))
			}, code, denied, c.room)
		}

		// The room comes from message_id when room_id is falsy.
		for _, roomID := range []any{nil, "", 0, false} {
			permRoomCheck(t, f.st, "via message", func(ctx context.Context, tx *store.Tx) (store.Room, error) {
				return accessRoom(f.svc.sendPermission(ctx, tx, f.creator, permRoomRaw(t, roomID), permRoomRaw(t, f.message)))
			}, 0, nil, f.channel)
		}
		permRoomCheck(t, f.st, "member via message", func(ctx context.Context, tx *store.Tx) (store.Room, error) {
			return accessRoom(f.svc.sendPermission(ctx, tx, f.member, nil, permRoomRaw(t, f.message)))
		}, wire.CodePermission, denied, "")
		for _, c := range []struct {
			what          string
			who           Caller
			room, message any
			code          int
			detail        any
		}{
			{"room_id of wrong type", f.creator, true, f.message, wire.CodeValidation, []string{"Invalid room_id type"}},
			{"room_id list", f.creator, []string{f.channel}, nil, wire.CodeValidation, []string{"Invalid room_id type"}},
			{"no ids", f.creator, nil, nil, wire.CodeValidation, []string{"Invalid message_id type"}},
			{"message_id list", f.creator, nil, []string{f.message}, wire.CodeValidation, []string{"Invalid message_id type"}},
			{"malformed message_id", f.creator, nil, "zz", wire.CodeValidation, []string{"“zz” is not a valid UUID."}},
			{"deleted message", f.creator, nil, f.deleted, wire.CodeNotFound, "Resource not found."},
			{"unknown room", f.creator, store.NewID(), nil, wire.CodeNotFound, "Resource not found."},
			{"other tenant's room", f.stranger, f.channel, nil, wire.CodeNotFound, "Resource not found."},
			{"other tenant's message", f.stranger, nil, f.message, wire.CodeNotFound, "Resource not found."},
		} {
			permRoomCheck(t, f.st, c.what, func(ctx context.Context, tx *store.Tx) (store.Room, error) {
				return accessRoom(f.svc.sendPermission(ctx, tx, c.who, permRoomRaw(t, c.room), permRoomRaw(t, c.message)))
			}, c.code, c.detail, "")
		}
	})
}

func TestRoomAccess(t *testing.T) {
	eachPermRoomFixture(t, func(t *testing.T, f permRoomFixture) {
		for _, c := range []struct {
			what   string
			who    Caller
			room   any
			code   int
			detail any
		}{
			{"member", f.member, f.locked, 0, nil},
			{"participant", f.member, f.dm, 0, nil},
			{"non-member", f.outside, f.locked, wire.CodePermission, "User is not authorized access this room"},
			{"other tenant", f.stranger, f.locked, wire.CodeNotFound, "Resource not found."},
			{"int id", f.member, 42, wire.CodeNotFound, "Resource not found."},
			{"null", f.member, nil, wire.CodeValidation, []string{"Invalid room_id type"}},
			{"object", f.member, map[string]any{}, wire.CodeValidation, []string{"Invalid room_id type"}},
			{"malformed", f.member, "abc", wire.CodeValidation, []string{"“abc” is not a valid UUID."}},
		} {
			want, _ := c.room.(string)
			permRoomCheck(t, f.st, c.what, func(ctx context.Context, tx *store.Tx) (store.Room, error) {
				return f.svc.roomAccess(ctx, tx, c.who, permRoomRaw(t, c.room))
			}, c.code, c.detail, want)
		}
	})
}

func TestTruthy(t *testing.T) {
	for raw, want := range map[string]bool{
		"": false, "null": false, "false": false, "0": false, "0.0": false, "-0": false, `""`: false, "[]": false,
		"{}": false, " [ ] ": false, "true": true, "1": true, "-2.5": true, `"0"`: true, `" "`: true, "[0]": true,
		`{"a":null}`: true, "1e3": true,
	} {
		if got := field.Truthy(json.RawMessage(raw)); got != want {
			t.Errorf("truthy(%s) = %v, want %v", raw, got, want)
		}
	}
}
