package abi

import (
	"encoding/json"
	"strconv"
)

// Call is the JSON input of every hook:
//
//	{"abi":1,"hook":"create_message","tenant":"default",
//	 "caller":{"user_id":1,"username":"alice","session_id":7},"args":{...}}
//
// Args is the hook's argument: the operation's input for Extend and Replace
// hooks (the host's JSON form of the reference's arguments), a
// PermissionArgs, an ExceptionArgs, a SerializeArgs, or the client frame's
// data for an Action.
type Call struct {
	ABI    int             `json:"abi"`
	Hook   string          `json:"hook"`
	Tenant string          `json:"tenant"`
	Caller Caller          `json:"caller"`
	Args   json.RawMessage `json:"args"`
}

// Caller is the authenticated user an operation runs for. SessionID is 0
// when the call does not come from a connection.
type Caller struct {
	UserID    int64  `json:"user_id"`
	Username  string `json:"username"`
	SessionID int64  `json:"session_id"`
}

// AppendCall appends the JSON encoding of c to dst. It copies c.Args as they
// are (they must be valid JSON; empty means null) instead of re-validating
// them as json.Marshal would, because the host calls it on every hook call.
func AppendCall(dst []byte, c Call) []byte {
	dst = append(dst, `{"abi":`...)
	dst = strconv.AppendInt(dst, int64(c.ABI), 10)
	dst = append(dst, `,"hook":`...)
	dst = appendString(dst, c.Hook)
	dst = append(dst, `,"tenant":`...)
	dst = appendString(dst, c.Tenant)
	dst = append(dst, `,"caller":{"user_id":`...)
	dst = strconv.AppendInt(dst, c.Caller.UserID, 10)
	dst = append(dst, `,"username":`...)
	dst = appendString(dst, c.Caller.Username)
	dst = append(dst, `,"session_id":`...)
	dst = strconv.AppendInt(dst, c.Caller.SessionID, 10)
	dst = append(dst, `},"args":`...)
	if len(c.Args) == 0 {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, c.Args...)
	}
	return append(dst, '}')
}

func appendString(dst []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return append(dst, b...)
}

// PermissionArgs are the args of a permission hook: the parameters of the
// PermissionHandler method (docs/protocol.md §5.2) as far as they apply. RoomID
// and MessageID are passed as the client sent them (a string, an int or, for
// message ids, a list).
type PermissionArgs struct {
	RoomID    json.RawMessage `json:"room_id,omitempty"`
	MessageID json.RawMessage `json:"message_id,omitempty"`
	// PermPhrase is "add_new" or "remove" (add/remove members).
	PermPhrase string `json:"perm_phrase,omitempty"`
	// Action is the room.modify action (admin privileges).
	Action string `json:"action,omitempty"`
	// Data is the client frame's data (send permission).
	Data json.RawMessage `json:"data,omitempty"`
	// Resolved is what the host found, in the caller's tenant, of the ids
	// above before the hook runs, so that the hook need not look them up:
	// nil when it found nothing (an id malformed, or of no live room or
	// message of the tenant; the default check then reports it).
	Resolved *Resolved `json:"resolved,omitempty"`
}

// Resolved is what a permission hook's request names, resolved by the
// host: the room (from room_id, or else from the first message of
// message_id), its kind ("OneToOneChat", "GroupChat", "Channel"), the
// caller's role in it (Role*), and the canonical ids of message_id
// (de-duplicated, in the order sent, not checked to exist). It tells who
// and where, not whether: the hook's decision, or the default's through
// next, still decides.
type Resolved struct {
	RoomID     string   `json:"room_id,omitempty"`
	RoomKind   string   `json:"room_kind,omitempty"`
	Role       string   `json:"role,omitempty"`
	MessageIDs []string `json:"message_ids,omitempty"`
}

// Decision is what a permission hook returns. A denial may carry the error
// the client gets; without one the client gets the default check's error
// (a 4002 with the reference's message). RoomID, when set on an allow, is
// the room the checked operation runs on (the reference's injected room).
type Decision struct {
	Allow  bool   `json:"allow"`
	RoomID string `json:"room_id,omitempty"`
	Code   int    `json:"code,omitempty"`
	Detail any    `json:"detail,omitempty"`
}

// ExceptionArgs are the args of the exception hook: the error the client is
// about to get, what kind of error it is, and the action (event_type and
// data) that failed. The hook returns an Error: the same one, or another
// (e.g. code 4007).
type ExceptionArgs struct {
	Code   int `json:"code"`
	Detail any `json:"detail"`
	// Kind is what failed (ErrKind*).
	Kind      string `json:"kind,omitempty"`
	EventType string `json:"event_type,omitempty"`
	// Data is the frame's data as the client sent it; absent for a frame
	// refused before it was read (malformed, binary, too large).
	Data json.RawMessage `json:"data,omitempty"`
	// RoomID is the room of the request where the host knows it: the room
	// its permission check resolved, else the data's room_id when it is a
	// well-formed id (then not checked to exist).
	RoomID string `json:"room_id,omitempty"`
	// Module names the module whose hook raised the error (its own error,
	// a fault, or no instance in time), "" for the host's own errors.
	Module string `json:"module,omitempty"`
}

// The kinds of error the exception hook sees (ExceptionArgs.Kind): the
// host's client errors by code (4002 permission, 4003 validation, 4004
// not_found, 4005 integrity, any other code: error), a host failure
// (internal, 4006), and those a module raised: the error it set
// (module_error, with the module's code), a fault (module_fault: trap,
// timeout, broken limit, bad output; 4006) or no instance in time under
// load (module_busy; 4006).
const (
	ErrKindPermission  = "permission"
	ErrKindValidation  = "validation"
	ErrKindNotFound    = "not_found"
	ErrKindIntegrity   = "integrity"
	ErrKindInternal    = "internal"
	ErrKindError       = "error"
	ErrKindModuleError = "module_error"
	ErrKindModuleFault = "module_fault"
	ErrKindModuleBusy  = "module_busy"
)

// SerializeArgs are the args of a serializer hook: the object as the host
// serialized it and its form ("detail" or "list" for rooms, "" for
// messages). The hook returns a JSON object of fields to add; keys listed by
// ProtectedFields are ignored.
type SerializeArgs struct {
	Form   string          `json:"form,omitempty"`
	Object json.RawMessage `json:"object"`
}

// Event targets.
const (
	ToRoom = "room"
	ToUser = "user"
)

// Event is a server frame a module asks the host to send, through the emit
// import: {"type":"broadcast_group","eventType":EventType,"data":Data} to
// every connection of a room's members (To=ToRoom, RoomID) or of one user
// (To=ToUser, UserID). Events are delivered after the operation commits,
// never when it fails.
type Event struct {
	To        string          `json:"to"`
	RoomID    string          `json:"room_id,omitempty"`
	UserID    int64           `json:"user_id,omitempty"`
	EventType string          `json:"event_type"`
	Data      json.RawMessage `json:"data"`
}
