package chat

import (
	"encoding/json"
	"testing"
)

func TestParsePaginate(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want *PageRequest
		err  string
	}{
		{``, nil, ""},
		{`null`, nil, ""},
		{`{}`, nil, ""},
		{`[1, 2]`, nil, ""},
		{`"x"`, nil, ""},
		{`{"page": 2, "size": 10}`, &PageRequest{2, 10}, ""},
		{`{"page": " 3 ", "size": "+7"}`, &PageRequest{3, 7}, ""},
		{`{"page": "0", "size": "1_000"}`, &PageRequest{0, 1000}, ""}, // "0" is a truthy string
		{`{"page": 1.99, "size": 2e1}`, &PageRequest{1, 20}, ""},
		{`{"page": true, "size": 5}`, &PageRequest{1, 5}, ""},
		{`{"page": -4, "size": 5}`, &PageRequest{-4, 5}, ""},
		{`{"page": 0, "size": 5}`, nil, "page and size required"},
		{`{"page": false, "size": 5}`, nil, "page and size required"},
		{`{"page": 1, "size": {}}`, nil, "page and size required"},
		{`{"other": 1}`, nil, "page and size required"},
		{`{"page": 1, "size": "ten"}`, nil, "Invalid types"},
		{`{"page": {"a": 1}, "size": 5}`, nil, "Invalid types"},
		{`{"page": 1, "size": 99999999999999999999}`, nil, "Invalid types"},
		{`{"page": 1, "size": -1}`, nil, "Invalid types"},
	} {
		got, err := parsePaginate(json.RawMessage(c.raw))
		if c.err != "" {
			ce, ok := err.(*Error)
			if !ok || ce.Code != CodeValidation || len(ce.Detail.([]string)) != 1 || ce.Detail.([]string)[0] != c.err {
				t.Errorf("%s: error %v, want %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil || (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("%s: %+v, %v; want %+v", c.raw, got, err, c.want)
		}
	}
}

func TestPaginate(t *testing.T) {
	p := func(n int64) *int64 { return &n }
	for _, c := range []struct {
		page, size, count int64
		offset            int64
		hasNext, hasPrev  bool
		next, prev        *int64
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
		info, off, lim := paginate(PageRequest{Page: c.page, Size: c.size}, c.count)
		if off != c.offset || lim != c.size || info.HasNext != c.hasNext || info.HasPrevious != c.hasPrev ||
			!samePtr(info.NextPageNumber, c.next) || !samePtr(info.PrevPageNumber, c.prev) || info.Page != c.page || info.Size != c.size {
			t.Errorf("page %d size %d of %d: %+v offset %d limit %d", c.page, c.size, c.count, info, off, lim)
		}
	}
}

func samePtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
