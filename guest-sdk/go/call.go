package chatwasm

import (
	"encoding/json"
	"fmt"

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
	// types do not know. Like a json.RawMessage input, Args share the
	// SDK's input buffer and are valid until the hook returns: a hook that
	// keeps them for a later call keeps a copy (bytes.Clone). Hook, Tenant
	// and Caller are ordinary strings and may be kept.
	Args json.RawMessage `json:"args"`
}

// Handle runs a hook: it reads the call, decodes its arguments into In,
// calls fn, and writes fn's result (or error) as the call's output. Call it
// from the hook's //go:wasmexport function and return its status:
//
//	//go:wasmexport join_room
//	func joinRoom() int32 { return chatwasm.Handle(onJoin) }
//
// In or Out may be json.RawMessage to take or return JSON as it is (a
// json.RawMessage input is valid until the hook returns, see Call.Args).
func Handle[In, Out any](fn func(c Call, in In) (Out, error)) int32 {
	finishCollection()
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
	// json.RawMessage in and out is handled here, not by decode and encode:
	// passing in or out to their interface parameters would move in to the
	// heap and box out, an allocation each, for every call.
	var in In
	if raw, ok := any(&in).(*json.RawMessage); ok {
		*raw = c.Args
	} else {
		p := new(In)
		if err := decodeArgs(c.Args, p); err != nil {
			return nil, fmt.Errorf("chatwasm: decode the arguments of %s: %w", c.Hook, err)
		}
		in = *p
	}
	out, err := fn(c, in)
	if err != nil {
		return nil, err
	}
	if raw, ok := any(&out).(*json.RawMessage); ok {
		return rawJSON(*raw), nil
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
		return rawJSON(v), nil
	case []byte:
		return nil, fmt.Errorf("chatwasm: encode: []byte is ambiguous, use json.RawMessage for JSON")
	}
	return json.Marshal(v)
}

// rawJSON is JSON already encoded, "null" if empty.
func rawJSON(v json.RawMessage) []byte {
	if len(v) == 0 {
		return []byte("null")
	}
	return v
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
