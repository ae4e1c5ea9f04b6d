package chat

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat/wire"
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
	own, err := wire.SendTo(wire.RoomGroup("r1"), "message.dispatch", map[string]string{"id": "m"})
	if err != nil {
		t.Fatal(err)
	}
	eff, err := r.finish([]wire.Effect{{Kind: wire.Subscribe, UserID: 7, RoomID: "r1"}, own})
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

// TestRequestMembership checks that membership changes made by modules become
// subscription changes after the operation's own effects and before emitted
// events, and that a rolled back transaction drops them.
func TestRequestMembership(t *testing.T) {
	ctx := context.Background()
	r := &request{}
	m := r.mark()
	r.membership(ctx, "r1", []int64{5}, true)
	r.rollback(m) // the transaction rolled back: bob was never added
	r.membership(ctx, "r1", []int64{7, 8}, true)
	r.membership(ctx, "r2", []int64{9}, false)
	_ = r.emit(ctx, abi.Event{To: abi.ToRoom, RoomID: "r1", EventType: "room.approved", Data: json.RawMessage(`{}`)})
	eff, err := r.finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.Effect{
		{Kind: wire.Subscribe, UserID: 7, RoomID: "r1"},
		{Kind: wire.Subscribe, UserID: 8, RoomID: "r1"},
		{Kind: wire.Unsubscribe, UserID: 9, RoomID: "r2"},
	}
	if len(eff) != len(want)+1 {
		t.Fatalf("%d effects, want %d: %+v", len(eff), len(want)+1, eff)
	}
	for i, w := range want {
		if eff[i].Kind != w.Kind || eff[i].UserID != w.UserID || eff[i].RoomID != w.RoomID {
			t.Errorf("effect %d = %+v, want %+v", i, eff[i], w)
		}
	}
	if last := eff[len(eff)-1]; last.Kind != wire.Send || last.Group != "group-r1" {
		t.Errorf("last effect = %+v, want the emitted event to group-r1", last)
	}
}
