package hooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// rawOut is a json.Marshaler that writes its text as it is, as an
// operation's output does its own JSON.
type rawOut struct{ text string }

func (r rawOut) MarshalJSON() ([]byte, error) {
	if r.text == "" {
		return nil, errors.New("no text")
	}
	return []byte(r.text), nil
}

// ptrOut has MarshalJSON on its pointer, which json.Marshal does not call
// for a nil one.
type ptrOut struct{ N int }

func (p *ptrOut) MarshalJSON() ([]byte, error) { return []byte(`{"n":1}`), nil }

// TestEncodeIsMarshal: encode writes what json.Marshal writes, byte for
// byte, whether it keeps the marshaler's bytes or not, and fails where it
// fails.
func TestEncodeIsMarshal(t *testing.T) {
	texts := []string{
		`{"id":"5f2d","content":"hello world","media":[],"n":null}`,
		`{"content":"a \"quoted\" \\ word"}`,
		`{"a": 1}`,    // white space outside strings
		"{\"a\":\n1}", // a newline
		`{"a":"x<y"}`, // escaped by json.Marshal
		`{"a":"fish & chips"}`,
		"{\"a\":\"line\u2028sep\"}",
		"{\"a\":\"para\u2029sep\"}",
		"{\"a\":\"price 5 \u20ac \u2019quoted\u2019\"}", // other runes led by 0xE2
		`"\u003c"`,
		`[1,2,3]`,
		`{"a":"\\"}`,
	}
	for _, text := range texts {
		want, werr := json.Marshal(rawOut{text})
		got, err := encode(rawOut{text})
		if (err != nil) != (werr != nil) || !bytes.Equal(got, want) {
			t.Errorf("encode(%q) = %q, %v; json.Marshal gives %q, %v", text, got, err, want, werr)
		}
	}
	if _, err := encode(rawOut{}); err == nil {
		t.Error("encode of a failing marshaler succeeded")
	}
	var nilPtr *ptrOut
	for _, v := range []any{nilPtr, &ptrOut{}, ptrOut{N: 2}, map[string]int{"a": 1}, nil} {
		want, _ := json.Marshal(v)
		got, err := encode(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("encode(%#v) = %q, %v; want %q", v, got, err, want)
		}
	}
}

// TestCompactEscaped holds compactEscaped to json.Compact with HTML
// escaping: where it says a text needs no change, that rewrite makes none.
func TestCompactEscaped(t *testing.T) {
	for _, text := range []string{
		`{}`, `{"a":"b c"}`, `{"a":"\""}`, `{"a":"\\"}`, `{"a" :1}`, `{"a":"<"}`, "[1,\t2]", `{"a":"\u2028"}`,
		"{\"a\":\"\u2028\"}", "{\"a\":\"\u20ac\"}", `"unterminated`,
	} {
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(text)); err != nil {
			continue
		}
		var esc bytes.Buffer
		json.HTMLEscape(&esc, buf.Bytes())
		if same := esc.String() == text; compactEscaped([]byte(text)) && !same {
			t.Errorf("compactEscaped(%q) = true, but json.Marshal makes it %q", text, esc.String())
		}
	}
}
