package modkit

import (
	"context"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// team is the store state the example checks start from: alice, a user of
// tenant t1, and her group "team" (at most 10 members), of which she is the
// admin member.
type team struct {
	alice store.User
	room  store.Room
}

// writeTeam writes the team into st and, in the same transaction, what
// more writes; an error fails the test.
func writeTeam(t *testing.T, st *store.Store, more func(ctx context.Context, tx *store.Tx, tm team) error) team {
	t.Helper()
	ctx := context.Background()
	var tm team
	err := st.Write(ctx, func(tx *store.Tx) error {
		alice, err := tx.CreateUser(ctx, store.User{Tenant: "t1", Username: "alice"})
		if err != nil {
			return err
		}
		room, err := tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindGroup, Name: "team",
			CreatorID: &alice.ID, MaxMembers: 10}, "")
		if err != nil {
			return err
		}
		if err := tx.AddMembers(ctx, room.ID, []int64{alice.ID}, true); err != nil {
			return err
		}
		tm = team{alice, room}
		return more(ctx, tx, tm)
	})
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// call is the CallInfo of a call by alice in tenant, in tx (nil for
// none), whose events go to emitted.
func (tm team) call(tenant string, tx *store.Tx, emitted *[]abi.Event) hooks.CallInfo {
	return hooks.CallInfo{Tenant: tenant, Caller: abi.Caller{UserID: tm.alice.ID, Username: "alice"}, Tx: tx,
		Emit: func(_ context.Context, ev abi.Event) error {
			*emitted = append(*emitted, ev)
			return nil
		}}
}
