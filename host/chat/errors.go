package chat

import (
	"errors"
	"fmt"
)

// Wire error codes (PROTOCOL.md §3).
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

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("chat error %d: %v: %v", e.Code, e.Detail, e.Err)
	}
	return fmt.Sprintf("chat error %d: %v", e.Code, e.Detail)
}

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

// AsError converts any error into the Error the client sees: an *Error as it
// is, a store conflict as 4005, a store not-found as 4004, anything else 4006.
func AsError(err error) *Error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	return classify(err)
}
