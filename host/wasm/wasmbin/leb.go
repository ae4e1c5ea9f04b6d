package wasmbin

// LEB128, as the binary format uses it: unsigned for counts, sizes and
// indices, signed for constants and block types. Decoding refuses encodings
// longer than the type allows, so a malformed immediate cannot make the
// decoder drift through the rest of a body.

// appendU32 appends v as unsigned LEB128, in the fewest bytes.
func appendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendS32 appends v as signed LEB128, in the fewest bytes.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// scanLEB reads the 7-bit groups of a LEB128 of at most bits bits from b at
// off into v, least significant first. It returns them, the last byte and the
// number of bytes read; n == 0 means the encoding runs past b or past the
// type's length. What the last byte may hold is for the caller to check.
func scanLEB(b []byte, off int, bits uint) (v uint64, last byte, n int) {
	maxLen := int(bits+6) / 7
	for i := 0; i < maxLen && off+i < len(b); i++ {
		c := b[off+i]
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, c, i + 1
		}
	}
	return 0, 0, 0
}

// readUnsigned decodes an unsigned LEB128 of at most bits bits from b at
// off. It returns the value and the offset after it; next == 0 means b holds
// no valid encoding there.
func readUnsigned(b []byte, off int, bits uint) (v uint64, next int) {
	v, last, n := scanLEB(b, off, bits)
	if n == 0 || n == int(bits+6)/7 && bits%7 != 0 && last>>(bits%7) != 0 {
		// Bits past the type's width in the last byte.
		return 0, 0
	}
	return v, off + n
}

// readSigned decodes a signed LEB128 of at most bits bits from b at off, as
// readUnsigned does.
func readSigned(b []byte, off int, bits uint) (v int64, next int) {
	u, last, n := scanLEB(b, off, bits)
	if n == 0 {
		return 0, 0
	}
	if n == int(bits+6)/7 && bits%7 != 0 {
		// The unused high bits of the last byte must repeat the sign bit.
		rest := int8(last<<1) >> (bits % 7)
		if rest != 0 && rest != -1 {
			return 0, 0
		}
	}
	v = int64(u)
	if shift := 7 * uint(n); shift < 64 && last&0x40 != 0 {
		v |= -1 << shift
	}
	return v, off + n
}
