package e2e

import (
	"strings"
	"testing"
)

func TestMessageSend(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	alice2 := s.connect(t, alice.u)
	dm := createOneToOne(t, alice, bob.u, alice2, bob)

	msg := sendMessage(t, alice, dm, "hello bob", alice2, bob)
	quiet(carol)
	assertEqual(t, "room", msg["room"], map[string]any{"id": dm})
	assertUser(t, msg["sender"], alice.u)
	assertEqual(t, "fresh message", map[string]any{
		"content": msg["content"], "is_deleted": msg["is_deleted"], "is_edited": msg["is_edited"],
		"is_forwarded": msg["is_forwarded"], "parent_message": msg["parent_message"], "forwarded_from": msg["forwarded_from"],
		"delivered_to": msg["delivered_to"], "read_receipts": msg["read_receipts"], "reactions": msg["reactions"],
		"attachments": msg["attachments"],
	}, map[string]any{
		"content": "hello bob", "is_deleted": false, "is_edited": false, "is_forwarded": false,
		"parent_message": nil, "forwarded_from": nil, "delivered_to": []any{}, "read_receipts": []any{},
		"reactions": []any{}, "attachments": []any{},
	})

	// Sanitising: allowed tags stay, scripts and unsafe attributes go.
	m := sendMessage(t, bob, dm, `<script>alert(1)</script><b>bold</b> <a href="javascript:alert(2)" onclick="x()">link</a><!-- c --> <i class="k">it</i>`, alice, alice2)
	content := m["content"].(string)
	for _, bad := range []string{"<script", "onclick", "javascript:", "<!--"} {
		if strings.Contains(content, bad) {
			t.Fatalf("sanitised content %q still holds %q", content, bad)
		}
	}
	for _, good := range []string{"<b>bold</b>", `<i class="k">it</i>`, "link"} {
		if !strings.Contains(content, good) {
			t.Fatalf("sanitised content %q lost %q", content, good)
		}
	}
	// Text is escaped, and sanitising may leave nothing (docs/protocol.md §7.13).
	assertEqual(t, "escaped text", sendMessage(t, bob, dm, "1 < 2 & 3 > 2", alice, alice2)["content"], "1 &lt; 2 &amp; 3 &gt; 2")
	// Kept attributes stay in the author's order, on a link (which the HTML
	// parser's formatting-element rules reorder) as on a paragraph.
	assertEqual(t, "attribute order", sendMessage(t, bob, dm, `<a title="t" target="_blank" href="https://x.org/">l</a><p id="i" class="c">p</p>`, alice, alice2)["content"],
		`<a title="t" target="_blank" href="https://x.org/">l</a><p id="i" class="c">p</p>`)
	assertEqual(t, "content of a lone image", sendMessage(t, bob, dm, `<img src=x onerror=alert(1)>`, alice, alice2)["content"], "")
	long := strings.Repeat("x", 10000)
	assertEqual(t, "10 000-char content", sendMessage(t, alice, dm, long, alice2, bob)["content"], long)
	// Plain text, quotes and non-ASCII survive sanitising unchanged.
	for _, plain := range []string{"naïve café ✓ 🎉", `It's "fine"`} {
		assertEqual(t, "plain content", sendMessage(t, alice, dm, plain, alice2, bob)["content"], plain)
	}

	// Refusals.
	alice.send("message.send", map[string]any{"room_id": dm, "content": "   "})
	alice.expectErrorDetail(4003, map[string]any{"content": []any{"This field may not be blank."}})
	alice.send("message.send", map[string]any{"room_id": dm})
	alice.expectError(4003)
	carol.send("message.send", map[string]any{"room_id": dm, "content": "let me in"})
	carol.expectErrorDetail(4002, "User is not authorized to send message to this room")
	carol.send("message.send", map[string]any{"room_id": "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d", "content": "x"})
	carol.expectErrorDetail(4004, "Resource not found.")
	carol.send("message.send", map[string]any{"room_id": "xyz", "content": "x"})
	carol.expectErrorDetail(4003, []any{"“xyz” is not a valid UUID."})
	carol.send("message.send", map[string]any{"room_id": []any{dm}, "content": "x"})
	carol.expectValidation("Invalid room_id type")
	quiet(alice, alice2, bob, carol)

	// History holds exactly the messages dispatched, newest first.
	msgs := history(t, bob, dm)
	if len(msgs) != 8 {
		t.Fatalf("history has %d messages, want 8", len(msgs))
	}
	assertEqual(t, "newest first", get(t, msgs, 7, "id"), msg["id"])
}

func TestMessageSendMedia(t *testing.T) {
	t.Parallel()
	_, alice, bob := startPair(t)
	dm := createOneToOne(t, alice, bob.u, bob)
	before := sendMessage(t, alice, dm, "before", bob)

	img := map[string]any{"media_url": "https://example.test/cat.png", "media_type": "image", "mime_type": "image/png",
		"file_size": 2048, "caption": "a cat", "metadata": map[string]any{"width": 640, "height": 480}}
	doc := map[string]any{"media_url": "https://example.test/doc", "media_type": "file"}
	alice.send("message.send", map[string]any{"room_id": dm, "content": "",
		"extra_fields": map[string]any{"media": []any{img, doc}}})
	m := assertMessage(t, expectSame(t, "message.dispatch", alice, bob))
	mediaOnly := m["id"].(string)
	assertEqual(t, "content of a media-only message", m["content"], "Media Files")
	atts := asArray(t, m["attachments"])
	if len(atts) != 2 {
		t.Fatalf("attachments = %s, want 2", mustJSON(atts))
	}
	byURL := map[string]map[string]any{}
	for _, a := range atts {
		a := asObject(t, a)
		if !uuidRE.MatchString(asString(t, a["id"])) {
			t.Fatalf("attachment id %v", a["id"])
		}
		delete(a, "id")
		byURL[a["media_url"].(string)] = a
	}
	assertEqual(t, "image attachment", byURL["https://example.test/cat.png"], img)
	assertEqual(t, "attachment defaults", byURL["https://example.test/doc"], map[string]any{
		"media_url": "https://example.test/doc", "media_type": "file", "file_size": 0, "mime_type": "image/jpeg",
		"caption": nil, "metadata": map[string]any{}})

	alice.send("message.send", map[string]any{"room_id": dm, "extra_fields": map[string]any{"media": []any{doc}}})
	m = assertMessage(t, expectSame(t, "message.dispatch", alice, bob))
	assertEqual(t, "content of a media message without content", m["content"], "Media Files")
	noContent := m["id"].(string)

	// With content, the content stays (docs/decisions.md).
	alice.send("message.send", map[string]any{"room_id": dm, "content": "look",
		"extra_fields": map[string]any{"media": []any{doc}}})
	m = assertMessage(t, expectSame(t, "message.dispatch", alice, bob))
	assertEqual(t, "content with media", m["content"], "look")
	last := m

	// Bad media: nothing is stored, nothing dispatched (atomic send).
	alice.send("message.send", map[string]any{"room_id": dm, "content": "x", "extra_fields": map[string]any{"media": img}})
	alice.expectValidation("Media must be a list of media files")
	alice.send("message.send", map[string]any{"room_id": dm, "content": "bad type",
		"extra_fields": map[string]any{"media": []any{map[string]any{"media_url": "https://example.test/x", "media_type": "hologram"}}}})
	alice.expectError(4003)
	alice.send("message.send", map[string]any{"room_id": dm, "content": "bad mime",
		"extra_fields": map[string]any{"media": []any{doc, map[string]any{"media_url": "https://example.test/x", "media_type": "file", "mime_type": "application/x-evil"}}}})
	alice.expectErrorDetail(4005, "Database constraint violated.")
	alice.send("message.send", map[string]any{"room_id": dm, "content": "no url",
		"extra_fields": map[string]any{"media": []any{map[string]any{"media_type": "image"}}}})
	alice.expectError(4003)
	quiet(alice, bob)

	msgs := history(t, bob, dm)
	assertEqual(t, "history after refused sends", messageIDs(t, msgs),
		[]string{last["id"].(string), noContent, mediaOnly, before["id"].(string)})
	assertEqual(t, "last_message after refused sends", findRoom(t, roomList(t, bob), dm)["last_message"], last)
}

func TestMessageReplyForward(t *testing.T) {
	t.Parallel()
	_, alice, bob, carol := startTrio(t)
	dm := createOneToOne(t, alice, bob.u, bob)
	group := createGroup(t, alice, "G", []user{carol.u}, nil, carol)
	secret := createOneToOne(t, carol, bob.u, bob) // alice is not in it
	parent := sendMessage(t, bob, dm, "question", alice)
	hidden := sendMessage(t, carol, secret, "private", bob)

	alice.send("message.send", map[string]any{"room_id": dm, "content": "answer",
		"extra_fields": map[string]any{"parent_message_id": parent["id"]}})
	reply := assertMessage(t, expectSame(t, "message.dispatch", alice, bob))
	assertEqual(t, "parent_message", reply["parent_message"], parent)
	assertEqual(t, "is_forwarded of a reply", reply["is_forwarded"], false)

	// Forwarding into another room the sender belongs to.
	alice.send("message.send", map[string]any{"room_id": group, "content": "fwd",
		"extra_fields": map[string]any{"forwarded_from_id": reply["id"]}})
	fwd := assertMessage(t, expectSame(t, "message.dispatch", alice, carol))
	assertEqual(t, "is_forwarded", fwd["is_forwarded"], true)
	assertEqual(t, "forwarded_from", fwd["forwarded_from"], reply)
	assertEqual(t, "forwarded message's nested parent", get(t, fwd, "forwarded_from", "parent_message", "id"), parent["id"])

	// Both at once violate the forward-xor-reply constraint.
	alice.send("message.send", map[string]any{"room_id": dm, "content": "both",
		"extra_fields": map[string]any{"parent_message_id": parent["id"], "forwarded_from_id": parent["id"]}})
	alice.expectErrorDetail(4005, "Database constraint violated.")
	// Unknown references.
	alice.send("message.send", map[string]any{"room_id": dm, "content": "x",
		"extra_fields": map[string]any{"parent_message_id": "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d"}})
	alice.expectErrorContaining(4003, "parent_message_id")
	alice.send("message.send", map[string]any{"room_id": dm, "content": "x",
		"extra_fields": map[string]any{"forwarded_from_id": "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d"}})
	alice.expectErrorContaining(4003, "forwarded_from_id")

	// Messages the sender cannot access cannot be replied to or forwarded
	// (docs/decisions.md).
	for _, key := range []string{"parent_message_id", "forwarded_from_id"} {
		alice.send("message.send", map[string]any{"room_id": dm, "content": "leak?",
			"extra_fields": map[string]any{key: hidden["id"]}})
		f := alice.nextFrame()
		code, _ := get(t, f.Object, "error", "code").(float64)
		if code != 4002 && code != 4003 && code != 4004 {
			t.Fatalf("%s of an inaccessible message: got %s, want a 4002/4003/4004 error", key, f)
		}
		if strings.Contains(f.String(), "private") {
			t.Fatalf("refusal leaks the inaccessible message: %s", f)
		}
	}
	quiet(alice, bob, carol)
	assertEqual(t, "dm history", len(history(t, bob, dm)), 2)
}

func TestMessageSendExtraFieldsCannotSpoof(t *testing.T) {
	t.Parallel()
	_, alice, bob, carol := startTrio(t)
	dm := createOneToOne(t, alice, bob.u, bob)
	other := createOneToOne(t, carol, bob.u, bob)
	fixed := "0b5c3f0e-1c7d-4a8e-9f00-123456789abc"

	alice.send("message.send", map[string]any{"room_id": dm, "content": "honest", "extra_fields": map[string]any{
		"room_id": other, "sender_id": bob.u.ID, "id": fixed, "is_deleted": true, "is_edited": true, "unknown_field": 1}})
	m := assertMessage(t, expectSame(t, "message.dispatch", alice, bob))
	quiet(carol)
	assertEqual(t, "room", m["room"], map[string]any{"id": dm})
	assertUser(t, m["sender"], alice.u)
	assertEqual(t, "flags", []any{m["is_deleted"], m["is_edited"]}, []any{false, false})
	if m["id"] == fixed {
		t.Fatalf("the client chose the message id")
	}
	if msgs := history(t, carol, other); len(msgs) != 0 {
		t.Fatalf("the message landed in the spoofed room: %s", mustJSON(msgs))
	}
	assertEqual(t, "dm history", messageIDs(t, history(t, alice, dm)), []string{m["id"].(string)})
}

func TestMessageTyping(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	alice2 := s.connect(t, alice.u)
	group := createGroup(t, alice, "G", []user{bob.u}, nil, alice2, bob)

	bob.send("message.typing", map[string]any{"room_id": group})
	assertEqual(t, "typing", expectSame(t, "messagetyping.dispatch", alice, alice2, bob), map[string]any{"username": "bob"})
	quiet(carol)
	carol.send("message.typing", map[string]any{"room_id": group})
	carol.expectErrorDetail(4002, "User is not authorized to send message to this room")
	carol.send("message.typing", map[string]any{"room_id": 3.5})
	carol.expectValidation("Invalid room_id type")
	quiet(alice, alice2, bob, carol)
	if msgs := history(t, alice, group); len(msgs) != 0 {
		t.Fatalf("typing persisted something: %s", mustJSON(msgs))
	}
}

// TestMessageSendWithoutRoomID: message.send with message_id but no room_id
// passes the send permission (room inferred from the message, docs/protocol.md
// §2.7) but lacks its required room_id: the reference crashed (4006, §7.9),
// and docs/decisions.md turns a missing required field into a 4003. No message may
// be created.
func TestMessageSendWithoutRoomID(t *testing.T) {
	t.Parallel()
	_, alice, bob := startPair(t)
	dm := createOneToOne(t, alice, bob.u, bob)
	m := sendMessage(t, alice, dm, "first", bob)
	for _, data := range []map[string]any{
		{"message_id": m["id"], "content": "where to?"},
		{"room_id": "", "message_id": m["id"], "content": "where to?"},
	} {
		alice.send("message.send", data)
		alice.expectError(4003)
	}
	quiet(alice, bob)
	assertEqual(t, "history", messageIDs(t, history(t, bob, dm)), []string{m["id"].(string)})
}
