package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestListUsers pages through users by id, with and without a tenant filter.
func TestListUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		// ids in creation order: t1's a, c, e, then t2's b, d.
		ids := append(roomUsers(t, st, "t1", "a", "c", "e"), roomUsers(t, st, "t2", "b", "d")...)
		page := func(tenant string, after int64, limit int) []int64 {
			t.Helper()
			var got []int64
			err := st.Read(ctx, func(tx *store.Tx) error {
				us, err := tx.ListUsers(ctx, tenant, after, limit)
				for _, u := range us {
					got = append(got, u.ID)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := page("", 0, 3); !slices.Equal(got, ids[:3]) {
			t.Errorf("first page = %v, want %v", got, ids[:3])
		}
		if got := page("", ids[2], 3); !slices.Equal(got, ids[3:]) {
			t.Errorf("second page = %v, want %v", got, ids[3:])
		}
		if got := page("", ids[4], 3); len(got) != 0 {
			t.Errorf("past the end = %v, want none", got)
		}
		if got, want := page("t1", 0, 10), ids[:3]; !slices.Equal(got, want) {
			t.Errorf("tenant t1 = %v, want %v", got, want)
		}
		if got, want := page("t2", ids[3], 10), ids[4:]; !slices.Equal(got, want) {
			t.Errorf("tenant t2 after %d = %v, want %v", ids[3], got, want)
		}
	})
}

// TestUnlinkExternalIdentity: unlinking deletes the row, so the identity is
// unknown again (ErrNotFound), unlike deleting the user, which leaves the
// identity refused (ErrIdentityDeleted) until it is unlinked.
func TestUnlinkExternalIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var alice, bob store.User
		err := st.Write(ctx, func(tx *store.Tx) error {
			var err error
			if alice, err = tx.CreateUser(ctx, store.User{Username: "alice"}); err != nil {
				return err
			}
			if bob, err = tx.CreateUser(ctx, store.User{Username: "bob"}); err != nil {
				return err
			}
			if err := tx.LinkExternalIdentity(ctx, "https://idp", "sub-a", alice.ID); err != nil {
				return err
			}
			return tx.LinkExternalIdentity(ctx, "https://idp", "sub-b", bob.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Read(ctx, func(tx *store.Tx) error {
			ids, err := tx.IdentitiesOfUser(ctx, alice.ID)
			if err != nil {
				return err
			}
			if want := []store.Identity{{Issuer: "https://idp", Subject: "sub-a"}}; !slices.Equal(ids, want) {
				t.Errorf("identities of alice = %v, want %v", ids, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.UnlinkExternalIdentity(ctx, "https://idp", "sub-a"); err != nil {
				return err
			}
			if err := tx.UnlinkExternalIdentity(ctx, "https://idp", "sub-a"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("second unlink = %v, want ErrNotFound", err)
			}
			if _, err := tx.ExternalIdentity(ctx, "https://idp", "sub-a"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unlinked identity lookup = %v, want ErrNotFound", err)
			}
			if ids, err := tx.IdentitiesOfUser(ctx, alice.ID); err != nil || len(ids) != 0 {
				t.Errorf("identities of alice after unlink = %v, %v; want none", ids, err)
			}
			// The user stays; the identity may now be linked again.
			if err := tx.LinkExternalIdentity(ctx, "https://idp", "sub-a", alice.ID); err != nil {
				return err
			}
			// Deleting bob leaves his identity refused; unlinking it frees it.
			if err := tx.DeleteUser(ctx, bob.ID); err != nil {
				return err
			}
			if _, err := tx.ExternalIdentity(ctx, "https://idp", "sub-b"); !errors.Is(err, store.ErrIdentityDeleted) {
				t.Errorf("deleted user's identity = %v, want ErrIdentityDeleted", err)
			}
			if err := tx.UnlinkExternalIdentity(ctx, "https://idp", "sub-b"); err != nil {
				return err
			}
			if _, err := tx.ExternalIdentity(ctx, "https://idp", "sub-b"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unlinked deleted identity = %v, want ErrNotFound", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
