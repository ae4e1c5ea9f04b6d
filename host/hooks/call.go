package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
)

// Call runs hook's chain with typed payloads: in is encoded for the modules,
// def is the Go default at the end of the chain, and the outermost layer's
// output is decoded into Out. When no module hooks hook for call.Tenant, def
// runs directly and nothing is encoded.
//
// A payload that comes back as it went, byte for byte, is not decoded: def
// gets in itself when the layers pass next the args they were given, and
// Call returns def's own result when they return what next gave them (a
// moderation or logging module does both). Both are what decoding would
// give, since JSON encoding is a fixed point after one round (the wire
// frame built from either encodes the same); only the work differs.
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
	var (
		defOut Out    // def's result
		defEnc []byte // and its encoding, nil until def succeeded
	)
	out, err := s.Run(ctx, hook, call, enc, func(ctx context.Context, b []byte) ([]byte, error) {
		arg := in
		if !bytes.Equal(b, enc) {
			var dec In
			if err := json.Unmarshal(b, &dec); err != nil {
				return nil, &Error{Hook: hook, Wire: abi.ErrInternal(),
					Err: fmt.Errorf("hooks: a module passed next arguments that do not decode: %w", err)}
			}
			arg = dec
		}
		out, err := def(ctx, arg)
		if err != nil {
			return nil, err
		}
		b, err = encode(out)
		if err != nil {
			return nil, err
		}
		defOut, defEnc = out, b
		return b, nil
	})
	if err != nil {
		return zero, err
	}
	if defEnc != nil && bytes.Equal(out, defEnc) {
		return defOut, nil
	}
	var res Out
	if err := json.Unmarshal(out, &res); err != nil {
		return zero, &Error{Hook: hook, Wire: abi.ErrInternal(),
			Err: fmt.Errorf("hooks: module output of %s does not decode: %w", hook, err)}
	}
	return res, nil
}
