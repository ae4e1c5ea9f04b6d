package chat

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
)

// TestRequestEvents checks the bookkeeping of emitted events: a rolled back
// (or retried) transaction drops its events, and the rest follow the
// operation's own effects, in order, to the room or the user.
func TestRequestEvents(t *testing.T) {
	ctx := context.Background()
	r := &request{}
	ev := func(to, eventType string) abi.Event {
		return abi.Event{To: to, RoomID: "r1", UserID: 7, EventType: eventType, Data: json.RawMessage(`{"n":1}`)}
	}
	_ = r.emit(ctx, ev(abi.ToRoom, "extend.before"))
	mark := r.mark()
	_ = r.emit(ctx, ev(abi.ToRoom, "first.attempt"))
	r.rollback(mark) // the transaction is retried
	_ = r.emit(ctx, ev(abi.ToUser, "second.attempt"))
	own, err := SendTo(RoomGroup("r1"), "message.dispatch", map[string]string{"id": "m"})
	if err != nil {
		t.Fatal(err)
	}
	eff, err := r.finish([]Effect{{Kind: Subscribe, UserID: 7, RoomID: "r1"}, own})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ group, frame string }{
		{"", ""},
		{"group-r1", `{"type":"broadcast_group","eventType":"message.dispatch","data":{"id":"m"}}`},
		{"group-r1", `{"type":"broadcast_group","eventType":"extend.before","data":{"n":1}}`},
		{"user-7", `{"type":"broadcast_group","eventType":"second.attempt","data":{"n":1}}`},
	}
	if len(eff) != len(want) {
		t.Fatalf("%d effects, want %d: %+v", len(eff), len(want), eff)
	}
	for i, w := range want {
		if eff[i].Group != w.group || string(eff[i].Frame) != w.frame {
			t.Errorf("effect %d: %s %s, want %s %s", i, eff[i].Group, eff[i].Frame, w.group, w.frame)
		}
	}
	var none *request
	if eff, err := none.finish(nil); eff != nil || err != nil || none.has("t", "x") {
		t.Error("a nil request is not inert")
	}
}
