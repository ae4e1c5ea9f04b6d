package payload

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestNotificationGroupsJSON: NotificationGroups.AppendJSON writes the
// bytes encoding/json writes for each room's notifications, keyed by room
// id in order, with nil lists and messages as null.
func TestNotificationGroupsJSON(t *testing.T) {
	chain := fuzzMessage("a<b", "\u2028", "k", []byte(`1`), []byte(`{}`), 5, 0xff, 2)
	groups := NotificationGroups{
		{RoomID: "r<2>", Notifications: []Notification{{ID: "n1", NotificationType: "NEW_MESSAGE", Message: chain},
			{ID: "n&2", Message: nil}}},
		{RoomID: "r1", Notifications: []Notification{}},
		{RoomID: "r0"},
	}
	for _, g := range []NotificationGroups{nil, {}, groups} {
		want := []byte{'{'}
		for i, grp := range g {
			k, _ := json.Marshal(grp.RoomID)
			v, err := json.Marshal(grp.Notifications)
			if err != nil {
				t.Fatal(err)
			}
			if i > 0 {
				want = append(want, ',')
			}
			want = append(append(append(want, k...), ':'), v...)
		}
		want = append(want, '}')
		got, err := g.AppendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("AppendJSON %v\n got %s\nwant %s", err, got, want)
		}
		var back NotificationGroups
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		if again, _ := back.AppendJSON(nil); !bytes.Equal(again, got) {
			t.Errorf("round trip\n got %s\nwant %s", again, got)
		}
	}
}
