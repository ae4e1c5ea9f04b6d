package wire

import (
	"context"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/store"
)

// The rooms of the operations' results are abi/payload's Room, in its
// detail or list form (docs/protocol.md §2.6); the functions below build
// them from the store.

// MemberIDs returns the ids of the members of r, a room in its detail
// form, ascending.
func MemberIDs(r *payload.Room) []int64 {
	ids := make([]int64, len(r.Members))
	for i, u := range r.Members {
		ids[i] = u.ID
	}
	return ids
}

// LoadRoomDetail serializes rm in the detail form with its current members.
func LoadRoomDetail(ctx context.Context, tx *store.Tx, rm store.Room) (payload.Room, error) {
	ms, err := tx.Members(ctx, rm.ID)
	if err != nil {
		return payload.Room{}, err
	}
	ids := make([]int64, 0, len(ms)+1)
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	if rm.CreatorID != nil {
		ids = append(ids, *rm.CreatorID)
	}
	users, err := tx.UsersByID(ctx, rm.Tenant, ids)
	if err != nil {
		return payload.Room{}, err
	}
	d := roomView(rm)
	d.Members, d.Admins = []abi.User{}, []abi.User{}
	d.Property = payload.RoomProperty{Preferences: rm.Preferences}
	d.Creator = lookupUser(users, rm.CreatorID)
	for _, m := range ms {
		u, ok := users[m.UserID]
		if !ok {
			continue
		}
		d.Members = append(d.Members, wireUser(u))
		if m.IsAdmin {
			d.Admins = append(d.Admins, wireUser(u))
		}
	}
	return d, nil
}

// RoomListItems serializes rooms in the list form as viewer, a user of
// tenant, sees them (its peer, its last message), in the order given.
func RoomListItems(ctx context.Context, tx *store.Tx, tenant string, viewer int64, rooms []store.Room) ([]payload.Room, error) {
	peers, err := tx.OneToOnePeers(ctx, viewer)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, rm := range rooms {
		if rm.CreatorID != nil {
			ids = append(ids, *rm.CreatorID)
		}
	}
	for _, p := range peers {
		ids = append(ids, p)
	}
	users, err := tx.UsersByID(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	last, err := lastMessages(ctx, tx, rooms)
	if err != nil {
		return nil, err
	}
	out := make([]payload.Room, 0, len(rooms))
	for _, rm := range rooms {
		it := roomView(rm)
		it.List = true
		it.Creator = lookupUser(users, rm.CreatorID)
		if p, ok := peers[rm.ID]; ok {
			it.Peer = lookupUser(users, &p)
		}
		if rm.LastMessageID != nil {
			it.LastMessage = last[*rm.LastMessageID]
		}
		out = append(out, it)
	}
	return out, nil
}

// roomView is rm's own fields as a serialized room.
func roomView(rm store.Room) payload.Room {
	return payload.Room{ID: rm.ID, Type: string(rm.Kind), CreatedAt: FormatTime(rm.CreatedAt),
		UpdatedAt: FormatTime(rm.UpdatedAt), Name: rm.Name, Description: rm.Description, Avatar: rm.Avatar,
		MaxMembers: rm.MaxMembers, IsPublic: rm.IsPublic, JoinApprovalRequired: rm.JoinApprovalRequired,
		GroupLocked: rm.GroupLocked}
}

// lookupUser is the user id names among users, nil when id is nil or names
// none of them (a deleted user).
func lookupUser(users map[int64]store.User, id *int64) *abi.User {
	if id == nil {
		return nil
	}
	u, ok := users[*id]
	if !ok {
		return nil
	}
	w := wireUser(u)
	return &w
}

// lastMessages serializes the last messages of rooms together, keyed by
// message id: one batch of queries for the whole list rather than one per
// room. A message that vanished in the meantime is absent (its room shows
// last_message null), not an error.
func lastMessages(ctx context.Context, tx *store.Tx, rooms []store.Room) (map[string]*MessageView, error) {
	var ids []string
	for _, rm := range rooms {
		if rm.LastMessageID != nil {
			ids = append(ids, *rm.LastMessageID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return serializeFound(ctx, tx, ids)
}
