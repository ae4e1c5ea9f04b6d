package chatwasm_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// The benchmarks run the same hooks written with the SDK (testdata/sdkguest)
// and with plain go-pdk (testdata/pdkecho) through the real hook chain, with
// 1 KiB of arguments in and 1 KiB of output out:
//
//	retreive_room returns its arguments: input and output moved once each
//	(the SDK's bulk copies against go-pdk's one host call per 8 bytes);
//	leave_room also passes them through next and back.

// benchArgs is 1 KiB of JSON arguments.
var benchArgs = []byte(`{"room_id":"` + strings.Repeat("x", 1024-14) + `"}`)

func benchHook(b *testing.B, guest, hook string) {
	wasm := modtest.Build(b, filepath.Join("testdata", guest))
	s := modkit.Load(b, "modules:\n  - name: "+guest+"\n    path: "+wasm+"\n", hooks.Options{})
	ctx := context.Background()
	call := hooks.CallInfo{Tenant: "default"}
	def := func(_ context.Context, in []byte) ([]byte, error) { return in, nil }
	out, err := s.Run(ctx, hook, call, benchArgs, def)
	if err != nil || !bytes.Equal(out, benchArgs) {
		b.Fatalf("warm-up: %.40s, %v", out, err)
	}
	b.SetBytes(int64(len(benchArgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Run(ctx, hook, call, benchArgs, def); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEcho1KSDK: 1 KiB in and out of a hook written with the SDK.
func BenchmarkEcho1KSDK(b *testing.B) { benchHook(b, "sdkguest", "retreive_room") }

// BenchmarkEcho1KPDK: the same hook written with plain go-pdk.
func BenchmarkEcho1KPDK(b *testing.B) { benchHook(b, "pdkecho", "retreive_room") }

// BenchmarkNext1KSDK: 1 KiB in, through next and out, with the SDK.
func BenchmarkNext1KSDK(b *testing.B) { benchHook(b, "sdkguest", "leave_room") }

// BenchmarkNext1KPDK: the same with plain go-pdk.
func BenchmarkNext1KPDK(b *testing.B) { benchHook(b, "pdkecho", "leave_room") }
