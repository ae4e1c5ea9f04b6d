package field

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/google/uuid"
)

// ParseUUID parses a UUID the way Django's UUIDField does (hyphens optional,
// braces and urn:uuid: accepted) and returns its canonical lowercase form. A
// malformed value is a 4003 with Django's message, curly quotes included.
func ParseUUID(s string) (string, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return "", wire.Validation(fmt.Sprintf("“%s” is not a valid UUID.", s))
	}
	return u.String(), nil
}

// uuidFromInt interprets an integer as a 128-bit UUID value, as Django does
// for an int primary-key lookup.
func uuidFromInt(n *big.Int) (string, error) {
	if n.Sign() < 0 || n.BitLen() > 128 {
		return "", wire.Validation(fmt.Sprintf("“%s” is not a valid UUID.", n.String()))
	}
	var b [16]byte
	n.FillBytes(b[:])
	return uuid.UUID(b).String(), nil
}

// IdArg is a room_id/message_id value as sent: a string or an integer.
// ok is false for any other JSON type (including null and absent).
func IdArg(raw json.RawMessage) (id string, ok bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		id, err := ParseUUID(s)
		return id, true, err
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		n, ok := new(big.Int).SetString(string(raw), 10)
		if !ok { // a float is neither str nor int
			return "", false, nil
		}
		id, err := uuidFromInt(n)
		return id, true, err
	}
	return "", false, nil
}

// RoomIDArg validates and parses data.room_id: a string or int, else 4003
// "Invalid room_id type"; a malformed UUID is 4003 with Django's message.
func RoomIDArg(raw json.RawMessage) (string, error) {
	id, ok, err := IdArg(raw)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", wire.Validation("Invalid room_id type")
	}
	return id, nil
}

// MessageIDArgs validates data.message_id: a string, an int or a list of
// them, else 4003 "Invalid message_id type". isList reports whether a list was
// sent; ids keeps the order sent, de-duplicated.
func MessageIDArgs(raw json.RawMessage) (ids []string, isList bool, err error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, true, wire.Validation("Invalid message_id type")
		}
		if len(items) > MaxListItems {
			return nil, true, tooMany("message ids")
		}
		seen := make(map[string]bool, len(items))
		for _, it := range items {
			id, ok, err := IdArg(it)
			if err != nil {
				return nil, true, err
			}
			if !ok {
				return nil, true, wire.Validation("Invalid message_id type")
			}
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		return ids, true, nil
	}
	id, ok, err := IdArg(raw)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, wire.Validation("Invalid message_id type")
	}
	return []string{id}, false, nil
}

// MaxListItems bounds the ids one request may list (message_id, members,
// participants, users). The frame size limit alone would let a client send
// tens of thousands, each a query or a bound variable (SQLite allows at most
// 32766 per statement); no client of the reference needs more than a page.
const MaxListItems = 1000

// tooMany is the 4003 for a list longer than MaxListItems.
func tooMany(what string) *wire.Error {
	return wire.Validation(fmt.Sprintf("Too many %s: at most %d in one request", what, MaxListItems))
}
