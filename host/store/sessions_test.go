package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestSessions covers the presence rows: a heartbeat touches only the
// caller's own session, and the active/expired split follows the threshold.
func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var alice, bob store.User
		var a1, a2, b1 store.Session
		err := st.Write(ctx, func(tx *store.Tx) error {
			var err error
			if alice, err = tx.CreateUser(ctx, store.User{Username: "alice"}); err != nil {
				return err
			}
			if bob, err = tx.CreateUser(ctx, store.User{Username: "bob"}); err != nil {
				return err
			}
			if a1, err = tx.CreateSession(ctx, alice.ID, "node!a1"); err != nil {
				return err
			}
			if a2, err = tx.CreateSession(ctx, alice.ID, "node!a2"); err != nil {
				return err
			}
			b1, err = tx.CreateSession(ctx, bob.ID, "node!b1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if a1.ID == a2.ID || a1.UserID != alice.ID || a1.LastSeen.IsZero() {
			t.Fatalf("sessions %+v %+v", a1, a2)
		}
		err = st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.TouchSession(ctx, a1.ID, alice.ID); err != nil {
				return err
			}
			// bob's session under alice's name: nothing is touched.
			if err := tx.TouchSession(ctx, b1.ID, alice.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("touching another user's session: err = %v, want ErrNotFound", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Read(ctx, func(tx *store.Tx) error {
			active, err := tx.SessionChannels(ctx, alice.ID, time.Hour, true)
			if err != nil {
				return err
			}
			if !slices.Equal(active, []string{"node!a1", "node!a2"}) {
				t.Errorf("active within an hour = %v", active)
			}
			// A threshold in the future makes every session expired.
			expired, err := tx.SessionChannels(ctx, alice.ID, -time.Hour, false)
			if err != nil {
				return err
			}
			if !slices.Equal(expired, []string{"node!a1", "node!a2"}) {
				t.Errorf("expired = %v", expired)
			}
			none, err := tx.SessionChannels(ctx, alice.ID, -time.Hour, true)
			if err != nil {
				return err
			}
			if len(none) != 0 {
				t.Errorf("active with a future cut-off = %v", none)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
