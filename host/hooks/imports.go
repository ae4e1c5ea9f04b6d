package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/wasm"
)

// importFunc is one chatwasm import: it decodes req, does its work and
// returns the value to encode as its JSON result, or an error the module
// reads as a JSON error frame with chatwasm_last_error.
type importFunc func(ctx context.Context, f *frame, req []byte) (any, error)

// importFuncs maps each abi import to its implementation.
func importFuncs() map[string]importFunc {
	fs := map[string]importFunc{
		abi.ImportNext:               importNext,
		abi.ImportRoomGet:            importRoomGet,
		abi.ImportRoomProperty:       importRoomProperty,
		abi.ImportRoomMembers:        importRoomMembers,
		abi.ImportMembersAdd:         importMembersAdd,
		abi.ImportMembersRemove:      importMembersRemove,
		abi.ImportMessageGet:         importMessageGet,
		abi.ImportUserGet:            importUserGet,
		abi.ImportRenderRoom:         importRenderRoom,
		abi.ImportRenderMessage:      importRenderMessage,
		abi.ImportRenderUser:         importRenderUser,
		abi.ImportRenderNotification: importRenderNotification,
		abi.ImportKVGet:              importKVGet,
		abi.ImportKVSet:              importKVSet,
		abi.ImportKVDelete:           importKVDelete,
		abi.ImportKVList:             importKVList,
		abi.ImportEmit:               importEmit,
		abi.ImportLog:                importLog,
		abi.ImportRoomMessages:       importRoomMessages,
		abi.ImportUserRooms:          importUserRooms,
		abi.ImportNotificationCreate: importNotificationCreate,
		abi.ImportNotificationRead:   importNotificationRead,
	}
	for name, op := range abi.CoreImports() {
		fs[name] = coreImport(name, op)
	}
	return fs
}

// hostFuncs returns the chatwasm imports as runtime host functions, gated by
// the capabilities abi assigns them.
func hostFuncs() []wasm.HostFunc {
	impls := importFuncs()
	var out []wasm.HostFunc
	for _, imp := range abi.Imports() {
		fn := impls[imp.Name]
		name := imp.Name
		out = append(out, wasm.BytesFunc(name, imp.Capability, func(ctx context.Context, c *wasm.Call, req []byte) ([]byte, error) {
			f, ok := c.HostContext().(*frame)
			if !ok {
				return nil, &importErr{abi.ErrInternal()}
			}
			return respond(ctx, f, name, fn, req)
		}))
	}
	return out
}

// importErr is an import's failure as the module reads it with
// chatwasm_last_error: the JSON of the error frame.
type importErr struct{ wire *abi.Error }

func (e *importErr) Error() string {
	b, err := json.Marshal(e.wire)
	if err != nil { // a detail that does not encode: only from our own code
		return fmt.Sprintf(`{"code":%d,"detail":%q}`, e.wire.Code, fmt.Sprint(e.wire.Detail))
	}
	return string(b)
}

// respond runs an import and encodes its result. A result is never empty, so
// that the offset 0 always means failure. Errors the module caused (bad
// request, not found) are answered as they are; anything else is logged and
// answered as a 4006, so that a module never sees host internals.
func respond(ctx context.Context, f *frame, name string, fn importFunc, req []byte) ([]byte, error) {
	v, err := fn(ctx, f, req)
	if err != nil {
		return nil, &importErr{importError(ctx, f, name, err)}
	}
	var out []byte
	if raw, ok := v.(json.RawMessage); ok {
		out = raw
	} else if out, err = json.Marshal(v); err != nil {
		return nil, &importErr{importError(ctx, f, name, fmt.Errorf("encode %s result: %w", name, err))}
	}
	if len(out) == 0 {
		out = []byte("null")
	}
	return out, nil
}

// importError maps an import's error onto what the module sees.
func importError(ctx context.Context, f *frame, name string, err error) *abi.Error {
	var ae *abi.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrNotFound):
		return abi.ErrNotFound()
	case errors.Is(err, store.ErrConflict):
		return &abi.Error{Code: abi.CodeIntegrity, Detail: abi.DetailIntegrity}
	}
	f.m.log.ErrorContext(ctx, "host import failed", "import", name, "hook", f.hook.Name, "err", err)
	return abi.ErrInternal()
}

// badRequest is the 4003 of a malformed import request.
func badRequest(format string, a ...any) error {
	return &abi.Error{Code: abi.CodeValidation, Detail: []string{fmt.Sprintf(format, a...)}}
}

func decode(name string, req []byte, v any) error {
	if err := json.Unmarshal(req, v); err != nil {
		return badRequest("%s: invalid request: %v", name, err)
	}
	return nil
}

// withTx runs fn in the call's transaction, or in a new one of its own when
// the call runs outside any (the extend layer). In the call's transaction it
// runs in a savepoint, so that a failing import (which the module may
// handle) does not abort the operation's transaction, as PostgreSQL does
// after any failed statement.
func (f *frame) withTx(ctx context.Context, write bool, fn func(tx *store.Tx) error) error {
	if tx := f.call.Tx; tx != nil {
		return tx.Savepoint(ctx, func() error { return fn(tx) })
	}
	st := f.set.env.opts.Store
	if st == nil {
		return errors.New("hooks: no store configured")
	}
	if write {
		return st.Write(ctx, fn)
	}
	return st.Read(ctx, fn)
}

// txValue returns what fn reads (or writes) in the call's transaction, as
// withTx runs it.
func txValue[T any](ctx context.Context, f *frame, write bool, fn func(tx *store.Tx) (T, error)) (T, error) {
	var out T
	err := f.withTx(ctx, write, func(tx *store.Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// importNext runs the rest of the chain once per invocation and hands the
// module its result or its error.
func importNext(ctx context.Context, f *frame, req []byte) (any, error) {
	if f.hook.Kind == abi.Serializer {
		return nil, &abi.Error{Code: abi.CodeInternal, Detail: "next is not available in serializer hooks"}
	}
	if f.nextCalled {
		return nil, &abi.Error{Code: abi.CodeInternal, Detail: "next may be called only once per hook call"}
	}
	f.nextCalled = true
	// req is a view into the module's kernel memory; the chain may keep it.
	out, err := f.rest(ctx, bytes.Clone(req))
	f.nextOut, f.nextErr = out, err
	if err != nil {
		wire := f.set.wireError(err)
		f.nextWire, _ = json.Marshal(wire)
		return nil, wire
	}
	return json.RawMessage(out), nil
}

// wireError maps a Go error of the chain onto the error frame.
func (s *Set) wireError(err error) *abi.Error {
	var he *Error
	if errors.As(err, &he) {
		return he.Wire
	}
	if s.env.opts.WireError != nil {
		if w := s.env.opts.WireError(err); w != nil {
			return w
		}
	}
	return defaultWireError(err)
}
