package wasmbin

import (
	"errors"
	"strings"
	"testing"
)

// TestBoundsRefuseAllocationBombs: a module declaring more items or bytes
// than it holds is refused before wazero would allocate for them (each
// of these made wazero v1.12 reserve gigabytes, or would), and the same
// shapes with honest counts still parse.
func TestBoundsRefuseAllocationBombs(t *testing.T) {
	huge := appendU32(nil, 0xffffffff)
	for _, c := range []struct {
		name string
		bin  []byte
	}{
		// FuzzAddInterrupt's find: four billion element segments in 6 bytes.
		{"element segments", module(section(SectionElement, huge))},
		{"element items", module(section(SectionElement, []byte{1}, appendU32([]byte{1, 0}, 0xfffffff)))},
		{"function type params", module(section(SectionType, []byte{1, 0x60}, huge))},
		{"imports", module(section(SectionImport, huge))},
		{"globals", module(section(SectionGlobal, huge))},
		{"data bytes", module(section(SectionData, []byte{1, 1}, huge))},
		{"locals", module(section(SectionFunction, vector([]byte{0})), section(SectionCode, []byte{1, 6, 1}, appendU32(nil, 60000), []byte{typeI32, byte(OpEnd)}))},
		{"function names", module(section(SectionCustom, []byte{4}, []byte("name"), []byte{1, 5}, huge))},
		{"local names", module(section(SectionCustom, []byte{4}, []byte("name"), []byte{2, 7, 1, 0}, huge))},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := AddInterrupt(c.bin, flagName)
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) {
				t.Fatalf("AddInterrupt(% x) = %v, want a refusal", c.bin, err)
			}
			// Refused for its count or length, not for something else.
			if msg := err.Error(); !strings.Contains(msg, "items in") && !strings.Contains(msg, "locals") && !strings.Contains(msg, "bytes needed") {
				t.Fatalf("AddInterrupt(% x) = %v, want a refusal of the count", c.bin, err)
			}
		})
	}
	for _, c := range []struct {
		name string
		bin  []byte
	}{
		{"passive element segment", module(section(SectionElement, []byte{1, 1, 0}, vector([]byte{0})))},
		{"data segment", module(section(SectionMemory, vector([]byte{0, 1})), section(SectionData, []byte{1, 0, opI32Const, 0, byte(OpEnd), 3}, []byte("abc")))},
		{"names", module(section(SectionCustom, []byte{4}, []byte("name"), []byte{1, 4, 1, 0, 1, 'f'}))},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Parse(c.bin); err != nil {
				t.Fatalf("Parse(% x): %v", c.bin, err)
			}
		})
	}
}
