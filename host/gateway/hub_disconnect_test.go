package gateway

import (
	"testing"

	"github.com/chatwasm/chatwasm/host/broker"
)

// closedWith reports whether c was asked to stop, and with which close code.
func closedWith(c *conn) (bool, int) {
	select {
	case <-c.done:
		return true, c.closeCode
	default:
		return false, 0
	}
}

func TestHubDisconnectEnvelope(t *testing.T) {
	h := NewHub(nil)
	a1, a2, b := bareConn(t, 1, 8), bareConn(t, 1, 8), bareConn(t, 2, 8)
	for _, c := range []*conn{a1, a2, b} {
		h.add(c)
	}
	// a2 is still connecting: it is closed too.
	h.activate(a1, []string{"group-r"})
	h.activate(b, []string{"group-r"})
	h.Apply(broker.Envelope{Kind: broker.KindDisconnect, UserID: 1, Code: 4001, Reason: "user deleted"})
	for _, c := range []*conn{a1, a2} {
		if closed, code := closedWith(c); !closed || code != 4001 || c.closeText != "user deleted" {
			t.Errorf("user 1's connection: closed %v with %d %q, want 4001 \"user deleted\"", closed, code, c.closeText)
		}
	}
	if closed, code := closedWith(b); closed {
		t.Errorf("user 2's connection closed with %d", code)
	}
	// An unknown user is a no-op.
	h.Apply(broker.Envelope{Kind: broker.KindDisconnect, UserID: 3, Code: 4001})
	if closed, _ := closedWith(b); closed {
		t.Error("user 2's connection closed by another user's disconnect")
	}
}
