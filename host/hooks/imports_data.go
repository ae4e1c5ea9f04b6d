package hooks

import (
	"context"
	"encoding/json"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
)

func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func apiRoom(rm store.Room) abi.Room {
	prefs := rm.Preferences
	if len(prefs) == 0 {
		prefs = json.RawMessage("{}")
	}
	return abi.Room{
		ID: rm.ID, Kind: string(rm.Kind), Name: rm.Name, Description: rm.Description, Avatar: rm.Avatar,
		CreatorID: rm.CreatorID, MaxMembers: rm.MaxMembers, IsPublic: rm.IsPublic,
		JoinApprovalRequired: rm.JoinApprovalRequired, GroupLocked: rm.GroupLocked, Preferences: prefs,
		LastMessageID: rm.LastMessageID, CreatedAt: apiTime(rm.CreatedAt), UpdatedAt: apiTime(rm.UpdatedAt),
	}
}

func (f *frame) room(ctx context.Context, name string, req []byte, lock bool, tx *store.Tx) (store.Room, error) {
	var r abi.RoomRef
	if err := decode(name, req, &r); err != nil {
		return store.Room{}, err
	}
	return tx.GetRoom(ctx, f.call.Tenant, r.RoomID, lock)
}

func importRoomGet(ctx context.Context, f *frame, req []byte) (any, error) {
	var out abi.Room
	err := f.withTx(ctx, false, func(tx *store.Tx) error {
		rm, err := f.room(ctx, abi.ImportRoomGet, req, false, tx)
		out = apiRoom(rm)
		return err
	})
	return out, err
}

func importRoomProperty(ctx context.Context, f *frame, req []byte) (any, error) {
	var out struct {
		Preferences json.RawMessage `json:"preferences"`
	}
	err := f.withTx(ctx, false, func(tx *store.Tx) error {
		rm, err := f.room(ctx, abi.ImportRoomProperty, req, false, tx)
		out.Preferences = apiRoom(rm).Preferences
		return err
	})
	return out, err
}

func importRoomMembers(ctx context.Context, f *frame, req []byte) (any, error) {
	out := []abi.Member{}
	err := f.withTx(ctx, false, func(tx *store.Tx) error {
		rm, err := f.room(ctx, abi.ImportRoomMembers, req, false, tx)
		if err != nil {
			return err
		}
		ms, err := tx.Members(ctx, rm.ID)
		for _, m := range ms {
			out = append(out, abi.Member{UserID: m.UserID, IsAdmin: m.IsAdmin})
		}
		return err
	})
	return out, err
}

// membersChange is the common part of members_add and members_remove: only
// in the replace layer and in actions, which run in a transaction, on a
// group or channel and users of the tenant. It runs in a savepoint, like
// the other imports in a transaction (withTx): a refused or failed change
// leaves nothing behind and, on PostgreSQL, does not abort the operation's
// transaction, which the module may carry on with. The live subscriptions
// follow once the change is made.
func (f *frame) membersChange(ctx context.Context, name string, req []byte, added bool,
	change func(tx *store.Tx, rm store.Room, c abi.MembersChange) error) (any, error) {
	var c abi.MembersChange
	if err := f.decodeWrite(name, req, &c); err != nil {
		return nil, err
	}
	var (
		roomID string
		n      int64
	)
	err := f.withTx(ctx, true, func(tx *store.Tx) error {
		rm, err := tx.GetRoom(ctx, f.call.Tenant, c.RoomID, true)
		if err != nil {
			return err
		}
		if rm.Kind == store.KindOneToOne {
			// The two-participant rule (docs/protocol.md §1.4) holds whoever
			// changes membership.
			return badRequest("%s: A one to one chat can only have 2 participants", name)
		}
		users, err := tx.UsersByID(ctx, f.call.Tenant, c.UserIDs)
		if err != nil {
			return err
		}
		for _, id := range c.UserIDs {
			if _, ok := users[id]; !ok {
				return abi.ErrNotFound()
			}
		}
		if err := change(tx, rm, c); err != nil {
			return err
		}
		roomID = rm.ID
		n, err = tx.CountMembers(ctx, rm.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if f.call.Membership != nil {
		f.call.Membership(ctx, roomID, c.UserIDs, added)
	}
	return map[string]int64{"count": n}, nil
}

// importMembersAdd is members_add. With admin true the users become admins
// (groups) or moderators (channels) with every object permission of the
// room's kind, members already or not, as room.modify's add_admin and
// add_moderator make them.
func importMembersAdd(ctx context.Context, f *frame, req []byte) (any, error) {
	return f.membersChange(ctx, abi.ImportMembersAdd, req, true, func(tx *store.Tx, rm store.Room, c abi.MembersChange) error {
		if rm.MaxMembers > 0 {
			// The room row is locked: the count cannot change under us.
			n, err := tx.CountMembers(ctx, rm.ID)
			if err != nil {
				return err
			}
			seen := map[int64]bool{}
			for _, id := range c.UserIDs {
				member, _, err := tx.Membership(ctx, rm.ID, id)
				if err != nil {
					return err
				}
				if !member && !seen[id] {
					seen[id] = true
					n++
				}
			}
			if n > rm.MaxMembers {
				return &abi.Error{Code: abi.CodeIntegrity, Detail: abi.DetailIntegrity}
			}
		}
		if err := tx.AddMembers(ctx, rm.ID, c.UserIDs, c.Admin); err != nil {
			return err
		}
		if !c.Admin {
			return nil
		}
		if err := tx.SetAdmin(ctx, rm.ID, c.UserIDs, true); err != nil {
			return err
		}
		return tx.GrantPermissions(ctx, rm.ID, c.UserIDs, store.KindPermissions(rm.Kind))
	})
}

// importMembersRemove is members_remove. It refuses to leave a room without
// members: the built-in removal deletes such a room and tells its former
// members, which an import in the middle of another operation cannot do.
func importMembersRemove(ctx context.Context, f *frame, req []byte) (any, error) {
	return f.membersChange(ctx, abi.ImportMembersRemove, req, false, func(tx *store.Tx, rm store.Room, c abi.MembersChange) error {
		if err := tx.RemoveMembers(ctx, rm.ID, c.UserIDs); err != nil {
			return err
		}
		n, err := tx.CountMembers(ctx, rm.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return badRequest("%s: the room would have no members left; delete it with room.modify instead", abi.ImportMembersRemove)
		}
		return nil
	})
}

func importMessageGet(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.MessageRef
	if err := decode(abi.ImportMessageGet, req, &r); err != nil {
		return nil, err
	}
	out, err := txValue(ctx, f, false, func(tx *store.Tx) (abi.Message, error) {
		m, err := tx.GetMessage(ctx, f.call.Tenant, r.MessageID)
		return apiMessage(m), err
	})
	return out, err
}

func importUserGet(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.UserRef
	if err := decode(abi.ImportUserGet, req, &r); err != nil {
		return nil, err
	}
	out, err := txValue(ctx, f, false, func(tx *store.Tx) (abi.User, error) {
		us, err := tx.UsersByID(ctx, f.call.Tenant, []int64{r.UserID})
		if err != nil {
			return abi.User{}, err
		}
		u, ok := us[r.UserID]
		if !ok {
			return abi.User{}, store.ErrNotFound
		}
		return abi.User{ID: u.ID, Username: u.Username, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}, nil
	})
	return out, err
}
