package e2e

import (
	"strings"
	"testing"
)

func TestMessageReact(t *testing.T) {
	t.Parallel()
	s, alice, bob, carol := startTrio(t)
	bob2 := s.connect(t, bob.u)
	outsider := s.login(t, "outsider")
	group := createGroup(t, alice, "G", []user{bob.u, carol.u}, nil, bob, bob2, carol)
	all := []*client{alice, bob, bob2, carol}
	m := sendMessage(t, alice, group, "react to me", bob, bob2, carol)
	react := func(c *client, typ any, content any) {
		c.t.Helper()
		data := map[string]any{"message_id": m["id"]}
		if typ != nil {
			data["type"] = typ
		}
		if content != nil {
			data["reaction_content"] = content
		}
		c.send("message.react", data)
	}

	react(bob, "add", "👍")
	d := asObject(t, expectSame(t, "reaction.dispatch", all...))
	assertKeys(t, d, "status", "type", "message")
	assertEqual(t, "status", d["status"], "successful")
	assertEqual(t, "type", d["type"], "add")
	msg := assertMessage(t, d["message"])
	reactions := asArray(t, msg["reactions"])
	if len(reactions) != 1 {
		t.Fatalf("reactions = %s, want one", mustJSON(reactions))
	}
	assertUser(t, get(t, reactions, 0, "user"), bob.u)
	assertEqual(t, "reaction_content", get(t, reactions, 0, "reaction_content"), "👍")
	quiet(outsider)

	// Same content again is a constraint violation, not a toggle.
	react(bob2, "add", "👍")
	bob2.expectErrorDetail(4005, "Database constraint violated.")
	quiet(all...)
	// Different content replaces.
	react(bob, "add", "🎉")
	d = asObject(t, expectSame(t, "reaction.dispatch", all...))
	reactions = asArray(t, get(t, d, "message", "reactions"))
	if len(reactions) != 1 || get(t, reactions, 0, "reaction_content") != "🎉" {
		t.Fatalf("reactions after a replace = %s, want only bob's 🎉", mustJSON(reactions))
	}
	// One's own message may be reacted to.
	react(alice, "add", "❤")
	d = asObject(t, expectSame(t, "reaction.dispatch", all...))
	if n := len(asArray(t, get(t, d, "message", "reactions"))); n != 2 {
		t.Fatalf("reactions = %d, want 2", n)
	}

	// Remove: "action" instead of "type"; content ignored; "failed" when
	// there was nothing to remove.
	react(bob, "remove", "whatever")
	d = asObject(t, expectSame(t, "reaction.dispatch", all...))
	assertKeys(t, d, "status", "message", "action")
	assertEqual(t, "remove", []any{d["status"], d["action"]}, []any{"successful", "remove"})
	reactions = asArray(t, get(t, d, "message", "reactions"))
	if len(reactions) != 1 || asInt(t, get(t, reactions, 0, "user", "id")) != alice.u.ID {
		t.Fatalf("reactions after bob's remove = %s, want only alice's", mustJSON(reactions))
	}
	react(bob, "remove", nil)
	d = asObject(t, expectSame(t, "reaction.dispatch", all...))
	assertEqual(t, "remove of nothing", []any{d["status"], d["action"]}, []any{"failed", "remove"})

	// Refusals.
	react(carol, "toggle", "👍")
	carol.expectValidation("invalid reaction type")
	react(carol, nil, "👍")
	carol.expectValidation("invalid reaction type")
	react(carol, "add", nil)
	carol.expectErrorDetail(4003, map[string]any{"reaction_content": []any{"This field is required."}})
	react(carol, "add", "")
	carol.expectErrorDetail(4003, map[string]any{"reaction_content": []any{"This field may not be blank."}})
	react(carol, "add", strings.Repeat("a", 129))
	carol.expectErrorContaining(4003, "reaction_content")
	react(outsider, "add", "👍")
	outsider.expectErrorDetail(4002, "User is not authorized to access this message")
	outsider.send("message.react", map[string]any{"type": "add", "message_id": "7b0f4a5e-9a51-4a36-9f0e-2f1f6a2b3c4d", "reaction_content": "x"})
	outsider.expectErrorDetail(4004, "Resource not found.")
	carol.send("message.react", map[string]any{"type": "add", "message_id": []any{m["id"]}, "reaction_content": "x"})
	carol.expectError(4003)
	carol.send("message.react", map[string]any{"type": "add", "message_id": false, "reaction_content": "x"})
	carol.expectValidation("Invalid message_id type")
	quiet(append(all, outsider)...)

	// 128 characters (not bytes) is the limit, inclusive.
	react(carol, "add", strings.Repeat("😀", 128))
	d = asObject(t, expectSame(t, "reaction.dispatch", all...))
	if n := len(asArray(t, get(t, d, "message", "reactions"))); n != 2 {
		t.Fatalf("reactions = %d, want 2", n)
	}
	assertEqual(t, "reactions in history", len(asArray(t, get(t, history(t, alice, group), 0, "reactions"))), 2)
}
