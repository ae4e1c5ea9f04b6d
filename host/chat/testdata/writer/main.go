// Command writer is the module of the write imports' tests (host/chat
// imports_write_test.go). Its _create_message reads a script from the
// message's content, {"calls": [{"import": NAME, "request": JSON}],
// "then": WHAT, "forge": JSON}, makes the calls in order, and then:
//
//	return  returns the last call's result (its error if it failed),
//	        without next
//	fail    fails with a 4003 ["scripted failure"]
//	forge   returns forge, without next
//	next    (or "") calls next with the content "scripted" and returns
//	        its message with the field "outcomes": each call's result or
//	        error
//
// A content that is not a script goes to next unchanged. The action
// writer.run makes the calls of the script its data is and fails with the
// first call's error.
package main

import (
	"encoding/json"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport _create_message
func createMessage() int32 { return chatwasm.Handle(run) }

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport action_writer.run
func action() int32 { return chatwasm.Handle(runAction) }

func runAction(_ chatwasm.Call, s script) (json.RawMessage, error) {
	for _, call := range s.Calls {
		if _, err := chatwasm.Import(call.Import, call.Request); err != nil {
			return nil, err
		}
	}
	return json.RawMessage("null"), nil
}

type script struct {
	Calls []struct {
		Import  string          `json:"import"`
		Request json.RawMessage `json:"request"`
	} `json:"calls"`
	Then  string          `json:"then"`
	Forge json.RawMessage `json:"forge"`
}

type outcome struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

func run(c chatwasm.Call, in chatwasm.CreateMessageArgs) (json.RawMessage, error) {
	var s script
	if err := json.Unmarshal([]byte(in.Content), &s); err != nil || (len(s.Calls) == 0 && s.Then == "") {
		return chatwasm.Next[json.RawMessage](c, c.Args)
	}
	var (
		outs    []outcome
		lastErr error
		last    json.RawMessage
	)
	for _, call := range s.Calls {
		last, lastErr = chatwasm.Import(call.Import, call.Request)
		o := outcome{Result: last}
		if lastErr != nil {
			o.Error = lastErr.Error()
		}
		outs = append(outs, o)
	}
	switch s.Then {
	case "return":
		return last, lastErr
	case "fail":
		return nil, chatwasm.Fail(4003, "scripted failure")
	case "forge":
		return s.Forge, nil
	}
	in.Content = "scripted"
	msg, err := chatwasm.Next[map[string]any](c, in)
	if err != nil {
		return nil, err
	}
	msg["outcomes"] = outs
	return json.Marshal(msg)
}
