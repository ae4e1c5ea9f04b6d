package proclog

import (
	"fmt"
	"strings"
	"testing"
)

// TestListening: the address of the first listening line is reported once,
// even when the line arrives in pieces, and everything is kept.
func TestListening(t *testing.T) {
	l := New()
	for _, piece := range []string{"time=1 level=INFO msg=starting\ntime=2 level=INFO msg=list", "ening addr=127.0.0.1:8080\n",
		"time=3 level=INFO msg=listening addr=127.0.0.1:9090\n"} {
		fmt.Fprint(l, piece)
	}
	expectListening(t, l, "127.0.0.1:8080") // the first line's
	select {
	case addr := <-l.Listening():
		t.Errorf("a second address reported: %q", addr)
	default:
	}
	if want := "time=1 level=INFO msg=starting\n"; l.String()[:len(want)] != want {
		t.Errorf("log %q", l.String())
	}
}

// TestLimited: a limited log keeps the first bytes only, and still finds a
// listening line within them.
func TestLimited(t *testing.T) {
	l := NewLimited(64)
	fmt.Fprint(l, "msg=listening addr=127.0.0.1:8080\n")
	fmt.Fprint(l, strings.Repeat("x", 100))
	if got := len(l.String()); got != 64 {
		t.Errorf("kept %d bytes, want 64", got)
	}
	expectListening(t, l, "127.0.0.1:8080")
}

// expectListening fails unless l has reported want as the address it
// listens on.
func expectListening(t *testing.T, l *Log, want string) {
	t.Helper()
	select {
	case addr := <-l.Listening():
		if addr != want {
			t.Errorf("address %q, want %q", addr, want)
		}
	default:
		t.Fatal("no address reported")
	}
}
