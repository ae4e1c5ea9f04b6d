// Command pdkecho is sdkguest's retreive_room and leave_room written with
// plain go-pdk, the baseline of the SDK's benchmarks.
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

// args decodes the call envelope's args.
func args() (json.RawMessage, bool) {
	var call struct {
		Args json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal(pdk.Input(), &call); err != nil {
		pdk.SetError(err)
		return nil, false
	}
	return call.Args, true
}

// retreiveRoom returns its arguments.
//
//go:wasmexport retreive_room
func retreiveRoom() int32 {
	a, ok := args()
	if !ok {
		return 1
	}
	pdk.Output(a)
	return 0
}

// leaveRoom runs the rest of the chain.
//
//go:wasmexport leave_room
func leaveRoom() int32 {
	a, ok := args()
	if !ok {
		return 1
	}
	req := pdk.AllocateBytes(a)
	off := hostNext(req.Offset())
	req.Free()
	if off == 0 {
		msg := pdk.FindMemory(hostLastError())
		pdk.SetErrorString(string(msg.ReadBytes()))
		return 1
	}
	res := pdk.FindMemory(off)
	pdk.Output(res.ReadBytes())
	return 0
}
