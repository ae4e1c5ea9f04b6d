package hooks

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
)

// Renderer serializes objects in the wire shapes of docs/protocol.md §2.6 for the
// render_* imports. The chat package implements it; without one those
// imports answer 4006. Every method must treat ids outside tenant as not
// found (store.ErrNotFound).
type Renderer interface {
	// RenderRoom renders a room in the "detail" or "list" form; the list
	// form is as seen by viewer (its peer, its last message).
	RenderRoom(ctx context.Context, tx *store.Tx, tenant string, viewer int64, roomID, form string) (json.RawMessage, error)
	RenderMessage(ctx context.Context, tx *store.Tx, tenant, messageID string) (json.RawMessage, error)
	RenderUser(ctx context.Context, tx *store.Tx, tenant string, userID int64) (json.RawMessage, error)
	RenderNotification(ctx context.Context, tx *store.Tx, tenant, notificationID string) (json.RawMessage, error)
}

// render runs one Renderer method in the call's transaction.
func (f *frame) render(ctx context.Context, fn func(r Renderer, tx *store.Tx) (json.RawMessage, error)) (any, error) {
	r := f.set.env.opts.Renderer
	if r == nil {
		return nil, &abi.Error{Code: abi.CodeInternal, Detail: "rendering is not available on this host"}
	}
	out, err := txValue(ctx, f, false, func(tx *store.Tx) (json.RawMessage, error) { return fn(r, tx) })
	return out, err
}

func importRenderRoom(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.RenderRoomRequest
	if err := decode(abi.ImportRenderRoom, req, &r); err != nil {
		return nil, err
	}
	switch r.Form {
	case "":
		r.Form = "detail"
	case "detail", "list":
	default:
		return nil, badRequest("render_room: form must be \"detail\" or \"list\"")
	}
	return f.render(ctx, func(rd Renderer, tx *store.Tx) (json.RawMessage, error) {
		return rd.RenderRoom(ctx, tx, f.call.Tenant, f.call.Caller.UserID, r.RoomID, r.Form)
	})
}

func importRenderMessage(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.MessageRef
	if err := decode(abi.ImportRenderMessage, req, &r); err != nil {
		return nil, err
	}
	return f.render(ctx, func(rd Renderer, tx *store.Tx) (json.RawMessage, error) {
		return rd.RenderMessage(ctx, tx, f.call.Tenant, r.MessageID)
	})
}

func importRenderUser(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.UserRef
	if err := decode(abi.ImportRenderUser, req, &r); err != nil {
		return nil, err
	}
	return f.render(ctx, func(rd Renderer, tx *store.Tx) (json.RawMessage, error) {
		return rd.RenderUser(ctx, tx, f.call.Tenant, r.UserID)
	})
}

func importRenderNotification(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.NotificationRef
	if err := decode(abi.ImportRenderNotification, req, &r); err != nil {
		return nil, err
	}
	return f.render(ctx, func(rd Renderer, tx *store.Tx) (json.RawMessage, error) {
		return rd.RenderNotification(ctx, tx, f.call.Tenant, r.NotificationID)
	})
}
