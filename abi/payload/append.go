package payload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/chatwasm/chatwasm/abi"
)

// encoding/json re-reads the output of every MarshalJSON it calls, so a
// message whose MarshalJSON encoded its reply chain through json.Marshal
// cost time quadratic in the depth of the chain. The appenders below write
// the bytes json.Marshal writes for these types (HTML-safe escaping,
// U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD, raw values
// compacted) in one pass; FuzzMessageJSON holds them to that.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as json.Marshal
// escapes it.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendBool appends b as JSON.
func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// appendOptString appends *s, or null.
func appendOptString(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	return appendString(dst, *s)
}

// appendRaw appends the JSON value raw as json.Marshal writes a
// json.RawMessage: compacted, HTML-escaped, null when nil. Invalid JSON
// (an empty value among them) is an error, as it is for json.Marshal.
func appendRaw(dst []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(dst, "null"...), nil
	}
	if plainRaw(raw) {
		if !json.Valid(raw) {
			return nil, fmt.Errorf("payload: invalid JSON value %.40q", raw)
		}
		return append(dst, raw...), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, fmt.Errorf("payload: invalid JSON value: %w", err)
	}
	var h bytes.Buffer
	json.HTMLEscape(&h, b.Bytes())
	return append(dst, h.Bytes()...), nil
}

// plainRaw reports whether raw is made only of bytes compaction and HTML
// escaping leave as they are: ASCII that is neither whitespace nor <>&.
// Whitespace inside a string would be kept, but the short check is enough
// for the values the host writes.
func plainRaw(raw []byte) bool {
	for _, c := range raw {
		if c <= ' ' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendUser appends u as json.Marshal writes an abi.User.
func appendUser(dst []byte, u *abi.User) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, u.ID, 10)
	dst = append(dst, `,"username":`...)
	dst = appendString(dst, u.Username)
	dst = append(dst, `,"email":`...)
	dst = appendString(dst, u.Email)
	dst = append(dst, `,"first_name":`...)
	dst = appendString(dst, u.FirstName)
	dst = append(dst, `,"last_name":`...)
	dst = appendString(dst, u.LastName)
	return append(dst, '}')
}

// appendExtra appends the members of extra that known does not list, in
// key order, each after a comma: the object before them is never empty.
func appendExtra(dst []byte, extra map[string]json.RawMessage, known []string) ([]byte, error) {
	var err error
	for _, k := range extraNames(extra, known) {
		dst = append(dst, ',')
		dst = appendString(dst, k)
		dst = append(dst, ':')
		v := extra[k]
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		if dst, err = appendRaw(dst, v); err != nil {
			return nil, fmt.Errorf("payload: member %q: %w", k, err)
		}
	}
	return dst, nil
}
