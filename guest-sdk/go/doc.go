// Package chatwasm is the Go SDK for chatwasm modules: wasm plug-ins that
// extend or replace the operations of a chatwasm server (see abi/README.md
// for the contract in any language).
//
// A module is a Go main package built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o mod.wasm .
//
// Each hook is an ordinary Go function taking the Call and the hook's typed
// arguments, exported through a one-line //go:wasmexport stub (Go needs one
// per export) that hands it to Handle:
//
//	//go:wasmexport _create_message
//	func createMessage() int32 { return chatwasm.Handle(moderate) }
//
//	func moderate(c chatwasm.Call, in chatwasm.CreateMessageArgs) (chatwasm.Message, error) {
//		if strings.Contains(in.Content, "spam") {
//			return chatwasm.Message{}, chatwasm.Fail(4003, "Message contains prohibited content")
//		}
//		return chatwasm.Next[chatwasm.Message](c, c.Args)
//	}
//
// Handle decodes the call envelope and the arguments, runs the hook, and
// writes its result or its error. Next runs the rest of the chain (the
// reference's super()). Errors made with Fail reach the client as
// {"error":{"code":C,"detail":D}}; any other error becomes a 4003 whose
// detail is its text; an error returned by Next or by a host import, passed
// on unchanged (or wrapped), keeps its code and detail.
//
// The host imports (rooms, members, messages, users, rendering, the module's
// key-value store, events, logs) are methods of Call, each needing the
// capability abi/README.md names; Config reads the module's configuration
// and HTTP reaches the deployment's allowed hosts.
//
// Importing the package declares the ABI version the SDK speaks (it exports
// chatwasm_abi_v1), and payloads move in and out of the module with one host
// call each (chatwasm_input_read, chatwasm_output_write) instead of go-pdk's
// one per 8 bytes.
//
// The input is read into a buffer reused from call to call: Call.Args, and
// a json.RawMessage input, are valid until the hook returns (copy them to
// keep them); everything else a hook receives may be kept.
//
// Outside wasm (go vet, go test of a module's pure logic) the package
// compiles, but every host import fails with ErrNoHost.
package chatwasm
