package payload

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
)

// refJSON is m encoded the way it was before AppendJSON: by encoding/json,
// its replies and forwards spliced in where json.Marshal wrote their null
// (the first such member is m's own: the forward is spliced first, the
// named members come before Extra, and a string's quotes are escaped), and
// Extra after the named members. It is
// the reference FuzzMessageJSON holds AppendJSON to.
func refJSON(m *Message) ([]byte, error) {
	f := messageFields(*m)
	f.ParentMessage, f.ForwardedFrom = nil, nil
	f.DeliveredTo, f.ReadReceipts = orEmpty(f.DeliveredTo), orEmpty(f.ReadReceipts)
	f.Reactions, f.Attachments = orEmpty(f.Reactions), orEmpty(f.Attachments)
	b, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	for _, ref := range []struct {
		key string
		m   *Message
	}{{"forwarded_from", m.ForwardedFrom}, {"parent_message", m.ParentMessage}} {
		if ref.m == nil {
			continue
		}
		sub, err := refJSON(ref.m)
		if err != nil {
			return nil, err
		}
		null := `"` + ref.key + `":null`
		b = []byte(strings.Replace(string(b), null, `"`+ref.key+`":`+string(sub), 1))
	}
	if len(m.Extra) > 0 {
		w := appendObject(b, nil)
		w.extra(m.Extra, messageKeys)
		if b, err = w.bytes(); err != nil {
			return nil, err
		}
	}
	// json.Marshal compacts (and validates) what a marshaler returns.
	return json.Marshal(json.RawMessage(b))
}

// FuzzMessageJSON: AppendJSON writes the bytes json.Marshal writes for a
// message (strings with any bytes, raw metadata and extra members, lists
// nil or not, chains of replies), and fails where it fails.
func FuzzMessageJSON(f *testing.F) {
	f.Add("hi", "alice", "priority", []byte(`"high"`), []byte(`{"w":1}`), int64(3), uint8(0), uint8(0))
	f.Add("<b>&amp;</b> \u2028\u2029 é \x00\x1f\b\f\n\r\t\"\\", "a\xffb", "x<y>", []byte(` { "a" : [ 1 , "<&>" ] } `),
		[]byte("\"\u2028\""), int64(-1), uint8(0xff), uint8(3))
	f.Add("\xed\xa0\x80 \xf0\x9f\x98\x80 \x7f", "", "id", []byte(`"spoof"`), []byte(nil), int64(1<<62), uint8(0x55), uint8(1))
	f.Add("", "", "", []byte(``), []byte(`not json`), int64(0), uint8(0xaa), uint8(2))
	f.Add("x", "y", "k", []byte(`{"a":`), []byte(`null`), int64(7), uint8(0x0f), uint8(0))
	f.Fuzz(func(t *testing.T, text, name, key string, extra, metadata []byte, size int64, flags, depth uint8) {
		m := fuzzMessage(text, name, key, extra, metadata, size, flags, depth%4)
		want, werr := refJSON(m)
		got, gerr := m.AppendJSON(nil)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("errors differ: json.Marshal %v, AppendJSON %v", werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, want) {
			t.Fatalf("AppendJSON\n got %s\nwant %s", got, want)
		}
		if werr == nil {
			viaMarshal, err := json.Marshal(m)
			if err != nil || !bytes.Equal(viaMarshal, want) {
				t.Fatalf("json.Marshal(Message) %v\n got %s\nwant %s", err, viaMarshal, want)
			}
		}
	})
}

// fuzzMessage builds a message from the fuzzer's values: flags choose which
// lists are nil and which optional members are set, depth how long its
// chain of replies is.
func fuzzMessage(text, name, key string, extra, metadata []byte, size int64, flags, depth uint8) *Message {
	u := abi.User{ID: size, Username: name, Email: text, FirstName: key, LastName: name + text}
	m := &Message{ID: text + "-id", Room: MessageRoom{ID: name}, Sender: u, Content: text,
		IsDeleted: flags&1 != 0, IsEdited: flags&2 != 0, IsForwarded: flags&4 != 0, CreatedAt: key, UpdatedAt: text}
	if flags&8 != 0 {
		m.DeliveredTo = []string{name, text}
		m.ReadReceipts = []ReadReceipt{{Reader: u, ReadAt: text}, {}}
		m.Reactions = []Reaction{{ID: key, User: u, ReactionContent: text, CreatedAt: name}}
	} else if flags&16 != 0 {
		m.DeliveredTo, m.ReadReceipts, m.Reactions = []string{}, []ReadReceipt{}, []Reaction{}
	}
	if flags&32 != 0 {
		var caption *string
		if flags&64 != 0 {
			caption = &text
		}
		md := json.RawMessage(metadata)
		if flags&128 != 0 {
			md = nil
		}
		m.Attachments = []Attachment{{ID: name, MediaArgs: MediaArgs{MediaURL: text, MediaType: key, FileSize: size,
			MimeType: name, Caption: caption, Metadata: md}}, {}}
	}
	if flags&16 != 0 {
		m.Extra = map[string]json.RawMessage{key: extra, strings.ToUpper(key) + "2": json.RawMessage(`[true]`)}
	}
	if depth > 0 {
		m.ParentMessage = fuzzMessage(name, text, key, extra, metadata, size-1, flags>>1|flags<<7, depth-1)
		if flags&4 != 0 {
			m.ForwardedFrom = fuzzMessage(key, name, text, extra, metadata, size+1, flags>>2, depth-1)
		}
	}
	return m
}

// TestHistoryResultJSON: HistoryResult.AppendJSON writes json.Marshal's
// bytes, with and without a page, with no messages, nil ones and a chain.
func TestHistoryResultJSON(t *testing.T) {
	next := int64(2)
	chain := fuzzMessage("a<b", "\u2028", "k", []byte(`1`), []byte(`{}`), 5, 0xff, 3)
	for _, r := range []HistoryResult{
		{},
		{Data: HistoryData{RoomID: "r", Messages: []*Message{}}},
		{PageInfo: &PageInfo{HasNext: true, NextPageNumber: &next, Page: 1, Size: 20},
			Data: HistoryData{RoomID: "r&", Messages: []*Message{chain, nil, {ID: "m"}}}},
		{PageInfo: &PageInfo{HasPrevious: true, PrevPageNumber: &next, Page: -3}},
	} {
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.AppendJSON(nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("AppendJSON %v\n got %s\nwant %s", err, got, want)
		}
	}
}

// TestAppendJSONShared: messages encoded one after another into one buffer
// with AppendJSONShared, sharing the messages they reply to and forward (at
// the top and nested, with Extra), are the bytes AppendJSON writes for each,
// however often the buffer grows; a message whose encoding fails fails
// there too.
func TestAppendJSONShared(t *testing.T) {
	root := &Message{ID: "root", Content: "<root> é", DeliveredTo: []string{"bob"},
		Extra: map[string]json.RawMessage{"priority": json.RawMessage(`"high"`)}}
	var msgs []*Message
	prev := root
	for i := range 50 {
		m := &Message{ID: strings.Repeat("m", i+1), Content: strings.Repeat("\u2028x", i)}
		switch i % 3 {
		case 0:
			m.ParentMessage = root
		case 1:
			m.ForwardedFrom, m.IsForwarded = prev, true
		}
		msgs = append(msgs, m)
		prev = m
	}
	msgs = append(msgs, root, msgs[4])
	seen := map[*Message][]byte{}
	var (
		buf  = make([]byte, 0, 16) // grows many times
		want []byte
		err  error
	)
	for _, m := range msgs {
		if buf, err = m.AppendJSONShared(append(buf, ','), seen); err != nil {
			t.Fatal(err)
		}
		one, err := m.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		want = append(append(want, ','), one...)
	}
	if !bytes.Equal(buf, want) {
		t.Fatalf("shared:\n%s\nwant:\n%s", buf, want)
	}
	if len(seen) != len(msgs)-1 {
		t.Errorf("%d messages remembered, want %d (each once)", len(seen), len(msgs)-1)
	}

	bad := &Message{ID: "bad", ParentMessage: root, Attachments: []Attachment{{ID: "a", MediaArgs: MediaArgs{Metadata: json.RawMessage(`{`)}}}}
	if _, err := bad.AppendJSONShared(nil, seen); err == nil {
		t.Error("a message with invalid metadata encoded")
	}
}
