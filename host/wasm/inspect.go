package wasm

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Info describes a module without running it.
type Info struct {
	// SHA256 is the hex sha256 of the module bytes; Size their length.
	SHA256 string `json:"sha256"`
	Size   int    `json:"size"`
	// Exports and Imports are the module's functions, sorted by module and
	// name.
	Exports []Func `json:"exports"`
	Imports []Func `json:"imports"`
	// Memory is the module's linear memory, nil if it has none.
	Memory *Memory `json:"memory,omitempty"`
}

// Func is an exported or imported function.
type Func struct {
	// Module is the import namespace (empty for exports).
	Module  string   `json:"module,omitempty"`
	Name    string   `json:"name"`
	Params  []string `json:"params"`
	Results []string `json:"results"`
}

// Memory is a module's linear memory declaration, in 64 KiB pages.
type Memory struct {
	MinPages uint32 `json:"min_pages"`
	MaxPages uint32 `json:"max_pages,omitempty"`
	HasMax   bool   `json:"has_max"`
	Imported bool   `json:"imported"`
}

// Inspect lists a module's exports, imports and memory. It decodes and
// validates the module (with wazero's interpreter, which compiles no
// machine code) but never instantiates it, so no guest code runs.
func Inspect(ctx context.Context, wasmBytes []byte) (Info, error) {
	if err := decodable(wasmBytes); err != nil {
		return Info{}, fmt.Errorf("wasm: inspect: %w", err)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	// The runtime only held the decoded module; closing it cannot fail in
	// a way that matters to the caller.
	defer func() { _ = rt.Close(ctx) }()
	compiled, err := rt.CompileModule(ctx, wasmBytes)
	if err != nil {
		return Info{}, fmt.Errorf("wasm: inspect: %w", err)
	}
	return infoOf(compiled, len(wasmBytes), sha256.Sum256(wasmBytes)), nil
}

// infoOf describes a compiled module.
func infoOf(c wazero.CompiledModule, size int, sum [32]byte) Info {
	info := Info{SHA256: hex.EncodeToString(sum[:]), Size: size}
	for name, d := range c.ExportedFunctions() {
		info.Exports = append(info.Exports, funcOf(d, "", name))
	}
	for _, d := range c.ImportedFunctions() {
		mod, name, _ := d.Import()
		info.Imports = append(info.Imports, funcOf(d, mod, name))
	}
	byName := func(a, b Func) int { return cmp.Or(cmp.Compare(a.Module, b.Module), cmp.Compare(a.Name, b.Name)) }
	slices.SortFunc(info.Exports, byName)
	slices.SortFunc(info.Imports, byName)
	for _, d := range c.ExportedMemories() {
		info.Memory = memoryOf(d)
	}
	for _, d := range c.ImportedMemories() {
		info.Memory = memoryOf(d)
	}
	return info
}

func funcOf(d api.FunctionDefinition, module, name string) Func {
	f := Func{Module: module, Name: name, Params: []string{}, Results: []string{}}
	for _, t := range d.ParamTypes() {
		f.Params = append(f.Params, api.ValueTypeName(t))
	}
	for _, t := range d.ResultTypes() {
		f.Results = append(f.Results, api.ValueTypeName(t))
	}
	return f
}

func memoryOf(d api.MemoryDefinition) *Memory {
	max, hasMax := d.Max()
	_, _, imported := d.Import()
	return &Memory{MinPages: d.Min(), MaxPages: max, HasMax: hasMax, Imported: imported}
}
