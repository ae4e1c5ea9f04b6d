package e2e

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestKillDuringSends: the server is killed (SIGKILL, no shutdown) while
// eight senders each send messages to their own room one after the other.
// Restarted on the same database, every message whose sender got its own
// message.dispatch back is in its room's history exactly once, and no
// message is there twice: a dispatch is only sent once the message is
// durable. It runs on SQLite and, with CHATWASM_TEST_DB, PostgreSQL.
func TestKillDuringSends(t *testing.T) {
	t.Parallel()
	const senders, minAcked = 8, 30
	s := startServer(t)
	type sender struct {
		c     *client
		room  string
		acked []string
	}
	var all []*sender
	for i := range senders {
		c := s.login(t, fmt.Sprintf("sender%d", i))
		all = append(all, &sender{c: c, room: createGroup(t, c, fmt.Sprint("crash", i), nil, nil)})
	}

	var mu sync.Mutex
	enough := make(chan struct{})
	ready := 0
	var wg sync.WaitGroup
	for i, sd := range all {
		wg.Go(func() {
			for n := 0; ; n++ {
				content := fmt.Sprintf("s%d-%05d", i, n)
				if sd.c.Send("message.send", map[string]any{"room_id": sd.room, "content": content}) != nil {
					return
				}
				// Wait for its own dispatch: only then was it acknowledged.
				mark := []byte(`"content":"` + content + `"`)
				for {
					f, ok := sd.c.Next(expectTimeout)
					if !ok {
						return // the server is gone
					}
					if bytes.Contains(f.Raw, mark) {
						break
					}
				}
				mu.Lock()
				sd.acked = append(sd.acked, content)
				if len(sd.acked) == minAcked {
					if ready++; ready == senders {
						close(enough)
					}
				}
				mu.Unlock()
			}
		})
	}
	select {
	case <-enough:
	case <-time.After(2 * time.Minute):
		t.Fatal("the senders did not each get their first messages acknowledged")
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	restarted := startServer(t, sharingDatabaseWith(s))
	for i, sd := range all {
		c := restarted.connect(t, sd.c.u)
		count := map[string]int{}
		for _, m := range history(t, c, sd.room) {
			count[getString(t, m, "content")]++
		}
		for content, n := range count {
			if n != 1 {
				t.Errorf("sender %d: %q is in the history %d times", i, content, n)
			}
		}
		for _, content := range sd.acked {
			if count[content] != 1 {
				t.Errorf("sender %d: acknowledged %q is not in the history", i, content)
			}
		}
		if len(count) < len(sd.acked) || len(count) > len(sd.acked)+1 {
			t.Errorf("sender %d: %d messages stored, %d acknowledged (at most one more may have been stored unacknowledged)",
				i, len(count), len(sd.acked))
		}
	}
}
