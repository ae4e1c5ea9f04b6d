package chat

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
)

// The field validators below reproduce the Django REST framework fields the
// reference's room serializers use, messages included, so that room.create
// and room.modify report field errors as {"field": ["msg"]}.

const (
	msgRequired   = "This field is required."
	msgNotNull    = "This field may not be null."
	msgNotBlank   = "This field may not be blank."
	msgNotString  = "Not a valid string."
	msgNotBool    = "Must be a valid boolean."
	msgNotInt     = "A valid integer is required."
	msgNotURL     = "Enter a valid URL."
	maxRoomName   = 64
	maxAvatarLen  = 200
	maxPositiveDB = math.MaxInt32 // PositiveIntegerField's upper bound
)

// rawObject decodes a JSON object into its members. ok is false when raw is
// not an object.
func rawObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, false
	}
	return m, true
}

// actionData decodes an action's data: absent or null is an empty object,
// so that each missing field gets its own clear 4003 (DESIGN.md: missing
// fields are validation errors, not the reference's 4006).
func actionData(data json.RawMessage) (map[string]json.RawMessage, error) {
	if isJSONNull(bytes.TrimSpace(data)) {
		return map[string]json.RawMessage{}, nil
	}
	m, ok := rawObject(data)
	if !ok {
		return nil, Validation("data must be a python dictionary/javascript object")
	}
	return m, nil
}

// isNull reports whether a present value is JSON null.
func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// charField is a DRF CharField (trim_whitespace on). present is false when
// the key was absent; nullable fields return nil for null.
func charField(raw json.RawMessage, present, required, nullable, allowBlank bool, maxLen int) (*string, string) {
	if !present {
		if required {
			return nil, msgRequired
		}
		return nil, ""
	}
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		if nullable {
			return nil, ""
		}
		return nil, msgNotNull
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
	return &s, ""
}

// boolField is a DRF BooleanField: JSON booleans, 0/1 and the usual words.
func boolField(raw json.RawMessage) (bool, string) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return false, msgNotNull
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

// positiveIntField is a DRF IntegerField bound to a PositiveIntegerField:
// integers, integral floats and numeric strings in [0, 2^31-1].
func positiveIntField(raw json.RawMessage) (int64, string) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return 0, msgNotNull
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

// urlField is a nullable DRF URLField; blank is stored as null.
func urlField(raw json.RawMessage) (*string, string) {
	s, msg := charField(raw, true, false, true, true, maxAvatarLen)
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

// userIDs reads a list of user ids: JSON integers or strings holding one.
// isList is false when raw is not a list; bad counts the elements that are
// not ids (they name no user). The result is de-duplicated, in the order
// sent. A list longer than MaxListItems is a 4003.
func userIDs(raw json.RawMessage) (ids []int64, isList bool, bad int, err error) {
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

// propertyPreferences validates a room "property" value ({"preferences":
// {...}}) and returns the new preferences, or nil when it sets none.
func propertyPreferences(raw json.RawMessage) (json.RawMessage, error) {
	if isNull(raw) {
		return nil, Validation("Room Property can't be null")
	}
	prop, ok := rawObject(raw)
	if !ok {
		return nil, Validation("Room property must be a python dictionary/javascript object")
	}
	prefs, present := prop["preferences"]
	if !present {
		return nil, nil
	}
	if _, ok := rawObject(prefs); !ok {
		return nil, Validation("preferences must be a python dictionary/javascript object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, prefs); err != nil {
		return nil, Validation("preferences must be a python dictionary/javascript object")
	}
	return buf.Bytes(), nil
}
