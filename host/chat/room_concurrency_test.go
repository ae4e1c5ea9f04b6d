package chat_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// roomRace runs n calls of fn concurrently and returns their errors.
func roomRace(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// countRoomOutcomes counts successes and checks every failure is the 4003
// carrying want.
func countRoomOutcomes(t *testing.T, errs []error, want string) int {
	t.Helper()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		var ce *wire.Error
		if !errors.As(err, &ce) || ce.Code != wire.CodeValidation || fmt.Sprint(ce.Detail) != fmt.Sprint([]string{want}) {
			t.Fatalf("unexpected error %v, want 4003 %q", err, want)
		}
	}
	return ok
}

func TestRoomOneToOneUniqueUnderConcurrency(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann, bob := e.user("ann"), e.user("bob")
		pair := []chat.Caller{ann, bob}
		errs := roomRace(16, func(i int) error {
			me, other := pair[i%2], pair[1-i%2]
			_, err := e.handle(me, "room.create", map[string]any{"type": "OneToOneChat", "participants": roomIDs(other)})
			return err
		})
		if n := countRoomOutcomes(t, errs, "['Chat already exists']"); n != 1 {
			t.Fatalf("%d creations succeeded, want exactly 1", n)
		}
		for _, c := range pair {
			items := roomFrames(t, e.ok(c, "room.list", nil))[0].Data
			var list []map[string]any
			if err := json.Unmarshal(items, &list); err != nil || len(list) != 1 {
				t.Fatalf("%s has rooms %s (%v), want 1", c.Username, items, err)
			}
		}
	})
}

func TestRoomCapsHoldUnderConcurrency(t *testing.T) {
	eachRoomEnv(t, func(t *testing.T, e *roomEnv) {
		ann := e.user("ann")
		const n, limit = 12, 5
		var users []chat.Caller
		for i := range n {
			users = append(users, e.user(fmt.Sprintf("u%d", i)))
		}

		grp := e.create(ann, map[string]any{"type": "GroupChat", "name": "g", "extra_fields": map[string]any{"max_participants": limit}})
		errs := roomRace(n, func(i int) error {
			_, err := e.handle(ann, "room.add_members", map[string]any{"room_id": grp.ID, "members": roomIDs(users[i])})
			return err
		})
		if ok := countRoomOutcomes(t, errs, "Maximum number of group participants exceeded"); ok != limit-1 {
			t.Fatalf("%d additions succeeded, want %d", ok, limit-1)
		}
		if got, _ := e.members(grp.ID); len(got) != limit {
			t.Fatalf("group has %d members, cap is %d", len(got), limit)
		}

		ch := e.create(ann, map[string]any{"type": "Channel", "name": "c",
			"extra_fields": map[string]any{"max_subscribers": limit, "is_public": true}})
		errs = roomRace(n, func(i int) error {
			_, err := e.handle(users[i], "room.join", map[string]any{"room_id": ch.ID})
			return err
		})
		if ok := countRoomOutcomes(t, errs, "Maximum number of channel subscribers exceeded"); ok != limit-1 {
			t.Fatalf("%d joins succeeded, want %d", ok, limit-1)
		}
		if got, _ := e.members(ch.ID); len(got) != limit {
			t.Fatalf("channel has %d members, cap is %d", len(got), limit)
		}
	})
}
