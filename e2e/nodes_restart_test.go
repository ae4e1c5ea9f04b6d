package e2e

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// sendInterval is the pace of streamer.
const sendInterval = 20 * time.Millisecond

// streamer sends message.send "m0000", "m0001", ... to a room from one
// connection, every sendInterval, until stopped.
type streamer struct {
	stopOnce sync.Once
	stopCh   chan struct{}
	done     chan struct{}
	sent     int   // valid once done is closed
	err      error // why it stopped early; valid once done is closed
}

// stream starts a streamer on c; it is stopped at cleanup at the latest.
func stream(t *testing.T, c *client, roomID string) *streamer {
	s := &streamer{stopCh: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(sendInterval)
		defer tick.Stop()
		for {
			select {
			case <-s.stopCh:
				return
			case <-tick.C:
			}
			if err := c.Send("message.send", map[string]any{"room_id": roomID, "content": streamContent(s.sent)}); err != nil {
				s.err = err
				return
			}
			s.sent++
		}
	}()
	t.Cleanup(func() { s.stop() })
	return s
}

// stop stops the streamer and returns how many messages it sent.
func (s *streamer) stop() (int, error) {
	s.stopOnce.Do(func() { close(s.stopCh) })
	<-s.done
	return s.sent, s.err
}

func streamContent(i int) string { return fmt.Sprintf("m%04d", i) }

// streamed reads message.dispatch frames from c until it has the one of
// message last, and returns the indexes of the streamer's messages in the
// order received. Any other frame fails the test.
func streamed(t *testing.T, c *client, last int) []int {
	t.Helper()
	var got []int
	for len(got) == 0 || got[len(got)-1] < last {
		content := getString(t, c.expect("message.dispatch"), "content")
		var i int
		if _, err := fmt.Sscanf(content, "m%04d", &i); err != nil {
			t.Fatalf("%s: message.dispatch %q is not the streamer's", c.u.Username, content)
		}
		got = append(got, i)
	}
	return got
}

// assertRun checks that got is from, from+1, ..., to.
func assertRun(t *testing.T, who string, got []int, from, to int) {
	t.Helper()
	for k, i := range got {
		if i != from+k {
			t.Fatalf("%s received messages %v: want exactly %d..%d once each, in order", who, got, from, to)
		}
	}
	if len(got) != to-from+1 {
		t.Fatalf("%s received messages %v: want exactly %d..%d once each, in order", who, got, from, to)
	}
}

// closedGoingAway reads c until the server closes it, checking that the
// close code is 1001 and that every frame before it was a message.dispatch.
func closedGoingAway(t *testing.T, c *client) {
	t.Helper()
	timer := time.NewTimer(expectTimeout)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-c.Frames():
			if ok && f.EventType() == "message.dispatch" {
				continue
			}
			if ok {
				t.Fatalf("%s: got %s while its node stopped", c.u.Username, f)
			}
			var ce *websocket.CloseError
			if !errors.As(c.ReadErr(), &ce) || ce.Code != websocket.CloseGoingAway {
				t.Fatalf("%s: connection ended with %v, want close 1001", c.u.Username, c.ReadErr())
			}
			return
		case <-timer.C:
			t.Fatalf("%s: connection not closed within %v of its node's stop", c.u.Username, expectTimeout)
		}
	}
}

// TestMultiNodeRestart stops node 2 (SIGTERM) and starts it again, with the
// same node id, on the same database while node 1 keeps serving a steady
// stream of messages: node 1's connections get every message exactly once
// and in order; node 2's clients, reconnected, find what happened meanwhile
// (rooms created, messages pending) and receive the next broadcasts, each
// once.
func TestMultiNodeRestart(t *testing.T) {
	t.Parallel()
	n1, n2, _, id2 := twoNodes(t)
	a1 := n1.login(t, "alice")
	c1 := n1.login(t, "carol")
	e1 := n1.login(t, "erin")
	b2 := n2.login(t, "bob")
	d2 := n2.login(t, "dave")
	g := createGroup(t, a1, "G", []user{b2.u, c1.u, d2.u}, nil, b2, c1, d2)

	s := stream(t, a1, g)
	time.Sleep(10 * sendInterval)
	if err := n2.Stop(); err != nil {
		t.Fatalf("stop node 2: %v", err)
	}
	closedGoingAway(t, b2)
	closedGoingAway(t, d2)

	// While node 2 is down, erin (node 1) makes bob and dave members of new
	// rooms and writes to bob.
	dm := createOneToOne(t, e1, b2.u)
	sendMessage(t, e1, dm, "while node 2 is down")
	eg := createGroup(t, e1, "E", []user{d2.u}, nil)
	time.Sleep(5 * sendInterval)

	n2 = startServer(t, withNodeID(id2), sharingDatabaseWith(n1))
	b := n2.connect(t, b2.u)
	d := n2.connect(t, d2.u)
	for room, want := range map[string]string{g: "m0000", dm: "while node 2 is down"} {
		if !strings.Contains(mustJSON(b.Notifications[room]), want) {
			t.Fatalf("bob's notifications after the restart = %s, want %q pending in room %s", mustJSON(b.Notifications), want, room)
		}
	}
	time.Sleep(10 * sendInterval)
	sent, err := s.stop()
	if err != nil {
		t.Fatalf("streamer: %v", err)
	}
	last := sent - 1

	// Node 1 lost nothing; the restarted node delivers from some point on,
	// with no gap and no duplicate.
	assertRun(t, "alice on node 1", streamed(t, a1, last), 0, last)
	assertRun(t, "carol on node 1", streamed(t, c1, last), 0, last)
	for _, c := range []*client{b, d} {
		got := streamed(t, c, last)
		assertRun(t, c.u.Username+" on the restarted node 2", got, got[0], last)
		t.Logf("%s on the restarted node 2 received m%04d..m%04d of %d", c.u.Username, got[0], last, sent)
	}
	all := []*client{a1, c1, e1, b, d}
	quiet(all...)

	// The rooms made while node 2 was down are live on it.
	sendMessage(t, e1, dm, "after the restart", b)
	sendMessage(t, e1, eg, "after the restart", d)
	b.send("room.list", map[string]any{})
	if list := asArray(t, expectOnly(t, "roomlist.dispatch", []*client{b}, all)); len(list) != 2 ||
		findRoom(t, list, g) == nil || findRoom(t, list, dm) == nil {
		t.Fatalf("bob's rooms after the restart: %s, want G and the 1-1 with erin", mustJSON(list))
	}
	b.send("message.send", map[string]any{"room_id": g, "content": "back on node 2"})
	expectOnly(t, "message.dispatch", []*client{a1, c1, b, d}, all)
}
