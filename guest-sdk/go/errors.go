package chatwasm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chatwasm/chatwasm/abi"
)

// Error is an error as the client sees it: {"error":{"code":C,"detail":D}}.
// A hook returns one (made with Fail, or received from Next or an import)
// to fail with that code and detail; an exception hook returns one as its
// result.
type Error struct {
	Code   int `json:"code"`
	Detail any `json:"detail"`

	// raw is the host's encoding of an error received from Next or an
	// import: passing it on byte for byte lets the host recognise it and
	// keep the original error with its cause.
	raw []byte
	// reason is why the host refused an import call (e.g. a capability not
	// granted): a problem of the deployment, which the client sees as a
	// 4006 and the module's log can show.
	reason error
}

// Error implements error.
func (e *Error) Error() string {
	if e.reason != nil {
		return e.reason.Error()
	}
	return fmt.Sprintf("chatwasm: error %d: %v", e.Code, e.Detail)
}

// Unwrap returns why the host refused the call, if it did.
func (e *Error) Unwrap() error { return e.reason }

// refused is the *Error of a call the host refused for reason.
func refused(reason error) *Error {
	return &Error{Code: abi.CodeInternal, Detail: abi.DetailInternal, reason: reason}
}

// ErrNoHost is the reason every host import fails outside a wasm module.
var ErrNoHost = errors.New("chatwasm: host imports are available only in a wasm module")

// Fail returns the error a hook fails with to send the client
// {"error":{"code":code,"detail":...}}. The detail is a list of the given
// strings, like a validation error: Fail(4003, "Message contains prohibited
// content") sends ["Message contains prohibited content"]. A single detail
// that is not a string (a map, a slice) is sent as it is. code may be any of
// 4000–4999 except 4001.
func Fail(code int, detail ...any) *Error {
	if len(detail) == 1 {
		if _, isString := detail[0].(string); !isString {
			return &Error{Code: code, Detail: detail[0]}
		}
	}
	if detail == nil {
		detail = []any{}
	}
	return &Error{Code: code, Detail: detail}
}

// Code is the wire code err would reach the client with: its *Error's code,
// 4003 for any other error, 0 for nil.
func Code(err error) int {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return abi.CodeValidation
}

// encodeError is what a hook that failed with err passes to the host: an
// *Error (even wrapped) as the host encoded it or as its JSON, any other
// error as a 4003 with its text as the detail.
func encodeError(err error) []byte {
	var e *Error
	if !errors.As(err, &e) {
		e = Fail(abi.CodeValidation, err.Error())
	}
	if e.raw != nil {
		return e.raw
	}
	if e.reason != nil {
		e = &Error{Code: e.Code, Detail: e.Detail}
	}
	b, jerr := json.Marshal(e)
	if jerr != nil {
		return fmt.Appendf(nil, `{"code":%d,"detail":[%q]}`, e.Code, fmt.Sprint(e.Detail))
	}
	return b
}

// decodeHostError turns the text of chatwasm_last_error into an *Error: the
// JSON error frame of an import's own failure (kept as raw), or the plain
// text of a call the host refused.
func decodeHostError(msg []byte) *Error {
	trimmed := bytes.TrimSpace(msg)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var e Error
		if json.Unmarshal(trimmed, &e) == nil && e.Code != 0 {
			e.raw = msg
			return &e
		}
	}
	if len(trimmed) == 0 {
		return refused(errors.New("chatwasm: a host call failed without a reason"))
	}
	return refused(errors.New(string(msg)))
}
