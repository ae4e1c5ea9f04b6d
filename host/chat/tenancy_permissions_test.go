package chat

import (
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
)

// TestKindPermissionsAgree: the members_add import grants admins the
// permissions of store.KindPermissions, room.modify's add_admin and
// add_moderator those of kindPermissions; they must be the same.
func TestKindPermissionsAgree(t *testing.T) {
	for _, k := range []store.RoomKind{store.KindOneToOne, store.KindGroup, store.KindChannel} {
		if got, want := store.KindPermissions(k), kindPermissions(k); !slices.Equal(got, want) {
			t.Errorf("%s: store has %v, chat %v", k, got, want)
		}
	}
}
