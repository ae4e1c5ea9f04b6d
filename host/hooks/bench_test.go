package hooks_test

import (
	"context"
	"testing"

	"github.com/chatwasm/chatwasm/host/hooks"
)

// BenchmarkUnhooked is what an operation pays when no module hooks it.
func BenchmarkUnhooked(b *testing.B) {
	m := newManager(b, tagged("a"), hooks.Options{})
	def := func(_ context.Context, in trail) (trail, error) { return in, nil }
	in := trail{Trail: []string{"x"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, release := m.Acquire()
		if _, err := hooks.Call(ctx, s, "join_room", alice, in, def); err != nil {
			b.Fatal(err)
		}
		release()
	}
}

// BenchmarkOneLayer is one Go-guest layer that calls next (a JSON decode and
// encode on each side of the boundary).
func BenchmarkOneLayer(b *testing.B) {
	m := newManager(b, tagged("a"), hooks.Options{})
	s := acquire(b, m)
	c := &core{}
	ctx := context.Background()
	in := []byte(`{"trail":[]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Run(ctx, "create_message", alice, in, c.next); err != nil {
			b.Fatal(err)
		}
	}
}
