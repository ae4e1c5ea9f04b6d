// Command webhook is a chatwasm module that tells another service about
// every message. It extends create_message: once the default has stored
// the message (next), it POSTs {"room": <room id>, "sender": <username>}
// to its config's url. The webhook never fails the message: a refused or
// failed request, or an error status, is logged and the message goes out
// as the default made it. (A webhook slower than the module's timeout is a
// fault; deploy it with on_failure: open so that the message still goes
// out.)
package main

import (
	"encoding/json"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport create_message
func createMessage() int32 { return chatwasm.Handle(notify) }

// event is what the webhook receives.
type event struct {
	Room   string `json:"room"`
	Sender string `json:"sender"`
}

func notify(c chatwasm.Call, _ json.RawMessage) (chatwasm.Message, error) {
	m, err := chatwasm.Next[chatwasm.Message](c, c.Args)
	if err != nil {
		return m, err // the message failed: nothing to tell
	}
	url, ok := chatwasm.Config("url")
	if !ok {
		_ = c.Log(chatwasm.LevelError, "webhook: no url in the module config")
		return m, nil
	}
	body, err := json.Marshal(event{Room: m.Room.ID, Sender: m.Sender.Username})
	if err != nil {
		return m, nil
	}
	resp, err := chatwasm.HTTP(chatwasm.HTTPRequest{Method: "POST", URL: url,
		Header: map[string]string{"Content-Type": "application/json"}, Body: body})
	switch {
	case err != nil:
		_ = c.Log(chatwasm.LevelWarn, "webhook failed", "url", url, "err", err.Error())
	case resp.Status >= 300:
		_ = c.Log(chatwasm.LevelWarn, "webhook failed", "url", url, "status", resp.Status)
	}
	return m, nil
}
