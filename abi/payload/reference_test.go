package payload

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
)

// operationPayloads are the args and result types of each operation, as
// the package documentation lists them.
var operationPayloads = map[string][2]reflect.Type{
	abi.OpCreateMessage:          {typeOf[CreateMessageArgs](), typeOf[*Message]()},
	abi.OpReactToMessage:         {typeOf[ReactArgs](), typeOf[ReactResult]()},
	abi.OpMessageAcknowledged:    {typeOf[AcknowledgeArgs](), typeOf[[]SenderMessages]()},
	abi.OpModifyMessage:          {typeOf[ModifyMessageArgs](), typeOf[ModifyMessageResult]()},
	abi.OpCreateReadReceipt:      {typeOf[ReadReceiptArgs](), typeOf[[]RoomMessages]()},
	abi.OpRetreiveMessages:       {typeOf[HistoryArgs](), typeOf[HistoryResult]()},
	abi.OpCreateRoom:             {typeOf[CreateRoomArgs](), typeOf[Room]()},
	abi.OpListRooms:              {typeOf[ListRoomsArgs](), typeOf[[]Room]()},
	abi.OpRetreiveRoom:           {typeOf[RoomArgs](), typeOf[Room]()},
	abi.OpAddMembersToRoom:       {typeOf[MembersArgs](), typeOf[MembersResult]()},
	abi.OpRemoveMembersFromRoom:  {typeOf[MembersArgs](), typeOf[MembersResult]()},
	abi.OpLeaveRoom:              {typeOf[RoomArgs](), typeOf[*Room]()},
	abi.OpJoinRoom:               {typeOf[RoomArgs](), typeOf[Room]()},
	abi.OpModifyRoom:             {typeOf[ModifyRoomArgs](), typeOf[ModifyRoomResult]()},
	abi.OpRegisterSession:        {typeOf[RegisterSessionArgs](), typeOf[Session]()},
	abi.OpGetActiveSessions:      {typeOf[SessionsArgs](), typeOf[[]string]()},
	abi.OpGetExpiredSessions:     {typeOf[SessionsArgs](), typeOf[[]string]()},
	abi.OpUpdateSession:          {typeOf[UpdateSessionArgs](), typeOf[UpdateSessionResult]()},
	abi.OpGetAndGroupNotifs:      {typeOf[NotificationsArgs](), typeOf[NotificationGroups]()},
	abi.OpCreateChatNotification: {typeOf[CreateNotificationArgs](), typeOf[[]int64]()},
	abi.OpUpdateChatNotification: {typeOf[UpdateNotificationArgs](), typeOf[[]string]()},
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// TestReferenceExamples: the example args and result of every operation in
// abi/README.md's payload table, which the host writes, decode into this
// package's types and encode back byte for byte.
func TestReferenceExamples(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "<!-- payloads:")
	table, _, ok2 := strings.Cut(table, "<!-- end of payloads -->")
	if !ok || !ok2 {
		t.Fatal("abi/README.md has no payload table")
	}
	_, objects, ok := strings.Cut(table, "```json\n")
	objects, _, ok2 = strings.Cut(objects, "```")
	lines := strings.Split(strings.TrimSpace(objects), "\n")
	if !ok || !ok2 || len(lines) != 3 {
		t.Fatalf("the payload table's Message, Room and RoomListItem objects changed: %q", objects)
	}
	// The placeholders of the table, longest name first.
	placeholders := strings.NewReplacer("RoomListItem", strings.ReplaceAll(lines[2], "Message", lines[0]),
		"Room", lines[1], "Message", lines[0])
	seen := map[string]bool{}
	for _, row := range strings.Split(table, "\n") {
		if !strings.HasPrefix(row, "| `") {
			continue
		}
		cells := strings.Split(row, " | ")
		op := strings.Trim(cells[0], "| `")
		types, ok := operationPayloads[op]
		if !ok || len(cells) != 3 {
			t.Errorf("row of unknown operation %q: %s", op, row)
			continue
		}
		seen[op] = true
		for i, cell := range cells[1:] {
			_, example, _ := strings.Cut(cell, "<br>`")
			example = strings.TrimRight(example, " |`")
			want := []byte(placeholders.Replace(example))
			v := reflect.New(types[i])
			if err := json.Unmarshal(want, v.Interface()); err != nil {
				t.Errorf("%s: decode %s into %v: %v", op, want, types[i], err)
				continue
			}
			got, err := json.Marshal(v.Interface())
			if err != nil {
				t.Errorf("%s: encode %v: %v", op, types[i], err)
			} else if !bytes.Equal(got, want) {
				t.Errorf("%s: through %v\n got %s\nwant %s", op, types[i], got, want)
			}
		}
	}
	for _, op := range abi.Operations() {
		if !seen[op] {
			t.Errorf("operation %s: not in the payload table, or without payload types", op)
		}
	}
}

// TestDocumentedPayloads: the package documentation names each operation's
// payload types as operationPayloads does.
func TestDocumentedPayloads(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	name := func(ty reflect.Type) string {
		return strings.NewReplacer("payload.", "").Replace(ty.String())
	}
	for op, types := range operationPayloads {
		re := regexp.MustCompile(`(?m)^//\t.*\b` + regexp.QuoteMeta(op) + `\b.*\s(\S+) → (\S+)`)
		m := re.FindStringSubmatch(string(src))
		if m == nil || m[1] != name(types[0]) || m[2] != name(types[1]) {
			t.Errorf("%s: doc.go says %v, want %s → %s", op, m, name(types[0]), name(types[1]))
		}
	}
}
