// Command slowhook is a module whose create_message hook takes 100 ms before
// it hands the message to next unchanged: the burst benchmark
// (bench/burst_test.go) loads it to see what a slow module does to a
// server under a burst.
//
// Without config it sleeps (time.Sleep; the deployment grants it "clock",
// which makes a sleep a real wait in the host, cut at the call's deadline:
// abi/README.md, "Host imports"). With config url it waits on the network
// instead, as a webhook does: it GETs url, which the benchmark answers
// after 100 ms.
package main

import (
	"encoding/json"
	"time"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

// wait is how long the hook takes before it calls next.
const wait = 100 * time.Millisecond

func createMessage(c chatwasm.Call, _ json.RawMessage) (json.RawMessage, error) {
	if url, ok := chatwasm.Config("url"); ok {
		if _, err := chatwasm.HTTP(chatwasm.HTTPRequest{Method: "GET", URL: url}); err != nil {
			return nil, err
		}
	} else {
		time.Sleep(wait)
	}
	return chatwasm.Next[json.RawMessage](c, c.Args)
}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport create_message
func hookCreateMessage() int32 { return chatwasm.Handle(createMessage) }
