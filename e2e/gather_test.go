package e2e

import (
	"sync"
	"testing"
	"time"
)

// tagged is a frame and the index of the client that received it.
type tagged struct {
	i int
	f frame
}

// gather collects the frames of several clients, in arrival order, until
// done says the expected set is complete (failing after expectTimeout), then
// listens quietPeriod more and fails on any extra frame. Concurrent
// operations have no defined frame order across or within connections, so
// their tests check the multiset of frames instead.
func gather(t *testing.T, cs []*client, done func([]tagged) bool) []tagged {
	t.Helper()
	return collect(t, cs, done, true)
}

// gatherAll is gather where frames after done are expected too: it returns
// everything that arrived until quietPeriod passed without a frame. It is for
// concurrent operations whose exact fan-out depends on the interleaving.
func gatherAll(t *testing.T, cs []*client, done func([]tagged) bool) []tagged {
	t.Helper()
	return collect(t, cs, done, false)
}

func collect(t *testing.T, cs []*client, done func([]tagged) bool, strict bool) []tagged {
	t.Helper()
	out := make(chan tagged, 4096)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case f, ok := <-c.Frames():
					if !ok {
						return
					}
					out <- tagged{i, f}
				case <-stop:
					return
				}
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	var got []tagged
	deadline := time.NewTimer(expectTimeout)
	defer deadline.Stop()
	for !done(got) {
		select {
		case f := <-out:
			got = append(got, f)
		case <-deadline.C:
			t.Fatalf("incomplete after %v; got %d frames: %v", expectTimeout, len(got), got)
		}
	}
	for {
		select {
		case f := <-out:
			if strict {
				t.Fatalf("unexpected extra frame on %s: %s", cs[f.i].u.Username, f.f)
			}
			got = append(got, f)
		case <-time.After(quietPeriod):
			return got
		}
	}
}

// countEvents counts the frames of eventType per client index.
func countEvents(fs []tagged, eventType string) map[int]int {
	n := map[int]int{}
	for _, f := range fs {
		if f.f.EventType() == eventType {
			n[f.i]++
		}
	}
	return n
}

// errorFrames returns the error frames of fs.
func errorFrames(fs []tagged) []tagged {
	var out []tagged
	for _, f := range fs {
		if _, ok := f.f.Object["error"]; ok {
			out = append(out, f)
		}
	}
	return out
}

// sendAll sends one request per client at the same moment and fails the
// test if any write fails.
func sendAll(t *testing.T, cs []*client, req func(i int) (string, any)) {
	t.Helper()
	start := make(chan struct{})
	errs := make([]error, len(cs))
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			event, data := req(i)
			<-start
			errs[i] = c.Send(event, data)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("client %d: send: %v", i, err)
		}
	}
}
