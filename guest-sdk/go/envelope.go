package chatwasm

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// JSON decoding is the dominant cost of a Go module (encoding/json runs
// slowly in wasm), and the arguments are most of the envelope. The host
// writes the envelope in one fixed layout (abi.AppendCall):
//
//	{"abi":1,"hook":"...","tenant":"...","caller":{"user_id":1,"username":"...","session_id":0},"args":...}
//
// with args last (ABI v1 fixes this), so parseCall reads those few fields by
// hand and takes the arguments as the rest up to the final brace, without
// decoding them: a hook taking json.RawMessage never parses its input. Any
// other layout is decoded by encoding/json.

// parseCall decodes the call envelope.
func parseCall(input []byte) (Call, error) {
	if c, ok := parseFixedCall(input); ok {
		return c, nil
	}
	var c Call
	err := json.Unmarshal(input, &c)
	return c, err
}

// parseFixedCall decodes an envelope in the host's layout; ok is false for
// anything else.
func parseFixedCall(in []byte) (c Call, ok bool) {
	p := envelopeParser{b: in}
	p.lit(`{"abi":`)
	p.int()
	p.lit(`,"hook":`)
	c.Hook = p.str()
	p.lit(`,"tenant":`)
	c.Tenant = p.str()
	p.lit(`,"caller":{"user_id":`)
	c.Caller.UserID = p.int()
	p.lit(`,"username":`)
	c.Caller.Username = p.str()
	p.lit(`,"session_id":`)
	c.Caller.SessionID = p.int()
	p.lit(`},"args":`)
	if p.bad {
		return Call{}, false
	}
	// The host writes the args last and closes the envelope right after them
	// (abi.AppendCall), so they are everything up to the final brace: no need
	// to walk them byte by byte, which costs a guest far more than the host.
	args := bytes.TrimRight(p.b[p.pos:], " \t\r\n")
	if len(args) < 2 || args[len(args)-1] != '}' {
		return Call{}, false
	}
	c.Args = json.RawMessage(args[:len(args)-1])
	return c, true
}

// stringEnd returns the index of the quote that ends the JSON string b
// starts with, or -1. It jumps from quote to quote with bytes.IndexByte,
// which is much cheaper in wasm than a loop over every byte.
func stringEnd(b []byte) int {
	for i := 1; i < len(b); {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return -1
		}
		i += q
		backslashes := 0
		for j := i - 1; j > 0 && b[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i
		}
		i++
	}
	return -1
}

// envelopeParser reads the envelope's tokens in order; the first mismatch
// sets bad and makes every later read a no-op.
type envelopeParser struct {
	b   []byte
	pos int
	bad bool
}

func (p *envelopeParser) lit(s string) {
	if p.bad || !bytes.HasPrefix(p.b[p.pos:], []byte(s)) {
		p.bad = true
		return
	}
	p.pos += len(s)
}

func (p *envelopeParser) int() int64 {
	if p.bad {
		return 0
	}
	end := p.pos
	for end < len(p.b) && (p.b[end] == '-' || p.b[end] >= '0' && p.b[end] <= '9') {
		end++
	}
	n, err := strconv.ParseInt(string(p.b[p.pos:end]), 10, 64)
	if err != nil {
		p.bad = true
		return 0
	}
	p.pos = end
	return n
}

func (p *envelopeParser) str() string {
	if p.bad || p.pos >= len(p.b) || p.b[p.pos] != '"' {
		p.bad = true
		return ""
	}
	end := stringEnd(p.b[p.pos:])
	if end < 0 {
		p.bad = true
		return ""
	}
	tok := p.b[p.pos : p.pos+end+1]
	p.pos += end + 1
	if bytes.IndexByte(tok, '\\') < 0 {
		return string(tok[1 : len(tok)-1])
	}
	var s string
	if json.Unmarshal(tok, &s) != nil {
		p.bad = true
	}
	return s
}
