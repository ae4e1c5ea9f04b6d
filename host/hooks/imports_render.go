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

// The render_* imports whose request names one object: each decodes its
// reference and renders the object in the call's transaction.
var (
	importRenderMessage = renderRef(abi.ImportRenderMessage, Renderer.RenderMessage,
		func(r abi.MessageRef) string { return r.MessageID })
	importRenderUser = renderRef(abi.ImportRenderUser, Renderer.RenderUser,
		func(r abi.UserRef) int64 { return r.UserID })
	importRenderNotification = renderRef(abi.ImportRenderNotification, Renderer.RenderNotification,
		func(r abi.NotificationRef) string { return r.NotificationID })
)

// renderRef is the render_* import name whose request is a Ref: render
// renders the object that id reads from it, in the caller's tenant.
func renderRef[Ref any, ID string | int64](name string,
	render func(Renderer, context.Context, *store.Tx, string, ID) (json.RawMessage, error),
	id func(Ref) ID) importFunc {
	return func(ctx context.Context, f *frame, req []byte) (any, error) {
		var r Ref
		if err := decode(name, req, &r); err != nil {
			return nil, err
		}
		return f.render(ctx, func(rd Renderer, tx *store.Tx) (json.RawMessage, error) {
			return render(rd, ctx, tx, f.call.Tenant, id(r))
		})
	}
}
