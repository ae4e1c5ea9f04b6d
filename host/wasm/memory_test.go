package wasm

import (
	"bytes"
	"testing"
)

func TestCappedMemory(t *testing.T) {
	m := &cappedMemory{limit: 4 * pageSize}
	b := m.Reallocate(pageSize)
	if len(b) != pageSize || m.refused {
		t.Fatalf("first page: len %d, refused %v", len(b), m.refused)
	}
	b[0] = 1
	b = m.Reallocate(3 * pageSize)
	if len(b) != 3*pageSize || b[0] != 1 || !bytes.Equal(b[pageSize:], make([]byte, 2*pageSize)) {
		t.Fatal("growing lost the contents or did not zero the new pages")
	}
	if cap(b) > 4*pageSize {
		t.Fatalf("reserved %d bytes past a %d byte cap", cap(b), 4*pageSize)
	}
	if m.Reallocate(5*pageSize) != nil || !m.refused {
		t.Fatal("a grow past the cap was not refused and recorded")
	}
	if len(m.Reallocate(4*pageSize)) != 4*pageSize {
		t.Fatal("a grow up to the cap was refused")
	}
}
