package chatwasm

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/chatwasm/chatwasm/abi"
)

// Caller is the user an operation runs for; SessionID is 0 when the call
// does not come from a connection.
type Caller = abi.Caller

// Call is one hook call: which hook, for which tenant and user, with which
// arguments. The host imports are its methods; they act on the request the
// call belongs to (its tenant, and in a replace hook its transaction).
type Call struct {
	// Hook is the export being called, e.g. "_create_message".
	Hook string `json:"hook"`
	// Tenant is the request's tenant: every import is scoped to it.
	Tenant string `json:"tenant"`
	Caller Caller `json:"caller"`
	// Args are the hook's arguments as the host sent them. Passing them to
	// Next unchanged passes on every field, including any this SDK's
	// types do not know.
	Args json.RawMessage `json:"args"`
}

// Handle runs a hook: it reads the call, decodes its arguments into In,
// calls fn, and writes fn's result (or error) as the call's output. Call it
// from the hook's //go:wasmexport function and return its status:
//
//	//go:wasmexport join_room
//	func joinRoom() int32 { return chatwasm.Handle(onJoin) }
//
// In or Out may be json.RawMessage to take or return JSON as it is.
func Handle[In, Out any](fn func(c Call, in In) (Out, error)) int32 {
	collectGarbage()
	out, err := handle(readInput(), fn)
	if err != nil {
		writeError(encodeError(err))
		return 1
	}
	writeOutput(out)
	return 0
}

// handle is Handle on an input, returning the output to write.
func handle[In, Out any](input []byte, fn func(Call, In) (Out, error)) ([]byte, error) {
	c, err := parseCall(input)
	if err != nil {
		return nil, fmt.Errorf("chatwasm: decode the call: %w", err)
	}
	var in In
	if err := decode(c.Args, &in); err != nil {
		return nil, fmt.Errorf("chatwasm: decode the arguments of %s: %w", c.Hook, err)
	}
	out, err := fn(c, in)
	if err != nil {
		return nil, err
	}
	return encode(out)
}

// Next runs the rest of the hook's chain, the reference's super(): the next
// module's layer or, at the end, the host's default. args are the
// arguments for it (c.Args to pass on the hook's own unchanged), and its
// result is decoded into Out. Next may be called at most once per call. Its
// error, returned unchanged or wrapped, fails the hook with the original
// error.
func Next[Out any](c Call, args any) (Out, error) {
	var out Out
	req, err := encode(args)
	if err != nil {
		return out, err
	}
	res, err := callImport(abi.ImportNext, req)
	if err != nil {
		return out, err
	}
	if err := decode(res, &out); err != nil {
		return out, fmt.Errorf("chatwasm: decode the result of next in %s: %w", c.Hook, err)
	}
	return out, nil
}

// encode is json.Marshal, except that JSON already encoded is taken as it
// is, without the validation and compaction json.Marshal would do again.
func encode(v any) ([]byte, error) {
	switch v := v.(type) {
	case json.RawMessage:
		if len(v) == 0 {
			return []byte("null"), nil
		}
		return v, nil
	case []byte:
		return nil, fmt.Errorf("chatwasm: encode: []byte is ambiguous, use json.RawMessage for JSON")
	}
	return json.Marshal(v)
}

// decode is json.Unmarshal, except that a json.RawMessage destination gets
// the data without a validating pass, and empty data leaves v as it is.
func decode(data []byte, v any) error {
	if len(data) == 0 {
		return nil
	}
	if raw, ok := v.(*json.RawMessage); ok {
		*raw = data
		return nil
	}
	return json.Unmarshal(data, v)
}

// gcEvery is how many hook calls an instance serves between forced
// collections.
const gcEvery = 1024

// calls counts the hook calls of this instance (one goroutine at a time:
// an instance serves one call at a time).
var calls uint32

// collectGarbage runs the garbage collector every gcEvery calls. A Go module
// is a wasip1 reactor: its goroutines run only while an export runs, and an
// export returns as soon as its hook is done, so the collector's background
// work may never be scheduled and the heap can grow call after call until
// the instance hits its memory cap. Seen in host/hooks
// BenchmarkModuleSDK1K/sdk-echo (a 1 KiB echo, 64 MiB cap): without this,
// every one of 6 runs had an instance trap out of memory after some 10^5
// calls; with it, none did, at no measurable cost per call.
func collectGarbage() {
	calls++
	if calls%gcEvery == 0 {
		runtime.GC()
	}
}
