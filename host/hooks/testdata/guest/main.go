// Command guest is the test module of package hooks: one Go module whose
// every hook behaves as its config "mode" says, so that the tests can load
// it several times, under different names, as the modules of a chain.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	pdk "github.com/extism/go-pdk"
)

func main() {}

//go:wasmimport extism:host/user next
func hostNext(uint64) uint64

//go:wasmimport extism:host/user kv_set
func hostKVSet(uint64) uint64

//go:wasmimport extism:host/user kv_get
func hostKVGet(uint64) uint64

//go:wasmimport extism:host/user room_get
func hostRoomGet(uint64) uint64

//go:wasmimport extism:host/user members_add
func hostMembersAdd(uint64) uint64

//go:wasmimport extism:host/user emit
func hostEmit(uint64) uint64

//go:wasmimport extism:host/user log
func hostLog(uint64) uint64

//go:wasmimport extism:host/user chatwasm_last_error
func hostLastError() uint64

//go:wasmimport extism:host/user room_property
func hostRoomProperty(uint64) uint64

//go:wasmimport extism:host/user room_members
func hostRoomMembers(uint64) uint64

//go:wasmimport extism:host/user members_remove
func hostMembersRemove(uint64) uint64

//go:wasmimport extism:host/user message_get
func hostMessageGet(uint64) uint64

//go:wasmimport extism:host/user user_get
func hostUserGet(uint64) uint64

//go:wasmimport extism:host/user render_room
func hostRenderRoom(uint64) uint64

//go:wasmimport extism:host/user render_message
func hostRenderMessage(uint64) uint64

//go:wasmimport extism:host/user render_user
func hostRenderUser(uint64) uint64

//go:wasmimport extism:host/user render_notification
func hostRenderNotification(uint64) uint64

//go:wasmimport extism:host/user kv_delete
func hostKVDelete(uint64) uint64

//go:wasmimport extism:host/user kv_list
func hostKVList(uint64) uint64

//go:wasmimport extism:host/user message_create
func hostMessageCreate(uint64) uint64

//go:wasmimport extism:host/user notification_create
func hostNotificationCreate(uint64) uint64

// imports are the chatwasm imports by name, for the "import" mode.
var imports = map[string]func(uint64) uint64{
	"next": hostNext, "kv_set": hostKVSet, "kv_get": hostKVGet, "kv_delete": hostKVDelete, "kv_list": hostKVList,
	"room_get": hostRoomGet, "room_property": hostRoomProperty, "room_members": hostRoomMembers,
	"members_add": hostMembersAdd, "members_remove": hostMembersRemove, "message_get": hostMessageGet,
	"user_get": hostUserGet, "render_room": hostRenderRoom, "render_message": hostRenderMessage,
	"render_user": hostRenderUser, "render_notification": hostRenderNotification, "emit": hostEmit, "log": hostLog,
	"message_create": hostMessageCreate, "notification_create": hostNotificationCreate,
}

// envelope is the hook input.
type envelope struct {
	ABI    int             `json:"abi"`
	Hook   string          `json:"hook"`
	Tenant string          `json:"tenant"`
	Caller json.RawMessage `json:"caller"`
	Args   json.RawMessage `json:"args"`
}

// args are the test operation's arguments and output.
type args struct {
	Trail []string `json:"trail"`
	// Import and Request are the import to call and its request, for the
	// "import" mode.
	Import  string          `json:"import,omitempty"`
	Request json.RawMessage `json:"request,omitempty"`
	Key     string          `json:"key,omitempty"`
	Value   json.RawMessage `json:"value,omitempty"`
	RoomID  string          `json:"room_id,omitempty"`
	UserID  int64           `json:"user_id,omitempty"`
}

// call calls a chatwasm import; on failure it returns the error text.
func call(fn func(uint64) uint64, req any) (json.RawMessage, string) {
	b, _ := json.Marshal(req)
	m := pdk.AllocateBytes(b)
	off := fn(m.Offset())
	m.Free()
	if off == 0 {
		le := pdk.FindMemory(hostLastError())
		return nil, string(le.ReadBytes())
	}
	res := pdk.FindMemory(off)
	return res.ReadBytes(), ""
}

func config(key string) string {
	v, _ := pdk.GetConfig(key)
	return v
}

// times is the config's "times": how often the emit and log modes call
// their import in one call; 1 by default.
func times() int {
	n, err := strconv.Atoi(config("times"))
	if err != nil {
		return 1
	}
	return n
}

func fail(msg string) int32 {
	pdk.SetErrorString(msg)
	return 1
}

func input() (envelope, args) {
	var e envelope
	if err := json.Unmarshal(pdk.Input(), &e); err != nil {
		panic(err)
	}
	var a args
	_ = json.Unmarshal(e.Args, &a)
	return e, a
}

func output(v any) int32 {
	b, err := json.Marshal(v)
	if err != nil {
		return fail(err.Error())
	}
	pdk.Output(b)
	return 0
}

// operation is every Extend and Replace hook of the guest.
func operation() int32 {
	env, a := input()
	tag := config("tag")
	switch config("mode") {
	case "import":
		v, e := call(imports[a.Import], a.Request)
		return output(map[string]any{"result": v, "error": e})
	case "clock":
		var b [8]byte
		_, _ = rand.Read(b[:])
		return output(map[string]any{"year": time.Now().Year(), "random": hex.EncodeToString(b[:])})
	case "replace":
		return output(args{Trail: []string{tag + ":replaced"}})
	case "envelope":
		return output(env)
	case "twice":
		first, err1 := call(hostNext, a)
		_, err2 := call(hostNext, a)
		return output(map[string]any{"first": first, "first_error": err1, "second_error": err2})
	case "trap":
		panic("guest trap")
	case "trap_alice":
		// Traps for user 1 only; everyone else's calls are wrapped.
		var c struct {
			UserID int64 `json:"user_id"`
		}
		if json.Unmarshal(env.Caller, &c) == nil && c.UserID == 1 {
			panic("guest trap for alice")
		}
	case "loop":
		n := 0
		for {
			n++
		}
	case "trap_after_next":
		call(hostNext, a)
		panic("guest trap after next")
	case "error_json":
		return fail(`{"code":4007,"detail":"custom"}`)
	case "error_text":
		return fail("banned word")
	case "error_bad_code":
		return fail(`{"code":4001,"detail":"no"}`)
	case "kv":
		if _, e := call(hostKVSet, map[string]any{"key": a.Key, "value": a.Value}); e != "" {
			return fail("kv_set: " + e)
		}
	case "kv_get":
		v, e := call(hostKVGet, map[string]any{"key": a.Key})
		return output(map[string]any{"value": v, "error": e})
	case "room_get":
		v, e := call(hostRoomGet, map[string]any{"room_id": a.RoomID})
		return output(map[string]any{"room": v, "error": e})
	case "members_add":
		v, e := call(hostMembersAdd, map[string]any{"room_id": a.RoomID, "user_ids": []int64{a.UserID}})
		return output(map[string]any{"result": v, "error": e})
	case "emit":
		for range times() {
			if _, e := call(hostEmit, map[string]any{"to": "room", "room_id": a.RoomID, "event_type": "custom.event",
				"data": map[string]string{"from": tag}}); e != "" {
				return fail("emit: " + e)
			}
		}
	case "log":
		for range times() {
			if _, e := call(hostLog, map[string]any{"level": "warn", "message": "hello from " + tag,
				"attrs": map[string]any{"n": 1}}); e != "" {
				return fail("log: " + e)
			}
		}
	}
	// "wrap" and the modes above that fall through: mark the way in, run the
	// rest of the chain, mark the way out.
	a.Trail = append(a.Trail, tag+":in")
	out, e := call(hostNext, a)
	if e != "" {
		if config("mode") == "pass_error" || config("pass_error") != "" {
			return fail(e)
		}
		return fail(tag + " saw: " + e)
	}
	var res args
	if err := json.Unmarshal(out, &res); err != nil {
		return fail(err.Error())
	}
	res.Trail = append(res.Trail, tag+":out")
	return output(res)
}

//go:wasmexport create_message
func createMessage() int32 { return operation() }

//go:wasmexport _create_message
func createMessageCore() int32 { return operation() }

//go:wasmexport join_room
func joinRoom() int32 { return operation() }

//go:wasmexport _join_room
func joinRoomCore() int32 { return operation() }

//go:wasmexport have_room_permission
func haveRoomPermission() int32 {
	_, _ = input()
	if config("mode") == "deny" {
		return output(map[string]any{"allow": false, "code": 4002, "detail": "denied by " + config("tag")})
	}
	if config("mode") == "allow" {
		return output(map[string]any{"allow": true})
	}
	return passOn(json.RawMessage(`{}`))
}

//go:wasmexport handle_exception
func handleException() int32 {
	env, _ := input()
	var ex struct {
		Code   int             `json:"code"`
		Detail json.RawMessage `json:"detail"`
	}
	_ = json.Unmarshal(env.Args, &ex)
	if ex.Code == 4003 {
		return output(map[string]any{"code": 4007, "detail": "mapped " + strconv.Itoa(ex.Code)})
	}
	return passOn(json.RawMessage(env.Args))
}

// passOn calls next with args and answers what it answered, or fails with
// its error.
func passOn(args json.RawMessage) int32 {
	out, e := call(hostNext, args)
	if e != "" {
		return fail(e)
	}
	pdk.Output(out)
	return 0
}

//go:wasmexport serialize_message
func serializeMessage() int32 {
	env, _ := input()
	var sa struct {
		Object map[string]any `json:"object"`
	}
	_ = json.Unmarshal(env.Args, &sa)
	_, e := call(hostNext, json.RawMessage(`{}`))
	return output(map[string]any{
		"priority":   config("tag"),
		"seen_keys":  len(sa.Object),
		"id":         "spoofed",
		"is_deleted": true,
		"next_error": e,
	})
}

//go:wasmexport action_message.pin
func actionPin() int32 {
	env, a := input()
	if _, e := call(hostEmit, map[string]any{"to": "room", "room_id": a.RoomID, "event_type": "message.pinned",
		"data": env.Args}); e != "" {
		return fail(e)
	}
	return output(map[string]any{"pinned": a.RoomID})
}
