package chat

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi/payload"
)

// TestModuleRoomOutput: a room a module returns is read in the form of its
// place in the output, whatever members it has, and its times are written
// in the wire format; a time that is not one fails the output.
func TestModuleRoomOutput(t *testing.T) {
	const user = `{"id":1,"username":"a","email":"","first_name":"","last_name":""}`
	detail := `{"id":"r","type":"GroupChat","peer":` + user + `,"last_message":null,` +
		`"created_at":"2026-01-02T05:04:05.5+02:00","updated_at":"2026-01-02T03:04:05.000000Z"}`
	wantDetail := `{"id":"r","type":"GroupChat","creator":null,"participants":[],"admins":[],` +
		`"property":{"preferences":{}},"created_at":"2026-01-02T03:04:05.500000Z","updated_at":"2026-01-02T03:04:05Z",` +
		`"name":"","description":null,"max_participants":0,"avatar":null,"join_approval_required":false,` +
		`"group_locked":false,"last_message":null,"peer":` + user + `}`
	item := `{"id":"r","type":"OneToOneChat","participants":[` + user + `],"property":{"preferences":{}},` +
		`"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`
	wantItem := `{"id":"r","type":"OneToOneChat","peer":null,"last_message":null,"created_at":"2026-01-02T03:04:05Z",` +
		`"updated_at":"2026-01-02T03:04:05Z","participants":[` + user + `],"property":{"preferences":{}}}`
	for _, c := range []struct {
		name      string
		out       interface{ decodeEncode(string) (string, error) }
		in, want  string
		wantError string
	}{
		{"detail", &roundTrip[ModifyRoomOut]{}, `{"room":` + detail + `}`, `{"room":` + wantDetail + `}`, ""},
		{"leave", &roundTrip[*payload.Room]{}, detail, wantDetail, ""},
		{"leave deleted", &roundTrip[*payload.Room]{}, `null`, `null`, ""},
		{"members", &roundTrip[MembersOut]{}, `{"user_ids":[],"usernames":[],"room":` + detail + `}`,
			`{"user_ids":[],"usernames":[],"room":` + wantDetail + `}`, ""},
		{"list item", &roundTrip[[]payload.Room]{}, `[` + item + `]`, `[` + wantItem + `]`, ""},
		{"bad time", &roundTrip[[]payload.Room]{}, `[` + strings.Replace(item, "2026-01-02T03:04:05Z", "yesterday", 1) + `]`,
			"", "room created_at"},
	} {
		got, err := c.out.decodeEncode(c.in)
		switch {
		case c.wantError != "":
			if err == nil || !strings.Contains(err.Error(), c.wantError) {
				t.Errorf("%s: %s, %v; want an error %q", c.name, got, err, c.wantError)
			}
		case err != nil || got != c.want:
			t.Errorf("%s: %v\n got %s\nwant %s", c.name, err, got, c.want)
		}
	}
}

// roundTrip decodes a module's output of type T and encodes it as the host
// sends it on.
type roundTrip[T any] struct{}

func (roundTrip[T]) decodeEncode(in string) (string, error) {
	var p withExtras[T]
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		return "", err
	}
	b, err := json.Marshal(p)
	return string(b), err
}
