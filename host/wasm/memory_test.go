package wasm

import (
	"bytes"
	"context"
	"runtime"
	"testing"
)

func TestCappedMemory(t *testing.T) {
	t.Run("region", func(t *testing.T) { testCappedMemory(t, newCappedMemory(0, 4*pageSize)) })
	t.Run("heap", func(t *testing.T) { testCappedMemory(t, newHeapMemory(0, 4*pageSize)) })
}

func testCappedMemory(t *testing.T, m *cappedMemory) {
	defer m.Free()
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

// TestHeapMemoryGrowthReserve pins the capacity a Go slice reserves on
// growth: the grown size plus at most an eighth (whole pages, 1 MiB at
// most), never past the cap, where doubling used to reserve up to twice what
// the guest used.
func TestHeapMemoryGrowthReserve(t *testing.T) {
	// The Go guest's memory.grow sequence while _initialize runs.
	m := newHeapMemory(44*pageSize, 1024*pageSize)
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
		if got := heapReserve(c.size, c.limit); got != c.want {
			t.Errorf("heapReserve(%d pages, limit %d pages) = %d pages, want %d",
				c.size/pageSize, c.limit/pageSize, got/pageSize, c.want/pageSize)
		}
	}
}

// TestRegionMemoryGrowsInPlace: a memory over a reserved region never moves
// or copies, however it grows, up to its cap.
func TestRegionMemoryGrowsInPlace(t *testing.T) {
	m := newCappedMemory(pageSize, 512*pageSize)
	if m.region == nil {
		t.Skip("no address-space reservation on this platform")
	}
	defer m.Free()
	b := m.Reallocate(pageSize)
	b[0] = 7
	base := &b[0]
	for pages := 2; pages <= 512; pages += 17 {
		b = m.Reallocate(uint64(pages) * pageSize)
		if len(b) != pages*pageSize || &b[0] != base || b[0] != 7 {
			t.Fatalf("grow to %d pages: len %d, moved %v, first byte %d", pages, len(b), &b[0] != base, b[0])
		}
		if b[len(b)-1] != 0 {
			t.Fatalf("grow to %d pages: the new last byte is %d, not zero", pages, b[len(b)-1])
		}
	}
	if m.Reallocate(513*pageSize) != nil || !m.refused {
		t.Fatal("a grow past the cap was not refused and recorded")
	}
}

// TestRegionFreedDuringCall: a memory freed while a call runs in it (a
// runtime closing under a running call) stays mapped until the call ends.
func TestRegionFreedDuringCall(t *testing.T) {
	m := newCappedMemory(pageSize, 16*pageSize)
	if m.region == nil {
		t.Skip("no address-space reservation on this platform")
	}
	b := m.Reallocate(4 * pageSize)
	m.enterCall()
	m.Free()
	if m.region == nil {
		t.Fatal("the region was released under a running call")
	}
	b[len(b)-1] = 1 // still mapped: this would fault if it were not
	m.exitCall()
	if m.region != nil || m.buf != nil {
		t.Fatal("the region was not released when the call ended")
	}

	idle := newCappedMemory(pageSize, 16*pageSize)
	idle.Free()
	if idle.region != nil {
		t.Fatal("an idle memory's region was not released by Free")
	}
}

// TestInstanceMemory checks a real Go guest's instance after its
// _initialize grew the memory several times: the memory is over a reserved
// region where the platform has them, or else the backing array holds at
// most an eighth more than the memory's size.
func TestInstanceMemory(t *testing.T) {
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
	if in.lin.region == nil && reserved > size+size/8 {
		t.Fatalf("instance reserves %d pages for %d used", reserved/pageSize, size/pageSize)
	}
	if runtime.GOOS == "linux" && in.lin.region == nil {
		t.Fatal("on Linux the instance's memory is not over a reserved region")
	}
}
