package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// conformanceModules loads the conformance module on every hook, passing
// everything through.
const conformanceModules = `
modules:
  - name: conformance
    path: {{conformance}}
    capabilities: ["*"]
    timeout: 5s
`

// scenario is what runScenario did and saw.
type scenario struct {
	// transcript is every frame the clients received, in order, as
	// "client frame", with ids and times replaced by placeholders.
	transcript []string
	users      map[string]int64
	team, news string
	msg1       string
}

// runScenario drives every action of the protocol, connects and a
// disconnect, and a few failures, expecting the same frames with or without
// modules.
func runScenario(t *testing.T, r *running) scenario {
	sc := scenario{users: map[string]int64{}}
	var raw []string
	record := func(c *wsClient, f wsFrame) { raw = append(raw, c.name+" "+string(f.raw)) }
	expect := func(event string, cs ...*wsClient) []wsFrame {
		t.Helper()
		var out []wsFrame
		for _, c := range cs {
			f := c.expect(event)
			record(c, f)
			out = append(out, f)
		}
		return out
	}
	tokens := map[string]string{}
	clients := map[string]*wsClient{}
	for _, name := range []string{"alice", "bob", "carol"} {
		id, tok := r.user(t, name)
		sc.users[name], tokens[name] = id, tok
		clients[name] = r.connect(t, name, id, tok)
		record(clients[name], clients[name].notifications)
	}
	alice, bob, carol := clients["alice"], clients["bob"], clients["carol"]

	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{bob.id}})
	sc.team = expect("roomcreate.dispatch", alice, bob)[0].data(t)["id"].(string)
	alice.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{carol.id}})
	expect("roomcreate.dispatch", alice, carol)
	alice.send("message.send", map[string]any{"room_id": sc.team, "content": "hello"})
	sc.msg1 = expect("message.dispatch", alice, bob)[0].data(t)["id"].(string)
	bob.send("message.send", map[string]any{"room_id": sc.team, "content": "hi <b>alice</b><script>x</script>",
		"extra_fields": map[string]any{"parent_message_id": sc.msg1}})
	msg2 := expect("message.dispatch", alice, bob)[0].data(t)["id"].(string)
	bob.send("message.typing", map[string]any{"room_id": sc.team})
	expect("messagetyping.dispatch", alice, bob)
	bob.send("message.acknowledged", map[string]any{"message_id": sc.msg1})
	expect("messagedelivered.dispatch", alice)
	bob.send("message.read", map[string]any{"message_id": []string{sc.msg1}})
	expect("readreceipt.dispatch", alice, bob)
	bob.send("message.react", map[string]any{"message_id": sc.msg1, "type": "add", "reaction_content": "👍"})
	expect("reaction.dispatch", alice, bob)
	alice.send("message.modify", map[string]any{"action": "update", "message_id": sc.msg1,
		"extra_fields": map[string]any{"content": "hello again"}})
	expect("messagemodification.dispatch", alice, bob)
	alice.send("room.messages", map[string]any{"room_id": sc.team, "paginate": map[string]any{"page": 1, "size": 10}})
	expect("roommessages.dispatch", alice)
	alice.send("room.list", nil)
	expect("roomlist.dispatch", alice)
	alice.send("room.info", map[string]any{"room_id": sc.team})
	expect("roominfo.dispatch", alice)
	alice.send("room.add_members", map[string]any{"room_id": sc.team, "members": []int64{carol.id}})
	expect("roomaddmembers.dispatch", alice, bob, carol)
	alice.send("room.remove_members", map[string]any{"room_id": sc.team, "members": []int64{carol.id}})
	expect("roomexit.dispatch", carol)
	expect("roomremovemembers.dispatch", alice, bob)
	alice.send("room.modify", map[string]any{"room_id": sc.team, "action": "update", "data": map[string]any{"name": "team 2"}})
	expect("roomupdate.dispatch", alice, bob)
	carol.send("room.create", map[string]any{"type": "Channel", "name": "news", "is_public": true})
	sc.news = expect("roomcreate.dispatch", carol)[0].data(t)["id"].(string)
	bob.send("room.join", map[string]any{"room_id": sc.news})
	expect("roomaddmembers.dispatch", carol, bob)
	bob.send("room.leave", map[string]any{"room_id": sc.news})
	expect("roomexit.dispatch", bob)
	expect("roomremovemembers.dispatch", carol)
	bob.send("session.heartbeat", nil)
	expect("", bob)
	carol.send("room.info", map[string]any{"room_id": sc.team})
	expect("error", carol)
	alice.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{carol.id}})
	expect("error", alice)
	alice.send("no.such.event", map[string]any{})
	expect("error", alice)
	alice.sendRaw([]byte("{not json"))
	expect("error", alice)
	bob.send("message.modify", map[string]any{"action": "delete", "message_id": []string{msg2}})
	expect("messagemodification.dispatch", alice, bob)
	// A second connection of alice gets her pending notification (bob's
	// reaction), then goes away.
	alice2 := r.connect(t, "alice2", alice.id, tokens["alice"])
	record(alice2, alice2.notifications)
	alice2.ws.Close()
	for _, c := range []*wsClient{alice, bob, carol} {
		c.quiet()
	}
	sc.transcript = normalize(raw)
	return sc
}

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
)

// normalize replaces the UUIDs of a transcript by their rank of first
// appearance and the timestamps by T, so that two runs compare equal.
func normalize(lines []string) []string {
	ids := map[string]string{}
	out := make([]string, len(lines))
	for i, l := range lines {
		l = uuidRE.ReplaceAllStringFunc(l, func(id string) string {
			if _, ok := ids[id]; !ok {
				ids[id] = fmt.Sprintf("<id%d>", len(ids)+1)
			}
			return ids[id]
		})
		out[i] = timeRE.ReplaceAllString(l, "<T>")
	}
	return out
}

// TestModuleConformance runs the scenario without modules and with the
// conformance module on every hook: the clients must see exactly the same
// frames (so every hook's next reaches the default), every hook must have
// been called with the envelope and payload abi/README.md documents, and
// the replace layer's key-value writes must have rolled back with the
// operation that failed.
func TestModuleConformance(t *testing.T) { engines(t, testModuleConformance) }

func testModuleConformance(t *testing.T, cfg Config) {
	plain, _ := startRecorded(t, cfg)
	want := runScenario(t, plain)

	cfg2 := testConfig(t)
	cfg2.DB = freshDB(t, cfg)
	r, rec := startRecorded(t, withModules(t, cfg2, conformanceModules))
	got := runScenario(t, r)
	if len(want.transcript) < 40 {
		t.Fatalf("the scenario saw only %d frames", len(want.transcript))
	}
	if !slices.Equal(got.transcript, want.transcript) {
		for i := range max(len(got.transcript), len(want.transcript)) {
			g, w := at(got.transcript, i), at(want.transcript, i)
			if g != w {
				t.Fatalf("with the module, frame %d differs:\n got %s\nwant %s", i, g, w)
			}
		}
	}

	calls := rec.seen()
	checkEnvelopes(t, calls, got)
	checkOperationArgs(t, calls, got)
	checkPermissionArgs(t, calls, got)
	checkOtherArgs(t, calls, got)

	// Four room.create requests: the extend layer counted each (its kv_set
	// commits on its own), the replace layer only the three that committed.
	st, err := OpenStore(context.Background(), cfg2.DB)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for key, want := range map[string]string{"count/create_room": "4", "count/_create_room": "3",
		"count/have_room_permission": "4", "count/create_message": "2", "count/_create_message": "2"} {
		var v string
		err := st.Read(context.Background(), func(tx *store.Tx) error {
			var err error
			v, err = tx.ModuleKVGet(context.Background(), "conformance", store.DefaultTenant, key)
			return err
		})
		if err != nil || v != want {
			t.Errorf("kv %s = %q, %v; want %s", key, v, err, want)
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(nothing)"
}

// freshDB returns a new database of cfg's engine.
func freshDB(t *testing.T, cfg Config) string {
	if strings.HasPrefix(cfg.DB, "sqlite:") {
		return testConfig(t).DB
	}
	return storetest.PostgresURL(t)
}

// byHook groups recorded calls by hook, in call order.
func byHook(calls []seen) map[string][]envelope {
	out := map[string][]envelope{}
	for _, c := range calls {
		out[c.Hook] = append(out[c.Hook], c.Envelope)
	}
	return out
}

// checkEnvelopes checks that every hook was called and that each call's
// envelope is what the README documents.
func checkEnvelopes(t *testing.T, calls []seen, sc scenario) {
	t.Helper()
	hooks := byHook(calls)
	var want []string
	for _, op := range abi.Operations() {
		want = append(want, abi.ExtendHook(op), abi.ReplaceHook(op))
	}
	want = append(want, abi.PermissionHooks()...)
	want = append(want, abi.ExceptionHook, abi.SerializeMessageHook, abi.SerializeRoomHook)
	for _, h := range want {
		if len(hooks[h]) == 0 {
			t.Errorf("hook %s was never called", h)
		}
	}
	names := map[int64]string{}
	for n, id := range sc.users {
		names[id] = n
	}
	for _, c := range calls {
		e := c.Envelope
		if c.Module != "conformance" || e.ABI != abi.Version || e.Hook != c.Hook || e.Tenant != store.DefaultTenant ||
			names[e.Caller.UserID] != e.Caller.Username {
			t.Errorf("call of %s by module %q: envelope %+v", c.Hook, c.Module, e)
		}
		h := strings.TrimPrefix(c.Hook, "_")
		connecting := h == abi.OpRegisterSession || h == abi.OpGetExpiredSessions
		if e.Caller.SessionID <= 0 && !connecting {
			t.Errorf("call of %s without a session: %+v", c.Hook, e)
		}
	}
}

// payloadTypes are the Go types of each operation's args.
var payloadTypes = map[string]func() any{
	abi.OpCreateMessage:          func() any { return &chat.CreateMessageIn{} },
	abi.OpReactToMessage:         func() any { return &chat.ReactIn{} },
	abi.OpMessageAcknowledged:    func() any { return &chat.AcknowledgeIn{} },
	abi.OpModifyMessage:          func() any { return &chat.ModifyMessageIn{} },
	abi.OpCreateReadReceipt:      func() any { return &chat.ReadReceiptIn{} },
	abi.OpRetreiveMessages:       func() any { return &chat.HistoryIn{} },
	abi.OpCreateRoom:             func() any { return &chat.CreateRoomIn{} },
	abi.OpListRooms:              func() any { return &chat.ListRoomsIn{} },
	abi.OpRetreiveRoom:           func() any { return &chat.RoomIn{} },
	abi.OpAddMembersToRoom:       func() any { return &chat.MembersIn{} },
	abi.OpRemoveMembersFromRoom:  func() any { return &chat.MembersIn{} },
	abi.OpLeaveRoom:              func() any { return &chat.RoomIn{} },
	abi.OpJoinRoom:               func() any { return &chat.RoomIn{} },
	abi.OpModifyRoom:             func() any { return &chat.ModifyRoomIn{} },
	abi.OpRegisterSession:        func() any { return &chat.RegisterSessionIn{} },
	abi.OpGetActiveSessions:      func() any { return &chat.SessionsIn{} },
	abi.OpGetExpiredSessions:     func() any { return &chat.SessionsIn{} },
	abi.OpUpdateSession:          func() any { return &chat.UpdateSessionIn{} },
	abi.OpGetAndGroupNotifs:      func() any { return &chat.NotificationsIn{} },
	abi.OpCreateChatNotification: func() any { return &chat.CreateNotificationIn{} },
	abi.OpUpdateChatNotification: func() any { return &chat.UpdateNotificationIn{} },
}

// checkOperationArgs checks the args of the extend and replace hooks: they
// decode into the documented type with no unknown key, the replace layer
// got what the extend layer passed on, and a few are exactly as expected.
func checkOperationArgs(t *testing.T, calls []seen, sc scenario) {
	t.Helper()
	hooks := byHook(calls)
	for _, op := range abi.Operations() {
		ext, rep := hooks[abi.ExtendHook(op)], hooks[abi.ReplaceHook(op)]
		if len(ext) != len(rep) {
			t.Errorf("%s: %d extend calls, %d replace calls", op, len(ext), len(rep))
			continue
		}
		for i := range ext {
			v := payloadTypes[op]()
			dec := json.NewDecoder(bytes.NewReader(ext[i].Args))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Errorf("%s args %s do not decode into %T: %v", op, ext[i].Args, v, err)
			}
			if !bytes.Equal(ext[i].Args, rep[i].Args) {
				t.Errorf("%s: the replace layer got %s, the extend layer %s", op, rep[i].Args, ext[i].Args)
			}
		}
	}
	exact := map[string]string{
		abi.OpCreateMessage: `{"room_id":"` + sc.team + `","content":"hello","parent_message_id":null,` +
			`"forwarded_from_id":null,"media":[],"room_kind":"GroupChat","member_count":2,"sender_role":"creator"}`,
		abi.OpCreateChatNotification: fmt.Sprintf(`{"message_id":%q,"room_id":%q,"notification_type":"NEW_MESSAGE",`+
			`"user_id":%d,"recipients":[%d]}`, sc.msg1, sc.team, sc.users["alice"], sc.users["bob"]),
		abi.OpUpdateChatNotification: fmt.Sprintf(`{"message_ids":[%q],"user_id":%d}`, sc.msg1, sc.users["bob"]),
		abi.OpAddMembersToRoom:       fmt.Sprintf(`{"room_id":"%s","user_ids":[%d]}`, sc.team, sc.users["carol"]),
		abi.OpRemoveMembersFromRoom:  fmt.Sprintf(`{"room_id":"%s","user_ids":[%d]}`, sc.team, sc.users["carol"]),
		abi.OpJoinRoom:               `{"room_id":"` + sc.news + `"}`,
		abi.OpLeaveRoom:              `{"room_id":"` + sc.news + `"}`,
		abi.OpRetreiveRoom:           `{"room_id":"` + sc.team + `"}`,
		abi.OpRetreiveMessages:       `{"room_id":"` + sc.team + `","paginate":{"page":1,"size":10}}`,
		abi.OpMessageAcknowledged:    `{"message_ids":["` + sc.msg1 + `"]}`,
		abi.OpCreateReadReceipt:      `{"message_ids":["` + sc.msg1 + `"],"list":true}`,
		abi.OpReactToMessage:         `{"type":"add","message_id":"` + sc.msg1 + `","reaction_content":"👍"}`,
		abi.OpListRooms:              `{}`,
		abi.OpModifyRoom:             `{"room_id":"` + sc.team + `","action":"update","name":"team 2"}`,
		abi.OpCreateRoom: fmt.Sprintf(`{"type":"GroupChat","name":"team","max_members":100,"members":[%d]}`,
			sc.users["bob"]),
	}
	for op, want := range exact {
		if got := hooks[op]; len(got) == 0 || string(got[0].Args) != want {
			t.Errorf("%s: first args %s, want %s", op, first(got), want)
		}
	}
	// A reply and a reaction notify alice, each in its own type.
	var types []string
	for _, e := range hooks[abi.ReplaceHook(abi.OpCreateChatNotification)] {
		var a chat.CreateNotificationIn
		if err := json.Unmarshal(e.Args, &a); err != nil || len(a.Recipients) != 1 {
			t.Errorf("create_chat_notification args %s: %v", e.Args, err)
		}
		types = append(types, a.NotificationType)
	}
	if want := []string{"NEW_MESSAGE", "REPLY", "REACTION"}; !slices.Equal(types, want) {
		t.Errorf("create_chat_notification types %v, want %v", types, want)
	}
	if got := hooks[abi.OpUpdateSession]; len(got) != 1 ||
		string(got[0].Args) != fmt.Sprintf(`{"session_id":%d}`, got[0].Caller.SessionID) {
		t.Errorf("update_session calls %+v", got)
	}
	var reg chat.RegisterSessionIn
	if got := hooks[abi.OpRegisterSession]; len(got) != 4 || json.Unmarshal(got[0].Args, &reg) != nil ||
		reg.ChannelName == "" {
		t.Errorf("register_session calls %+v", got)
	}
}

func first(es []envelope) string {
	if len(es) == 0 {
		return "(none)"
	}
	return string(es[0].Args)
}

// checkPermissionArgs checks the permission hooks' PermissionArgs.
func checkPermissionArgs(t *testing.T, calls []seen, sc scenario) {
	t.Helper()
	hooks := byHook(calls)
	args := func(hook string) []abi.PermissionArgs {
		var out []abi.PermissionArgs
		for _, e := range hooks[hook] {
			var a abi.PermissionArgs
			dec := json.NewDecoder(bytes.NewReader(e.Args))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&a); err != nil {
				t.Errorf("%s args %s: %v", hook, e.Args, err)
			}
			out = append(out, a)
		}
		return out
	}
	send := args(abi.PermSendMessage)
	if len(send) != 3 || string(send[0].RoomID) != `"`+sc.team+`"` || !bytes.Contains(send[0].Data, []byte(`"content":"hello"`)) {
		t.Errorf("have_send_message_permission args %+v", send)
	}
	team := func(role string, msgs ...string) *abi.Resolved {
		return &abi.Resolved{RoomID: sc.team, RoomKind: "GroupChat", Role: role, MessageIDs: msgs}
	}
	if got, want := send[0].Resolved, team(abi.RoleCreator); !reflect.DeepEqual(got, want) {
		t.Errorf("have_send_message_permission resolved %+v, want %+v", got, want)
	}
	if got, want := send[1].Resolved, team(abi.RoleMember); !reflect.DeepEqual(got, want) {
		t.Errorf("have_send_message_permission (bob) resolved %+v, want %+v", got, want)
	}
	members := args(abi.PermAddRemoveMembers)
	if len(members) != 2 || members[0].PermPhrase != "add_new" || members[1].PermPhrase != "remove" {
		t.Errorf("have_room_permissions_to_add_or_remove_members args %+v", members)
	}
	admin := args(abi.PermAdminPrivileges)
	if len(admin) != 1 || admin[0].Action != "update" || string(admin[0].RoomID) != `"`+sc.team+`"` {
		t.Errorf("have_admin_privileges args %+v", admin)
	}
	msg := args(abi.PermMessage)
	if len(msg) != 5 || string(msg[0].MessageID) != `"`+sc.msg1+`"` || string(msg[1].MessageID) != `["`+sc.msg1+`"]` {
		t.Errorf("have_message_permission args %+v", msg)
	} else if got, want := msg[0].Resolved, team(abi.RoleMember, sc.msg1); !reflect.DeepEqual(got, want) {
		t.Errorf("have_message_permission resolved %+v, want %+v", got, want)
	}
	// carol's room.info on the team she left: the room, and that she is
	// not in it.
	if rooms := args(abi.PermRoom); len(rooms) == 4 {
		if got, want := rooms[3].Resolved, team(abi.RoleNone); !reflect.DeepEqual(got, want) {
			t.Errorf("have_room_permission resolved %+v, want %+v", got, want)
		}
	}
	if len(args(abi.PermMessageSender)) != 2 || len(args(abi.PermRoom)) != 4 {
		t.Errorf("is_message_sender / have_room_permission calls: %d / %d", len(hooks[abi.PermMessageSender]),
			len(hooks[abi.PermRoom]))
	}
}

// checkOtherArgs checks the exception and serializer hooks' args.
func checkOtherArgs(t *testing.T, calls []seen, sc scenario) {
	t.Helper()
	hooks := byHook(calls)
	var exc []string
	for _, e := range hooks[abi.ExceptionHook] {
		exc = append(exc, string(e.Args))
	}
	wantExc := []string{
		`{"code":4002,"detail":"User is not authorized access this room","kind":"permission","event_type":"room.info",` +
			`"data":{"room_id":"` + sc.team + `"},"room_id":"` + sc.team + `"}`,
		fmt.Sprintf(`{"code":4003,"detail":["['Chat already exists']"],"kind":"validation","event_type":"room.create",`+
			`"data":{"participants":[%d],"type":"OneToOneChat"}}`, sc.users["carol"]),
	}
	if len(exc) != 3 || exc[0] != wantExc[0] || exc[1] != wantExc[1] ||
		!strings.HasPrefix(exc[2], `{"code":4003,"detail":["Malformed JSON`) || !strings.HasSuffix(exc[2], `"kind":"validation"}`) {
		t.Errorf("handle_exception args:\n%s", strings.Join(exc, "\n"))
	}
	forms := map[string]int{}
	for _, e := range hooks[abi.SerializeRoomHook] {
		var a abi.SerializeArgs
		if err := json.Unmarshal(e.Args, &a); err != nil || !bytes.HasPrefix(a.Object, []byte(`{"id":"`)) {
			t.Errorf("serialize_room args %s: %v", e.Args, err)
		}
		forms[a.Form]++
	}
	if forms["detail"] == 0 || forms["list"] == 0 || len(forms) != 2 {
		t.Errorf("serialize_room forms %v", forms)
	}
	for _, e := range hooks[abi.SerializeMessageHook] {
		var a struct {
			Form   *string          `json:"form"`
			Object wire.MessageView `json:"object"`
		}
		if err := json.Unmarshal(e.Args, &a); err != nil || a.Form != nil || a.Object.ID == "" || a.Object.Room.ID == "" {
			t.Errorf("serialize_message args %s: %v", e.Args, err)
		}
	}
}

// startWithModule starts a server (on cfg's engine) with the conformance
// module on hooks, with config.
func startWithModule(t *testing.T, cfg Config, hooks []string, config map[string]string) (*running, *recorder) {
	t.Helper()
	hs, _ := json.Marshal(hooks)
	cs, _ := json.Marshal(config)
	return startRecorded(t, withModules(t, cfg, fmt.Sprintf(`
modules:
  - name: conformance
    path: {{conformance}}
    capabilities: ["*"]
    hooks: %s
    config: %s
`, hs, cs)))
}

// TestModuleException maps every error frame to 4007 through
// handle_exception, for actions and for frames that reach none.
func TestModuleException(t *testing.T) { engines(t, testModuleException) }

func testModuleException(t *testing.T, cfg Config) {
	r, _ := startWithModule(t, cfg, []string{abi.ExceptionHook}, map[string]string{"exception": "4007"})
	alice := r.client(t, "alice")
	alice.send("room.info", map[string]any{"room_id": "00000000-0000-0000-0000-000000000001"})
	f := alice.expect("error")
	if want := `{"error":{"code":4007,"detail":{"mapped":{"code":4004,"detail":"Resource not found.","kind":"not_found",` +
		`"event_type":"room.info","data":{"room_id":"00000000-0000-0000-0000-000000000001"},` +
		`"room_id":"00000000-0000-0000-0000-000000000001"}}}}`; string(f.raw) != want {
		t.Errorf("room.info of nothing: %s, want %s", f.raw, want)
	}
	alice.sendRaw([]byte(`[1]`))
	f = alice.expect("error")
	if want := `{"error":{"code":4007,"detail":{"mapped":{"code":4003,"detail":["Frame must be a JSON object"],` +
		`"kind":"validation"}}}}`; string(f.raw) != want {
		t.Errorf("non-object frame: %s, want %s", f.raw, want)
	}
	alice.send("nope", nil)
	if f := alice.expect("error"); string(f.raw) != `{"error":"invalid event type"}` {
		t.Errorf("unknown event: %s", f.raw)
	}
}

// TestModuleCustomAction handles a new event type in a module, which emits
// an event to a room: its members get it, others do not, and it is sent
// only when the action succeeds.
func TestModuleCustomAction(t *testing.T) { engines(t, testModuleCustomAction) }

func testModuleCustomAction(t *testing.T, cfg Config) {
	r, _ := startWithModule(t, cfg, []string{abi.ActionHook("conformance.ping")}, nil)
	alice, bob, carol := r.client(t, "alice"), r.client(t, "bob"), r.client(t, "carol")
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{bob.id}})
	room := alice.expect("roomcreate.dispatch").data(t)["id"].(string)
	bob.expect("roomcreate.dispatch")

	carol.send("conformance.ping", map[string]any{"room_id": room, "n": 1})
	want := `{"type":"broadcast_group","eventType":"conformance.pong","data":{"by":"carol","data":{"n":1,"room_id":"` + room + `"}}}`
	for _, c := range []*wsClient{alice, bob} {
		if f := c.expect("conformance.pong"); string(f.raw) != want {
			t.Errorf("%s got %s, want %s", c.name, f.raw, want)
		}
	}
	carol.quiet()
	// An emit to a room that does not exist fails (the module passes the
	// import's error on), and so does the action: nothing is sent but the
	// error.
	carol.send("conformance.ping", map[string]any{"room_id": "00000000-0000-0000-0000-000000000001"})
	if f := carol.expect("error"); string(f.raw) != `{"error":{"code":4004,"detail":"Resource not found."}}` {
		t.Errorf("ping of no room: %s", f.raw)
	}
	// Events emitted by an action that then fails are dropped.
	carol.send("conformance.ping", map[string]any{"room_id": room, "fail": true})
	if f := carol.expect("error"); string(f.raw) != `{"error":{"code":4003,"detail":["ping failed"]}}` {
		t.Errorf("failing ping: %s", f.raw)
	}
	carol.send("conformance.other", nil)
	if f := carol.expect("error"); string(f.raw) != `{"error":"invalid event type"}` {
		t.Errorf("unhandled event: %s", f.raw)
	}
	alice.quiet()
	bob.quiet()
}

// TestModuleEmitRollback emits an event in the replace layer of
// create_room: it is sent after the room was created, and dropped with the
// transaction of a room.create that fails.
func TestModuleEmitRollback(t *testing.T) { engines(t, testModuleEmitRollback) }

func testModuleEmitRollback(t *testing.T, cfg Config) {
	r, _ := startWithModule(t, cfg, []string{abi.ReplaceHook(abi.OpCreateRoom)},
		map[string]string{"emit": abi.ReplaceHook(abi.OpCreateRoom)})
	alice, bob := r.client(t, "alice"), r.client(t, "bob")
	create := map[string]any{"type": "OneToOneChat", "participants": []int64{bob.id}}
	alice.send("room.create", create)
	alice.expect("roomcreate.dispatch")
	bob.expect("roomcreate.dispatch")
	if f := alice.expect("conformance.emitted"); string(f.raw) != `{"type":"broadcast_group","eventType":"conformance.emitted","data":{"hook":"_create_room"}}` {
		t.Errorf("emitted: %s", f.raw)
	}
	alice.send("room.create", create) // the chat exists: the default fails after the module emitted
	if f := alice.expect("error"); !strings.Contains(string(f.raw), "Chat already exists") {
		t.Errorf("second create: %s", f.raw)
	}
	alice.quiet()
	bob.quiet()
}

// TestModuleSerializer adds a field to every message and room clients get,
// nested replies and room lists included, without changing the fields that
// identify them.
func TestModuleSerializer(t *testing.T) { engines(t, testModuleSerializer) }

func testModuleSerializer(t *testing.T, cfg Config) {
	r, _ := startWithModule(t, cfg, []string{abi.SerializeMessageHook, abi.SerializeRoomHook},
		map[string]string{"serialize": "high"})
	alice, bob := r.client(t, "alice"), r.client(t, "bob")
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{bob.id}})
	room := alice.expect("roomcreate.dispatch").data(t)
	bob.expect("roomcreate.dispatch")
	if room["conformance"] != "high" || room["type"] != "GroupChat" || !uuidRE.MatchString(room["id"].(string)) {
		t.Errorf("room: %v", room)
	}
	alice.send("message.send", map[string]any{"room_id": room["id"], "content": "hello"})
	m1 := alice.expect("message.dispatch").data(t)
	bob.expect("message.dispatch")
	bob.send("message.send", map[string]any{"room_id": room["id"], "content": "re",
		"extra_fields": map[string]any{"parent_message_id": m1["id"]}})
	m2 := bob.expect("message.dispatch").data(t)
	alice.expect("message.dispatch")
	parent, _ := m2["parent_message"].(map[string]any)
	for _, m := range []map[string]any{m1, m2, parent} {
		if m == nil || m["conformance"] != "high" || m["is_deleted"] != false || !uuidRE.MatchString(m["id"].(string)) {
			t.Errorf("message: %v", m)
		}
	}
	alice.send("room.list", nil)
	list := alice.expect("roomlist.dispatch").v["data"].([]any)
	item := list[0].(map[string]any)
	last, _ := item["last_message"].(map[string]any)
	if item["conformance"] != "high" || last["conformance"] != "high" || last["id"] != m2["id"] {
		t.Errorf("room list item: %v", item)
	}
	alice.send("room.messages", map[string]any{"room_id": room["id"]})
	hist := alice.expect("roommessages.dispatch").data(t)["data"].(map[string]any)["messages"].([]any)
	if len(hist) != 2 || hist[0].(map[string]any)["conformance"] != "high" {
		t.Errorf("history: %v", hist)
	}
}

// TestModulePermissionDeny denies message sending in a permission hook.
func TestModulePermissionDeny(t *testing.T) { engines(t, testModulePermissionDeny) }

func testModulePermissionDeny(t *testing.T, cfg Config) {
	r, _ := startWithModule(t, cfg, []string{abi.PermSendMessage, abi.PermRoom},
		map[string]string{"deny": abi.PermSendMessage})
	alice, bob := r.client(t, "alice"), r.client(t, "bob")
	alice.send("room.create", map[string]any{"type": "GroupChat", "name": "team", "participants": []int64{bob.id}})
	room := alice.expect("roomcreate.dispatch").data(t)["id"].(string)
	bob.expect("roomcreate.dispatch")
	for _, ev := range []string{"message.send", "message.typing"} {
		alice.send(ev, map[string]any{"room_id": room, "content": "hello"})
		if f := alice.expect("error"); string(f.raw) != `{"error":{"code":4002,"detail":"denied by conformance"}}` {
			t.Errorf("%s: %s", ev, f.raw)
		}
	}
	// have_room_permission passes the default's decisions on: allowed for
	// a member, the default's error for others.
	alice.send("room.info", map[string]any{"room_id": room})
	alice.expect("roominfo.dispatch")
	carol := r.client(t, "carol")
	carol.send("room.info", map[string]any{"room_id": room})
	if f := carol.expect("error"); string(f.raw) != `{"error":{"code":4002,"detail":"User is not authorized access this room"}}` {
		t.Errorf("non-member room.info: %s", f.raw)
	}
	bob.quiet()
}

// TestModuleRewrite adds a field to create_message's result in the extend
// layer: the broadcast message carries it.
func TestModuleRewrite(t *testing.T) { engines(t, testModuleRewrite) }

func testModuleRewrite(t *testing.T, cfg Config) {
	r, _ := startWithModule(t, cfg, []string{abi.OpCreateMessage}, map[string]string{"rewrite": abi.OpCreateMessage})
	alice := r.client(t, "alice")
	bob := r.client(t, "bob")
	alice.send("room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{bob.id}})
	room := alice.expect("roomcreate.dispatch").data(t)["id"].(string)
	bob.expect("roomcreate.dispatch")
	alice.send("message.send", map[string]any{"room_id": room, "content": "hello"})
	for _, c := range []*wsClient{alice, bob} {
		if m := c.expect("message.dispatch").data(t); m["conformance"] != "rewritten" || m["content"] != "hello" {
			t.Errorf("%s got %v", c.name, m)
		}
	}
}

// TestModuleMetrics checks that module calls show on /metrics.
func TestModuleMetrics(t *testing.T) {
	r, _ := startWithModule(t, testConfig(t), []string{abi.PermSendMessage}, nil)
	alice := r.client(t, "alice")
	alice.send("message.typing", map[string]any{"room_id": "00000000-0000-0000-0000-000000000001"})
	alice.expect("error")
	resp, err := http.Get("http://" + r.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `chatwasm_module_calls_total{hook="have_send_message_permission",module="conformance"} 1`
	if !strings.Contains(string(body), want) {
		t.Errorf("metrics lack %s", want)
	}
}

// TestModuleFileReload changes the module file under a running server: the
// next request runs the new modules while a connection stays open, and a
// broken file keeps them.
func TestModuleFileReload(t *testing.T) {
	cfg := withModules(t, testConfig(t), serializerModule("1"))
	cfg.ModuleWatch = 20 * time.Millisecond
	r, _ := startRecorded(t, cfg)
	alice := r.client(t, "alice")
	send := func() string {
		alice.send("room.create", map[string]any{"type": "GroupChat", "name": "x"})
		v, _ := alice.expect("roomcreate.dispatch").data(t)["conformance"].(string)
		return v
	}
	if v := send(); v != "1" {
		t.Fatalf("first version: %q", v)
	}
	rewrite := func(yaml string) {
		if err := os.WriteFile(cfg.Modules, []byte(strings.ReplaceAll(yaml, "{{conformance}}", conformance(t))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rewrite(serializerModule("2"))
	waitFor(t, func() bool { return send() == "2" })
	rewrite("modules: [")
	waitFor(t, func() bool { return strings.Contains(r.logs.String(), "module reload failed") })
	if v := send(); v != "2" {
		t.Fatalf("after a failed reload: %q", v)
	}
}

func serializerModule(version string) string {
	return `
modules:
  - name: conformance
    path: {{conformance}}
    hooks: [serialize_room]
    config: {serialize: "` + version + `"}
`
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
