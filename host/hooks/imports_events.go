package hooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
)

// importEmit checks that the target exists in the tenant and hands the event
// to the caller, which sends it after commit.
func importEmit(ctx context.Context, f *frame, req []byte) (any, error) {
	var ev abi.Event
	if err := decode(abi.ImportEmit, req, &ev); err != nil {
		return nil, err
	}
	if ev.EventType == "" {
		return nil, badRequest("emit: missing event_type")
	}
	if len(ev.Data) == 0 {
		ev.Data = json.RawMessage("null")
	}
	if f.call.Emit == nil {
		return nil, &abi.Error{Code: abi.CodeInternal, Detail: "emit is not available in this hook"}
	}
	err := f.withTx(ctx, false, func(tx *store.Tx) error {
		switch ev.To {
		case abi.ToRoom:
			ev.UserID = 0
			_, err := tx.GetRoom(ctx, f.call.Tenant, ev.RoomID, false)
			return err
		case abi.ToUser:
			ev.RoomID = ""
			us, err := tx.UsersByID(ctx, f.call.Tenant, []int64{ev.UserID})
			if err == nil && len(us) == 0 {
				err = store.ErrNotFound
			}
			return err
		}
		return badRequest("emit: \"to\" must be %q or %q", abi.ToRoom, abi.ToUser)
	})
	if err != nil {
		return nil, err
	}
	return nil, f.call.Emit(ctx, ev)
}

func importLog(ctx context.Context, f *frame, req []byte) (any, error) {
	var r abi.LogRequest
	if err := decode(abi.ImportLog, req, &r); err != nil {
		return nil, err
	}
	var lvl slog.Level
	switch strings.ToLower(r.Level) {
	case "debug":
		lvl = slog.LevelDebug
	case "", "info":
		lvl = slog.LevelInfo
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return nil, badRequest("log: unknown level %q", r.Level)
	}
	attrs := make([]slog.Attr, 0, len(r.Attrs)+2)
	attrs = append(attrs, slog.String("hook", f.hook.Name), slog.String("tenant", f.call.Tenant))
	for k, v := range r.Attrs {
		attrs = append(attrs, slog.Any(k, v))
	}
	f.m.log.LogAttrs(ctx, lvl, r.Message, attrs...)
	return nil, nil
}
