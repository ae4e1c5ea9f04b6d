package e2e

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Shapes of the wire (docs/protocol.md §2.6 with the decisions of docs/decisions.md: no
// polymorphic_ctype, null for a missing last_message/peer).
var (
	userKeys         = []string{"id", "username", "email", "first_name", "last_name"}
	messageKeys      = []string{"id", "room", "sender", "content", "is_deleted", "is_edited", "is_forwarded", "created_at", "updated_at", "parent_message", "forwarded_from", "delivered_to", "read_receipts", "reactions", "attachments"}
	attachmentKeys   = []string{"id", "media_url", "media_type", "file_size", "mime_type", "caption", "metadata"}
	reactionKeys     = []string{"id", "user", "reaction_content", "created_at"}
	receiptKeys      = []string{"reader", "read_at"}
	notificationKeys = []string{"id", "notification_type", "message"}

	oneToOneDetailKeys = []string{"id", "type", "participants", "property", "created_at", "updated_at"}
	groupDetailKeys    = []string{"id", "type", "creator", "participants", "admins", "property", "created_at", "updated_at", "name", "description", "max_participants", "avatar", "join_approval_required", "group_locked"}
	channelDetailKeys  = []string{"id", "type", "creator", "subscribers", "moderators", "property", "created_at", "updated_at", "name", "description", "is_public", "avatar", "max_subscribers"}

	oneToOneListKeys = []string{"id", "type", "peer", "last_message", "created_at", "updated_at"}
	groupListKeys    = []string{"id", "type", "creator", "last_message", "created_at", "updated_at", "name", "description", "max_participants", "avatar", "join_approval_required", "group_locked"}
	channelListKeys  = []string{"id", "type", "creator", "last_message", "created_at", "updated_at", "name", "description", "is_public", "avatar", "max_subscribers"}
)

// timeRE is the timestamp format: ISO-8601 UTC, Z, microseconds only when
// non-zero.
var timeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$`)

// uuidRE is a canonical lowercase UUID v4.
var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// assertKeys fails unless v is an object with exactly the keys want.
func assertKeys(t *testing.T, v any, want ...string) {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("got %s, want an object with keys %v", mustJSON(v), want)
	}
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	w := slices.Clone(want)
	sort.Strings(w)
	if !slices.Equal(got, w) {
		t.Fatalf("keys %v, want %v in %s", got, w, mustJSON(v))
	}
}

// asJSON fails unless v holds a JSON value of Go type T (decoded as
// encoding/json decodes into any); kind names that value in the failure.
func asJSON[T any](t *testing.T, v any, kind string) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("got %s, want %s", mustJSON(v), kind)
	}
	return x
}

// asObject fails unless v is a JSON object.
func asObject(t *testing.T, v any) map[string]any {
	t.Helper()
	return asJSON[map[string]any](t, v, "an object")
}

// asArray fails unless v is a JSON array.
func asArray(t *testing.T, v any) []any {
	t.Helper()
	return asJSON[[]any](t, v, "an array")
}

// asString fails unless v is a JSON string.
func asString(t *testing.T, v any) string {
	t.Helper()
	return asJSON[string](t, v, "a string")
}

// asInt fails unless v is a JSON integer.
func asInt(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok || f != float64(int64(f)) {
		t.Fatalf("got %s, want an integer", mustJSON(v))
	}
	return int64(f)
}

// get walks v by object keys (string) and array indexes (int).
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	cur := v
	for i, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("path %v: %s at step %d is not an object", path, mustJSON(cur), i)
			}
			next, ok := m[k]
			if !ok {
				t.Fatalf("path %v: key %q missing in %s", path, k, mustJSON(cur))
			}
			cur = next
		case int:
			a, ok := cur.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("path %v: no index %d in %s", path, k, mustJSON(cur))
			}
			cur = a[k]
		default:
			t.Fatalf("path %v: bad step %v", path, p)
		}
	}
	return cur
}

// getString is get for a string leaf.
func getString(t *testing.T, v any, path ...any) string {
	t.Helper()
	return asString(t, get(t, v, path...))
}

// assertEqual fails unless got and want are equal JSON values.
func assertEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !jsonEqual(got, want) {
		t.Fatalf("%s = %s, want %s", what, mustJSON(got), mustJSON(want))
	}
}

// assertUser checks a serialized User against u.
func assertUser(t *testing.T, v any, u user) {
	t.Helper()
	assertKeys(t, v, userKeys...)
	assertEqual(t, "user", v, map[string]any{
		"id": u.ID, "username": u.Username, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName,
	})
}

// assertUserIDs checks a member list holds exactly users, by ascending id.
func assertUserIDs(t *testing.T, what string, v any, users ...user) {
	t.Helper()
	list := asArray(t, v)
	want := make([]int64, 0, len(users))
	for _, u := range users {
		want = append(want, u.ID)
	}
	slices.Sort(want)
	got := make([]int64, 0, len(list))
	for _, e := range list {
		assertKeys(t, e, userKeys...)
		got = append(got, asInt(t, get(t, e, "id")))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s ids = %v, want %v (ascending)", what, got, want)
	}
}

// assertTime checks a timestamp's format.
func assertTime(t *testing.T, what string, v any) {
	t.Helper()
	s, ok := v.(string)
	if !ok || !timeRE.MatchString(s) {
		t.Fatalf("%s = %s, want ISO-8601 UTC with Z (microseconds when non-zero)", what, mustJSON(v))
	}
	if strings.HasSuffix(s, ".000000Z") {
		t.Fatalf("%s = %s: zero microseconds must be omitted", what, s)
	}
}

// assertMessage checks the complete shape of a serialized Message and its
// nested objects, recursively.
func assertMessage(t *testing.T, v any) map[string]any {
	t.Helper()
	m := asObject(t, v)
	assertKeys(t, m, messageKeys...)
	if id := asString(t, m["id"]); !uuidRE.MatchString(id) {
		t.Fatalf("message id %q is not a canonical UUID v4", id)
	}
	assertKeys(t, m["room"], "id")
	assertKeys(t, m["sender"], userKeys...)
	asString(t, m["content"])
	for _, k := range []string{"is_deleted", "is_edited", "is_forwarded"} {
		if _, ok := m[k].(bool); !ok {
			t.Fatalf("message %s = %s, want a bool", k, mustJSON(m[k]))
		}
	}
	assertTime(t, "message created_at", m["created_at"])
	assertTime(t, "message updated_at", m["updated_at"])
	for _, k := range []string{"parent_message", "forwarded_from"} {
		if m[k] != nil {
			assertMessage(t, m[k])
		}
	}
	for _, d := range asArray(t, m["delivered_to"]) {
		asString(t, d)
	}
	for _, r := range asArray(t, m["read_receipts"]) {
		assertKeys(t, r, receiptKeys...)
		assertKeys(t, get(t, r, "reader"), userKeys...)
		assertTime(t, "read_at", get(t, r, "read_at"))
	}
	for _, r := range asArray(t, m["reactions"]) {
		assertKeys(t, r, reactionKeys...)
		assertKeys(t, get(t, r, "user"), userKeys...)
		assertTime(t, "reaction created_at", get(t, r, "created_at"))
	}
	for _, a := range asArray(t, m["attachments"]) {
		assertKeys(t, a, attachmentKeys...)
	}
	return m
}

// assertRoomDetail checks the detail form of a room of kind and returns it.
func assertRoomDetail(t *testing.T, v any, kind string) map[string]any {
	t.Helper()
	m := asObject(t, v)
	switch kind {
	case "OneToOneChat":
		assertKeys(t, m, oneToOneDetailKeys...)
	case "GroupChat":
		assertKeys(t, m, groupDetailKeys...)
	case "Channel":
		assertKeys(t, m, channelDetailKeys...)
	default:
		t.Fatalf("unknown kind %q", kind)
	}
	assertEqual(t, "room type", m["type"], kind)
	if id := asString(t, m["id"]); !uuidRE.MatchString(id) {
		t.Fatalf("room id %q is not a canonical UUID v4", id)
	}
	assertKeys(t, m["property"], "preferences")
	asObject(t, get(t, m, "property", "preferences"))
	assertTime(t, "room created_at", m["created_at"])
	assertTime(t, "room updated_at", m["updated_at"])
	return m
}

// assertRoomListItem checks the list form of a room and returns it.
func assertRoomListItem(t *testing.T, v any) map[string]any {
	t.Helper()
	m := asObject(t, v)
	switch m["type"] {
	case "OneToOneChat":
		assertKeys(t, m, oneToOneListKeys...)
		if m["peer"] != nil {
			assertKeys(t, m["peer"], userKeys...)
		}
	case "GroupChat":
		assertKeys(t, m, groupListKeys...)
	case "Channel":
		assertKeys(t, m, channelListKeys...)
	default:
		t.Fatalf("room list item of unknown type: %s", mustJSON(v))
	}
	if m["last_message"] != nil {
		assertMessage(t, m["last_message"])
	}
	return m
}
