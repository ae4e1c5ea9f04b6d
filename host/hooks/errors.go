package hooks

import (
	"errors"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
)

// Error is a hook chain's failure as the client must see it: Wire is the
// error frame's code and detail, Err the cause for logs. errors.As(err,
// **abi.Error) finds Wire, so callers need not know this type.
type Error struct {
	// Module and Hook say where it happened.
	Module, Hook string
	Wire         *abi.Error
	Err          error
}

// Error implements error; the message names the module.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("module %q hook %q: %v: %v", e.Module, e.Hook, e.Wire, e.Err)
	}
	return fmt.Sprintf("module %q hook %q: %v", e.Module, e.Hook, e.Wire)
}

// Unwrap exposes both the wire error and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Wire}
	}
	return []error{e.Wire, e.Err}
}

// WireError maps an error that a Go layer of the chain returned to the error
// frame a module sees from next (and the client would get). The chat package
// supplies one that knows its own error type; the default knows *abi.Error
// and makes anything else a 4006.
type WireError func(error) *abi.Error

func defaultWireError(err error) *abi.Error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae
	}
	return abi.ErrInternal()
}
