//go:build wasip1

package chatwasm

import (
	"errors"
	"unsafe"

	"github.com/chatwasm/chatwasm/abi"
	pdk "github.com/extism/go-pdk"
)

// The Extism kernel's input length and chatwasm's bulk copies, which move a
// whole payload between the host and the module's memory in one call.

//go:wasmimport extism:host/env input_length
func hostInputLength() uint64

//go:wasmimport extism:host/user chatwasm_input_read
func hostInputRead(dst unsafe.Pointer, n uint32)

//go:wasmimport extism:host/user chatwasm_output_write
func hostOutputWrite(src unsafe.Pointer, n uint32)

//go:wasmimport extism:host/user chatwasm_error_write
func hostErrorWrite(src unsafe.Pointer, n uint32)

//go:wasmimport extism:host/user chatwasm_last_error
func hostLastError() uint64

//go:wasmimport extism:host/user chatwasm_block_new
func hostBlockNew(src unsafe.Pointer, n uint32) uint64

//go:wasmimport extism:host/user chatwasm_block_read
func hostBlockRead(off uint64, dst unsafe.Pointer)

//go:wasmimport extism:host/env length
func hostLength(off uint64) uint64

//go:wasmimport extism:host/env free
func hostFree(off uint64)

// chatwasm's host functions: a kernel offset of a JSON request in, of a JSON
// result out, 0 for a failure.

//go:wasmimport extism:host/user next
func hostNext(uint64) uint64

//go:wasmimport extism:host/user room_get
func hostRoomGet(uint64) uint64

//go:wasmimport extism:host/user room_property
func hostRoomProperty(uint64) uint64

//go:wasmimport extism:host/user room_members
func hostRoomMembers(uint64) uint64

//go:wasmimport extism:host/user members_add
func hostMembersAdd(uint64) uint64

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

//go:wasmimport extism:host/user kv_get
func hostKVGet(uint64) uint64

//go:wasmimport extism:host/user kv_set
func hostKVSet(uint64) uint64

//go:wasmimport extism:host/user kv_delete
func hostKVDelete(uint64) uint64

//go:wasmimport extism:host/user kv_list
func hostKVList(uint64) uint64

//go:wasmimport extism:host/user emit
func hostEmit(uint64) uint64

//go:wasmimport extism:host/user log
func hostLog(uint64) uint64

//go:wasmimport extism:host/user room_messages
func hostRoomMessages(uint64) uint64

//go:wasmimport extism:host/user user_rooms
func hostUserRooms(uint64) uint64

//go:wasmimport extism:host/user message_create
func hostMessageCreate(uint64) uint64

//go:wasmimport extism:host/user message_modify
func hostMessageModify(uint64) uint64

//go:wasmimport extism:host/user message_react
func hostMessageReact(uint64) uint64

//go:wasmimport extism:host/user receipt_create
func hostReceiptCreate(uint64) uint64

//go:wasmimport extism:host/user delivery_ack
func hostDeliveryAck(uint64) uint64

//go:wasmimport extism:host/user room_create
func hostRoomCreate(uint64) uint64

//go:wasmimport extism:host/user room_modify
func hostRoomModify(uint64) uint64

//go:wasmimport extism:host/user session_register
func hostSessionRegister(uint64) uint64

//go:wasmimport extism:host/user session_update
func hostSessionUpdate(uint64) uint64

//go:wasmimport extism:host/user notification_create
func hostNotificationCreate(uint64) uint64

//go:wasmimport extism:host/user notification_read
func hostNotificationRead(uint64) uint64

// hostFunc returns the host function of an abi import name.
func hostFunc(name string) func(uint64) uint64 {
	switch name {
	case abi.ImportNext:
		return hostNext
	case abi.ImportRoomGet:
		return hostRoomGet
	case abi.ImportRoomProperty:
		return hostRoomProperty
	case abi.ImportRoomMembers:
		return hostRoomMembers
	case abi.ImportMembersAdd:
		return hostMembersAdd
	case abi.ImportMembersRemove:
		return hostMembersRemove
	case abi.ImportMessageGet:
		return hostMessageGet
	case abi.ImportUserGet:
		return hostUserGet
	case abi.ImportRenderRoom:
		return hostRenderRoom
	case abi.ImportRenderMessage:
		return hostRenderMessage
	case abi.ImportRenderUser:
		return hostRenderUser
	case abi.ImportRenderNotification:
		return hostRenderNotification
	case abi.ImportKVGet:
		return hostKVGet
	case abi.ImportKVSet:
		return hostKVSet
	case abi.ImportKVDelete:
		return hostKVDelete
	case abi.ImportKVList:
		return hostKVList
	case abi.ImportEmit:
		return hostEmit
	case abi.ImportLog:
		return hostLog
	case abi.ImportRoomMessages:
		return hostRoomMessages
	case abi.ImportUserRooms:
		return hostUserRooms
	case abi.ImportMessageCreate:
		return hostMessageCreate
	case abi.ImportMessageModify:
		return hostMessageModify
	case abi.ImportMessageReact:
		return hostMessageReact
	case abi.ImportReceiptCreate:
		return hostReceiptCreate
	case abi.ImportDeliveryAck:
		return hostDeliveryAck
	case abi.ImportRoomCreate:
		return hostRoomCreate
	case abi.ImportRoomModify:
		return hostRoomModify
	case abi.ImportSessionRegister:
		return hostSessionRegister
	case abi.ImportSessionUpdate:
		return hostSessionUpdate
	case abi.ImportNotificationCreate:
		return hostNotificationCreate
	case abi.ImportNotificationRead:
		return hostNotificationRead
	}
	return nil
}

// maxKeptInput is the largest input buffer kept from call to call.
const maxKeptInput = 64 << 10

// inputBuf is the input of the call running, kept for the next one.
// Allocating it for every call was the largest cost of a call through the
// SDK: for 1 KiB, 1.4 µs of 2.9 (allocation, zeroing and the collections it
// brings), more than reading and writing the payload together.
var inputBuf []byte

// readInput returns the call's input, copied in one host call. It is valid
// until the call returns (see Call.Args).
func readInput() []byte {
	n := uint32(hostInputLength())
	b := inputBuf
	switch {
	case n > maxKeptInput:
		b = make([]byte, n)
	case int(n) > cap(b):
		inputBuf = make([]byte, n, max(n, 4<<10))
		b = inputBuf
	}
	b = b[:n]
	if n > 0 {
		hostInputRead(unsafe.Pointer(&b[0]), n)
	}
	return b
}

// writeOutput sets the call's output in one host call.
func writeOutput(b []byte) {
	if len(b) > 0 {
		hostOutputWrite(unsafe.Pointer(&b[0]), uint32(len(b)))
	}
}

// writeError sets the call's error message in one host call.
func writeError(b []byte) {
	if len(b) == 0 {
		b = []byte("chatwasm: empty error")
	}
	hostErrorWrite(unsafe.Pointer(&b[0]), uint32(len(b)))
}

// callImport calls the chatwasm import name with a JSON request and returns
// its JSON result, or the *Error it failed with.
func callImport(name string, req []byte) ([]byte, error) {
	fn := hostFunc(name)
	if fn == nil {
		return nil, refused(errors.New("chatwasm: unknown import " + name))
	}
	var in uint64
	if len(req) > 0 {
		in = hostBlockNew(unsafe.Pointer(&req[0]), uint32(len(req)))
	}
	off := fn(in)
	hostFree(in)
	if off == 0 {
		return nil, lastError()
	}
	return readBlock(off), nil
}

// lastError is the error of the host call that just failed.
func lastError() *Error {
	off := hostLastError()
	if off == 0 {
		return decodeHostError(nil)
	}
	return decodeHostError(readBlock(off))
}

// readBlock copies a kernel memory block out and frees it.
func readBlock(off uint64) []byte {
	b := make([]byte, hostLength(off))
	if len(b) > 0 {
		hostBlockRead(off, unsafe.Pointer(&b[0]))
	}
	hostFree(off)
	return b
}

// configGet reads a key of the module's config.
func configGet(key string) (string, bool) { return pdk.GetConfig(key) }

// httpSend sends an HTTP request through the Extism kernel; a request the
// host refused or that failed gets status 0 and the reason.
func httpSend(r HTTPRequest) (HTTPResponse, error) {
	m, ok := httpMethods[r.Method]
	if !ok {
		return HTTPResponse{}, refused(errors.New("chatwasm: unsupported HTTP method " + r.Method))
	}
	req := pdk.NewHTTPRequest(m, r.URL)
	for k, v := range r.Header {
		req.SetHeader(k, v)
	}
	req.SetBody(r.Body)
	resp := req.Send()
	if resp.Status() == 0 {
		return HTTPResponse{}, lastError()
	}
	mem := resp.Memory()
	body := resp.Body()
	mem.Free()
	return HTTPResponse{Status: int(resp.Status()), Header: resp.Headers(), Body: body}, nil
}

var httpMethods = map[string]pdk.HTTPMethod{
	"GET": pdk.MethodGet, "HEAD": pdk.MethodHead, "POST": pdk.MethodPost, "PUT": pdk.MethodPut,
	"PATCH": pdk.MethodPatch, "DELETE": pdk.MethodDelete, "OPTIONS": pdk.MethodOptions,
}
