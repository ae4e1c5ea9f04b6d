package chat

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// The chat.notifications frame is the direct {"eventType":
// "chat.notifications", "data": {room id: [notification, ...], ...}}, without
// a "type" key (docs/protocol.md §2.2), written here piece by piece, each
// notification encoded once, so that the frame can be cut to the outbound
// frame limit without encoding it twice.
const (
	notificationsHead = `{"eventType":"chat.notifications","data":{`
	notificationsTail = `}}`
)

// encodedNotification is one notification of the frame, encoded.
type encodedNotification struct {
	room string
	// at, then id, order the notifications for the cut: the latest are
	// kept, as store.PendingNotifications reads them.
	at   time.Time
	id   string
	json []byte
}

// encodePending encodes p's notifications with their messages' views, in
// p's order (the frame's), straight into the frame of them all, whole, and
// returns each one's bytes within it too, for notificationsFrame to cut the
// frame from when whole is over the limit.
func encodePending(p store.Pending, views map[string]*wire.MessageView) (whole []byte, ns []encodedNotification, err error) {
	ns = make([]encodedNotification, len(p.Notifications))
	// One buffer sized for the lot up front: growing it would copy
	// megabytes over and over.
	size := len(notificationsHead) + len(notificationsTail)
	for _, q := range p.Notifications {
		size += len(q.Message.Content) + 1024
	}
	buf := make([]byte, 0, size)
	buf = append(buf, notificationsHead...)
	// A message several notifications' messages reply to or forward is
	// encoded once (the views share it: wire.SerializeRows).
	seen := make(map[*wire.MessageView][]byte, len(p.Notifications))
	for i, q := range p.Notifications {
		v, ok := views[q.MessageID]
		if !ok {
			return nil, nil, fmt.Errorf("chat: notification %s: message %s: %w", q.ID, q.MessageID, store.ErrNotFound)
		}
		room := q.Message.RoomID
		switch {
		case i == 0:
			buf = append(appendJSONString(buf, room), ":["...)
		case room != ns[i-1].room:
			buf = append(appendJSONString(append(buf, "],"...), room), ":["...)
		default:
			buf = append(buf, ',')
		}
		start := len(buf)
		buf = append(buf, `{"id":`...)
		buf = appendJSONString(buf, q.ID)
		buf = append(buf, `,"notification_type":`...)
		buf = appendJSONString(buf, q.Type)
		buf = append(buf, `,"message":`...)
		if buf, err = v.AppendJSONShared(buf, seen); err != nil {
			return nil, nil, err
		}
		buf = append(buf, '}')
		// Slices of one buffer: a capacity-limited view of each stays valid
		// as the buffer grows (append copies, never overwrites).
		ns[i] = encodedNotification{room: room, at: q.CreatedAt, id: q.ID, json: buf[start:len(buf):len(buf)]}
	}
	if len(ns) > 0 {
		buf = append(buf, ']')
	}
	return append(buf, notificationsTail...), ns, nil
}

// encodeGroups encodes the notifications of groups, an operation's result
// that modules may have changed, ordered for the cut by their messages'
// creation (all there is in a group's JSON); a message without a valid
// created_at counts as the oldest.
func encodeGroups(groups payload.NotificationGroups) ([]encodedNotification, error) {
	var out []encodedNotification
	for _, g := range groups {
		for _, n := range g.Notifications {
			b, err := json.Marshal(n)
			if err != nil {
				return nil, fmt.Errorf("chat: encode notification %s: %w", n.ID, err)
			}
			var at time.Time
			if n.Message != nil {
				at, _ = wire.ParseTime(n.Message.CreatedAt)
			}
			out = append(out, encodedNotification{room: g.RoomID, at: at, id: n.ID, json: b})
		}
	}
	return out, nil
}

// notificationsFrame assembles the frame of ns, which are in the frame's
// order (each room's consecutive). When all of them would make a frame over
// limit bytes, it keeps the latest that fit: the latest, the next latest,
// and so on until one does not fit, which is dropped with every older one,
// so that a client is never refused its notifications nor closed for having
// too many (docs/decisions.md). cut reports that some were left out;
// limit <= 0 is no limit.
func notificationsFrame(ns []encodedNotification, limit int) (frame []byte, cut bool) {
	keys := make(map[string][]byte)
	for _, n := range ns {
		if _, ok := keys[n.room]; !ok {
			keys[n.room] = appendJSONString(nil, n.room)
		}
	}
	keep := make([]bool, len(ns))
	// cost is what n adds to a frame: its comma after a sibling, or its
	// room's key and brackets (and comma after another room) when it is its
	// room's first.
	open := map[string]bool{}
	size := len(notificationsHead) + len(notificationsTail)
	cost := func(n encodedNotification) int {
		if open[n.room] {
			return len(n.json) + 1
		}
		c := len(keys[n.room]) + len(`:[]`) + len(n.json)
		if len(open) > 0 {
			c++
		}
		return c
	}
	order := make([]int, len(ns))
	for i := range order {
		order[i] = i
	}
	if limit > 0 && fullSize(ns, keys) > limit {
		// Latest first, ties broken by id, then by place in the frame.
		slices.SortFunc(order, func(a, b int) int {
			if c := ns[b].at.Compare(ns[a].at); c != 0 {
				return c
			}
			return cmp.Or(cmp.Compare(ns[b].id, ns[a].id), cmp.Compare(b, a))
		})
	}
	kept := 0
	for _, i := range order {
		c := cost(ns[i])
		if limit > 0 && size+c > limit {
			break
		}
		size += c
		open[ns[i].room] = true
		keep[i] = true
		kept++
	}

	frame = make([]byte, 0, size)
	frame = append(frame, notificationsHead...)
	room, first := "", true
	for i, n := range ns {
		if !keep[i] {
			continue
		}
		switch {
		case first:
			frame = append(append(frame, keys[n.room]...), ":["...)
		case n.room != room:
			frame = append(append(append(frame, "],"...), keys[n.room]...), ":["...)
		default:
			frame = append(frame, ',')
		}
		room, first = n.room, false
		frame = append(frame, n.json...)
	}
	if !first {
		frame = append(frame, ']')
	}
	frame = append(frame, notificationsTail...)
	return frame, kept < len(ns)
}

// fullSize is the size of the frame of all of ns, whose rooms' keys are
// keys.
func fullSize(ns []encodedNotification, keys map[string][]byte) int {
	size := len(notificationsHead) + len(notificationsTail)
	if len(ns) > 0 {
		size += len(ns) - 1 // the commas
	}
	for i, n := range ns {
		size += len(n.json)
		if i == 0 || n.room != ns[i-1].room {
			size += len(keys[n.room]) + len(`:[]`)
		}
	}
	return size
}

// refitFrame cuts frame, the chat.notifications frame of an operation's
// result that modules may have changed, to limit like notificationsFrame
// when it is over it.
func refitFrame(frame []byte, limit int) ([]byte, bool, error) {
	if limit <= 0 || len(frame) <= limit {
		return frame, false, nil
	}
	var f struct {
		Data payload.NotificationGroups `json:"data"`
	}
	if err := json.Unmarshal(frame, &f); err != nil {
		return nil, false, fmt.Errorf("chat: decode the notifications frame: %w", err)
	}
	ns, err := encodeGroups(f.Data)
	if err != nil {
		return nil, false, err
	}
	frame, cut := notificationsFrame(ns, limit)
	return frame, cut, nil
}

// appendJSONString appends s as encoding/json writes it: plain ASCII as it
// is (ids, types), anything else through encoding/json itself.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
