// Command error-codes is a chatwasm module that gives one error a code of
// its own, as the reference's custom ExceptionHandler does (docs/protocol.md
// §5.3). Its exception hook sees every error before it becomes an error
// frame: an error whose detail is, or lists, the config's detail text (by
// default the moderation module's "Message contains prohibited content")
// gets the config's code (default 4007) with its detail unchanged; every
// other error goes on as it was.
package main

import (
	"strconv"
	"sync"

	chatwasm "github.com/chatwasm/chatwasm/guest-sdk/go"
)

func main() {}

//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport handle_exception
func handleException() int32 { return chatwasm.Handle(mapError) }

func mapError(c chatwasm.Call, e chatwasm.ExceptionArgs) (*chatwasm.Error, error) {
	cfg := config()
	if mentions(e.Detail, cfg.detail) {
		return &chatwasm.Error{Code: cfg.code, Detail: e.Detail}, nil
	}
	return chatwasm.Next[*chatwasm.Error](c, c.Args)
}

// mentions reports whether detail is text or a list holding it.
func mentions(detail any, text string) bool {
	switch d := detail.(type) {
	case string:
		return d == text
	case []any:
		for _, v := range d {
			if v == text {
				return true
			}
		}
	}
	return false
}

type settings struct {
	detail string
	code   int
}

// config is read once per instance.
var config = sync.OnceValue(func() settings {
	s := settings{detail: "Message contains prohibited content", code: 4007}
	if v, ok := chatwasm.Config("detail"); ok {
		s.detail = v
	}
	if v, ok := chatwasm.Config("code"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			s.code = n
		}
	}
	return s
})
