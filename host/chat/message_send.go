package chat

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/abi/payload"
	"github.com/chatwasm/chatwasm/host/chat/field"
	"github.com/chatwasm/chatwasm/host/chat/wire"
	"github.com/chatwasm/chatwasm/host/store"
)

// mediaFilesContent replaces the content of a message sent with attachments
// and no text.
const mediaFilesContent = "Media Files"

// mediaTypes are the attachment kinds (docs/protocol.md §1.8).
var mediaTypes = map[string]bool{"image": true, "video": true, "audio": true, "file": true}

// CreateMessageIn is the payload of create_message: the validated request,
// with the room the send permission was checked on.
type CreateMessageIn = payload.CreateMessageArgs

// MediaIn is one validated attachment of message.send.
type MediaIn = payload.MediaArgs

// messageSend is message.send (§2.8.1): check the send permission, store the
// message with its attachments and notification in one transaction, and
// broadcast it to the room.
var messageSend = &operation[CreateMessageIn, *wire.MessageView]{
	event: "message.send", name: abi.OpCreateMessage, write: true,
	nested: abi.OpCreateChatNotification,
	sends:  "message.dispatch → room",
	check:  (*Service).sendCheck,
	fast:   sendChecked,
	core:   (*Service).createMessage,
	audience: toRoom[CreateMessageIn, *wire.MessageView]("message.dispatch",
		func(chk checked[CreateMessageIn]) string { return chk.in.RoomID }),
}

// sendChecked is message.send when no module takes part in its permission
// check or its extend layer: the permission check runs in create_message's
// own transaction, first (before the replace chain, if a module hooks it),
// rather than in a read transaction before it, and hands the room and the
// sender to what follows. That is two round trips and two statements fewer
// on PostgreSQL, and the check holds until the message is stored. Errors
// come in the same order as on the general path: the permission's, then the
// request's, then the operation's.
func sendChecked(s *Service, ctx context.Context, c Caller, o *operation[CreateMessageIn, *wire.MessageView],
	d map[string]json.RawMessage) (checked[CreateMessageIn], *wire.MessageView, bool, error) {
	if req := s.request(ctx); !field.Truthy(d["room_id"]) || req.has(c.Tenant, abi.PermSendMessage, o.name) {
		return checked[CreateMessageIn]{}, nil, false, nil
	}
	roomID, err := field.RoomIDArg(d["room_id"])
	if err != nil {
		return checked[CreateMessageIn]{}, nil, true, err
	}
	in, invalid := parseCreateMessage(roomID, d)
	var acc store.RoomAccess
	check := func(ctx context.Context, tx *store.Tx) (granted, error) {
		var err error
		if acc, err = s.sendPermission(ctx, tx, c, d["room_id"], nil); err != nil {
			return granted{}, err
		}
		if invalid != nil {
			return granted{}, invalid
		}
		return grantRoom(acc.Room.ID), nil
	}
	out, err := runChecked(ctx, s, o, c, in, check, func(s *Service, ctx context.Context, call opCall, in CreateMessageIn) (*wire.MessageView, error) {
		if in.RoomID != acc.Room.ID {
			// A replace layer handed next another room.
			return s.createMessage(ctx, call, in)
		}
		// The check loaded the room and the sender in this transaction.
		return s.storeMessage(ctx, call.Tx, call.Caller, in, acc.User)
	})
	return checked[CreateMessageIn]{in: in}, out, true, err
}

// sendCheck is message.send's checks through the permission hook as
// modules see them. The core trusts only the room the permission was
// checked on, which the message is broadcast to: a module that hands next
// another one meets the default send check there (see createMessage).
func (s *Service) sendCheck(ctx context.Context, c Caller, data json.RawMessage, d map[string]json.RawMessage) (checked[CreateMessageIn], error) {
	g, err := s.checkSendAccess(ctx, c, data, d)
	if err != nil {
		return checked[CreateMessageIn]{}, err
	}
	rm := g.room
	// The permission check may find the room through message_id, but the
	// message itself needs room_id: the reference crashed here (4006);
	// docs/decisions.md makes a missing required field a 4003.
	if !field.Truthy(d["room_id"]) {
		return checked[CreateMessageIn]{}, wire.FieldErrors(map[string][]string{"room_id": {"This field is required."}})
	}
	in, err := parseCreateMessage(rm.ID, d)
	if err != nil {
		return checked[CreateMessageIn]{}, err
	}
	if err := s.describeRoom(ctx, c, g, &in); err != nil {
		return checked[CreateMessageIn]{}, err
	}
	return checked[CreateMessageIn]{in: in, grant: grantRoom(rm.ID)}, nil
}

// parseCreateMessage validates message.send's data without the database.
// extra_fields may carry parent_message_id, forwarded_from_id, media and
// content; every other key (room_id, sender_id, id, is_deleted, is_edited
// above all: docs/decisions.md) is ignored.
func parseCreateMessage(roomID string, d map[string]json.RawMessage) (CreateMessageIn, error) {
	in := CreateMessageIn{RoomID: roomID}
	extra := map[string]json.RawMessage{}
	if raw, ok := d["extra_fields"]; ok && !field.IsNull(raw) {
		if extra, ok = field.RawObject(raw); !ok {
			return in, wire.Validation("extra_fields must be a python dictionary/javascript object")
		}
	}

	var media []json.RawMessage
	if raw, ok := extra["media"]; ok && !field.IsNull(raw) {
		if err := json.Unmarshal(raw, &media); err != nil {
			return in, wire.Validation("Media must be a list of media files")
		}
	}

	fields := map[string][]string{}
	rawContent, present := d["content"]
	if v, ok := extra["content"]; ok {
		rawContent, present = v, true
	}
	hasMedia := len(media) > 0
	content, msg := field.CharField(rawContent, present, !hasMedia, hasMedia, hasMedia, 0)
	switch {
	case msg != "":
		fields["content"] = []string{msg}
	case hasMedia && (content == nil || *content == ""):
		in.Content = mediaFilesContent
	default:
		in.Content = *content
	}
	for _, f := range []struct {
		key string
		dst **string
	}{{"parent_message_id", &in.ParentMessageID}, {"forwarded_from_id", &in.ForwardedFromID}} {
		id, msg := field.PkField(extra[f.key])
		if msg != "" {
			fields[f.key] = []string{msg}
		}
		*f.dst = id
	}
	if len(fields) > 0 {
		return in, wire.FieldErrors(fields)
	}

	var err error
	in.Media, err = parseMedia(media)
	return in, err
}

// parseMedia validates the attachments of message.send as DRF's list
// serializer does: on any error the detail is an array with one object of
// field errors per item ({} for a valid one).
func parseMedia(items []json.RawMessage) ([]MediaIn, error) {
	out := make([]MediaIn, len(items))
	errs := make([]map[string][]string, len(items))
	bad := false
	for i, raw := range items {
		m, fe := parseMediaItem(raw)
		out[i], errs[i] = m, fe
		if len(fe) > 0 {
			bad = true
		}
	}
	if bad {
		return nil, &wire.Error{Code: wire.CodeValidation, Detail: errs}
	}
	return out, nil
}

func parseMediaItem(raw json.RawMessage) (MediaIn, map[string][]string) {
	fe := map[string][]string{}
	if field.JsonKind(raw) != "dict" {
		fe["non_field_errors"] = []string{"Invalid data. Expected a dictionary, but got " + field.JsonKind(raw) + "."}
		return MediaIn{}, fe
	}
	d, _ := field.RawObject(raw)
	m := MediaIn{MimeType: "image/jpeg", Metadata: json.RawMessage("{}")}
	v, present := d["media_url"]
	if url, msg := field.CharField(v, present, true, false, false, 0); msg != "" {
		fe["media_url"] = []string{msg}
	} else {
		m.MediaURL = *url
	}
	switch v, present := d["media_type"]; {
	case !present:
		fe["media_type"] = []string{field.MsgRequired}
	case field.IsNull(v):
		fe["media_type"] = []string{field.MsgNotNull}
	case !mediaTypes[field.ChoiceValue(v)] || field.JsonKind(v) != "str":
		fe["media_type"] = []string{`"` + field.ChoiceValue(v) + `" is not a valid choice.`}
	default:
		m.MediaType = field.ChoiceValue(v)
	}
	if v, present := d["file_size"]; present {
		var msg string
		if m.FileSize, msg = field.BigIntField(v); msg != "" {
			fe["file_size"] = []string{msg}
		}
	}
	// The MIME type is checked by the schema's CHECK constraint, like the
	// reference's, so an unknown one is a 4005.
	if v, present := d["mime_type"]; present {
		if mime, msg := field.CharField(v, true, true, false, false, 0); msg != "" {
			fe["mime_type"] = []string{msg}
		} else {
			m.MimeType = *mime
		}
	}
	v, present = d["caption"]
	var msg string
	if m.Caption, msg = field.CharField(v, present, false, true, false, 0); msg != "" {
		fe["caption"] = []string{msg}
	}
	if v, present := d["metadata"]; present {
		if field.IsNull(v) {
			fe["metadata"] = []string{field.MsgNotNull}
		} else {
			m.Metadata = v
		}
	}
	return m, fe
}

// createMessage is _create_message: it checks that the room and the
// reply/forward targets exist and are readable by the sender, stores the
// sanitised message, points the room's last_message at it, stores its
// attachments and notifies the other members, all in the caller's
// transaction, and returns the message.
func (s *Service) createMessage(ctx context.Context, call opCall, in CreateMessageIn) (*wire.MessageView, error) {
	tx, c := call.Tx, call.Caller
	// The room and the sender in one statement, scoped to the caller's
	// tenant. A room the permission check did not grant (a module rewrote
	// the args it passed to next) must pass the default send check here.
	acc, err := tx.RoomAccess(ctx, c.Tenant, in.RoomID, c.UserID, permSendMessages)
	if errors.Is(err, store.ErrNotFound) {
		return nil, wire.FieldErrors(map[string][]string{"room_id": {field.InvalidPK(in.RoomID)}})
	}
	if err != nil {
		return nil, err
	}
	if !call.Grant.room(acc.Room.ID) && !maySend(acc, c.UserID) {
		return nil, wire.Denied(deniedSend)
	}
	return s.storeMessage(ctx, tx, c, in, acc.User)
}

// storeMessage is createMessage once the room is known to exist in the
// caller's tenant; sender is the caller's user row (nil if it is gone, and
// then the message's foreign key fails).
func (s *Service) storeMessage(ctx context.Context, tx *store.Tx, c Caller, in CreateMessageIn, sender *store.User) (*wire.MessageView, error) {
	// One may only reply to or forward messages one can read (docs/decisions.md):
	// not soft-deleted, in the tenant, in a room one is a member of.
	fields := map[string][]string{}
	for key, ref := range map[string]*string{"parent_message_id": in.ParentMessageID, "forwarded_from_id": in.ForwardedFromID} {
		if ref == nil {
			continue
		}
		ok, err := tx.MessageReadableBy(ctx, c.Tenant, *ref, c.UserID)
		if err != nil {
			return nil, err
		}
		if !ok {
			fields[key] = []string{field.InvalidPK(*ref)}
		}
	}
	if len(fields) > 0 {
		return nil, wire.FieldErrors(fields)
	}

	// last_message first (it has no foreign key): that locks the room row
	// until commit, so concurrent sends to the room are serialised before
	// InsertMessage reads the room's latest created_at, which keeps
	// created_at strictly increasing on PostgreSQL too.
	msg := store.Message{
		ID:              store.NewID(),
		RoomID:          in.RoomID,
		SenderID:        c.UserID,
		Content:         field.SanitizeHTML(in.Content),
		IsForwarded:     in.ForwardedFromID != nil,
		ParentMessageID: in.ParentMessageID,
		ForwardedFromID: in.ForwardedFromID,
	}
	if err := tx.SetLastMessage(ctx, in.RoomID, msg.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) { // deleted since it was read
			return nil, wire.FieldErrors(map[string][]string{"room_id": {field.InvalidPK(in.RoomID)}})
		}
		return nil, err
	}
	m, err := tx.InsertMessage(ctx, msg)
	if errors.Is(err, store.ErrNotFound) { // SetLastMessage's, held back and sent with the insert (PostgreSQL)
		return nil, wire.FieldErrors(map[string][]string{"room_id": {field.InvalidPK(in.RoomID)}})
	}
	if err != nil {
		return nil, err
	}
	var atts []store.Attachment
	if len(in.Media) > 0 {
		atts = make([]store.Attachment, len(in.Media))
		for i, a := range in.Media {
			atts[i] = store.Attachment{MediaURL: a.MediaURL, MediaType: a.MediaType, FileSize: a.FileSize,
				MimeType: a.MimeType, Caption: a.Caption, Metadata: a.Metadata}
		}
		if atts, err = tx.InsertAttachments(ctx, m.ID, atts); err != nil {
			return nil, err
		}
	}
	typ := store.NotifyNewMessage
	if in.ParentMessageID != nil {
		typ = store.NotifyReply
	}
	if err := s.notify(ctx, opCall{Tx: tx, Caller: c}, in.RoomID, m.ID, typ); err != nil {
		return nil, err
	}
	var u store.User
	if sender != nil {
		u = *sender
	}
	return wire.NewMessageView(ctx, tx, m, u, atts)
}
