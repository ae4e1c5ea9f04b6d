package chatwasm_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// TestPayloadsMatchHost: the SDK's payload types read every field of the
// host's operation payloads (host/chat) and write them back unchanged, so
// that a module which decodes a payload and returns it loses nothing.
func TestPayloadsMatchHost(t *testing.T) {
	room := func(kind store.RoomKind) *wire.RoomDetail {
		d := filled[wire.RoomDetail]()
		d.Type = kind
		d.Property.Preferences = json.RawMessage(`{"theme":"dark"}`)
		return &d
	}
	message := filled[wire.MessageView]()
	message.Extra = nil // not part of the plain encoding
	for _, tc := range []struct {
		name string
		host any
		sdk  any
	}{
		{"CreateMessageIn", filled[chat.CreateMessageIn](), &chatwasm.CreateMessageArgs{}},
		{"MessageView", message, &chatwasm.Message{}},
		{"NotificationView", wire.NotificationView{ID: "n", NotificationType: "NEW_MESSAGE", Message: &message},
			&chatwasm.Notification{}},
		{"RoomIn", filled[chat.RoomIn](), &chatwasm.RoomArgs{}},
		{"CreateRoomIn", filled[chat.CreateRoomIn](), &chatwasm.CreateRoomArgs{}},
		{"MembersIn", filled[chat.MembersIn](), &chatwasm.MembersArgs{}},
		{"MembersOut", chat.MembersOut{UserIDs: []int64{2}, Usernames: []string{"bob"}, Room: room(store.KindGroup)},
			&chatwasm.MembersResult{}},
		{"ModifyRoomIn", filled[chat.ModifyRoomIn](), &chatwasm.ModifyRoomArgs{}},
		{"ModifyRoomOut", chat.ModifyRoomOut{Room: room(store.KindChannel)}, &chatwasm.ModifyRoomResult{}},
		{"ModifyRoomOut deleted", chat.ModifyRoomOut{Deleted: true, Members: []int64{1, 2}}, &chatwasm.ModifyRoomResult{}},
		{"RoomDetail GroupChat", room(store.KindGroup), &chatwasm.Room{}},
		{"RoomDetail Channel", room(store.KindChannel), &chatwasm.Room{}},
		{"RoomDetail OneToOneChat", room(store.KindOneToOne), &chatwasm.Room{}},
	} {
		want, err := json.Marshal(tc.host)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if err := json.Unmarshal(want, tc.sdk); err != nil {
			t.Errorf("%s: the SDK cannot read %s: %v", tc.name, want, err)
			continue
		}
		got, err := json.Marshal(tc.sdk)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !modtest.JSONEqual(got, want) {
			t.Errorf("%s: through the SDK\n got %s\nwant %s", tc.name, got, want)
		}
	}
}

// filled returns a T whose every field holds a value other than its zero
// value, lists one element, so that a field the SDK lacks shows.
func filled[T any]() T {
	var v T
	fill(reflect.ValueOf(&v).Elem(), 0)
	return v
}

func fill(v reflect.Value, depth int) {
	switch v.Interface().(type) {
	case json.RawMessage:
		v.Set(reflect.ValueOf(json.RawMessage(`{"k":1}`)))
		return
	case time.Time:
		v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("s")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(7)
	case reflect.Pointer:
		if depth < 2 { // recursive types (a message's parent) stop here
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem(), depth+1)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), depth+1)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth)
			}
		}
	}
}
