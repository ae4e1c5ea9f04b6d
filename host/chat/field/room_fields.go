package field

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// The field validators below reproduce the Django REST framework fields the
// reference's room serializers use, messages included, so that room.create
// and room.modify report field errors as {"field": ["msg"]}.

const (
	MsgRequired   = "This field is required."
	MsgNotNull    = "This field may not be null."
	msgNotBlank   = "This field may not be blank."
	msgNotString  = "Not a valid string."
	msgNotBool    = "Must be a valid boolean."
	msgNotInt     = "A valid integer is required."
	msgNotURL     = "Enter a valid URL."
	MaxRoomName   = 64
	maxAvatarLen  = 200
	maxPositiveDB = math.MaxInt32 // PositiveIntegerField's upper bound
)

// ActionData decodes an action's data: absent or null is an empty object,
// so that each missing field gets its own clear 4003 (docs/decisions.md: missing
// fields are validation errors, not the reference's 4006).
func ActionData(data json.RawMessage) (map[string]json.RawMessage, error) {
	if IsAbsent(bytes.TrimSpace(data)) {
		return map[string]json.RawMessage{}, nil
	}
	m, ok := RawObject(data)
	if !ok {
		return nil, wire.Validation("data must be a python dictionary/javascript object")
	}
	return m, nil
}

// CharField is a DRF CharField (trim_whitespace on). present is false when
// the key was absent; nullable fields return nil for null.
func CharField(raw json.RawMessage, present, required, nullable, allowBlank bool, maxLen int) (*string, string) {
	if !present {
		if required {
			return nil, MsgRequired
		}
		return nil, ""
	}
	raw = bytes.TrimSpace(raw)
	if IsNull(raw) {
		if nullable {
			return nil, ""
		}
		return nil, MsgNotNull
	}
	var s string
	switch {
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, msgNotString
		}
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		s = string(raw) // DRF stringifies numbers
	default:
		return nil, msgNotString
	}
	s = strings.TrimSpace(s)
	if s == "" && !allowBlank {
		return nil, msgNotBlank
	}
	if maxLen > 0 && utf8.RuneCountInString(s) > maxLen {
		return nil, fmt.Sprintf("Ensure this field has no more than %d characters.", maxLen)
	}
	// DRF's CharField prohibits NUL; PostgreSQL could not store it anyway,
	// and SQLite would, so both engines answer the same 4003.
	if strings.IndexByte(s, 0) >= 0 {
		return nil, msgNullCharacters
	}
	return &s, ""
}

// msgNullCharacters is DRF's ProhibitNullCharactersValidator message.
const msgNullCharacters = "Null characters are not allowed."

// BoolField is a DRF BooleanField: JSON booleans, 0/1 and the usual words.
func BoolField(raw json.RawMessage) (bool, string) {
	raw = bytes.TrimSpace(raw)
	if IsNull(raw) {
		return false, MsgNotNull
	}
	v := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &v) != nil {
			return false, msgNotBool
		}
	}
	switch v {
	case "true", "True", "TRUE", "t", "T", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "1":
		return true, ""
	case "false", "False", "FALSE", "f", "F", "n", "N", "no", "No", "NO", "off", "Off", "OFF", "0", "0.0":
		return false, ""
	}
	return false, msgNotBool
}

// PositiveIntField is a DRF IntegerField bound to a PositiveIntegerField:
// integers, integral floats and numeric strings in [0, 2^31-1].
func PositiveIntField(raw json.RawMessage) (int64, string) {
	raw = bytes.TrimSpace(raw)
	if IsNull(raw) {
		return 0, MsgNotNull
	}
	v := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &v) != nil {
			return 0, msgNotInt
		}
		v = strings.TrimSpace(v)
	} else if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, msgNotInt
	}
	f, ok := new(big.Float).SetString(v)
	if !ok || !f.IsInt() {
		return 0, msgNotInt
	}
	n, _ := f.Int(nil)
	switch {
	case n.Sign() < 0:
		return 0, "Ensure this value is greater than or equal to 0."
	case n.Cmp(big.NewInt(maxPositiveDB)) > 0:
		return 0, fmt.Sprintf("Ensure this value is less than or equal to %d.", maxPositiveDB)
	}
	return n.Int64(), ""
}

// UrlField is a nullable DRF URLField; blank is stored as null.
func UrlField(raw json.RawMessage) (*string, string) {
	s, msg := CharField(raw, true, false, true, true, maxAvatarLen)
	if msg != "" || s == nil {
		return nil, msg
	}
	if *s == "" {
		return nil, ""
	}
	u, err := url.Parse(*s)
	if err != nil || u.Host == "" || !(u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "ftp" || u.Scheme == "ftps") {
		return nil, msgNotURL
	}
	return s, ""
}

// UserIDs reads a list of user ids: JSON integers or strings holding one.
// isList is false when raw is not a list; bad counts the elements that are
// not ids (they name no user). The result is de-duplicated, in the order
// sent. A list longer than MaxListItems is a 4003.
func UserIDs(raw json.RawMessage) (ids []int64, isList bool, bad int, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false, 0, nil
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil, false, 0, nil
	}
	if len(items) > MaxListItems {
		return nil, true, 0, tooMany("user ids")
	}
	seen := make(map[int64]bool, len(items))
	for _, it := range items {
		v := string(bytes.TrimSpace(it))
		if strings.HasPrefix(v, `"`) {
			if json.Unmarshal(it, &v) != nil {
				bad++
				continue
			}
			v = strings.TrimSpace(v)
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			bad++
			continue
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, true, bad, nil
}

// PropertyPreferences validates a room "property" value ({"preferences":
// {...}}) and returns the new preferences, or nil when it sets none.
func PropertyPreferences(raw json.RawMessage) (json.RawMessage, error) {
	if IsNull(raw) {
		return nil, wire.Validation("Room Property can't be null")
	}
	prop, ok := RawObject(raw)
	if !ok {
		return nil, wire.Validation("Room property must be a python dictionary/javascript object")
	}
	prefs, present := prop["preferences"]
	if !present {
		return nil, nil
	}
	if _, ok := RawObject(prefs); !ok {
		return nil, wire.Validation("preferences must be a python dictionary/javascript object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, prefs); err != nil {
		return nil, wire.Validation("preferences must be a python dictionary/javascript object")
	}
	return buf.Bytes(), nil
}
