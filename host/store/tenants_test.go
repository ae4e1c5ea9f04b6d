package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestTenantUserCounts counts users per tenant, in tenant order, and
// forgets a tenant whose last user is deleted.
func TestTenantUserCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		counts := func() []store.TenantUsers {
			t.Helper()
			var got []store.TenantUsers
			if err := st.Read(ctx, func(tx *store.Tx) error {
				var err error
				got, err = tx.TenantUserCounts(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := counts(); len(got) != 0 {
			t.Fatalf("no users: %v, want none", got)
		}
		roomUsers(t, st, "zeta", "z1")
		acme := roomUsers(t, st, "acme", "a1", "a2", "a3")
		want := []store.TenantUsers{{Tenant: "acme", Users: 3}, {Tenant: "zeta", Users: 1}}
		if got := counts(); !slices.Equal(got, want) {
			t.Fatalf("counts = %v, want %v", got, want)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			for _, id := range acme {
				if err := tx.DeleteUser(ctx, id); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := counts(), want[1:]; !slices.Equal(got, want) {
			t.Fatalf("after deleting acme's users: %v, want %v", got, want)
		}
	})
}
