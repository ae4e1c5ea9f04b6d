package wasm

import (
	"bytes"
	"context"
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

// TestCappedMemoryGrowthReserve pins the capacity reserved on growth: the
// grown size plus at most an eighth (whole pages, 1 MiB at most), never past
// the cap, where doubling used to reserve up to twice what the guest used.
func TestCappedMemoryGrowthReserve(t *testing.T) {
	// The Go guest's memory.grow sequence while _initialize runs.
	m := newCappedMemory(44*pageSize, 1024*pageSize)
	var data *byte
	for _, step := range []struct{ pages, capPages int }{
		{44, 44}, {48, 54}, {49, 54}, {53, 54}, {55, 61},
	} {
		b := m.Reallocate(uint64(step.pages) * pageSize)
		if len(b) != step.pages*pageSize || cap(b) != step.capPages*pageSize {
			t.Fatalf("grow to %d pages: len %d pages, cap %d pages, want cap %d",
				step.pages, len(b)/pageSize, cap(b)/pageSize, step.capPages)
		}
		if step.pages == 49 || step.pages == 53 {
			if &b[0] != data {
				t.Fatalf("grow to %d pages within the reserve moved the memory", step.pages)
			}
		}
		data = &b[0]
	}

	for _, c := range []struct{ size, limit, want uint64 }{
		{pageSize, 1024 * pageSize, pageSize},               // an eighth of a page: no headroom
		{6 * pageSize, 1024 * pageSize, 6 * pageSize},       // still under one page
		{18 * pageSize, 1024 * pageSize, 20 * pageSize},     // two pages
		{512 * pageSize, 1024 * pageSize, 528 * pageSize},   // headroom capped at 1 MiB
		{1020 * pageSize, 1024 * pageSize, 1024 * pageSize}, // capped by the limit
		{1024 * pageSize, 1024 * pageSize, 1024 * pageSize}, // at the limit
	} {
		if got := reserve(c.size, c.limit); got != c.want {
			t.Errorf("reserve(%d pages, limit %d pages) = %d pages, want %d",
				c.size/pageSize, c.limit/pageSize, got/pageSize, c.want/pageSize)
		}
	}
}

// TestInstanceMemoryReserve checks a real Go guest's instance: after its
// _initialize grew the memory several times, the backing array holds at most
// an eighth more than the memory's size.
func TestInstanceMemoryReserve(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "fast", ModuleConfig{PoolSize: 1})
	in, err := m.newInstance(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer in.close()
	size, reserved := len(in.lin.buf), cap(in.lin.buf)
	if size != int(in.mem.Size()) {
		t.Fatalf("backing array is %d bytes, the guest's memory %d", size, in.mem.Size())
	}
	if reserved > size+size/8 {
		t.Fatalf("instance reserves %d pages for %d used", reserved/pageSize, size/pageSize)
	}
}
