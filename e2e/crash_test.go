package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// ackedSender sends messages "<prefix>-00000", "<prefix>-00001", ... (each
// followed by a space and pad bytes of padding, when pad is not 0) to its
// room from one connection, each once the previous one was acknowledged
// (its sender got its own message.dispatch back: only then is it durable),
// until stopped or its connection ends. It is the traffic of the tests that
// kill a server under load and then check what survived.
type ackedSender struct {
	c      *client
	room   string
	prefix string
	pad    string
	within time.Duration // for each message's own dispatch
	stopCh chan struct{}
	done   chan struct{}

	mu    sync.Mutex
	acked []string
}

// sendAcked starts an ackedSender; it is stopped at cleanup at the latest.
// It takes over c's frames: it reads them raw (with no JSON decoding, which
// big messages would make slow) and keeps none.
func sendAcked(t *testing.T, c *client, room, prefix string, pad int) *ackedSender {
	return sendAckedWithin(t, c, room, prefix, pad, expectTimeout)
}

// sendAckedWithin is sendAcked for a server that takes up to wait to
// dispatch one message (a module that burns, say); the sender ends when a
// dispatch takes longer.
func sendAckedWithin(t *testing.T, c *client, room, prefix string, pad int, wait time.Duration) *ackedSender {
	sd := &ackedSender{c: c, room: room, prefix: prefix, within: wait, stopCh: make(chan struct{}), done: make(chan struct{})}
	if pad > 0 {
		sd.pad = " " + strings.Repeat("x", pad)
	}
	raw := make(chan []byte, 64)
	c.Handle(func(b []byte) {
		select {
		case raw <- b:
		case <-sd.done: // nobody reads any more: drop it
		}
	})
	go sd.run(raw)
	t.Cleanup(sd.stop)
	return sd
}

func (sd *ackedSender) run(raw <-chan []byte) {
	defer close(sd.done)
	for n := 0; ; n++ {
		select {
		case <-sd.stopCh:
			return
		default:
		}
		content := fmt.Sprintf("%s-%05d", sd.prefix, n)
		if sd.c.Send("message.send", map[string]any{"room_id": sd.room, "content": content + sd.pad}) != nil {
			return
		}
		// Wait for its own dispatch: only then was it acknowledged.
		if !sd.awaitDispatch(raw, content) {
			return // the server is gone
		}
		sd.mu.Lock()
		sd.acked = append(sd.acked, content)
		sd.mu.Unlock()
	}
}

// awaitDispatch reads frames until the message.dispatch of content, and
// reports whether it came before the connection ended.
func (sd *ackedSender) awaitDispatch(raw <-chan []byte, content string) bool {
	timer := time.NewTimer(sd.within)
	defer timer.Stop()
	for {
		select {
		case b := <-raw:
			if got, ok := dispatchContent(b); ok && got == content {
				return true
			}
		case <-sd.c.Frames(): // closed when the connection's read side ends
			return false
		case <-timer.C:
			return false
		}
	}
}

// dispatchContent returns the content of a message.dispatch frame up to its
// first space (an ackedSender's padding left out), reading the frame's
// bytes instead of decoding it; ok is false for any other frame. The
// contents it reads are the tests' own, with no escaped characters.
func dispatchContent(frame []byte) (content string, ok bool) {
	if !bytes.Contains(frame[:min(len(frame), 128)], []byte(`"eventType":"message.dispatch"`)) {
		return "", false
	}
	_, rest, ok := bytes.Cut(frame, []byte(`"content":"`))
	if !ok {
		return "", false
	}
	end := bytes.IndexAny(rest, `" `)
	if end < 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// stop stops the sender once its message in flight, if any, is
// acknowledged or its connection ended, and waits for it. Safe to call
// more than once.
func (sd *ackedSender) stop() {
	select {
	case <-sd.stopCh:
	default:
		close(sd.stopCh)
	}
	<-sd.done
}

// wait waits for the sender to end by itself (its server is gone).
func (sd *ackedSender) wait() { <-sd.done }

// acknowledged returns the contents (without padding) acknowledged so far.
func (sd *ackedSender) acknowledged() []string {
	sd.mu.Lock()
	defer sd.mu.Unlock()
	return append([]string(nil), sd.acked...)
}

// ackedAtLeast waits until every sender has acknowledged at least n messages
// more than it had when called, failing the test after two minutes.
func ackedAtLeast(t *testing.T, n int, senders ...*ackedSender) {
	t.Helper()
	from := make([]int, len(senders))
	for i, sd := range senders {
		from[i] = len(sd.acknowledged())
	}
	deadline := time.Now().Add(2 * time.Minute)
	for i := 0; i < len(senders); {
		if len(senders[i].acknowledged()) >= from[i]+n {
			i++
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("sender %s: fewer than %d messages acknowledged in 2 minutes", senders[i].prefix, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkDurable reads the sender's room history through c and checks that
// every acknowledged message is there exactly once, that no message is
// there twice, and that at most inFlight messages were stored without
// being acknowledged. It returns the stored contents.
func (sd *ackedSender) checkDurable(t *testing.T, c *client, inFlight int) map[string]int {
	t.Helper()
	count := map[string]int{}
	for _, m := range history(t, c, sd.room) {
		content, _, _ := strings.Cut(getString(t, m, "content"), " ")
		count[content]++
	}
	for content, n := range count {
		if n != 1 {
			t.Errorf("sender %s: %q is in the history %d times", sd.prefix, content, n)
		}
	}
	acked := sd.acknowledged()
	for _, content := range acked {
		if count[content] != 1 {
			t.Errorf("sender %s: acknowledged %q is not in the history", sd.prefix, content)
		}
	}
	if len(count) < len(acked) || len(count) > len(acked)+inFlight {
		t.Errorf("sender %s: %d messages stored, %d acknowledged (at most %d more may have been stored unacknowledged)",
			sd.prefix, len(count), len(acked), inFlight)
	}
	return count
}

// TestKillDuringSends: the server is killed (SIGKILL, no shutdown) while
// 32 senders each send messages to their own room one after the other, so
// that their writes share transactions (group commit). Restarted on the
// same database, every message whose sender got its own message.dispatch
// back is in its room's history exactly once, and no message is there
// twice: a dispatch is only sent once the transaction holding the message
// committed. It runs on SQLite and, with CHATWASM_TEST_DB, PostgreSQL.
func TestKillDuringSends(t *testing.T) {
	t.Parallel()
	const senders, minAcked = 32, 20
	s := startServer(t)
	var all []*ackedSender
	for i := range senders {
		c := s.login(t, fmt.Sprintf("sender%d", i))
		all = append(all, sendAcked(t, c, createGroup(t, c, fmt.Sprint("crash", i), nil, nil), fmt.Sprint("s", i), 0))
	}
	ackedAtLeast(t, minAcked, all...)
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, sd := range all {
		sd.wait()
	}

	restarted := startServer(t, sharingDatabaseWith(s))
	for _, sd := range all {
		sd.checkDurable(t, restarted.connect(t, sd.c.u), 1)
	}
}
