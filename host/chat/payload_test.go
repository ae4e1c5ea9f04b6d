package chat

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// updateReadme rewrites the generated payload section of abi/README.md:
// go test ./host/chat -run TestPayloadReference -update-readme
var updateReadme = flag.Bool("update-readme", false, "rewrite the payload reference of abi/README.md")

// payloadOp is one operation's payload types, with example values.
type payloadOp struct {
	op      string
	in, out any // pointers to example values
}

// Example objects of the payload reference. The message and rooms are
// shown once in full; elsewhere they are abbreviated by name.
var (
	exRoomID  = "0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11"
	exMsgID   = "5f2d8c1a-3b4e-4f60-8a7b-9c0d1e2f3a4b"
	exTime    = time.Date(2026, 2, 8, 10, 11, 12, 345678000, time.UTC)
	exAlice   = abi.User{ID: 1, Username: "alice", Email: "alice@example.com", FirstName: "Alice"}
	exBob     = abi.User{ID: 2, Username: "bob", Email: "bob@example.com", FirstName: "Bob"}
	exMessage = &wire.MessageView{ID: exMsgID, Room: payload.MessageRoom{ID: exRoomID}, Sender: exAlice, Content: "hello",
		CreatedAt: wire.FormatTime(exTime), UpdatedAt: wire.FormatTime(exTime), DeliveredTo: []string{},
		ReadReceipts: []payload.ReadReceipt{}, Reactions: []payload.Reaction{}, Attachments: []payload.Attachment{}}
	exRoom = &payload.Room{ID: exRoomID, Type: payload.GroupChat, Creator: &exAlice, Members: []abi.User{exAlice, exBob},
		Admins: []abi.User{exAlice}, Property: payload.RoomProperty{Preferences: json.RawMessage(`{}`)},
		CreatedAt: wire.FormatTime(exTime), UpdatedAt: wire.FormatTime(exTime), Name: "team",
		MaxMembers: store.DefaultMaxParticipants}
	exListItem = payload.Room{ID: exRoomID, Type: payload.GroupChat, Creator: &exAlice, CreatedAt: wire.FormatTime(exTime),
		UpdatedAt: wire.FormatTime(exTime), Name: "team", MaxMembers: store.DefaultMaxParticipants, LastMessage: exMessage,
		List: true}
)

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func ptr[T any](v T) *T { return &v }

// payloadOps lists every operation of abi.Operations with its payloads.
func payloadOps() []payloadOp {
	page := int64(2)
	return []payloadOp{
		{abi.OpCreateMessage,
			&CreateMessageIn{RoomID: exRoomID, Content: "hello", Media: []MediaIn{}, RoomKind: "GroupChat", MemberCount: 2,
				SenderRole: abi.RoleCreator}, &exMessage},
		{abi.OpReactToMessage,
			&ReactIn{Type: "add", MessageID: exMsgID, ReactionContent: "👍"},
			&ReactOut{Status: "successful", Type: "add", Message: exMessage}},
		{abi.OpMessageAcknowledged,
			&AcknowledgeIn{MessageIDs: []string{exMsgID}},
			&[]SenderMessages{{SenderID: 1, Messages: []*wire.MessageView{exMessage}}}},
		{abi.OpModifyMessage,
			&ModifyMessageIn{Action: "update", RoomID: exRoomID, MessageIDs: []string{exMsgID}, Content: "hello again"},
			&ModifyMessageOut{Status: "successful", Action: "update", Message: exMessage}},
		{abi.OpCreateReadReceipt,
			&ReadReceiptIn{MessageIDs: []string{exMsgID}, List: true},
			&[]RoomMessages{{RoomID: exRoomID, Messages: []*wire.MessageView{exMessage}}}},
		{abi.OpRetreiveMessages,
			&HistoryIn{RoomID: exRoomID, Paginate: &field.PageRequest{Page: 1, Size: 20}},
			&HistoryOut{PageInfo: &field.PageInfo{HasNext: true, NextPageNumber: &page, Page: 1, Size: 20},
				Data: HistoryData{RoomID: exRoomID, Messages: []*wire.MessageView{exMessage}}}},
		{abi.OpCreateRoom,
			&CreateRoomIn{Type: payload.GroupChat, Name: "team", MaxMembers: store.DefaultMaxParticipants, Members: []int64{2}},
			exRoom},
		{abi.OpListRooms, &ListRoomsIn{}, &[]payload.Room{exListItem}},
		{abi.OpRetreiveRoom, &RoomIn{RoomID: exRoomID}, exRoom},
		{abi.OpAddMembersToRoom,
			&MembersIn{RoomID: exRoomID, UserIDs: []int64{2}},
			&MembersOut{UserIDs: []int64{2}, Usernames: []string{"bob"}, Room: exRoom}},
		{abi.OpRemoveMembersFromRoom,
			&MembersIn{RoomID: exRoomID, UserIDs: []int64{2}},
			&MembersOut{UserIDs: []int64{2}, Usernames: []string{"bob"}, Room: exRoom}},
		{abi.OpLeaveRoom, &RoomIn{RoomID: exRoomID}, &exRoom},
		{abi.OpJoinRoom, &RoomIn{RoomID: exRoomID}, exRoom},
		{abi.OpModifyRoom,
			&ModifyRoomIn{RoomID: exRoomID, Action: "update", Name: ptr("team 2")},
			&ModifyRoomOut{Room: exRoom}},
		{abi.OpRegisterSession,
			&RegisterSessionIn{ChannelName: "node1.x7Kq"},
			&SessionView{ID: 7, UserID: 1, ChannelName: "node1.x7Kq", LastSeen: wire.FormatTime(exTime)}},
		{abi.OpGetActiveSessions, &SessionsIn{UserID: 2}, &[]string{"node1.x7Kq"}},
		{abi.OpGetExpiredSessions, &SessionsIn{UserID: 2}, &[]string{}},
		{abi.OpUpdateSession, &UpdateSessionIn{SessionID: 7}, &UpdateSessionOut{}},
		{abi.OpGetAndGroupNotifs, &NotificationsIn{},
			&payload.NotificationGroups{{RoomID: exRoomID, Notifications: []payload.Notification{
				{ID: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", NotificationType: "NEW_MESSAGE", Message: exMessage}}}}},
		{abi.OpCreateChatNotification,
			&CreateNotificationIn{MessageID: exMsgID, RoomID: exRoomID, NotificationType: "NEW_MESSAGE", UserID: 1,
				Recipients: []int64{2}},
			&[]int64{2}},
		{abi.OpUpdateChatNotification, &UpdateNotificationIn{MessageIDs: []string{exMsgID}, UserID: 2},
			&[]string{exMsgID}},
	}
}

// typeName is how the reference names a payload type: chat.X, []wire.X.
func typeName(v any) string {
	t := reflect.TypeOf(v).Elem()
	return t.String()
}

// TestPayloadsRoundTrip checks that every operation's input and output
// survive the JSON round trip modules put them through: encode, decode,
// encode again gives the same bytes, extra fields included.
func TestPayloadsRoundTrip(t *testing.T) {
	ops := payloadOps()
	if len(ops) != len(abi.Operations()) {
		t.Fatalf("%d operations listed, abi has %d", len(ops), len(abi.Operations()))
	}
	withExtra := *exMessage
	withExtra.Extra = map[string]json.RawMessage{"priority": json.RawMessage(`"high"`)}
	room := *exRoom
	room.Extra = map[string]json.RawMessage{"department": json.RawMessage(`"sales"`)}
	item := exListItem
	item.Extra = map[string]json.RawMessage{"archived": json.RawMessage(`false`)}
	extras := []any{ptr(&withExtra), &ReactOut{Status: "successful", Message: &withExtra}, &room, &[]payload.Room{item},
		&payload.NotificationGroups{{RoomID: "b", Notifications: []payload.Notification{{ID: "n", Message: &withExtra}}}, {RoomID: "a"}}}
	for i, op := range ops {
		if want := abi.Operations()[i]; op.op != want {
			t.Errorf("operation %d is %s, want %s", i, op.op, want)
		}
		extras = append(extras, op.in, op.out)
	}
	for _, v := range extras {
		b1, err := encodeOut(v)
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		back := reflect.New(reflect.TypeOf(v).Elem())
		if err := json.Unmarshal(b1, back.Interface()); err != nil {
			t.Fatalf("%T: decode %s: %v", v, b1, err)
		}
		b2, err := encodeOut(back.Interface())
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if !bytes.Equal(b1, b2) {
			t.Errorf("%T does not survive a JSON round trip:\n first %s\nsecond %s", v, b1, b2)
		}
	}
	if b, _ := encodeOut(ptr(&withExtra)); !bytes.Contains(b, []byte(`"priority":"high"`)) {
		t.Errorf("extra field lost: %s", b)
	}
	// The serializer hooks reach every message and room of every output.
	for _, op := range ops {
		b, _ := encodeOut(op.out)
		var msgs, rooms int
		_ = walk(op.out, visitor{
			message: func(*wire.MessageView, bool) error { msgs++; return nil },
			room:    func(*payload.Room, bool) error { rooms++; return nil },
		})
		if bytes.Contains(b, []byte(`"id":"`+exMsgID)) && msgs == 0 && rooms == 0 || bytes.Contains(b, []byte(`"type":"GroupChat"`)) && rooms == 0 {
			t.Errorf("%s: walk finds %d messages, %d rooms in %s", op.op, msgs, rooms, b)
		}
	}
}

const (
	readmeBegin = "<!-- payloads: generated by TestPayloadReference in host/chat; do not edit -->\n"
	readmeEnd   = "<!-- end of payloads -->\n"
)

// TestPayloadReference checks the payload reference of abi/README.md
// against the real types (run with -update-readme to regenerate it).
func TestPayloadReference(t *testing.T) {
	path := filepath.Join("..", "..", "abi", "README.md")
	readme, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(readme), readmeBegin)
	_, after, ok2 := strings.Cut(rest, readmeEnd)
	if !ok1 || !ok2 {
		t.Fatalf("abi/README.md has no payload section (%q ... %q)", readmeBegin, readmeEnd)
	}
	got := payloadReference(t)
	if rest[:len(rest)-len(after)-len(readmeEnd)] == got {
		return
	}
	if *updateReadme {
		if err := os.WriteFile(path, []byte(before+readmeBegin+got+readmeEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the payload reference of abi/README.md is out of date; regenerate it with\n"+
		"  go test ./host/chat -run TestPayloadReference -update-readme\nwant:\n%s", got)
}

// payloadReference renders the operations' payloads as markdown.
func payloadReference(t *testing.T) string {
	msg, room := string(mustJSON(exMessage)), string(mustJSON(exRoom))
	item := strings.ReplaceAll(string(mustJSON(exListItem)), msg, "Message")
	abbrev := func(v any) string {
		b, err := encodeOut(v)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), msg, "Message")
		s = strings.ReplaceAll(s, room, "Room")
		return strings.ReplaceAll(s, item, "RoomListItem")
	}
	var b strings.Builder
	b.WriteString("| operation | `args` (Go type) | result (Go type) |\n|---|---|---|\n")
	for _, op := range payloadOps() {
		fmt.Fprintf(&b, "| `%s` | `%s`<br>`%s` | `%s`<br>`%s` |\n", op.op, typeName(op.in), abbrev(op.in),
			typeName(op.out), abbrev(op.out))
	}
	b.WriteString("\nwhere `Message` (`*payload.Message`), `Room` (`payload.Room` in the detail form, here a GroupChat) and " +
		"`RoomListItem` (`payload.Room` in the list form) stand for:\n\n```json\n")
	// The list item shows its last message abbreviated.
	for _, s := range []string{msg, room, item} {
		b.WriteString(s + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

func TestMessageViewExtra(t *testing.T) {
	var v wire.MessageView
	in := `{"id":"m","room":{"id":"r"},"sender":{"id":1,"username":"a","email":"","first_name":"","last_name":""},` +
		`"content":"c","is_deleted":false,"is_edited":false,"is_forwarded":false,"created_at":"","updated_at":"",` +
		`"parent_message":null,"forwarded_from":null,"delivered_to":[],"read_receipts":[],"reactions":[],` +
		`"attachments":[],"translated":"k"}`
	if err := json.Unmarshal([]byte(in), &v); err != nil || string(v.Extra["translated"]) != `"k"` || len(v.Extra) != 1 {
		t.Fatalf("decode: %+v, %v", v.Extra, err)
	}
	out, err := encodeOut(ptr(&v))
	if err != nil || string(out) != in {
		t.Errorf("encode:\n got %s, %v\nwant %s", out, err, in)
	}
}
