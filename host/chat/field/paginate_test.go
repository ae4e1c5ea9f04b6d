package field

import (
	"encoding/json"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
)

func TestParsePaginate(t *testing.T) {
	for _, c := range []struct {
		Raw  string
		Want *PageRequest
		Err  string
	}{
		{``, nil, ""},
		{`null`, nil, ""},
		{`{}`, nil, ""},
		{`[1, 2]`, nil, ""},
		{`"x"`, nil, ""},
		{`{"page": 2, "size": 10}`, &PageRequest{Page: 2, Size: 10}, ""},
		{`{"page": " 3 ", "size": "+7"}`, &PageRequest{Page: 3, Size: 7}, ""},
		{`{"page": "0", "size": "1_000"}`, &PageRequest{Page: 0, Size: 1000}, ""}, // "0" is a truthy string
		{`{"page": 1.99, "size": 2e1}`, &PageRequest{Page: 1, Size: 20}, ""},
		{`{"page": true, "size": 5}`, &PageRequest{Page: 1, Size: 5}, ""},
		{`{"page": -4, "size": 5}`, &PageRequest{Page: -4, Size: 5}, ""},
		{`{"page": 0, "size": 5}`, nil, "page and size required"},
		{`{"page": false, "size": 5}`, nil, "page and size required"},
		{`{"page": 1, "size": {}}`, nil, "page and size required"},
		{`{"other": 1}`, nil, "page and size required"},
		{`{"page": 1, "size": "ten"}`, nil, "Invalid types"},
		{`{"page": {"a": 1}, "size": 5}`, nil, "Invalid types"},
		{`{"page": 1, "size": 99999999999999999999}`, nil, "Invalid types"},
		{`{"page": 1, "size": -1}`, nil, "Invalid types"},
	} {
		got, err := ParsePaginate(json.RawMessage(c.Raw))
		if c.Err != "" {
			ce, ok := err.(*wire.Error)
			if !ok || ce.Code != wire.CodeValidation || len(ce.Detail.([]string)) != 1 || ce.Detail.([]string)[0] != c.Err {
				t.Errorf("%s: error %v, want %q", c.Raw, err, c.Err)
			}
			continue
		}
		if err != nil || (got == nil) != (c.Want == nil) || (got != nil && *got != *c.Want) {
			t.Errorf("%s: %+v, %v; want %+v", c.Raw, got, err, c.Want)
		}
	}
}

func TestPaginate(t *testing.T) {
	p := func(n int64) *int64 { return &n }
	for _, c := range []struct {
		Page, Size, Count int64
		Offset            int64
		HasNext, HasPrev  bool
		Next, Prev        *int64
	}{
		{1, 10, 50, 0, true, false, p(2), nil},
		{5, 10, 50, 40, false, true, nil, p(4)},
		{3, 5, 10, 5, false, true, nil, p(1)},
		{100, 10, 10, 0, false, false, nil, nil},
		{0, 10, 25, 20, false, true, nil, p(2)},
		{-3, 10, 25, 20, false, true, nil, p(2)},
		{1, 10, 0, 0, false, false, nil, nil},
		{2, 10, 0, 0, false, false, nil, nil},
		{2, 1, 3, 1, true, true, p(3), p(1)},
	} {
		info, off, lim := Paginate(PageRequest{Page: c.Page, Size: c.Size}, c.Count)
		if off != c.Offset || lim != c.Size || info.HasNext != c.HasNext || info.HasPrevious != c.HasPrev ||
			!SamePtr(info.NextPageNumber, c.Next) || !SamePtr(info.PrevPageNumber, c.Prev) || info.Page != c.Page || info.Size != c.Size {
			t.Errorf("page %d size %d of %d: %+v offset %d limit %d", c.Page, c.Size, c.Count, info, off, lim)
		}
	}
}

func SamePtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
