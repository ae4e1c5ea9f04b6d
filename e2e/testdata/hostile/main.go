// Command hostile is the module of the hostile-module tests: one Go module
// whose create_message and _create_message hooks misbehave as its config
// "mode" says, so that the tests load it several times, under different
// names and for different tenants, next to itself in the well-behaved
// "tag" mode.
//
// Modes:
//
//	tag          well-behaved: runs next and adds {"checked_by": <tag>} to the message
//	loop         never returns
//	memory       grows its linear memory until the host refuses
//	kernel       allocates Extism kernel memory until the host refuses
//	panic        panics
//	output       sets an 8 MiB output (of zeros) in one host call
//	ungranted    calls members_add and kv_set, which it was not granted, then next;
//	             the message carries what the host answered ("refused")
//	cross_tenant reads the room, members, message and user whose ids the message
//	             content holds (as JSON), with every capability, then next; the
//	             message carries whatever it obtained ("leaked")
//	next_twice   calls next twice and fails with the second call's error
//	noop         returns at once, reading nothing (the benchmarks' no-op hook)
//	burn         spins on the CPU for the config's "burn" (a Go duration, timed by
//	             the clock: the deployment grants "clock"), then runs next like tag
//
// have_room_permission passes its args to next and returns next's decision
// unchanged, in every mode.
//
// It uses go-pdk and declares the chatwasm imports itself, so that it does
// exactly what a module written against the bare ABI could do.
package main

import (
	"encoding/json"
	"strings"
	"sync"
	"time"
	"unsafe"

	pdk "github.com/extism/go-pdk"
)

func main() {}

//go:wasmexport chatwasm_abi_v1
func abiV1() {}

//go:wasmimport extism:host/user next
func hostNext(uint64) uint64

//go:wasmimport extism:host/user chatwasm_last_error
func hostLastError() uint64

//go:wasmimport extism:host/user chatwasm_output_write
func hostOutputWrite(ptr, n uint32)

//go:wasmimport extism:host/user members_add
func hostMembersAdd(uint64) uint64

//go:wasmimport extism:host/user kv_set
func hostKVSet(uint64) uint64

//go:wasmimport extism:host/user room_get
func hostRoomGet(uint64) uint64

//go:wasmimport extism:host/user emit
func hostEmit(uint64) uint64

//go:wasmimport extism:host/user log
func hostLog(uint64) uint64

//go:wasmimport extism:host/user room_members
func hostRoomMembers(uint64) uint64

//go:wasmimport extism:host/user render_room
func hostRenderRoom(uint64) uint64

//go:wasmimport extism:host/user message_get
func hostMessageGet(uint64) uint64

//go:wasmimport extism:host/user user_get
func hostUserGet(uint64) uint64

//go:wasmimport extism:host/user room_messages
func hostRoomMessages(uint64) uint64

//go:wasmimport extism:host/user user_rooms
func hostUserRooms(uint64) uint64

//go:wasmimport extism:host/user message_create
func hostMessageCreate(uint64) uint64

//go:wasmimport extism:host/user message_react
func hostMessageReact(uint64) uint64

//go:wasmimport extism:host/user receipt_create
func hostReceiptCreate(uint64) uint64

//go:wasmimport extism:host/user notification_create
func hostNotificationCreate(uint64) uint64

//go:wasmexport create_message
func createMessage() int32 { return hook() }

//go:wasmexport _create_message
func createMessageCore() int32 { return hook() }

//go:wasmexport have_room_permission
func haveRoomPermission() int32 {
	var env envelope
	if err := json.Unmarshal(pdk.Input(), &env); err != nil {
		return fail(err.Error())
	}
	out, e := call(hostNext, env.Args)
	if e != "" {
		return fail(e)
	}
	pdk.Output(out)
	return 0
}

// mode is the config's mode, read once per instance: a module's config
// never changes under a running instance.
var mode = sync.OnceValue(func() string {
	m, _ := pdk.GetConfig("mode")
	return m
})

// envelope is the hook input.
type envelope struct {
	Caller struct {
		UserID int64 `json:"user_id"`
	} `json:"caller"`
	Args json.RawMessage `json:"args"`
}

// messageArgs are the fields of create_message's args the modes use.
type messageArgs struct {
	RoomID  string `json:"room_id"`
	Content string `json:"content"`
}

// crashWord makes the well-behaved "tag" mode trap: the input one tenant
// crafts to fault a module every tenant shares.
const crashWord = "crash-the-checker"

// hoard keeps the memory bomb's allocations alive.
var hoard [][]byte

func hook() int32 {
	if mode() == "noop" {
		return 0
	}
	var env envelope
	if err := json.Unmarshal(pdk.Input(), &env); err != nil {
		return fail(err.Error())
	}
	var args messageArgs
	_ = json.Unmarshal(env.Args, &args)
	switch mode() {
	case "tag":
		if strings.Contains(args.Content, crashWord) {
			panic("the checker chokes on " + crashWord)
		}
		tag, _ := pdk.GetConfig("tag")
		return nextWith(env.Args, map[string]any{"checked_by": tag})
	case "burn":
		burn, _ := pdk.GetConfig("burn")
		d, err := time.ParseDuration(burn)
		if err != nil {
			return fail("burn: " + err.Error())
		}
		for start := time.Now(); time.Since(start) < d; {
		}
		tag, _ := pdk.GetConfig("tag")
		return nextWith(env.Args, map[string]any{"checked_by": tag})
	case "loop":
		n := 0
		for {
			n++
		}
	case "memory":
		for {
			b := make([]byte, 1<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			hoard = append(hoard, b)
		}
	case "kernel":
		for {
			pdk.Allocate(1 << 20)
		}
	case "panic":
		panic("hostile module panics")
	case "output":
		b := make([]byte, 8<<20)
		hostOutputWrite(uint32(uintptr(unsafe.Pointer(&b[0]))), uint32(len(b)))
		return 0
	case "flood":
		// Far more events than a connection's queue holds, and far more
		// log than anyone reads: the per-call limits must cut both.
		emitted := 0
		for range 300 {
			if _, e := call(hostEmit, map[string]any{"to": "room", "room_id": args.RoomID, "event_type": "flood.event",
				"data": map[string]any{}}); e == "" {
				emitted++
			}
		}
		for range 1000 {
			call(hostLog, map[string]any{"level": "info", "message": "flood " + strings.Repeat("x", 1000)})
		}
		return nextWith(env.Args, map[string]any{"emitted": emitted})
	case "ungranted":
		refused := map[string]string{}
		if _, e := call(hostMembersAdd, map[string]any{"room_id": args.RoomID, "user_ids": []int64{env.Caller.UserID},
			"admin": true}); e != "" {
			refused["members_add"] = e
		}
		if _, e := call(hostKVSet, map[string]any{"key": "stolen", "value": "x"}); e != "" {
			refused["kv_set"] = e
		}
		if _, e := call(hostMessageCreate, map[string]any{"args": map[string]any{"room_id": args.RoomID,
			"content": "stored behind the host's back"}}); e != "" {
			refused["message_create"] = e
		}
		return nextWith(env.Args, map[string]any{"refused": refused})
	case "cross_tenant":
		var target struct {
			RoomID    string `json:"room_id"`
			MessageID string `json:"message_id"`
			UserID    int64  `json:"user_id"`
		}
		_ = json.Unmarshal([]byte(args.Content), &target)
		leaked := map[string]json.RawMessage{}
		refused := map[string]string{}
		try := func(name string, fn func(uint64) uint64, req any) {
			if v, e := call(fn, req); e == "" {
				leaked[name] = v
			} else {
				refused[name] = e
			}
		}
		try("room_get", hostRoomGet, map[string]any{"room_id": target.RoomID})
		try("room_members", hostRoomMembers, map[string]any{"room_id": target.RoomID})
		try("render_room", hostRenderRoom, map[string]any{"room_id": target.RoomID})
		try("message_get", hostMessageGet, map[string]any{"message_id": target.MessageID})
		try("user_get", hostUserGet, map[string]any{"user_id": target.UserID})
		try("members_add", hostMembersAdd, map[string]any{"room_id": target.RoomID, "user_ids": []int64{env.Caller.UserID}})
		try("room_messages", hostRoomMessages, map[string]any{"room_id": target.RoomID})
		try("user_rooms", hostUserRooms, map[string]any{"user_id": target.UserID})
		try("message_create", hostMessageCreate, map[string]any{"user_id": target.UserID,
			"args": map[string]any{"room_id": target.RoomID, "content": "pwned"}})
		try("message_react", hostMessageReact, map[string]any{"args": map[string]any{"type": "add",
			"message_id": target.MessageID, "reaction_content": "x"}})
		try("receipt_create", hostReceiptCreate, map[string]any{"args": map[string]any{"message_ids": []string{target.MessageID}}})
		try("notification_create", hostNotificationCreate, map[string]any{"message_id": target.MessageID,
			"type": "REPLY", "recipients": []int64{env.Caller.UserID}})
		return nextWith(env.Args, map[string]any{"leaked": leaked, "refused": refused})
	case "next_twice":
		if _, e := call(hostNext, env.Args); e != "" {
			return fail(e)
		}
		if _, e := call(hostNext, env.Args); e != "" {
			return fail(e)
		}
		return fail("the second next succeeded")
	}
	return fail("unknown mode")
}

// nextWith runs the rest of the chain and adds fields to the message it
// returns; an error of next is passed on unchanged.
func nextWith(args json.RawMessage, fields map[string]any) int32 {
	out, e := call(hostNext, args)
	if e != "" {
		return fail(e)
	}
	var msg map[string]any
	if err := json.Unmarshal(out, &msg); err != nil {
		return fail(err.Error())
	}
	for k, v := range fields {
		msg[k] = v
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return fail(err.Error())
	}
	pdk.Output(b)
	return 0
}

// call calls a chatwasm import with the JSON of req; on failure it returns
// the host's error (chatwasm_last_error) instead of a result.
func call(fn func(uint64) uint64, req any) (json.RawMessage, string) {
	var b []byte
	if raw, ok := req.(json.RawMessage); ok {
		b = raw
	} else {
		b, _ = json.Marshal(req)
	}
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

func fail(msg string) int32 {
	pdk.SetErrorString(msg)
	return 1
}
