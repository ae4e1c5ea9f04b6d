package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

func TestDiffFields(t *testing.T) {
	b := []byte(`{"id":"m","content":"a","n":[1, 2]}`)
	add, err := DiffFields(b, []byte(`{"content":"a","id":"m","n":[1,2],"p":true}`))
	if err != nil || len(add) != 1 || string(add["p"]) != "true" {
		t.Errorf("diffFields: %v, %v", add, err)
	}
	if _, err := DiffFields([]byte(`[1]`), []byte(`{"a":1}`)); err == nil {
		t.Error("diffFields of an array succeeded")
	}
}

func TestPatchMessages(t *testing.T) {
	frame := []byte(`{"type":"broadcast_group","data":{"id":"r","last_message":{"id":"m1","parent_message":{"id":"m2"}},` +
		`"list":[{"id":"m2","x":1},{"id":7}]}}`)
	extras := map[string]map[string]json.RawMessage{
		"m2": {"p": json.RawMessage(`"high"`)},
		"m1": {"x": json.RawMessage(`2`)},
	}
	got, err := PatchMessages(frame, extras)
	want := `{"type":"broadcast_group","data":{"id":"r","last_message":{"id":"m1","parent_message":{"id":"m2","p":"high"},"x":2},` +
		`"list":[{"id":"m2","x":1,"p":"high"},{"id":7}]}}`
	if err != nil || string(got) != want {
		t.Errorf("patchMessages:\n got %s, %v\nwant %s", got, err, want)
	}
	if got, _ := PatchMessages(frame, map[string]map[string]json.RawMessage{"absent": {"p": nil}}); string(got) != string(frame) {
		t.Errorf("a frame without the ids changed: %s", got)
	}
}

func TestAsErrorOfModules(t *testing.T) {
	mod := &abi.Error{Code: 4007, Detail: []string{"custom"}}
	for _, c := range []struct {
		Err    error
		Code   int
		Detail string
	}{
		{mod, 4007, `["custom"]`},
		{fmt.Errorf("wrapped: %w", mod), 4007, `["custom"]`},
		{&hooks.Error{Module: "m", Hook: "h", Wire: mod, Err: store.ErrNotFound}, 4007, `["custom"]`},
		{&Error{Code: 4008, Detail: "mapped", Err: &hooks.Error{Wire: mod}}, 4008, `"mapped"`},
		{fmt.Errorf("x: %w", store.ErrConflict), CodeIntegrity, `"Database constraint violated."`},
		{errors.New("boom"), CodeInternal, `"Internal server error."`},
	} {
		ce := AsError(c.Err)
		d, _ := json.Marshal(ce.Detail)
		if ce.Code != c.Code || string(d) != c.Detail {
			t.Errorf("AsError(%v) = %d %s, want %d %s", c.Err, ce.Code, d, c.Code, c.Detail)
		}
	}
	if w := WireError(ErrUnknownEvent); w.Code != CodeValidation || w.Detail != "invalid event type" {
		t.Errorf("WireError(ErrUnknownEvent) = %+v", w)
	}
}
