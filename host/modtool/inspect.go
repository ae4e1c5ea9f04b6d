package modtool

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/wasm"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Report describes a module as the host sees it.
type Report struct {
	File   string `json:"file"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
	ABI    ABI    `json:"abi"`
	// Hooks are the exports named like hooks (abi/README.md), custom
	// actions excepted, in export order.
	Hooks []Hook `json:"hooks"`
	// Actions are the custom actions: exports action_<event_type>.
	Actions []Action `json:"actions"`
	// Imports are every imported function, sorted by namespace and name.
	Imports []Import `json:"imports"`
	// Capabilities are those the module's chatwasm imports need: without
	// one, the calls of its imports fail (they never crash the module).
	Capabilities []string `json:"capabilities"`
	// Memory is the module's linear memory declaration, if any.
	Memory *wasm.Memory `json:"memory,omitempty"`
	// Problems are the reasons the host would refuse to load the module or
	// could never call a hook; empty for a good module.
	Problems []string `json:"problems"`
}

// ABI is the module's declared ABI version against the host's.
type ABI struct {
	// Declared are the versions the module declares (export
	// chatwasm_abi_vN); normally exactly one.
	Declared []int `json:"declared"`
	Host     int   `json:"host"`
	// Compatible is true when Declared holds Host.
	Compatible bool `json:"compatible"`
}

// Hook is a hook export.
type Hook struct {
	Name string `json:"name"`
	// Kind is "extend", "replace", "permission", "exception" or
	// "serializer".
	Kind string `json:"kind"`
	// Subject is the operation of an extend or replace hook, the object of
	// a serializer.
	Subject string `json:"subject,omitempty"`
	// Callable is false when the export's signature is not an Extism one
	// (no parameters, at most an i32 result): the host cannot call it.
	Callable bool `json:"callable"`
}

// Action is a custom action export.
type Action struct {
	// EventType is the client frame's event_type that runs it.
	EventType string `json:"event_type"`
	Export    string `json:"export"`
	Callable  bool   `json:"callable"`
}

// Import is an imported function and what the host makes of it.
type Import struct {
	Module string `json:"module"`
	Name   string `json:"name"`
	// Provider is "extism-kernel", "chatwasm" or "wasi"; "" when the host
	// does not provide the import (the module will not load).
	Provider string `json:"provider"`
	// Capability is the capability a chatwasm import needs ("" for none).
	Capability string `json:"capability,omitempty"`
	// ReplaceOnly chatwasm imports work only in the replace layer.
	ReplaceOnly bool     `json:"replace_only,omitempty"`
	Params      []string `json:"params"`
	Results     []string `json:"results"`
}

// Import providers.
const (
	ProviderKernel   = "extism-kernel"
	ProviderChatwasm = "chatwasm"
	ProviderWASI     = "wasi"
)

// kernelImports are the Extism kernel functions the host implements
// (host/wasm doc.go, "Kernel imports").
var kernelImports = []string{"alloc", "free", "length", "length_unsafe", "load_u8", "load_u64", "store_u8",
	"store_u64", "input_length", "input_load_u8", "input_load_u64", "input_offset", "input_set", "output_set",
	"output_length", "output_offset", "error_set", "error_get", "memory_bytes", "reset", "config_get", "var_get",
	"var_set", "log_trace", "log_debug", "log_info", "log_warn", "log_error", "get_log_level", "http_request",
	"http_status_code", "http_headers"}

// runtimeImports are the chatwasm runtime's own functions in
// extism:host/user, which need no capability.
var runtimeImports = wasm.RuntimeImports()

// InspectFile reads and inspects the module at path.
func InspectFile(ctx context.Context, path string) (Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Report{}, fmt.Errorf("modtool: %w", err)
	}
	r, err := Inspect(ctx, b)
	if err != nil {
		return Report{}, err
	}
	r.File = filepath.Base(path)
	return r, nil
}

// Inspect describes the module wasmBytes. It decodes and validates the
// module but runs none of its code.
func Inspect(ctx context.Context, wasmBytes []byte) (Report, error) {
	info, err := wasm.Inspect(ctx, wasmBytes)
	if err != nil {
		return Report{}, fmt.Errorf("modtool: %w", err)
	}
	r := Report{Size: info.Size, SHA256: info.SHA256, Memory: info.Memory, Hooks: []Hook{}, Actions: []Action{},
		Imports: []Import{}, Capabilities: []string{}, Problems: []string{}}
	problem := func(format string, a ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, a...)) }

	exports := make([]string, 0, len(info.Exports))
	for _, e := range info.Exports {
		exports = append(exports, e.Name)
	}
	r.ABI = ABI{Declared: abi.DeclaredVersions(exports), Host: abi.Version}
	if r.ABI.Declared == nil {
		r.ABI.Declared = []int{}
	}
	r.ABI.Compatible = slices.Contains(r.ABI.Declared, abi.Version)
	switch {
	case len(r.ABI.Declared) == 0:
		problem("declares no chatwasm ABI version: the host refuses it (export a function named %s)", abi.VersionExport())
	case !r.ABI.Compatible:
		problem("declares ABI version %v but the host speaks %d: the host refuses it", r.ABI.Declared, abi.Version)
	}

	for _, e := range info.Exports {
		h, ok := abi.LookupHook(e.Name)
		if !ok {
			continue
		}
		callable := len(e.Params) == 0 && (len(e.Results) == 0 || len(e.Results) == 1 && e.Results[0] == "i32")
		if !callable {
			problem("export %q is named like a hook but its signature (%v) -> (%v) is not an Extism one "+
				"(no parameters, at most an i32 result): the host never calls it", e.Name, e.Params, e.Results)
		}
		if h.Kind == abi.Action {
			r.Actions = append(r.Actions, Action{EventType: h.Subject, Export: e.Name, Callable: callable})
			continue
		}
		hook := Hook{Name: e.Name, Kind: h.Kind.String(), Callable: callable}
		if h.Kind == abi.Extend || h.Kind == abi.Replace || h.Kind == abi.Serializer {
			hook.Subject = h.Subject
		}
		r.Hooks = append(r.Hooks, hook)
	}
	if len(r.Hooks) == 0 && len(r.Actions) == 0 {
		problem("exports no hook and no custom action: it would never run")
	}

	caps := map[string]bool{}
	for i, f := range info.Imports {
		if i > 0 && f.Module == info.Imports[i-1].Module && f.Name == info.Imports[i-1].Name {
			continue // imported twice (Go does): one entry
		}
		imp := describeImport(f)
		if imp.Provider == "" {
			problem("imports %s %s, which the host does not provide: it will not load", f.Module, f.Name)
		}
		if imp.Capability != "" {
			caps[imp.Capability] = true
		}
		r.Imports = append(r.Imports, imp)
	}
	for _, c := range abi.Capabilities() { // in the README's order
		if caps[c] {
			r.Capabilities = append(r.Capabilities, c)
		}
	}
	return r, nil
}

// describeImport says who provides an imported function.
func describeImport(f wasm.Func) Import {
	imp := Import{Module: f.Module, Name: f.Name, Params: f.Params, Results: f.Results}
	switch f.Module {
	case wasm.EnvModule:
		if slices.Contains(kernelImports, f.Name) {
			imp.Provider = ProviderKernel
		}
	case wasm.UserModule:
		if slices.Contains(runtimeImports, f.Name) {
			imp.Provider = ProviderChatwasm
			break
		}
		for _, a := range abi.Imports() {
			if a.Name == f.Name {
				imp.Provider, imp.Capability, imp.ReplaceOnly = ProviderChatwasm, a.Capability, a.ReplaceOnly
			}
		}
	case wasi_snapshot_preview1.ModuleName:
		imp.Provider = ProviderWASI
	}
	return imp
}
