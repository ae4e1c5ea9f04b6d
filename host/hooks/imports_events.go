package hooks

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
)

// Per-call limits of the emit and log imports: a module cannot flood every
// member's connection queue (each holds 256 frames) from one call, nor the
// server's log.
const (
	// MaxEmitsPerCall is how many events one module call may emit; the
	// next emit fails with a 4003 the module sees.
	MaxEmitsPerCall = 64
	// MaxLogLinesPerCall and MaxLogBytesPerCall bound what one module call
	// may write to the server's log through the log import; past either,
	// its lines are dropped (and counted).
	MaxLogLinesPerCall = 100
	MaxLogBytesPerCall = 64 << 10
)

// importEmit checks that the target exists in the tenant and hands the event
// to the caller, which sends it after commit.
func importEmit(ctx context.Context, f *frame, req []byte) (any, error) {
	if f.emits >= MaxEmitsPerCall {
		f.m.metrics.limited.WithLabelValues(f.m.spec.Name, "emit").Inc()
		return nil, badRequest("emit: a call may emit at most %d events", MaxEmitsPerCall)
	}
	f.emits++
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
	f.logLines++
	f.logBytes += len(req)
	if f.logLines > MaxLogLinesPerCall || f.logBytes > MaxLogBytesPerCall {
		f.m.metrics.limited.WithLabelValues(f.m.spec.Name, "log").Inc()
		if !f.logCut {
			f.logCut = true
			f.m.log.WarnContext(ctx, "module log over the per-call limit; lines dropped", "hook", f.hook.Name,
				"max_lines", MaxLogLinesPerCall, "max_bytes", MaxLogBytesPerCall)
		}
		return nil, nil
	}
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
