package wasmbin

// wazero allocates each vector of a module at the length the module
// declares before it reads a single item, and a name or data segment at
// the byte length declared, so a module of a few bytes declaring four
// billion element segments, locals or name bytes takes gigabytes of host
// memory while being decoded: a fatal out-of-memory of the whole server,
// not an error (FuzzAddInterrupt found it in wazero v1.12's element
// section). checkBounds refuses such a module before wazero sees it: every
// count must fit in the bytes left in its section (each item takes at
// least one byte) and every length in the bytes there are, so that what
// wazero allocates stays proportional to the module's own size.

// maxLocals bounds the locals of one function, as browsers do (V8's
// kV8MaxWasmFunctionLocals): wazero allocates a byte per local before
// validating the body.
const maxLocals = 50000

// checkBounds checks the counts and lengths of section id, whose content
// r reads: a count over the bytes left is an ErrLimit, a length past the
// section's end an ErrMalformed.
func checkBounds(id byte, r *reader) {
	switch id {
	case SectionType:
		for n := count(r); n > 0 && r.err == nil; n-- {
			r.byte() // the function type's form
			for k := count(r); k > 0 && r.err == nil; k-- {
				r.valtype()
			}
			for k := count(r); k > 0 && r.err == nil; k-- {
				r.valtype()
			}
		}
	case SectionImport, SectionFunction, SectionTable, SectionMemory, SectionGlobal, SectionExport, SectionTag:
		count(r) // their items are read by Parse, names and all, or hold no vector
	case SectionElement:
		for n := count(r); n > 0 && r.err == nil; n-- {
			elementSegment(r)
		}
	case SectionData:
		for n := count(r); n > 0 && r.err == nil; n-- {
			switch flags := r.u32(); flags {
			case 0:
				constExpr(r)
			case 1:
			case 2:
				r.u32()
				constExpr(r)
			default:
				r.fail(ErrMalformed, "data segment flags %d", flags)
			}
			r.skip(int(r.u32()))
		}
	case SectionCode:
		for n := count(r); n > 0 && r.err == nil; n-- {
			size := r.u32()
			body := &reader{b: r.b[:min(len(r.b), r.off+int(size))], off: r.off}
			var locals uint64
			for k := count(body); k > 0 && body.err == nil; k-- {
				locals += uint64(body.u32())
				body.byte()
				if locals > maxLocals {
					body.fail(ErrLimit, "more than %d locals in a function", maxLocals)
				}
			}
			if body.err != nil {
				r.err = body.err
				return
			}
			r.skip(int(size))
		}
	case SectionCustom:
		if r.name() == "name" {
			nameSection(r)
		}
	}
}

// count reads a vector's length, failing when the bytes left cannot hold
// that many items.
func count(r *reader) uint32 {
	n := r.u32()
	if r.err == nil && int64(n) > int64(len(r.b)-r.off) {
		r.fail(ErrLimit, "a vector of %d items in %d bytes", n, len(r.b)-r.off)
		return 0
	}
	return n
}

// elementSegment reads one segment of the element section (its eight
// encodings, by flags).
func elementSegment(r *reader) {
	flags := r.u32()
	if flags > 7 {
		r.fail(ErrMalformed, "element segment flags %d", flags)
		return
	}
	if flags&3 == 2 {
		r.u32() // the table
	}
	if flags&1 == 0 {
		constExpr(r) // the offset of an active segment
	}
	if flags&3 != 0 {
		r.byte() // the element kind or reference type
	}
	for n := count(r); n > 0 && r.err == nil; n-- {
		if flags&4 == 0 {
			r.u32() // a function index
		} else {
			constExpr(r)
		}
	}
}

// More opcodes of constant expressions (extended-const included).
const (
	opGlobalGet = 0x23
	opI64Const  = 0x42
	opF32Const  = 0x43
	opF64Const  = 0x44
	opI32Add    = 0x6a
	opI32Mul    = 0x6c
	opI64Add    = 0x7c
	opI64Sub    = 0x7d
	opI64Mul    = 0x7e
	opRefNull   = 0xd0
	opRefFunc   = 0xd2
	opSIMD      = 0xfd
)

// constExpr reads a constant expression up to its end.
func constExpr(r *reader) {
	for r.err == nil {
		switch op := r.byte(); op {
		case byte(OpEnd):
			return
		case opI32Const:
			r.signed(32)
		case opI64Const:
			r.signed(64)
		case opF32Const:
			r.skip(4)
		case opF64Const:
			r.skip(8)
		case opGlobalGet, opRefFunc:
			r.u32()
		case opRefNull:
			r.byte()
		case opI32Add, opI32Sub, opI32Mul, opI64Add, opI64Sub, opI64Mul:
		case opSIMD:
			r.u32() // v128.const
			r.skip(16)
		default:
			if r.err == nil {
				r.fail(ErrUnsupported, "opcode 0x%02x in a constant expression", op)
			}
		}
	}
}

// nameSection reads the subsections of the "name" custom section that
// wazero decodes: the module's name, the functions' and the locals'.
func nameSection(r *reader) {
	for r.off < len(r.b) && r.err == nil {
		id := r.byte()
		size := r.u32()
		sub := &reader{b: r.b[:min(len(r.b), r.off+int(size))], off: r.off}
		switch id {
		case 0:
			sub.name()
		case 1:
			nameMap(sub)
		case 2:
			for n := count(sub); n > 0 && sub.err == nil; n-- {
				sub.u32()
				nameMap(sub)
			}
		}
		if sub.err != nil {
			r.err = sub.err
			return
		}
		r.skip(int(size))
	}
}

// nameMap reads a vector of (index, name).
func nameMap(r *reader) {
	for n := count(r); n > 0 && r.err == nil; n-- {
		r.u32()
		r.name()
	}
}
