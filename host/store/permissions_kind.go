package store

// KindPermissions is every object permission a room kind knows (docs/protocol.md
// §1.5, §1.6): what its creator and its admins (groups) or moderators
// (channels) hold, in the order they are granted. A one-to-one chat has
// none.
func KindPermissions(k RoomKind) []string {
	switch k {
	case KindGroup:
		return []string{"can_add_new_participants", "can_remove_participants"}
	case KindChannel:
		return []string{"can_add_new_subscribers", "can_remove_subscribers", "can_send_messages"}
	}
	return nil
}
