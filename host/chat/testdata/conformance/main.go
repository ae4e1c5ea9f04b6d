// Command conformance is the module of chatwasm's conformance tests. It
// exports every hook, and every call records what it saw in the server's log
// (import log: message "conformance.seen", attrs hook and envelope) and
// counts itself in the module's key-value store ("count/<hook>", which rolls
// back with the operation in the replace layer), then passes everything on
// through next unchanged: a server running it must answer exactly as one
// without modules. Its config turns on, one at a time, the behaviours the
// tests check:
//
//	deny: HOOK       the permission hook HOOK denies (4002 "denied by conformance")
//	fail: HOOK       the operation hook HOOK fails after recording (4003)
//	exception: CODE  handle_exception maps every error to CODE
//	serialize: V     serializer hooks add {"conformance": V} (and try to change id)
//	rewrite: HOOK    the operation hook HOOK adds "conformance": "rewritten" to its output
//	emit: HOOK       the operation hook HOOK emits conformance.emitted to the caller
//
// The custom action conformance.ping emits conformance.pong to the room of
// its data's room_id, then fails if its data has "fail": true.
package main

import (
	"encoding/json"
	"strconv"

	pdk "github.com/extism/go-pdk"
)

func main() {}

//go:wasmexport chatwasm_abi_v1
func abiV1() {}

//go:wasmimport extism:host/user next
func hostNext(uint64) uint64

//go:wasmimport extism:host/user chatwasm_last_error
func hostLastError() uint64

//go:wasmimport extism:host/user log
func hostLog(uint64) uint64

//go:wasmimport extism:host/user kv_get
func hostKVGet(uint64) uint64

//go:wasmimport extism:host/user kv_set
func hostKVSet(uint64) uint64

//go:wasmimport extism:host/user emit
func hostEmit(uint64) uint64

// envelope is a hook's input.
type envelope struct {
	Hook   string `json:"hook"`
	Caller struct {
		UserID   int64  `json:"user_id"`
		Username string `json:"username"`
	} `json:"caller"`
	Args json.RawMessage `json:"args"`
}

// call calls an import with a JSON request; ok is false when it failed, and
// out is then the error it failed with.
func call(fn func(uint64) uint64, req []byte) (out []byte, ok bool) {
	m := pdk.AllocateBytes(req)
	off := fn(m.Offset())
	m.Free()
	if off == 0 {
		e := pdk.FindMemory(hostLastError())
		return e.ReadBytes(), false
	}
	res := pdk.FindMemory(off)
	return res.ReadBytes(), true
}

func config(key string) string {
	v, _ := pdk.GetConfig(key)
	return v
}

// begin reads the input and records the call.
func begin() envelope {
	in := pdk.Input()
	var env envelope
	if err := json.Unmarshal(in, &env); err != nil {
		panic(err)
	}
	req, _ := json.Marshal(map[string]any{"level": "info", "message": "conformance.seen",
		"attrs": map[string]any{"hook": env.Hook, "envelope": string(in)}})
	call(hostLog, req)
	// The count fails to write in a read-only transaction: that is fine.
	key := "count/" + env.Hook
	n := 0
	if res, ok := call(hostKVGet, []byte(`{"key":`+strconv.Quote(key)+`}`)); ok {
		var v struct {
			Value int `json:"value"`
		}
		_ = json.Unmarshal(res, &v)
		n = v.Value
	}
	call(hostKVSet, []byte(`{"key":`+strconv.Quote(key)+`,"value":`+strconv.Itoa(n+1)+`}`))
	return env
}

func fail(msg string) int32 {
	pdk.SetErrorString(msg)
	return 1
}

// next runs the rest of the chain on args and passes its error on unchanged.
func next(args []byte) ([]byte, bool) {
	out, ok := call(hostNext, args)
	if !ok {
		pdk.SetErrorString(string(out))
	}
	return out, ok
}

// passOn outputs what the next layer returns for args, as a hook that
// changes nothing does.
func passOn(args []byte) int32 {
	out, ok := next(args)
	if !ok {
		return 1
	}
	pdk.Output(out)
	return 0
}

// operation is every extend and replace hook.
func operation() int32 {
	env := begin()
	if config("fail") == env.Hook {
		return fail(`{"code":4003,"detail":["rejected by conformance"]}`)
	}
	if config("emit") == env.Hook {
		req, _ := json.Marshal(map[string]any{"to": "user", "user_id": env.Caller.UserID,
			"event_type": "conformance.emitted", "data": map[string]string{"hook": env.Hook}})
		if out, ok := call(hostEmit, req); !ok {
			return fail(string(out))
		}
	}
	out, ok := next(env.Args)
	if !ok {
		return 1
	}
	if config("rewrite") == env.Hook {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(out, &obj); err != nil {
			return fail(err.Error())
		}
		obj["conformance"] = json.RawMessage(`"rewritten"`)
		out, _ = json.Marshal(obj)
	}
	pdk.Output(out)
	return 0
}

// permission is every permission hook.
func permission() int32 {
	env := begin()
	if config("deny") == env.Hook {
		pdk.Output([]byte(`{"allow":false,"code":4002,"detail":"denied by conformance"}`))
		return 0
	}
	return passOn(env.Args)
}

//go:wasmexport handle_exception
func handleException() int32 {
	env := begin()
	if code := config("exception"); code != "" {
		pdk.Output([]byte(`{"code":` + code + `,"detail":{"mapped":` + string(env.Args) + `}}`))
		return 0
	}
	return passOn(env.Args)
}

func serialize() int32 {
	begin()
	v := config("serialize")
	if v == "" {
		pdk.Output([]byte(`{}`))
		return 0
	}
	out, _ := json.Marshal(map[string]any{"conformance": v, "id": "spoofed", "is_deleted": true, "type": "spoofed"})
	pdk.Output(out)
	return 0
}

//go:wasmexport serialize_message
func serializeMessage() int32 { return serialize() }

//go:wasmexport serialize_room
func serializeRoom() int32 { return serialize() }

// ping is a custom action: it tells the room named by the frame's data who
// pinged it, with the data.
//
//go:wasmexport action_conformance.ping
func ping() int32 {
	env := begin()
	var data struct {
		RoomID string `json:"room_id"`
		Fail   bool   `json:"fail"`
	}
	_ = json.Unmarshal(env.Args, &data)
	req, _ := json.Marshal(map[string]any{"to": "room", "room_id": data.RoomID, "event_type": "conformance.pong",
		"data": map[string]any{"by": env.Caller.Username, "data": env.Args}})
	if out, ok := call(hostEmit, req); !ok {
		return fail(string(out))
	}
	if data.Fail {
		return fail("ping failed")
	}
	pdk.Output([]byte(`{}`))
	return 0
}
