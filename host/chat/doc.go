// Package chat is the default logic of every chat operation: the EventHandler
// and PermissionHandler of the reference (docs/protocol.md §2, §5). It knows nothing
// of WebSockets: the gateway hands it a decoded frame and applies the Effects
// it returns, in order, after the operation's transaction committed.
//
// With WithModules, the modules of a hooks.Manager wrap the operations
// (docs/architecture.md, "The operation pipeline"): permission hooks around the checks
// (perm_hooks.go), the extend and replace chains around each operation and
// the serializer hooks on its output (op.go, serialize_hooks.go), custom
// actions (action_custom.go), the exception hook on errors (exception.go)
// and the events modules emit (request.go). The operations' inputs and
// outputs are the exported *In/*Out types, the JSON payloads modules see
// (abi/README.md lists them). Without modules none of this costs anything.
//
// # Layout
//
// The operations and the module pipeline are here; what they stand on is
// below them: package wire is the wire model (client errors, effects, the
// serializers of messages and rooms), package field the parsing of a
// frame's data (ids, field validators, sanitising, pagination).
//
// Every operation is one descriptor, an operation[In, Out] (operation.go),
// listed in the operation table (operations.go). Handle dispatches client
// events through it; DefaultHook and RunOperation run an operation's core
// for tools; the write flags and the chains modules hook are derived from
// it. An action runs its descriptor's stages in order (operation.handle):
// the frame's data is decoded, check validates it and runs the permission
// checks, the operation runs (runCore: the core in one transaction, with
// the module layers around it when modules hook it), and audience turns
// the output into effects after refusing an output that names a room or
// user the host did not resolve.
//
// # Adding an operation
//
// Take a hypothetical message.pin, whose operation pin_message pins a
// message of a room. First, name the operation in the module ABI:
// abi.OpPinMessage = "pin_message", listed in abi.Operations, so that
// modules can hook pin_message and _pin_message. Then write message_pin.go
// here, with the payloads modules see (PinIn, PinOut) and the descriptor:
//
//	// messagePin is message.pin: ...
//	var messagePin = &operation[PinIn, PinOut]{
//		event: "message.pin", name: abi.OpPinMessage, write: true,
//		check:    (*Service).pinCheck,
//		core:     (*Service).pinMessage,
//		audience: (*Service).pinned,
//	}
//
// with its stages, in the same file. pinCheck validates the data and runs
// the permission checks in the reference's order, and returns the core's
// input with what the checks granted (grantRoom, grantMessages).
// pinMessage(ctx, call, in) runs in call.Tx for call.Caller; a module may
// have changed in, so it trusts only the ids call.Grant holds and re-checks
// any other (regrant, regrantMessages). pinned checks the output against
// what check resolved (forgedOutput) and returns the frames (wire.SendTo).
//
// Last, add messagePin.entry() to the operation table in operations.go, and
// give payload_test.go an example of PinIn and PinOut to regenerate the
// payload table of abi/README.md (TestPayloadReference).
// TestOperationTable checks that the table and abi.Operations agree.
package chat
