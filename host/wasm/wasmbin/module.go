package wasmbin

import (
	"bytes"
	"fmt"
)

// Section ids.
const (
	SectionCustom    = 0
	SectionType      = 1
	SectionImport    = 2
	SectionFunction  = 3
	SectionTable     = 4
	SectionMemory    = 5
	SectionGlobal    = 6
	SectionExport    = 7
	SectionStart     = 8
	SectionElement   = 9
	SectionCode      = 10
	SectionData      = 11
	SectionDataCount = 12
	SectionTag       = 13
)

// sectionRank is the position a known section must have in a module
// (the tag section of exception handling sits between memory and global);
// 0 for custom sections, which may appear anywhere.
var sectionRank = [...]int{
	SectionType: 1, SectionImport: 2, SectionFunction: 3, SectionTable: 4, SectionMemory: 5,
	SectionTag: 6, SectionGlobal: 7, SectionExport: 8, SectionStart: 9, SectionElement: 10,
	SectionDataCount: 11, SectionCode: 12, SectionData: 13,
}

// header is the magic number and version 1 of the binary format.
var header = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// Export kinds.
const (
	KindFunc   = 0x00
	KindTable  = 0x01
	KindMemory = 0x02
	KindGlobal = 0x03
	KindTag    = 0x04
)

// Module is a decoded module binary: its sections and what the rewriter
// needs from them. Offsets are into the binary given to Parse, which the
// Module refers to (it does not copy it).
type Module struct {
	bin []byte
	// Sections in binary order.
	Sections []Section
	// Types counts the function types; a new type gets index Types.
	Types uint32
	// ImportedFuncs and Funcs count the imported and the defined
	// functions; a new function gets index ImportedFuncs+Funcs.
	ImportedFuncs, Funcs uint32
	// ImportedGlobals and Globals count the imported and the defined
	// globals; a new global gets index ImportedGlobals+Globals.
	ImportedGlobals, Globals uint32
	// Memories counts the imported and the defined memories.
	Memories uint32
	// Exports are the module's exports.
	Exports []Export
	// Bodies are the function bodies of the code section, in order.
	Bodies []Body
}

// Section is one section of a module.
type Section struct {
	ID byte
	// Name is a custom section's name.
	Name string
	// Start is the offset of the section id; Content..End its content
	// (for a custom section, including its name).
	Start, Content, End int
}

// Export is one export of a module.
type Export struct {
	Name  string
	Kind  byte
	Index uint32
}

// Body is one function body of the code section.
type Body struct {
	// Code is the body: its local declarations, then its instructions.
	Code []byte
	// Offset is where Code starts in the module binary.
	Offset int
}

// Parse decodes the section layout of a module binary, its imports'
// kinds, its global count, its exports and the extent of each function
// body. It does not decode instructions (Body.Walk does) nor validate the
// module (wazero does).
func Parse(bin []byte) (*Module, error) {
	if len(bin) < len(header) || !bytes.Equal(bin[:4], header[:4]) {
		return nil, errorf(ErrMalformed, "not a wasm module (no magic number)")
	}
	if !bytes.Equal(bin[4:8], header[4:]) {
		return nil, errorf(ErrUnsupported, "binary format version % x (only 1 is known)", bin[4:8])
	}
	m := &Module{bin: bin}
	r := &reader{b: bin, off: len(header)}
	for r.off < len(bin) && r.err == nil {
		s := Section{Start: r.off}
		s.ID = r.byte()
		size := r.u32()
		s.Content = r.off
		r.skip(int(size))
		s.End = r.off
		if r.err != nil {
			break
		}
		sr := &reader{b: bin[:s.End], off: s.Content}
		bounds := *sr
		if checkBounds(s.ID, &bounds); bounds.err != nil {
			return nil, bounds.err
		}
		switch s.ID {
		case SectionCustom:
			s.Name = sr.name()
		case SectionType:
			m.Types = sr.u32()
		case SectionImport:
			m.parseImports(sr)
		case SectionFunction:
			m.Funcs = sr.u32()
		case SectionMemory:
			m.Memories += sr.u32()
		case SectionGlobal:
			m.Globals = sr.u32()
		case SectionExport:
			m.parseExports(sr)
		case SectionCode:
			m.parseCode(sr)
		default:
			if int(s.ID) >= len(sectionRank) || sectionRank[s.ID] == 0 {
				r.off = s.Start
				r.fail(ErrUnsupported, "section id %d", s.ID)
			}
		}
		if sr.err != nil {
			return nil, sr.err
		}
		m.Sections = append(m.Sections, s)
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

// parseImports counts the imported functions, memories and globals.
func (m *Module) parseImports(r *reader) {
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name()
		r.name()
		at := r.off
		switch kind := r.byte(); kind {
		case KindFunc:
			r.u32()
			m.ImportedFuncs++
		case KindTable:
			r.reftype()
			r.limits()
		case KindMemory:
			r.limits()
			m.Memories++
		case KindGlobal:
			r.valtype()
			r.byte()
			m.ImportedGlobals++
		case KindTag:
			r.byte()
			r.u32()
		default:
			if r.err == nil {
				r.off = at
				r.fail(ErrUnsupported, "import kind 0x%02x", kind)
			}
		}
	}
}

func (m *Module) parseExports(r *reader) {
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		var e Export
		e.Name = r.name()
		e.Kind = r.byte()
		e.Index = r.u32()
		if r.err == nil {
			m.Exports = append(m.Exports, e)
		}
	}
}

func (m *Module) parseCode(r *reader) {
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := r.u32()
		start := r.off
		r.skip(int(size))
		if r.err == nil {
			m.Bodies = append(m.Bodies, Body{Code: r.b[start:r.off:r.off], Offset: start})
		}
	}
	if r.err == nil && r.off != len(r.b) {
		r.fail(ErrMalformed, "%d bytes after the last function body", len(r.b)-r.off)
	}
}

// errorf makes an error matching kind (ErrMalformed or ErrUnsupported).
func errorf(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", kind, fmt.Sprintf(format, args...))
}
