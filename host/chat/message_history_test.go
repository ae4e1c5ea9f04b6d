package chat_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// history is roommessages.dispatch's data.
type history struct {
	HasNext        *bool  `json:"has_next"`
	HasPrevious    *bool  `json:"has_previous"`
	NextPageNumber *int64 `json:"next_page_number"`
	PrevPageNumber *int64 `json:"prev_page_number"`
	Page           *int64 `json:"page"`
	Size           *int64 `json:"size"`
	Data           struct {
		RoomID   string           `json:"room_id"`
		Messages []map[string]any `json:"messages"`
	} `json:"data"`
}

func TestRoomMessagesPagination(t *testing.T) {
	eachMsgEnv(t, func(t *testing.T, e *msgEnv) {
		ann, bob, eve := e.user("ann"), e.user("bob"), e.user("eve")
		big, small, empty := e.group(ann, bob), e.group(ann, bob), e.group(ann, bob)
		for i := range 50 {
			e.send(ann, big, fmt.Sprint(i))
		}
		for i := range 10 {
			e.send(bob, small, fmt.Sprint(i))
		}
		get := func(room string, paginate any) (history, json.RawMessage) {
			t.Helper()
			data := map[string]any{"room_id": room}
			if paginate != nil {
				data["paginate"] = paginate
			}
			f := msgOne(t, e.ok(bob, "room.messages", data), wire.UserGroup(bob.UserID), "roommessages.dispatch")
			var h history
			if err := json.Unmarshal(f.Data, &h); err != nil {
				t.Fatal(err)
			}
			if h.Data.RoomID != room {
				t.Fatalf("room_id %q", h.Data.RoomID)
			}
			return h, f.Data
		}

		// Without pagination: {"data": {...}} only, every message, newest first.
		for _, p := range []any{nil, map[string]any{}, "page=1", []int{1}} {
			h, raw := get(small, p)
			msgKeys(t, "unpaginated", jsonObject(t, raw), "data")
			if len(h.Data.Messages) != 10 || h.Data.Messages[0]["content"] != "9" || h.Data.Messages[9]["content"] != "0" {
				t.Fatalf("paginate %v: %s", p, raw)
			}
			wantMessage(t, h.Data.Messages[0])
		}

		n := func(v int64) *int64 { return &v }
		for _, c := range []struct {
			room           string
			page, size     any
			count          int
			first          string
			hasNext, hasPr bool
			next, prev     *int64
			echoPage       int64
		}{
			{big, 1, 10, 10, "49", true, false, n(2), nil, 1},
			{big, 5, 10, 10, "9", false, true, nil, n(4), 5},
			{big, "2", "10", 10, "39", true, true, n(3), n(1), 2},
			{small, 3, 5, 5, "4", false, true, nil, n(1), 3}, // beyond the last: the last page, requested page echoed
			{small, 100, 10, 10, "9", false, false, nil, nil, 100},
			{small, 1, 100, 10, "9", false, false, nil, nil, 1},
			{small, -1, 4, 2, "1", false, true, nil, n(2), -1}, // below 1: the last page
			{small, 2.9, 5, 5, "4", false, true, nil, n(1), 2},
			{small, true, 3, 3, "9", true, false, n(2), nil, 1},
			{empty, 1, 10, 0, "", false, false, nil, nil, 1},
			{empty, 7, 10, 0, "", false, false, nil, nil, 7},
		} {
			t.Run(fmt.Sprintf("page %v size %v of %d", c.page, c.size, c.count), func(t *testing.T) {
				h, raw := get(c.room, map[string]any{"page": c.page, "size": c.size})
				msgKeys(t, "paginated", jsonObject(t, raw), "has_next", "has_previous", "next_page_number", "prev_page_number", "page", "size", "data")
				if len(h.Data.Messages) != c.count || *h.HasNext != c.hasNext || *h.HasPrevious != c.hasPr ||
					!eqPtr(h.NextPageNumber, c.next) || !eqPtr(h.PrevPageNumber, c.prev) || *h.Page != c.echoPage {
					t.Fatalf("got %s", raw)
				}
				if c.count > 0 && h.Data.Messages[0]["content"] != c.first {
					t.Fatalf("first message %v, want %s", h.Data.Messages[0]["content"], c.first)
				}
			})
		}

		for _, c := range []struct {
			paginate any
			detail   string
		}{
			{map[string]any{"page": 0, "size": 10}, "page and size required"},
			{map[string]any{"page": 1}, "page and size required"},
			{map[string]any{"size": 10, "page": ""}, "page and size required"},
			{map[string]any{"page": 1, "size": nil}, "page and size required"},
			{map[string]any{"page": "one", "size": 10}, "Invalid types"},
			{map[string]any{"page": 1, "size": "1.5"}, "Invalid types"},
			{map[string]any{"page": []int{1}, "size": 10}, "Invalid types"},
			{map[string]any{"page": 1, "size": -5}, "Invalid types"},
		} {
			e.fail(bob, "room.messages", map[string]any{"room_id": small, "paginate": c.paginate}, 4003, []string{c.detail})
		}
		e.fail(eve, "room.messages", map[string]any{"room_id": small}, 4002, "User is not authorized access this room")
		e.fail(bob, "room.messages", map[string]any{"room_id": store.NewID()}, 4004, "Resource not found.")
		e.fail(bob, "room.messages", map[string]any{"room_id": nil}, 4003, []string{"Invalid room_id type"})
	})
}

func eqPtr(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
