// Command heartless is a test module of the TypeScript client's tests: its
// update_session fails with a 4006 for the user "heartless", so that every
// session.heartbeat of that user is answered with an error frame instead of
// {"status":"success"}; everyone else's heartbeats go on as usual.
package main

import (
	"encoding/json"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport update_session
func updateSession() int32 { return chatwasm.Handle(update) }

func update(c chatwasm.Call, _ json.RawMessage) (json.RawMessage, error) {
	if c.Caller.Username == "heartless" {
		return nil, &chatwasm.Error{Code: 4006, Detail: "Internal server error."}
	}
	return chatwasm.Next[json.RawMessage](c, c.Args)
}
