package field

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strings"

	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
)

// PageRequest is room.messages' paginate object once validated.
type PageRequest = payload.PageRequest

// ParsePaginate validates room.messages' paginate (docs/protocol.md §2.8.10).
// Absent, null, {} or not an object means no pagination (nil). Otherwise page
// and size must both be truthy ("page and size required", so page 0 is
// refused) and convert to integers as Python's int() would ("Invalid
// types"). A size below 1, which the reference does not handle sensibly, is
// refused with "Invalid types" too.
func ParsePaginate(raw json.RawMessage) (*PageRequest, error) {
	obj, ok := RawObject(raw)
	if !ok || len(obj) == 0 {
		return nil, nil
	}
	if !Truthy(obj["page"]) || !Truthy(obj["size"]) {
		return nil, wire.Validation("page and size required")
	}
	page, okPage := pyInt(obj["page"])
	size, okSize := pyInt(obj["size"])
	if !okPage || !okSize || size < 1 {
		return nil, wire.Validation("Invalid types")
	}
	return &PageRequest{Page: page, Size: size}, nil
}

// pyInt converts a JSON value as Python's int() does: integers, floats
// (truncated), booleans and strings holding an integer. ok is false for
// anything else or a value beyond int64.
func pyInt(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	var s string
	switch JsonKind(raw) {
	case "bool":
		if string(raw) == "true" {
			return 1, true
		}
		return 0, true
	case "int":
		s = string(raw)
	case "float":
		f, _, err := big.ParseFloat(string(raw), 10, 256, big.ToZero)
		if err != nil {
			return 0, false
		}
		n, _ := f.Int(nil)
		return n.Int64(), n.IsInt64()
	case "str":
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		s = strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	default:
		return 0, false
	}
	n, ok := new(big.Int).SetString(strings.TrimPrefix(s, "+"), 10)
	if !ok || !n.IsInt64() {
		return 0, false
	}
	return n.Int64(), true
}

// PageInfo is the pagination part of roommessages.dispatch. Page is the page
// as requested, not the one served (docs/protocol.md §7.6).
type PageInfo = payload.PageInfo

// Paginate resolves a requested page over count items the way Django's
// Paginator.get_page does: a page past the last, or below 1, is the last
// page; with no items there is one empty page. It returns the pagination
// keys and the window of items to serve.
func Paginate(req PageRequest, count int64) (info PageInfo, offset, limit int64) {
	pages := max(1, (count+req.Size-1)/req.Size)
	p := req.Page
	if p < 1 || p > pages {
		p = pages
	}
	info = PageInfo{HasNext: p < pages, HasPrevious: p > 1, Page: req.Page, Size: req.Size}
	if info.HasNext {
		n := p + 1
		info.NextPageNumber = &n
	}
	if info.HasPrevious {
		n := p - 1
		info.PrevPageNumber = &n
	}
	return info, (p - 1) * req.Size, req.Size
}
