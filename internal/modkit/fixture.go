package modkit

import (
	"context"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
)

// UserRoom creates, in one transaction of st, the user username of tenant
// and a group room of that tenant named room, created by the user, who is
// its admin member (at most 10 members): what a hook test's caller and its
// room need to exist. It returns both.
func UserRoom(t testing.TB, st *store.Store, tenant, username, room string) (store.User, store.Room) {
	t.Helper()
	ctx := context.Background()
	var u store.User
	var r store.Room
	err := st.Write(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.CreateUser(ctx, store.User{Tenant: tenant, Username: username}); err != nil {
			return err
		}
		if r, err = tx.CreateRoom(ctx, store.Room{Tenant: tenant, Kind: store.KindGroup, Name: room,
			CreatorID: &u.ID, MaxMembers: 10}, ""); err != nil {
			return err
		}
		return tx.AddMembers(ctx, r.ID, []int64{u.ID}, true)
	})
	if err != nil {
		t.Fatalf("modkit: create %s and room %s in tenant %s: %v", username, room, tenant, err)
	}
	return u, r
}

// Events records the events a module emits: its Emit is a hooks.CallInfo's
// Emit. Set it to nil to forget what was recorded.
type Events []abi.Event

// Emit records ev.
func (e *Events) Emit(_ context.Context, ev abi.Event) error {
	*e = append(*e, ev)
	return nil
}
