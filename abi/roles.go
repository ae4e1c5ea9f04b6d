package abi

// The roles a user has in a room, as the create_message args
// (payload.CreateMessageArgs.SenderRole) and the permission hooks
// (Resolved.Role) name them. A room's creator is "creator" whatever else
// they are; an admin of a group is "admin" and a moderator of a channel
// "moderator" (the same flag in the database, named per kind as
// docs/protocol.md §1.5–§1.6 does); any other member is "member" (group,
// one-to-one chat) or "subscriber" (channel); a user who is not a member,
// "none".
const (
	RoleCreator    = "creator"
	RoleAdmin      = "admin"
	RoleModerator  = "moderator"
	RoleMember     = "member"
	RoleSubscriber = "subscriber"
	RoleNone       = "none"
)
