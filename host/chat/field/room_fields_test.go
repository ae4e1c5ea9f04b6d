package field

import (
	"encoding/json"
	"testing"
)

// TestCharField covers the DRF CharField rules, NUL included: refused on
// both engines alike, where PostgreSQL could not store it and SQLite would.
func TestCharField(t *testing.T) {
	for _, tc := range []struct {
		name     string
		raw      string
		present  bool
		required bool
		nullable bool
		blank    bool
		maxLen   int
		want     string // "" with msg "" when the result is nil
		msg      string
	}{
		{name: "trimmed", raw: `"  hi  "`, present: true, want: "hi"},
		{name: "number", raw: `42`, present: true, want: "42"},
		{name: "absent required", required: true, msg: MsgRequired},
		{name: "absent optional"},
		{name: "null", raw: `null`, present: true, msg: MsgNotNull},
		{name: "null allowed", raw: `null`, present: true, nullable: true},
		{name: "blank", raw: `"  "`, present: true, msg: msgNotBlank},
		{name: "blank allowed", raw: `"  "`, present: true, blank: true, want: ""},
		{name: "object", raw: `{}`, present: true, msg: msgNotString},
		{name: "too long", raw: `"ééé"`, present: true, maxLen: 2, msg: "Ensure this field has no more than 2 characters."},
		{name: "NUL", raw: `"a\u0000b"`, present: true, msg: "Null characters are not allowed."},
		{name: "trailing NUL", raw: `"ab\u0000"`, present: true, msg: "Null characters are not allowed."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := CharField(json.RawMessage(tc.raw), tc.present, tc.required, tc.nullable, tc.blank, tc.maxLen)
			if msg != tc.msg {
				t.Fatalf("message %q, want %q", msg, tc.msg)
			}
			switch {
			case msg != "" || (tc.want == "" && got == nil):
				if got != nil && msg != "" {
					t.Fatalf("value %q with message %q", *got, msg)
				}
			case got == nil:
				t.Fatalf("no value, want %q", tc.want)
			case *got != tc.want:
				t.Fatalf("value %q, want %q", *got, tc.want)
			}
		})
	}
}
