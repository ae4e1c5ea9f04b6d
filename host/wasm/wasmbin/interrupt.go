package wasmbin

import (
	"fmt"
	"strings"
)

// InterruptVersion names the output of AddInterrupt: caches of instrumented
// modules key their entries by it. Bump it with any change that makes
// AddInterrupt return other bytes for the same input (TestInterruptVersion
// pins the output for one module to catch that).
const InterruptVersion = 1

// Fuel is how many checks (loop iterations and function calls) the guest
// runs between two ticks of an instrumented module (see AddInterrupt): it
// bounds how long the guest takes to notice its interrupt flag and to let
// the Go runtime stop it for a garbage collection.
const Fuel = 1000

// bulkWeight is what a bulk memory or table instruction (memory.copy,
// memory.fill, ...) costs in fuel: one may move 64 MiB, so a loop around
// one must tick more often than a loop of plain instructions.
const bulkWeight = Fuel / 16

// More opcodes AddInterrupt emits.
const (
	opCall       = 0x10
	opDrop       = 0x1a
	opGlobalSet  = 0x24
	opMemoryGrow = 0x40
	opI32Const   = 0x41
	opI32LeS     = 0x4c
	opI32Sub     = 0x6b
	typeFunc     = 0x60
)

// AddInterrupt returns a copy of the module bin instrumented so that the
// host can stop it from another goroutine, cheaply. It adds:
//
//   - $flag, a mutable i32 global exported under name, 0 at
//     instantiation: the host sets it to stop the guest;
//   - $fuel, a mutable i32 global, Fuel at instantiation;
//   - $tick, a function that refills $fuel, exits to the host with
//     memory.grow 0 (wazero runs memory.grow in Go, so the goroutine
//     running the guest reaches a point where the Go runtime can preempt
//     it: compiled wasm code never is, and a garbage collection waits for
//     every goroutine), and traps with unreachable if $flag is set;
//   - at the start of every function body and right after every loop
//     instruction, a check that takes one unit of $fuel and calls $tick
//     when it is spent; after every bulk memory or table instruction the
//     same check takes bulkWeight units.
//
// The check:
//
//	global.get $fuel  i32.const 1  i32.sub  global.set $fuel
//	global.get $fuel  i32.const 0  i32.le_s
//	if  call $tick  end
//
// Every way guest code can run on passes checks (straight-line code
// without loops and calls ends by itself), so within Fuel checks of the
// host setting $flag the guest traps. The check is stack-neutral, so it is
// valid anywhere, inside loops with params too.
//
// Nothing is renumbered: the type, function and globals are appended after
// the existing ones (no import is added, which would shift every function
// index), the export is appended, sections are created where absent, and
// bodies and sections get their new sizes. Custom sections are kept except
// DWARF (".debug_*"), whose code offsets would point at the wrong
// instructions.
//
// It fails, and the module must then run as it is, on anything it cannot
// decode (ErrUnsupported), on a module without a memory (the tick needs
// one) and if name is already an export. A module it finds malformed or
// over its limits (ErrMalformed, ErrLimit) must not be given to wazero at
// all (see checkBounds).
func AddInterrupt(bin []byte, name string) ([]byte, error) {
	m, err := Parse(bin)
	if err != nil {
		return nil, err
	}
	for _, e := range m.Exports {
		if e.Name == name {
			return nil, fmt.Errorf("%w: the module already exports %q", ErrUnsupported, name)
		}
	}
	if m.Memories == 0 {
		return nil, fmt.Errorf("%w: the module has no memory", ErrUnsupported)
	}
	flag := m.ImportedGlobals + m.Globals
	fuel := flag + 1
	tick := m.ImportedFuncs + m.Funcs
	check := func(weight int32) []byte {
		b := appendU32([]byte{byte(OpGlobalGet)}, fuel)
		b = appendS32(append(b, opI32Const), weight)
		b = appendU32(append(b, opI32Sub, opGlobalSet), fuel)
		b = appendU32(append(b, byte(OpGlobalGet)), fuel)
		b = append(b, opI32Const, 0, opI32LeS, byte(OpIf), blockTypeEmpty, opCall)
		return append(appendU32(b, tick), byte(OpEnd))
	}

	tickBody := appendS32([]byte{0, opI32Const}, Fuel) // no locals
	tickBody = appendU32(append(tickBody, opGlobalSet), fuel)
	tickBody = append(tickBody, opI32Const, 0, opMemoryGrow, 0, opDrop)
	tickBody = appendU32(append(tickBody, byte(OpGlobalGet)), flag)
	tickBody = append(tickBody, byte(OpIf), blockTypeEmpty, byte(OpUnreachable), byte(OpEnd), byte(OpEnd))

	code, err := m.instrumentCode(check(1), check(bulkWeight), tickBody)
	if err != nil {
		return nil, err
	}
	globals := []byte{typeI32, 0x01, opI32Const, 0x00, byte(OpEnd)} // $flag: mutable i32, i32.const 0
	globals = appendS32(append(globals, typeI32, 0x01, opI32Const), Fuel)
	globals = append(globals, byte(OpEnd))
	export := appendU32(nil, uint32(len(name)))
	export = append(export, name...)
	export = appendU32(append(export, KindGlobal), flag)

	// What each section gets, in section order: n more entries.
	adds := []struct {
		id      byte
		n       uint32
		entries []byte
		done    bool
	}{
		{id: SectionType, n: 1, entries: []byte{typeFunc, 0, 0}}, // [] -> []
		{id: SectionFunction, n: 1, entries: appendU32(nil, m.Types)},
		{id: SectionGlobal, n: 2, entries: globals},
		{id: SectionExport, n: 1, entries: export},
		{id: SectionCode}, // replaced by code
	}
	out := make([]byte, 0, len(bin)+len(code)-m.sectionSize(SectionCode)+64)
	out = append(out, header...)
	// flush emits the additions up to rank (all with rank 0): a section
	// the module has is extended where it stands, a missing one is
	// created before the first section that must follow it.
	flush := func(rank int) {
		for i := range adds {
			a := &adds[i]
			if a.done || rank != 0 && sectionRank[a.id] > rank {
				continue
			}
			a.done = true
			if a.id == SectionCode {
				out = appendSection(out, SectionCode, code)
				continue
			}
			s, ok := m.section(a.id)
			if !ok {
				out = appendSection(out, a.id, appendU32(nil, a.n), a.entries)
				continue
			}
			r := &reader{b: bin[:s.End], off: s.Content}
			n := r.u32() // Parse read it already
			out = appendSection(out, a.id, appendU32(nil, n+a.n), bin[r.off:s.End], a.entries)
		}
	}
	for _, s := range m.Sections {
		switch {
		case s.ID == SectionCustom:
			if !strings.HasPrefix(s.Name, ".debug_") {
				out = append(out, bin[s.Start:s.End]...)
			}
		case s.ID == SectionType || s.ID == SectionFunction || s.ID == SectionGlobal ||
			s.ID == SectionExport || s.ID == SectionCode:
			flush(sectionRank[s.ID])
		default:
			flush(sectionRank[s.ID] - 1)
			out = append(out, bin[s.Start:s.End]...)
		}
	}
	flush(0)
	return out, nil
}

// bulkOp reports whether op is a bulk memory or table instruction, whose
// cost grows with its operands.
func bulkOp(op Opcode) bool {
	switch op {
	case prefixMisc<<16 | 8, prefixMisc<<16 | 10, prefixMisc<<16 | 11, // memory.init, memory.copy, memory.fill
		prefixMisc<<16 | 12, prefixMisc<<16 | 14, prefixMisc<<16 | 17: // table.init, table.copy, table.fill
		return true
	}
	return false
}

// instrumentCode returns the content of the code section with check
// inserted at the start of every body and after every loop instruction,
// bulk after every bulk instruction, and the body tick appended.
func (m *Module) instrumentCode(check, bulk, tick []byte) ([]byte, error) {
	size := m.sectionSize(SectionCode)
	out := make([]byte, 0, size+size/4+len(tick)+16)
	out = appendU32(out, uint32(len(m.Bodies)+1))
	type insert struct {
		at  int
		seq []byte
	}
	var ins []insert // insertion points of one body, in order
	for i, b := range m.Bodies {
		start, err := b.Locals()
		if err != nil {
			return nil, fmt.Errorf("function body %d (offset %d): %w", i, b.Offset, err)
		}
		ins = append(ins[:0], insert{start, check})
		grow := len(check)
		err = b.Walk(func(in Instr) {
			switch {
			case in.Op == OpLoop:
				ins = append(ins, insert{in.End, check})
				grow += len(check)
			case bulkOp(in.Op):
				ins = append(ins, insert{in.End, bulk})
				grow += len(bulk)
			}
		})
		if err != nil {
			return nil, fmt.Errorf("function body %d (offset %d): %w", i, b.Offset, err)
		}
		if n := len(b.Code) + grow; uint64(n) > 1<<32-1 {
			return nil, fmt.Errorf("%w: function body %d would be %d bytes", ErrUnsupported, i, n)
		}
		out = appendU32(out, uint32(len(b.Code)+grow))
		prev := 0
		for _, p := range ins {
			out = append(out, b.Code[prev:p.at]...)
			out = append(out, p.seq...)
			prev = p.at
		}
		out = append(out, b.Code[prev:]...)
	}
	out = appendU32(out, uint32(len(tick)))
	return append(out, tick...), nil
}

// section returns the module's section with the given id.
func (m *Module) section(id byte) (Section, bool) {
	for _, s := range m.Sections {
		if s.ID == id {
			return s, true
		}
	}
	return Section{}, false
}

// sectionSize is the size of the content of the module's section id, 0
// without one.
func (m *Module) sectionSize(id byte) int {
	s, ok := m.section(id)
	if !ok {
		return 0
	}
	return s.End - s.Content
}

// appendSection appends a section with the given id and the concatenation
// of parts as content.
func appendSection(out []byte, id byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out = append(out, id)
	out = appendU32(out, uint32(n))
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
