package wasm

import (
	"context"
	"encoding/binary"
	"log/slog"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Import module names.
const (
	// EnvModule is the Extism kernel namespace every PDK imports from.
	EnvModule = "extism:host/env"
	// UserModule holds chatwasm's own imports and the embedder's HostFuncs.
	UserModule = "extism:host/user"
)

var (
	none = []api.ValueType{}
	i32  = []api.ValueType{api.ValueTypeI32}
	i64  = []api.ValueType{api.ValueTypeI64}
	i64s = []api.ValueType{api.ValueTypeI64, api.ValueTypeI64}
	i32s = []api.ValueType{api.ValueTypeI32, api.ValueTypeI32}
)

// levelOff is what get_log_level reports when the logger drops every level.
const levelOff = 0x7fffffff

// slogLevels maps the Extism log levels get_log_level reports (go-pdk's
// LogLevel: trace, debug, info, warn, error) to slog; trace sits below debug.
var slogLevels = [...]slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

// maxLogMessage bounds one guest log message; longer ones are cut.
const maxLogMessage = 4096

// defineEnv adds the Extism kernel imports (as go-pdk v1.1.3 and the Extism
// runtime kernel define them) to b.
func defineEnv(b wazero.HostModuleBuilder) {
	def := func(name string, fn api.GoFunc, params, results []api.ValueType) {
		b.NewFunctionBuilder().WithGoFunction(fn, params, results).Export(name)
	}

	// Memory blocks.
	def("alloc", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		off, err := in.k.alloc(s[0])
		if err != nil {
			in.trap(err, "alloc(%d) with %d bytes in use, cap %d", s[0], in.k.used(), in.k.limit)
		}
		s[0] = off
	}, i64, i64)
	def("free", func(ctx context.Context, s []uint64) { instanceOf(ctx).k.free(s[0]) }, i64, none)
	def("length", func(ctx context.Context, s []uint64) { s[0] = instanceOf(ctx).k.length(s[0]) }, i64, i64)
	def("length_unsafe", func(ctx context.Context, s []uint64) { s[0] = instanceOf(ctx).k.length(s[0]) }, i64, i64)
	def("load_u8", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		if !in.k.inRange(s[0], 1) {
			in.trap(ErrBadPointer, "load_u8(%d)", s[0])
		}
		s[0] = uint64(in.k.mem[s[0]])
	}, i64, i32)
	def("load_u64", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		if !in.k.inRange(s[0], 8) {
			in.trap(ErrBadPointer, "load_u64(%d)", s[0])
		}
		s[0] = binary.LittleEndian.Uint64(in.k.mem[s[0]:])
	}, i64, i64)
	def("store_u8", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		if !in.k.inRange(s[0], 1) {
			in.trap(ErrBadPointer, "store_u8(%d)", s[0])
		}
		in.k.mem[s[0]] = byte(s[1])
	}, []api.ValueType{api.ValueTypeI64, api.ValueTypeI32}, none)
	def("store_u64", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		if !in.k.inRange(s[0], 8) {
			in.trap(ErrBadPointer, "store_u64(%d)", s[0])
		}
		binary.LittleEndian.PutUint64(in.k.mem[s[0]:], s[1])
	}, i64s, none)
	def("memory_bytes", func(ctx context.Context, s []uint64) { s[0] = instanceOf(ctx).k.used() }, none, i64)
	def("reset", func(ctx context.Context, _ []uint64) {
		in := instanceOf(ctx)
		in.k.reset(maxKeptKernel)
		in.call.inputOff, in.call.outOff, in.call.errOff = 0, 0, 0
	}, none, none)

	// Input. The input stays in host memory and is read from there; it is
	// copied into a kernel block only if the guest asks for its offset.
	def("input_length", func(ctx context.Context, s []uint64) {
		s[0] = uint64(len(instanceOf(ctx).call.input))
	}, none, i64)
	def("input_load_u8", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		if s[0] >= uint64(len(in.call.input)) {
			in.trap(ErrBadPointer, "input_load_u8(%d) past input of %d bytes", s[0], len(in.call.input))
		}
		s[0] = uint64(in.call.input[s[0]])
	}, i64, i32)
	def("input_load_u64", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		if s[0] > uint64(len(in.call.input)) || uint64(len(in.call.input))-s[0] < 8 {
			in.trap(ErrBadPointer, "input_load_u64(%d) past input of %d bytes", s[0], len(in.call.input))
		}
		s[0] = binary.LittleEndian.Uint64(in.call.input[s[0]:])
	}, i64, i64)
	def("input_offset", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		c := &in.call
		if c.inputOff == 0 && len(c.input) > 0 {
			off, err := in.k.write(c.input)
			if err != nil {
				in.trap(err, "input_offset: copying %d bytes of input", len(c.input))
			}
			c.inputOff = off
		}
		s[0] = c.inputOff
	}, none, i64)
	def("input_set", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		b := in.k.bytes(s[0])
		if b == nil || s[1] > uint64(len(b)) {
			in.trap(ErrBadPointer, "input_set(%d, %d)", s[0], s[1])
		}
		in.call.input = append([]byte(nil), b[:s[1]]...)
		in.call.inputOff = s[0]
	}, i64s, none)

	// Output and error: copied out at once, since the guest may free or
	// reuse the block right after.
	def("output_set", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		if s[1] == 0 {
			in.setOutput(nil, 0)
			return
		}
		if !in.k.inRange(s[0], s[1]) {
			in.trap(ErrBadPointer, "output_set(%d, %d)", s[0], s[1])
		}
		in.setOutput(in.k.mem[s[0]:s[0]+s[1]], s[0])
	}, i64s, none)
	def("output_length", func(ctx context.Context, s []uint64) {
		s[0] = uint64(len(instanceOf(ctx).call.output))
	}, none, i64)
	def("output_offset", func(ctx context.Context, s []uint64) {
		s[0] = instanceOf(ctx).call.outOff
	}, none, i64)
	def("error_set", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		if s[0] == 0 {
			in.setError(nil, 0)
			return
		}
		b := in.k.bytes(s[0])
		if b == nil {
			in.trap(ErrBadPointer, "error_set(%d)", s[0])
		}
		in.setError(b, s[0])
	}, i64, none)
	def("error_get", func(ctx context.Context, s []uint64) {
		s[0] = instanceOf(ctx).call.errOff
	}, none, i64)

	// Config and vars.
	def("config_get", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		key := in.block(s[0], "config_get")
		v, ok := in.m.cfg.Config[string(key)]
		if !ok {
			s[0] = 0
			return
		}
		s[0] = in.writeBlock([]byte(v), "config_get")
	}, i64, i64)
	def("var_get", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		key := in.block(s[0], "var_get")
		v, ok := in.vars[string(key)]
		if !ok {
			s[0] = 0
			return
		}
		s[0] = in.writeBlock(v, "var_get")
	}, i64, i64)
	def("var_set", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		key := in.block(s[0], "var_set")
		var val []byte
		if s[1] != 0 {
			val = in.block(s[1], "var_set")
		}
		in.setVar(key, val, s[1] == 0)
	}, i64s, none)

	// Logging.
	for lvl, name := range []string{"log_trace", "log_debug", "log_info", "log_warn", "log_error"} {
		def(name, func(ctx context.Context, s []uint64) {
			in := instanceOf(ctx)
			in.logGuest(ctx, lvl, in.block(s[0], name))
		}, i64, none)
	}
	def("get_log_level", func(ctx context.Context, s []uint64) {
		s[0] = uint64(instanceOf(ctx).m.logLevel(ctx))
	}, none, i32)

	// HTTP.
	def("http_request", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		req := in.block(s[0], "http_request")
		var body []byte
		if s[1] != 0 {
			body = in.block(s[1], "http_request")
		}
		s[0] = in.httpRequest(ctx, req, body)
	}, i64s, i64)
	def("http_status_code", func(ctx context.Context, s []uint64) {
		s[0] = uint64(uint32(instanceOf(ctx).call.httpStatus))
	}, none, i32)
	def("http_headers", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		s[0] = in.httpHeaders()
	}, none, i64)
}

// defineUser adds chatwasm's bulk-copy imports and the embedder's host
// functions (real for the granted ones, refusing stubs for the others) to b.
func defineUser(b wazero.HostModuleBuilder, funcs []HostFunc, granted func(string) bool) {
	def := func(name string, fn api.GoFunc, params, results []api.ValueType) {
		b.NewFunctionBuilder().WithGoFunction(fn, params, results).Export(name)
	}
	def("chatwasm_input_read", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		dst, n := uint32(s[0]), uint32(s[1])
		if uint64(n) > uint64(len(in.call.input)) || !in.mem.Write(dst, in.call.input[:n]) {
			in.trap(ErrBadPointer, "chatwasm_input_read(%d, %d) with %d bytes of input", dst, n, len(in.call.input))
		}
	}, i32s, none)
	def("chatwasm_output_write", func(ctx context.Context, s []uint64) {
		in, b := guestRange(ctx, s, "chatwasm_output_write")
		in.setOutput(b, 0)
	}, i32s, none)
	def("chatwasm_error_write", func(ctx context.Context, s []uint64) {
		in, b := guestRange(ctx, s, "chatwasm_error_write")
		in.setError(b, 0)
	}, i32s, none)
	def("chatwasm_block_new", func(ctx context.Context, s []uint64) {
		in, b := guestRange(ctx, s, "chatwasm_block_new")
		s[0] = in.writeBlock(b, "chatwasm_block_new")
	}, i32s, i64)
	def("chatwasm_block_read", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		b := in.block(s[0], "chatwasm_block_read")
		if dst := uint32(s[1]); !in.mem.Write(dst, b) {
			in.trap(ErrBadPointer, "chatwasm_block_read(%d, %d) of %d bytes", s[0], dst, len(b))
		}
	}, []api.ValueType{api.ValueTypeI64, api.ValueTypeI32}, none)
	def("chatwasm_last_error", func(ctx context.Context, s []uint64) {
		in := instanceOf(ctx)
		s[0] = in.writeBlock(in.call.hostErr, "chatwasm_last_error")
	}, none, i64)

	for _, f := range funcs {
		fn := deniedImport(f)
		if f.Capability == "" || granted(f.Capability) {
			fn = hostFuncImport(f)
		}
		def(f.Name, fn, f.Params, f.Results)
	}
}

// guestRange returns the calling instance and the bytes of the linear memory
// range (offset s[0], length s[1]) that the import name was passed, trapping
// with ErrBadPointer when the range does not exist.
func guestRange(ctx context.Context, s []uint64, name string) (*instance, []byte) {
	in := instanceOf(ctx)
	src, n := uint32(s[0]), uint32(s[1])
	b, ok := in.mem.Read(src, n)
	if !ok {
		in.trap(ErrBadPointer, "%s(%d, %d)", name, src, n)
	}
	return in, b
}
