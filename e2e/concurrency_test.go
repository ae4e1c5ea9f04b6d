package e2e

import (
	"fmt"
	"testing"
)

// TestConcurrentOneToOneCreate: 20 simultaneous room.create of the same pair,
// from both sides, make exactly one room.
func TestConcurrentOneToOneCreate(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alice := s.CreateUser(t, "alice")
	bob := s.CreateUser(t, "bob")
	var cs []*client
	for range 10 {
		cs = append(cs, s.connect(t, alice), s.connect(t, bob))
	}
	sendAll(t, cs, func(i int) (string, any) {
		peer := bob
		if cs[i].u.ID == bob.ID {
			peer = alice
		}
		return "room.create", map[string]any{"type": "OneToOneChat", "participants": []int64{peer.ID}}
	})
	fs := gather(t, cs, func(fs []tagged) bool {
		return len(countEvents(fs, "roomcreate.dispatch")) == len(cs) && len(errorFrames(fs)) == len(cs)-1
	})
	created := countEvents(fs, "roomcreate.dispatch")
	for i := range cs {
		if created[i] != 1 {
			t.Fatalf("client %d got %d roomcreate.dispatch, want 1", i, created[i])
		}
	}
	var roomID any
	for _, f := range fs {
		if f.f.EventType() == "roomcreate.dispatch" {
			if roomID != nil && get(t, f.f.Object, "data", "id") != roomID {
				t.Fatalf("two different rooms were created: %v and %v", roomID, get(t, f.f.Object, "data", "id"))
			}
			roomID = get(t, f.f.Object, "data", "id")
			continue
		}
		if _, ok := f.f.Object["error"]; !ok {
			t.Fatalf("unexpected frame %s", f.f)
		}
		code := asInt(t, get(t, f.f.Object, "error", "code"))
		if code != 4003 || !containsString(get(t, f.f.Object, "error", "detail"), "Chat already exists") {
			t.Errorf("a losing room.create got %s, want 4003 \"Chat already exists\"", f.f)
		}
	}
	list := roomList(t, cs[0])
	if len(list) != 1 || list[0].(map[string]any)["id"] != roomID {
		t.Fatalf("alice's rooms = %s, want only %v", mustJSON(list), roomID)
	}
	for i := 2; i < len(cs); i += 2 { // alice's other devices
		cs[i].expect("roomlist.dispatch")
	}
}

// TestConcurrentIdenticalMarks: the same reaction, or the same read
// receipt, sent at once from ten connections of one user is stored once;
// the others are 4005.
func TestConcurrentIdenticalMarks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		event    string
		data     func(messageID any) map[string]any
		dispatch string
		stored   string // the message's list holding the marks
	}{
		{"reaction", "message.react", func(id any) map[string]any {
			return map[string]any{"type": "add", "message_id": id, "reaction_content": "👍"}
		}, "reaction.dispatch", "reactions"},
		{"read", "message.read", func(id any) map[string]any {
			return map[string]any{"message_id": id}
		}, "readreceipt.dispatch", "read_receipts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t)
			alice := s.login(t, "alice")
			bobUser := s.CreateUser(t, "bob")
			bobs := s.connectN(t, bobUser, 10)
			dm := createOneToOne(t, alice, bobUser, bobs...)
			m := sendMessage(t, alice, dm, "mark me", bobs...)

			sendAll(t, bobs, func(int) (string, any) { return tc.event, tc.data(m["id"]) })
			all := append([]*client{alice}, bobs...)
			fs := gather(t, all, func(fs []tagged) bool {
				return len(countEvents(fs, tc.dispatch)) == len(all) && len(errorFrames(fs)) == len(bobs)-1
			})
			for i, n := range countEvents(fs, tc.dispatch) {
				if n != 1 {
					t.Fatalf("%s (client %d) got %d %s, want 1", all[i].u.Username, i, n, tc.dispatch)
				}
			}
			for _, f := range errorFrames(fs) {
				if !jsonEqual(f.f.Object, map[string]any{"error": map[string]any{"code": 4005, "detail": "Database constraint violated."}}) {
					t.Errorf("a losing %s got %s, want 4005", tc.event, f.f)
				}
			}
			marks := asArray(t, get(t, history(t, alice, dm), 0, tc.stored))
			if len(marks) != 1 {
				t.Fatalf("stored %s = %s, want exactly one", tc.stored, mustJSON(marks))
			}
		})
	}
}

// TestConcurrentAddMembersCap: simultaneous add_members past a small cap
// never exceed it.
func TestConcurrentAddMembersCap(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alices := s.connectN(t, s.CreateUser(t, "alice"), 8)
	var users []user
	for i := range 8 {
		users = append(users, s.CreateUser(t, fmt.Sprintf("u%d", i)))
	}
	group := createGroup(t, alices[0], "capped", nil, map[string]any{"max_participants": 5}, alices[1:]...)

	sendAll(t, alices, func(i int) (string, any) {
		return "room.add_members", map[string]any{"room_id": group, "members": []int64{users[i].ID}}
	})
	// 4 adds fit (creator + 4 = 5): each broadcast reaches all 8 connections;
	// the other 4 requests fail.
	fs := gather(t, alices, func(fs []tagged) bool {
		n := 0
		for _, c := range countEvents(fs, "roomaddmembers.dispatch") {
			n += c
		}
		return n+len(errorFrames(fs)) >= 4*len(alices)+4
	})
	added := map[string]bool{}
	for _, f := range fs {
		if f.f.EventType() == "roomaddmembers.dispatch" {
			for _, n := range asArray(t, get(t, f.f.Object, "data", "new_members")) {
				added[asString(t, n)] = true
			}
			if p := len(asArray(t, get(t, f.f.Object, "data", "room", "participants"))); p > 5 {
				t.Fatalf("a broadcast shows %d participants, cap 5: %s", p, f.f)
			}
		}
	}
	for _, f := range errorFrames(fs) {
		if asInt(t, get(t, f.f.Object, "error", "code")) != 4003 ||
			!containsString(get(t, f.f.Object, "error", "detail"), "Maximum number of group participants exceeded") {
			t.Errorf("a refused add got %s, want 4003 Maximum number of group participants exceeded", f.f)
		}
	}
	if len(added) != 4 || len(errorFrames(fs)) != 4 {
		t.Fatalf("%d users added (%v), %d refused; want 4 and 4", len(added), added, len(errorFrames(fs)))
	}
	info := roomInfo(t, alices[0], group)
	if n := len(asArray(t, info["participants"])); n != 5 {
		t.Fatalf("participants = %d, want 5 (the cap)", n)
	}
	expectAll("roominfo.dispatch", alices[1:]...)
}

// TestConcurrentLeaveOfEveryMember: all members of a group leave at once;
// the last one out deletes it, exactly once, whatever the interleaving.
func TestConcurrentLeaveOfEveryMember(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	var cs []*client
	var members []user
	for i := range 6 {
		c := s.login(t, fmt.Sprintf("m%d", i))
		cs = append(cs, c)
		members = append(members, c.u)
	}
	outsider := s.login(t, "outsider")
	group := createGroup(t, cs[0], "everyone leaves", members[1:], nil, cs[1:]...)

	sendAll(t, cs, func(int) (string, any) { return "room.leave", map[string]any{"room_id": group} })
	// Each leaver gets roomexit (or, the last one, roomdelete), plus the
	// roomremovemembers of those who left while it was still subscribed.
	fs := gatherAll(t, cs, func(fs []tagged) bool {
		return len(countEvents(fs, "roomexit.dispatch"))+len(countEvents(fs, "roomdelete.dispatch")) == len(cs)
	})
	if n := len(countEvents(fs, "roomdelete.dispatch")); n != 1 {
		t.Fatalf("%d roomdelete.dispatch, want exactly 1 (the last member out): %v", n, fs)
	}
	for _, f := range errorFrames(fs) {
		t.Errorf("a leave failed: %s", f.f)
	}
	outsider.send("room.info", map[string]any{"room_id": group})
	outsider.expectErrorDetail(4004, "Resource not found.")
}

// TestConcurrentJoinCap: simultaneous joins of a public channel never exceed
// max_subscribers.
func TestConcurrentJoinCap(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	alice := s.login(t, "alice")
	ch := createChannel(t, alice, "popular", nil, map[string]any{"is_public": true, "max_subscribers": 4})
	var cs []*client
	for i := range 8 {
		cs = append(cs, s.login(t, fmt.Sprintf("j%d", i)))
	}
	sendAll(t, cs, func(int) (string, any) { return "room.join", map[string]any{"room_id": ch} })
	// 3 joins fit: alice sees their 3 broadcasts, the 5 others are refused.
	fs := gatherAll(t, append([]*client{alice}, cs...), func(fs []tagged) bool {
		return countEvents(fs, "roomaddmembers.dispatch")[0] == 3 && len(errorFrames(fs)) == 5
	})
	if n := countEvents(fs, "roomaddmembers.dispatch")[0]; n != 3 {
		t.Fatalf("alice saw %d joins, want 3", n)
	}
	joined := map[string]bool{}
	for _, f := range fs {
		if f.f.EventType() == "roomaddmembers.dispatch" {
			joined[asString(t, get(t, f.f.Object, "data", "new_members", 0))] = true
			if n := len(asArray(t, get(t, f.f.Object, "data", "room", "subscribers"))); n > 4 {
				t.Fatalf("a broadcast shows %d subscribers, cap 4: %s", n, f.f)
			}
		}
	}
	if len(joined) != 3 || len(errorFrames(fs)) != 5 {
		t.Fatalf("%d joined (%v), %d refused; want 3 and 5", len(joined), joined, len(errorFrames(fs)))
	}
	for _, f := range errorFrames(fs) {
		if !containsString(get(t, f.f.Object, "error", "detail"), "Maximum number of channel subscribers exceeded") {
			t.Errorf("a refused join got %s", f.f)
		}
	}
	info := roomInfo(t, alice, ch)
	if n := len(asArray(t, info["subscribers"])); n != 4 {
		t.Fatalf("subscribers = %d, want 4 (the cap)", n)
	}
}
