package chatwasm

import (
	"encoding/json"
	"unicode/utf8"
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
// anything else. It is written as straight-line code over (b, pos) rather
// than with a parser type: the Go wasm backend dispatches every branch
// through a jump table, and this form halved the cost of reading an
// envelope.
func parseFixedCall(b []byte) (c Call, ok bool) {
	pos := 0
	if pos, ok = literal(b, pos, `{"abi":`); !ok {
		return c, false
	}
	if _, pos, ok = integer(b, pos); !ok {
		return c, false
	}
	if pos, ok = literal(b, pos, `,"hook":`); !ok {
		return c, false
	}
	if c.Hook, pos, ok = str(b, pos, &lastHook); !ok {
		return c, false
	}
	if pos, ok = literal(b, pos, `,"tenant":`); !ok {
		return c, false
	}
	if c.Tenant, pos, ok = str(b, pos, &lastTenant); !ok {
		return c, false
	}
	if pos, ok = literal(b, pos, `,"caller":{"user_id":`); !ok {
		return c, false
	}
	if c.Caller.UserID, pos, ok = integer(b, pos); !ok {
		return c, false
	}
	if pos, ok = literal(b, pos, `,"username":`); !ok {
		return c, false
	}
	if c.Caller.Username, pos, ok = str(b, pos, &lastUsername); !ok {
		return c, false
	}
	if pos, ok = literal(b, pos, `,"session_id":`); !ok {
		return c, false
	}
	if c.Caller.SessionID, pos, ok = integer(b, pos); !ok {
		return c, false
	}
	if pos, ok = literal(b, pos, `},"args":`); !ok {
		return c, false
	}
	// The host writes the args last and closes the envelope right after them
	// (abi.AppendCall), so they are everything up to the final brace: no need
	// to walk them byte by byte, which costs a guest far more than the host.
	end := trimEnd(b, pos, len(b))
	if end-pos < 2 || b[end-1] != '}' {
		return c, false
	}
	for pos < end && isSpace(b[pos]) {
		pos++
	}
	c.Args = json.RawMessage(b[pos:trimEnd(b, pos, end-1)])
	return c, true
}

// trimEnd returns end moved back over the white space before it.
func trimEnd(b []byte, pos, end int) int {
	for end > pos && isSpace(b[end-1]) {
		end--
	}
	return end
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// literal reads s at pos.
func literal(b []byte, pos int, s string) (int, bool) {
	if len(b)-pos < len(s) || string(b[pos:pos+len(s)]) != s {
		return pos, false
	}
	return pos + len(s), true
}

// integer reads a JSON integer that fits an int64 at pos.
func integer(b []byte, pos int) (int64, int, bool) {
	i, neg := pos, false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	start := i
	var n uint64 // 19 digits cannot overflow it
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if i-start == 19 {
			return 0, pos, false
		}
		n = n*10 + uint64(b[i]-'0')
	}
	switch {
	case i == start, n > 1<<63, n == 1<<63 && !neg:
		return 0, pos, false
	case neg:
		return -int64(n), i, true
	}
	return int64(n), i, true
}

// The strings of the last call's envelope. The input buffer is reused from
// call to call (readInput), so the envelope's strings are copied out of it;
// a call for the same hook, tenant and user as the call before reuses the
// copies instead of allocating new ones. An instance serves one call at a
// time, so plain variables will do.
var lastHook, lastTenant, lastUsername string

// str reads a JSON string at pos; last is the string the same field had in
// the last call.
func str(b []byte, pos int, last *string) (string, int, bool) {
	if pos >= len(b) || b[pos] != '"' {
		return "", pos, false
	}
	for i := pos + 1; i < len(b); i++ {
		switch b[i] {
		case '"':
			if raw := b[pos+1 : i]; string(raw) != *last {
				*last = string(raw)
			}
			return *last, i + 1, true
		case '\\':
			return escapedString(b, pos)
		default:
			// Beyond ASCII (or a control byte JSON forbids), encoding/json
			// decides: it reads invalid UTF-8 as U+FFFD, as the slow path
			// must agree.
			if c := b[i]; c >= utf8.RuneSelf || c < 0x20 {
				return escapedString(b, pos)
			}
		}
	}
	return "", pos, false
}

// escapedString reads a JSON string with escapes at pos.
func escapedString(b []byte, pos int) (string, int, bool) {
	end := pos + 1
	for ; end < len(b) && b[end] != '"'; end++ {
		if b[end] == '\\' {
			end++
		}
	}
	if end >= len(b) {
		return "", pos, false
	}
	var s string
	if json.Unmarshal(b[pos:end+1], &s) != nil {
		return "", pos, false
	}
	return s, end + 1, true
}
