package wasmbin

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

const flagName = "chatwasm:interrupt"

// Builders of hand-assembled modules.

func section(id byte, content ...[]byte) []byte { return appendSection(nil, id, content...) }

// vector is a vector of n entries, already encoded.
func vector(entries ...[]byte) []byte {
	return cat(append([][]byte{appendU32(nil, uint32(len(entries)))}, entries...)...)
}

func module(sections ...[]byte) []byte { return cat(append([][]byte{header}, sections...)...) }

func name(s string) []byte { return append(appendU32(nil, uint32(len(s))), s...) }

func body(code ...byte) []byte { return append(appendU32(nil, uint32(len(code))), code...) }

func custom(n string, data ...byte) []byte { return section(SectionCustom, name(n), data) }

// provider is the module "env" the test module imports a global and a
// function from: g = 100, f(x) = 2x.
var provider = module(
	section(SectionType, vector([]byte{typeFunc, 1, typeI32, 1, typeI32})),
	section(SectionFunction, vector([]byte{0})),
	section(SectionGlobal, vector([]byte{typeI32, 0, opI32Const, 0xe4, 0x00, 0x0b})),
	section(SectionExport, vector(cat(name("g"), []byte{KindGlobal, 0}), cat(name("f"), []byte{KindFunc, 0}))),
	section(SectionCode, vector(body(0, 0x20, 0, opI32Const, 2, 0x6c, 0x0b))),
)

// guest imports a global and a function (so that its own indices do not
// start at 0), defines a global, and has exports spin (an endless loop),
// count(n) (a loop of n iterations) and sum (imported global + own global
// + f(5) = 151).
var guest = module(
	custom("before"),
	section(SectionType, vector(
		[]byte{typeFunc, 0, 1, typeI32},          // t0: [] -> [i32]
		[]byte{typeFunc, 1, typeI32, 1, typeI32}, // t1: [i32] -> [i32]
	)),
	section(SectionImport, vector(
		cat(name("env"), name("g"), []byte{KindGlobal, typeI32, 0}),
		cat(name("env"), name("f"), []byte{KindFunc, 1}),
	)),
	section(SectionFunction, vector([]byte{0}, []byte{1}, []byte{0})),
	section(SectionMemory, vector([]byte{0, 1})),
	section(SectionGlobal, vector([]byte{typeI32, 1, opI32Const, 41, 0x0b})),
	section(SectionExport, vector(
		cat(name("spin"), []byte{KindFunc, 1}),
		cat(name("count"), []byte{KindFunc, 2}),
		cat(name("sum"), []byte{KindFunc, 3}),
	)),
	custom(".debug_info", 1, 2, 3),
	section(SectionCode, vector(
		body(0, 0x03, 0x40, 0x0c, 0x00, 0x0b, opI32Const, 0, 0x0b),
		body(1, 1, typeI32,
			0x03, 0x40,
			0x20, 1, opI32Const, 1, 0x6a, 0x21, 1, // acc++
			0x20, 1, 0x20, 0, 0x49, 0x0d, 0, // br_if acc < n
			0x0b,
			0x20, 1, 0x0b),
		body(0, 0x23, 0, 0x23, 1, 0x6a, opI32Const, 5, opCall, 0, 0x6a, 0x0b),
	)),
	custom("after", 'x'),
)

// instantiate runs bin (importing from provider) on a fresh wazero runtime.
func instantiate(t *testing.T, bin []byte) api.Module {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	if _, err := rt.InstantiateWithConfig(ctx, provider, wazero.NewModuleConfig().WithName("env")); err != nil {
		t.Fatal(err)
	}
	mod, err := rt.Instantiate(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	return mod
}

func call(t *testing.T, mod api.Module, fn string, args ...uint64) uint64 {
	t.Helper()
	res, err := mod.ExportedFunction(fn).Call(context.Background(), args...)
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	return res[0]
}

func TestAddInterrupt(t *testing.T) {
	out, err := AddInterrupt(guest, flagName)
	if err != nil {
		t.Fatal(err)
	}
	plain, mod := instantiate(t, guest), instantiate(t, out)

	// The module's own indices did not move and it computes the same.
	for _, m := range []api.Module{plain, mod} {
		if got := call(t, m, "sum"); got != 151 {
			t.Fatalf("sum = %d, want 151", got)
		}
		if got := call(t, m, "count", 3*Fuel+7); got != 3*Fuel+7 {
			t.Fatalf("count = %d", got)
		}
	}

	// Custom sections are kept in place, DWARF is dropped.
	m, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	var customs []string
	for _, s := range m.Sections {
		if s.ID == SectionCustom {
			customs = append(customs, s.Name)
		}
	}
	if strings.Join(customs, ",") != "before,after" {
		t.Fatalf("custom sections %v", customs)
	}
	if m.Globals != 3 || m.Funcs != 4 || m.Types != 3 || len(m.Bodies) != 4 {
		t.Fatalf("rewritten module: %d globals, %d functions, %d types, %d bodies", m.Globals, m.Funcs, m.Types, len(m.Bodies))
	}

	// Setting the flag from another goroutine stops an endless loop.
	flag, ok := mod.ExportedGlobal(flagName).(api.MutableGlobal)
	if !ok {
		t.Fatal("no mutable interrupt flag exported")
	}
	timer := time.AfterFunc(50*time.Millisecond, func() { flag.Set(1) })
	defer timer.Stop()
	start := time.Now()
	_, err = mod.ExportedFunction("spin").Call(context.Background())
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("spin ended with %v, want the unreachable trap", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("spin stopped after %v", d)
	}
}

func TestAddInterruptCreatesSections(t *testing.T) {
	// Only a memory and a data section, which must stay after the new
	// code section.
	bare := module(
		section(SectionMemory, vector([]byte{0, 1})),
		section(SectionData, vector(cat([]byte{0, opI32Const, 0, 0x0b}, name("hi")))),
	)
	out, err := AddInterrupt(bare, flagName)
	if err != nil {
		t.Fatal(err)
	}
	mod := instantiate(t, out)
	flag := mod.ExportedGlobal(flagName)
	if flag == nil || flag.Get() != 0 {
		t.Fatalf("flag %v", flag)
	}
	m, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	var ids []byte
	for _, s := range m.Sections {
		ids = append(ids, s.ID)
	}
	want := []byte{SectionType, SectionFunction, SectionMemory, SectionGlobal, SectionExport, SectionCode, SectionData}
	if string(ids) != string(want) {
		t.Fatalf("sections %v, want %v", ids, want)
	}
}

func TestAddInterruptRefuses(t *testing.T) {
	taken := module(
		section(SectionType, vector([]byte{typeFunc, 0, 0})),
		section(SectionFunction, vector([]byte{0})),
		section(SectionMemory, vector([]byte{0, 1})),
		section(SectionExport, vector(cat(name(flagName), []byte{KindFunc, 0}))),
		section(SectionCode, vector(body(0, 0x0b))),
	)
	if _, err := AddInterrupt(taken, flagName); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "already exports") {
		t.Errorf("export name taken: %v", err)
	}
	noMemory := module(section(SectionType, vector([]byte{typeFunc, 0, 0})))
	if _, err := AddInterrupt(noMemory, flagName); !errors.Is(err, ErrUnsupported) {
		t.Errorf("no memory: %v", err)
	}
	tailCall := module(
		section(SectionType, vector([]byte{typeFunc, 0, 0})),
		section(SectionFunction, vector([]byte{0})),
		section(SectionMemory, vector([]byte{0, 1})),
		section(SectionCode, vector(body(0, 0x12, 0, 0x0b))),
	)
	_, err := AddInterrupt(tailCall, flagName)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "function body 0") || !strings.Contains(err.Error(), "0x12") {
		t.Errorf("tail call: %v", err)
	}
	for _, bad := range [][]byte{
		nil,
		[]byte("\x00asm\x02\x00\x00\x00"),
		module([]byte{SectionType, 5, 0}),       // section longer than the module
		module(section(14)),                     // unknown section id
		module(section(SectionCode, []byte{1})), // body missing
		module(section(SectionCode, vector(body(0, 0x0b)), []byte{0})), // trailing byte
	} {
		if _, err := AddInterrupt(bad, flagName); err == nil {
			t.Errorf("module % x: rewritten", bad)
		}
	}
}

// TestInterruptVersion pins what AddInterrupt makes of the test guest. If
// this fails, AddInterrupt's output changed: bump InterruptVersion (caches
// of instrumented modules would serve the old output otherwise) and update
// the pinned digest.
func TestInterruptVersion(t *testing.T) {
	const version, digest = 1, "ede8c0b28f97bf651ec71dea2bbf35607dbc488f5e484f7de6ce0b4156cea376"
	out, err := AddInterrupt(guest, flagName)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%x", sha256.Sum256(out))
	if InterruptVersion != version || got != digest {
		t.Fatalf("AddInterrupt's output is %s at version %d; pinned: %s at version %d", got, InterruptVersion, digest, version)
	}
}
