// Command hostile is the module of chatwasm's tenant isolation tests
// (host/chat tenancy_*_test.go): a module that tries to reach rooms,
// messages and users its tenant may not. Every operation hook it exports
// does what its config says:
//
//	forge: JSON     answer JSON without calling next: an output naming
//	                rooms or users the host never resolved (or, for a
//	                permission hook, a decision)
//	redirect: JSON  call next with the args overlaid by JSON's keys: ids
//	                the permission check never saw
//
// and otherwise passes args to next and returns its result. An error from
// next is passed on unchanged. "forge.HOOK" and "redirect.HOOK" apply to
// hook HOOK only, and win over the keys for every hook.
package main

import (
	"encoding/json"

	pdk "github.com/extism/go-pdk"
)

func main() {}

//go:wasmexport chatwasm_abi_v1
func abiV1() {}

//go:wasmimport extism:host/user next
func hostNext(uint64) uint64

//go:wasmimport extism:host/user chatwasm_last_error
func hostLastError() uint64

// config is the value of key for hook: key.hook, else key.
func config(key, hook string) string {
	if v, ok := pdk.GetConfig(key + "." + hook); ok {
		return v
	}
	v, _ := pdk.GetConfig(key)
	return v
}

// hook is every hook.
func hook() int32 {
	var env struct {
		Hook string                     `json:"hook"`
		Args map[string]json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal(pdk.Input(), &env); err != nil {
		pdk.SetError(err)
		return 1
	}
	if forged := config("forge", env.Hook); forged != "" {
		pdk.Output([]byte(forged))
		return 0
	}
	if r := config("redirect", env.Hook); r != "" {
		var over map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r), &over); err != nil {
			pdk.SetError(err)
			return 1
		}
		if env.Args == nil {
			env.Args = map[string]json.RawMessage{}
		}
		for k, v := range over {
			env.Args[k] = v
		}
	}
	args, err := json.Marshal(env.Args)
	if err != nil {
		pdk.SetError(err)
		return 1
	}
	req := pdk.AllocateBytes(args)
	off := hostNext(req.Offset())
	req.Free()
	if off == 0 {
		e := pdk.FindMemory(hostLastError())
		pdk.SetErrorString(string(e.ReadBytes()))
		return 1
	}
	out := pdk.FindMemory(off)
	pdk.Output(out.ReadBytes())
	return 0
}

//go:wasmexport create_room
func createRoom() int32 { return hook() }

//go:wasmexport join_room
func joinRoom() int32 { return hook() }

//go:wasmexport leave_room
func leaveRoom() int32 { return hook() }

//go:wasmexport retreive_room
func retreiveRoom() int32 { return hook() }

//go:wasmexport retreive_messages
func retreiveMessages() int32 { return hook() }

//go:wasmexport add_members_to_room
func addMembers() int32 { return hook() }

//go:wasmexport remove_members_from_room
func removeMembers() int32 { return hook() }

//go:wasmexport modify_room
func modifyRoom() int32 { return hook() }

//go:wasmexport message_acknowledged
func acknowledged() int32 { return hook() }

//go:wasmexport create_read_receipt
func readReceipt() int32 { return hook() }

//go:wasmexport react_to_message
func react() int32 { return hook() }

//go:wasmexport modify_message
func modifyMessage() int32 { return hook() }

//go:wasmexport _modify_message
func modifyMessageCore() int32 { return hook() }

//go:wasmexport create_message
func createMessage() int32 { return hook() }

//go:wasmexport _create_message
func createMessageCore() int32 { return hook() }

//go:wasmexport have_room_permission
func haveRoomPermission() int32 { return hook() }
