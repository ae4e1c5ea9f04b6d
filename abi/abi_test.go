package abi_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
)

func TestLookupHook(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ok      bool
		kind    abi.Kind
		subject string
	}{
		{"create_message", true, abi.Extend, "create_message"},
		{"_create_message", true, abi.Replace, "create_message"},
		{"retreive_room", true, abi.Extend, "retreive_room"},
		{"_get_and_group_chat_notifications", true, abi.Replace, "get_and_group_chat_notifications"},
		{"create_chat_notification", true, abi.Extend, "create_chat_notification"},
		{"_update_chat_notification", true, abi.Replace, "update_chat_notification"},
		{"have_room_permissions_to_add_or_remove_members", true, abi.Permission, "have_room_permissions_to_add_or_remove_members"},
		{"handle_exception", true, abi.Exception, ""},
		{"serialize_room", true, abi.Serializer, "room"},
		{"action_message.pin", true, abi.Action, "message.pin"},
		{"action_", false, 0, ""},
		{"action_with space", false, 0, ""},
		{"retrieve_room", false, 0, ""},
		{"__create_message", false, 0, ""},
		{"chatwasm_abi_v1", false, 0, ""},
		{"_initialize", false, 0, ""},
	} {
		h, ok := abi.LookupHook(tc.name)
		if ok != tc.ok || (ok && (h.Name != tc.name || h.Kind != tc.kind || h.Subject != tc.subject)) {
			t.Errorf("LookupHook(%q) = %+v, %v", tc.name, h, ok)
		}
	}
	if n := len(abi.Operations()); n != 21 {
		t.Errorf("%d operations, want the reference's 21", n)
	}
	for _, op := range abi.Operations() {
		if h, ok := abi.LookupHook(abi.ReplaceHook(op)); !ok || h.Kind != abi.Replace {
			t.Errorf("replace hook of %s", op)
		}
	}
	got := abi.Hooks([]string{"memory", "_initialize", "create_message", "chatwasm_abi_v1", "action_x"})
	if len(got) != 2 || got[0].Name != "create_message" || got[1].Subject != "x" {
		t.Errorf("Hooks: %+v", got)
	}
}

func TestVersion(t *testing.T) {
	if abi.VersionExport() != "chatwasm_abi_v1" {
		t.Errorf("version export %q", abi.VersionExport())
	}
	got := abi.DeclaredVersions([]string{"create_message", "chatwasm_abi_v1", "chatwasm_abi_v12", "chatwasm_abi_vx", "chatwasm_abi_v0"})
	if !slices.Equal(got, []int{1, 12}) {
		t.Errorf("declared %v", got)
	}
}

func TestAppendCall(t *testing.T) {
	c := abi.Call{ABI: 1, Hook: "create_message", Tenant: "t\"1", Caller: abi.Caller{UserID: 3, Username: "é", SessionID: 9},
		Args: json.RawMessage(`{"a":[1,2]}`)}
	b := abi.AppendCall([]byte("x"), c)
	want, _ := json.Marshal(c)
	if string(b[1:]) != string(want) || b[0] != 'x' {
		t.Errorf("AppendCall\n got %s\nwant %s", b[1:], want)
	}
	c.Args = nil
	var back abi.Call
	if err := json.Unmarshal(abi.AppendCall(nil, c), &back); err != nil || string(back.Args) != "null" {
		t.Errorf("empty args: %s, %v", back.Args, err)
	}
}

func TestParseModuleError(t *testing.T) {
	for _, tc := range []struct {
		msg    string
		code   int
		detail string
		bad    bool
	}{
		{`{"code":4007,"detail":["x",1]}`, 4007, `["x",1]`, false},
		{` {"detail":{"content":["too long"]}}`, 4003, `{"content":["too long"]}`, false},
		{`{"code":4002}`, 4002, `[]`, false},
		{`banned word`, 4003, `["banned word"]`, false},
		{`{not json`, 4003, `["{not json"]`, false},
		{`{"code":4001,"detail":"x"}`, 4006, `"Internal server error."`, true},
		{`{"code":500,"detail":"x"}`, 4006, `"Internal server error."`, true},
	} {
		e, err := abi.ParseModuleError([]byte(tc.msg))
		d, _ := json.Marshal(e.Detail)
		if e.Code != tc.code || string(d) != tc.detail || (err != nil) != tc.bad {
			t.Errorf("%q: %d %s %v", tc.msg, e.Code, d, err)
		}
	}
}

func TestCapabilities(t *testing.T) {
	caps := abi.Capabilities()
	for _, imp := range abi.Imports() {
		if imp.Capability != "" && !slices.Contains(caps, imp.Capability) {
			t.Errorf("import %s needs unknown capability %q", imp.Name, imp.Capability)
		}
	}
	if abi.ProtectedFields("message")[0] != "id" || len(abi.ProtectedFields("user")) != 0 {
		t.Error("protected fields")
	}
}

func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		err  *abi.Error
		want string
	}{
		{&abi.Error{Code: 4003, Detail: json.RawMessage(`["bad word"]`)}, `error 4003: ["bad word"]`},
		{&abi.Error{Code: 4004, Detail: abi.DetailNotFound}, "error 4004: Resource not found."},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}
