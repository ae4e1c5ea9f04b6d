package wire

import (
	"errors"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// Wire error codes (docs/protocol.md §3).
const (
	CodeUnauthenticated = 4001 // close code at connect
	CodePermission      = 4002
	CodeValidation      = 4003
	CodeNotFound        = 4004
	CodeIntegrity       = 4005
	CodeInternal        = 4006
)

// Error is an error that reaches the client as
// {"error": {"code": Code, "detail": Detail}}. Detail is a string, an array of
// strings, an object of field → [strings], or whatever a module supplied.
type Error struct {
	Code   int
	Detail any
	// Err is the underlying cause, for logs; never sent to the client.
	Err error
}

// Error implements error; the message includes the cause, for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("chat error %d: %v: %v", e.Code, e.Detail, e.Err)
	}
	return fmt.Sprintf("chat error %d: %v", e.Code, e.Detail)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// ErrUnknownEvent is returned for a missing or unknown event_type; the
// gateway answers it with {"error": "invalid event type"}.
var ErrUnknownEvent = errors.New("invalid event type")

// Validation is a 4003 whose detail is the array of messages.
func Validation(msgs ...string) *Error { return &Error{Code: CodeValidation, Detail: msgs} }

// FieldErrors is a 4003 whose detail is {"field": ["msg", ...]}.
func FieldErrors(fields map[string][]string) *Error {
	return &Error{Code: CodeValidation, Detail: fields}
}

// Denied is a 4002 with its plain message.
func Denied(msg string) *Error { return &Error{Code: CodePermission, Detail: msg} }

// NotFound is the 4004 "Resource not found.".
func NotFound() *Error { return &Error{Code: CodeNotFound, Detail: "Resource not found."} }

// Integrity is the 4005 "Database constraint violated.".
func Integrity(cause error) *Error {
	return &Error{Code: CodeIntegrity, Detail: "Database constraint violated.", Err: cause}
}

// Internal is the 4006 "Internal server error.".
func Internal(cause error) *Error {
	return &Error{Code: CodeInternal, Detail: "Internal server error.", Err: cause}
}

// AsError converts any error into the Error the client sees. The outermost
// error that carries a wire code decides: an *Error as it is, a module's
// error (a hook chain's *hooks.Error, or any *abi.Error) with its code and
// detail. Otherwise a store conflict is a 4005, a store not-found a 4004 and
// anything else a 4006.
func AsError(err error) *Error {
	if ce := outermost(err); ce != nil {
		return ce
	}
	return classify(err)
}

// outermost finds the first error in err's tree, depth first, that carries a
// wire code. Outermost rather than errors.As per type, so that an *Error
// made from a module's error (the exception hook's answer, which keeps the
// module's error as its cause) is not undone by looking inside it.
func outermost(err error) *Error {
	switch e := err.(type) {
	case nil:
		return nil
	case *Error:
		return e
	case *hooks.Error:
		if e.Wire != nil {
			return &Error{Code: e.Wire.Code, Detail: e.Wire.Detail, Err: e}
		}
	case *abi.Error:
		return &Error{Code: e.Code, Detail: e.Detail, Err: e}
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return outermost(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, w := range u.Unwrap() {
			if ce := outermost(w); ce != nil {
				return ce
			}
		}
	}
	return nil
}

// WireError is the hooks.WireError of the chat package: the error frame a
// module sees from next when the Go default failed with err. An unknown
// event type (the end of a custom action's chain) is a 4003 whose detail
// is the reference's "invalid event type".
func WireError(err error) *abi.Error {
	if errors.Is(err, ErrUnknownEvent) {
		return &abi.Error{Code: CodeValidation, Detail: ErrUnknownEvent.Error()}
	}
	ce := AsError(err)
	return &abi.Error{Code: ce.Code, Detail: ce.Detail}
}

// classify maps an error that is not already an *Error onto the wire codes.
func classify(err error) *Error {
	switch {
	case errors.Is(err, store.ErrConflict):
		return Integrity(err)
	case errors.Is(err, store.ErrNotFound):
		return &Error{Code: CodeNotFound, Detail: "Resource not found.", Err: err}
	default:
		return Internal(err)
	}
}
