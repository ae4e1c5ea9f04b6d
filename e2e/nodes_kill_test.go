package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestMultiNodeKill kills node 1 (SIGKILL, no shutdown) while senders on
// both nodes send to their rooms one message after the other, and a
// watcher on node 2, a member of every room, reads everything. The
// watcher loses nothing and sees nothing twice: every message acknowledged
// on either node reaches it once, node 2's senders carry on as if nothing
// happened, and what it received of node 1's last messages was stored.
// Node 1 restarted (same node id, same database), every acknowledged
// message is in its room's history exactly once.
func TestMultiNodeKill(t *testing.T) {
	t.Parallel()
	nodeKill(t)
}

// nodeKill is TestMultiNodeKill with opts for both nodes (and node 1's
// restart): the broker to use.
func nodeKill(t *testing.T, opts ...serverOption) {
	const perNode, minAcked = 3, 20
	n1, n2, id1, _ := twoNodes(t, opts...)
	watcher := n2.login(t, "watcher")
	type member struct {
		c            *client
		room, prefix string
	}
	var members []member
	for node, n := range []*server{n1, n2} {
		for i := range perNode {
			prefix := fmt.Sprintf("n%d-s%d", node+1, i)
			c := n.login(t, prefix)
			members = append(members, member{c, createGroup(t, c, prefix, []user{watcher.u}, nil, watcher), prefix})
		}
	}
	received := watch(watcher)
	var on1, on2 []*ackedSender
	for i, m := range members {
		sd := sendAcked(t, m.c, m.room, m.prefix, 0)
		if i < perNode {
			on1 = append(on1, sd)
		} else {
			on2 = append(on2, sd)
		}
	}
	ackedAtLeast(t, minAcked, append(on1, on2...)...)
	if err := n1.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, sd := range on1 {
		sd.wait()
	}
	// Node 2 serves on: its senders get more messages through, then stop
	// with nothing in flight.
	ackedAtLeast(t, minAcked, on2...)
	for _, sd := range on2 {
		sd.stop()
	}
	eventually(t, "the watcher on node 2 received every acknowledged message", func() bool {
		for _, sd := range append(on1, on2...) {
			for _, content := range sd.acknowledged() {
				if received.count(content) == 0 {
					return false
				}
			}
		}
		return true
	})

	restarted := startServer(t, append([]serverOption{withNodeID(id1), sharingDatabaseWith(n2)}, opts...)...)
	for _, sd := range append(on1, on2...) {
		inFlight := 0
		if strings.HasPrefix(sd.prefix, "n1-") {
			inFlight = 1 // the message node 1 was storing when it was killed
		}
		stored := sd.checkDurable(t, restarted.connect(t, sd.c.u), inFlight)
		for content, n := range received.from(sd.prefix) {
			switch {
			case n != 1:
				t.Errorf("the watcher received %q %d times", content, n)
			case stored[content] != 1:
				t.Errorf("the watcher received %q, which is not in the history", content)
			}
		}
	}
}

// watched counts the message.dispatch frames one connection received, by
// content up to its first space (an ackedSender's padding left out).
type watched struct {
	mu     sync.Mutex
	counts map[string]int
}

// watch counts every message.dispatch c receives from now on, instead of
// queueing its frames.
func watch(c *client) *watched {
	w := &watched{counts: map[string]int{}}
	c.Handle(func(raw []byte) {
		if content, ok := dispatchContent(raw); ok {
			w.mu.Lock()
			w.counts[content]++
			w.mu.Unlock()
		}
	})
	return w
}

func (w *watched) count(content string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counts[content]
}

// from returns the counts of the contents that begin with prefix.
func (w *watched) from(prefix string) map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for content, n := range w.counts {
		if strings.HasPrefix(content, prefix+"-") {
			out[content] = n
		}
	}
	return out
}
