package abi

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Wire error codes a module meets (docs/protocol.md §3). A module may use any code
// in 4000–4999 except CodeUnauthenticated.
const (
	CodeUnauthenticated = 4001
	CodePermission      = 4002
	CodeValidation      = 4003
	CodeNotFound        = 4004
	CodeIntegrity       = 4005
	CodeInternal        = 4006
)

// The details that go with the generic codes.
const (
	DetailNotFound  = "Resource not found."
	DetailIntegrity = "Database constraint violated."
	DetailInternal  = "Internal server error."
)

// Error is an error as the client sees it: {"error":{"code":C,"detail":D}}.
// Modules return it (error_set with its JSON, then a non-zero return), host
// imports answer with it, and the host returns it from a hook chain.
type Error struct {
	Code   int `json:"code"`
	Detail any `json:"detail"`
}

// Error implements error.
// A detail kept as raw JSON (as decoded from a module) prints as that JSON,
// not as a list of byte values.
func (e *Error) Error() string {
	if raw, ok := e.Detail.(json.RawMessage); ok {
		return fmt.Sprintf("error %d: %s", e.Code, raw)
	}
	return fmt.Sprintf("error %d: %v", e.Code, e.Detail)
}

// ValidCode reports whether a module may answer code: 4000–4999 except 4001,
// which is the close code of a refused connection.
func ValidCode(code int) bool {
	return code >= 4000 && code <= 4999 && code != CodeUnauthenticated
}

// ErrInternal is the 4006 every module fault becomes on the wire.
func ErrInternal() *Error { return &Error{Code: CodeInternal, Detail: DetailInternal} }

// ErrNotFound is the 4004 a module gets for anything outside its tenant too.
func ErrNotFound() *Error { return &Error{Code: CodeNotFound, Detail: DetailNotFound} }

// ParseModuleError turns the message a module passed to error_set into the
// client's error. A JSON object {"code":C,"detail":D} is taken as is (a
// missing code means 4003); any other message becomes a 4003 whose detail is
// the one-element array holding the text, like a validation error. An object
// with a code a module may not use is refused with an error saying why, and
// the 4006 the client must get instead.
func ParseModuleError(msg []byte) (*Error, error) {
	trimmed := bytes.TrimSpace(msg)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var e struct {
			Code   *int            `json:"code"`
			Detail json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(trimmed, &e); err == nil {
			out := &Error{Code: CodeValidation}
			if e.Code != nil {
				out.Code = *e.Code
			}
			if len(e.Detail) > 0 {
				out.Detail = e.Detail
			} else {
				out.Detail = []string{}
			}
			if !ValidCode(out.Code) {
				return ErrInternal(), fmt.Errorf("abi: module error code %d outside 4000-4999 (or 4001)", out.Code)
			}
			return out, nil
		}
	}
	return &Error{Code: CodeValidation, Detail: []string{string(msg)}}, nil
}
