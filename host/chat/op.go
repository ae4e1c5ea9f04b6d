package chat

import (
	"context"
	"encoding/json"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// run executes one EventHandler operation (PROTOCOL.md §5.1): name is the
// operation's name (e.g. "create_message"), core its default sync helper
// ("_create_message"), which runs inside one transaction.
//
// This is the single seam through which every operation passes, and where
// the module layers wrap it (DESIGN.md, "The operation pipeline"): the
// extend chain (hook name) around the whole call, outside the transaction;
// inside it, the replace chain (hook "_"+name) around core, and then the
// serializer hooks on the messages and rooms of the result. In and Out are
// the JSON payloads modules see; an operation no module hooks costs a map
// lookup or two and encodes nothing.
func run[In, Out any](ctx context.Context, s *Service, name string, write bool, c Caller, in In,
	core func(ctx context.Context, tx *store.Tx, c Caller, in In) (Out, error)) (Out, error) {
	if req := s.request(ctx); req.hooksOp(c.Tenant, name) {
		return runHooked(ctx, s, req, name, write, c, in, core)
	}
	txfn := s.st.Read
	if write {
		txfn = s.st.Write
	}
	var out Out
	err := txfn(ctx, func(tx *store.Tx) error {
		var err error
		out, err = core(ctx, tx, c, in)
		return err
	})
	return out, err
}

// runHooked is run with the module layers of req.
func runHooked[In, Out any](ctx context.Context, s *Service, req *request, name string, write bool, c Caller, in In,
	core func(ctx context.Context, tx *store.Tx, c Caller, in In) (Out, error)) (Out, error) {
	txfn := s.st.Read
	if write {
		txfn = s.st.Write
	}
	set, call, replace := req.set, req.call(c, nil), abi.ReplaceHook(name)
	res, err := hooks.Call(ctx, set, name, call, in, func(ctx context.Context, in In) (payload[Out], error) {
		var out Out
		// Events emitted in a transaction that rolls back, or that is
		// retried, are dropped.
		mark := req.mark()
		err := txfn(ctx, func(tx *store.Tx) error {
			req.rollback(mark)
			inTx := call
			inTx.Tx = tx
			p, err := hooks.Call(ctx, set, replace, inTx, in, func(ctx context.Context, in In) (payload[Out], error) {
				out, err := core(ctx, tx, c, in)
				return payload[Out]{out}, err
			})
			if err != nil {
				return err
			}
			out = p.v
			return decorate(ctx, req, inTx, &out)
		})
		if err != nil {
			req.rollback(mark)
		}
		return payload[Out]{out}, err
	})
	if err != nil {
		var zero Out
		return zero, err
	}
	req.keepExtras(&res.v)
	return res.v, nil
}

// payload is an operation's output as modules exchange it: the JSON of v
// with the fields modules added to its messages (MessageView.Extra), which
// the plain encoding of a MessageView leaves out to stay fast.
type payload[T any] struct{ v T }

// MarshalJSON implements json.Marshaler.
func (p payload[T]) MarshalJSON() ([]byte, error) { return encodeOut(&p.v) }

// UnmarshalJSON implements json.Unmarshaler.
func (p *payload[T]) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &p.v) }

// encodeOut encodes the operation output *v (a pointer, as the walkers of
// serialize_hooks.go take it) with its messages' extra fields.
func encodeOut(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if ex := collectExtras(v); len(ex) > 0 {
		return patchMessages(b, ex)
	}
	return b, nil
}
