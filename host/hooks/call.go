package hooks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
)

// Call runs hook's chain with typed payloads: in is encoded for the modules,
// def is the Go default at the end of the chain, and the outermost layer's
// output is decoded into Out. When no module hooks hook for call.Tenant, def
// runs directly and nothing is encoded.
func Call[In, Out any](ctx context.Context, s *Set, hook string, call CallInfo, in In,
	def func(ctx context.Context, in In) (Out, error)) (Out, error) {
	if !s.Has(call.Tenant, hook) {
		return def(ctx, in)
	}
	var zero Out
	enc, err := json.Marshal(in)
	if err != nil {
		return zero, fmt.Errorf("hooks: encode %s input: %w", hook, err)
	}
	out, err := s.Run(ctx, hook, call, enc, func(ctx context.Context, b []byte) ([]byte, error) {
		var in In
		if err := json.Unmarshal(b, &in); err != nil {
			return nil, &Error{Hook: hook, Wire: abi.ErrInternal(),
				Err: fmt.Errorf("hooks: a module passed next arguments that do not decode: %w", err)}
		}
		out, err := def(ctx, in)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	})
	if err != nil {
		return zero, err
	}
	var res Out
	if err := json.Unmarshal(out, &res); err != nil {
		return zero, &Error{Hook: hook, Wire: abi.ErrInternal(),
			Err: fmt.Errorf("hooks: module output of %s does not decode: %w", hook, err)}
	}
	return res, nil
}
