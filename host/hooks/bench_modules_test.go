package hooks_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/sqlite"
	"github.com/chatwasm/chatwasm/host/users"
	"github.com/chatwasm/chatwasm/internal/cputime"
	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/gorilla/websocket"
)

// The module benchmarks: real modules, built from source, under every
// sandbox limit (the deployment defaults: call deadline, memory cap, kernel
// and output caps, termination checks), each next to its baseline in the
// same run. The figures and the commands are in BENCHMARKS.md, "Wasm modules".
//
//	go test -run '^$' -bench 'Module|Moderation|MessageSendWS' -benchmem ./host/hooks/

// benchGuest builds the Go module package dir (relative to the repository
// root), cached by internal/gobuild, and returns the .wasm path.
func benchGuest(b *testing.B, dir string) string {
	b.Helper()
	out, err := gobuild.Wasm(filepath.Join("..", "..", dir))
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// benchCGuest builds the C module of modules/examples/moderation-c (its
// Makefile's flags: clang, no libc) into the hooks tests' cache, or skips
// the benchmark when there is no clang.
func benchCGuest(b *testing.B) string {
	b.Helper()
	clang, err := exec.LookPath("clang")
	if err != nil {
		b.Skip("no clang: the C module is not built (scripts/install-toolchains c)")
	}
	root := filepath.Join("..", "..")
	src := filepath.Join(root, "modules", "examples", "moderation-c", "src", "moderation.c")
	sdk := filepath.Join(root, "guest-sdk", "c")
	h := sha256.New()
	for _, f := range []string{src, filepath.Join(sdk, "chatwasm.h")} {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		h.Write(data)
	}
	out := filepath.Join(os.TempDir(), "chatwasm-hooks-test", "moderation-c-"+hex.EncodeToString(h.Sum(nil))[:16]+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command(clang, "--target=wasm32-unknown-unknown", "-Oz", "-nostdlib", "-mbulk-memory",
		"-Wl,--no-entry", "-Wl,--strip-all", "-I"+sdk, "-o", tmp, src)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Skipf("clang cannot build the C module here: %v\n%s", err, msg)
	}
	if err := os.Rename(tmp, out); err != nil {
		b.Fatal(err)
	}
	return out
}

// benchSet loads one module, subscribed to hook, and returns the set.
func benchSet(b *testing.B, wasm, hook, config string) *hooks.Set {
	b.Helper()
	if config == "" {
		config = "{}"
	}
	return acquire(b, newManager(b, fmt.Sprintf("modules:\n  - name: bench\n    path: %s\n    hooks: [%q]\n    config: %s\n",
		wasm, hook, config), hooks.Options{}))
}

var benchCall = hooks.CallInfo{Tenant: store.DefaultTenant, Caller: abi.Caller{UserID: 1, Username: "alice"}}

// runHook benchmarks Set.Run of hook with args and next, after a warm-up
// call whose output must satisfy check.
func runHook(b *testing.B, s *hooks.Set, hook string, args []byte, next hooks.Next, check func([]byte) bool) {
	b.Helper()
	ctx := context.Background()
	out, err := s.Run(ctx, hook, benchCall, args, next)
	if err != nil || !check(out) {
		b.Fatalf("warm-up %s: %.80q, %v", hook, out, err)
	}
	b.ReportAllocs()
	cpu := cputime.Used()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Run(ctx, hook, benchCall, args, next); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cputime.ReportPerOp(b, cpu)
}

func echoNext(_ context.Context, in []byte) ([]byte, error) { return in, nil }

func anyOutput([]byte) bool { return true }

// noopArgs are the args of a small operation.
var noopArgs = []byte(`{"room_id":"0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11"}`)

// BenchmarkModuleNoop is a hook that does nothing (it returns at once,
// reading nothing) through the chain: envelope, pool, deadline, the call,
// metrics. The baseline is the chain of a hook no module exports.
func BenchmarkModuleNoop(b *testing.B) {
	s := benchSet(b, benchGuest(b, "e2e/testdata/hostile"), "create_message", "{mode: noop}")
	b.Run("unhooked", func(b *testing.B) { runHook(b, s, "join_room", noopArgs, echoNext, anyOutput) })
	b.Run("noop", func(b *testing.B) { runHook(b, s, "create_message", noopArgs, echoNext, anyOutput) })
}

// bench1K are 1 KiB of JSON args.
var bench1K = []byte(`{"room_id":"` + strings.Repeat("x", 1024-14) + `"}`)

// BenchmarkModuleSDK1K moves 1 KiB in and out of a hook: written with the
// Go SDK (its bulk-copy imports) and, for comparison, with plain go-pdk
// (one host call per 8 bytes); echo returns its args, next passes them
// through next and back. The no-op hook is the baseline.
func BenchmarkModuleSDK1K(b *testing.B) {
	sdk := benchGuest(b, "guest-sdk/go/testdata/sdkguest")
	pdk := benchGuest(b, "guest-sdk/go/testdata/pdkecho")
	same := func(out []byte) bool { return bytes.Equal(out, bench1K) }
	noop := benchSet(b, benchGuest(b, "e2e/testdata/hostile"), "create_message", "{mode: noop}")
	b.Run("noop", func(b *testing.B) { runHook(b, noop, "create_message", noopArgs, echoNext, anyOutput) })
	for _, c := range []struct{ name, wasm, hook string }{
		{"sdk-echo", sdk, "retreive_room"},
		{"sdk-next", sdk, "leave_room"},
		{"pdk-echo", pdk, "retreive_room"},
	} {
		s := benchSet(b, c.wasm, c.hook, "")
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(bench1K)))
			runHook(b, s, c.hook, bench1K, echoNext, same)
		})
	}
}

// moderationArgs are create_message's args for a 140-character message that
// contains no banned word, and moderationMessage is the serialized message
// the default returns (the example of abi/README.md).
var (
	moderationArgs = []byte(`{"room_id":"0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11","content":"` +
		`Morning all! The release notes for 2.4 are in the shared folder; please read them before the ` +
		`stand-up at ten and bring questions.","parent_message_id":null,"forwarded_from_id":null,"media":[],` +
		`"room_kind":"GroupChat","member_count":10,"sender_role":"member"}`)
	moderationMessage = []byte(`{"id":"5f2d8c1a-3b4e-4f60-8a7b-9c0d1e2f3a4b","room":{"id":"0b6c5a4e-8f0a-4c47-9d3e-2f1a7b9c0d11"},` +
		`"sender":{"id":1,"username":"alice","email":"alice@example.com","first_name":"Alice","last_name":""},` +
		`"content":"Morning all! The release notes for 2.4 are in the shared folder; please read them before the ` +
		`stand-up at ten and bring questions.","is_deleted":false,"is_edited":false,"is_forwarded":false,` +
		`"created_at":"2026-02-08T10:11:12.345678Z","updated_at":"2026-02-08T10:11:12.345678Z","parent_message":null,` +
		`"forwarded_from":null,"delivered_to":[],"read_receipts":[],"reactions":[],"attachments":[]}`)
	moderationConfig = `{banned_words: "spam,buy now,free money,click here,viagra,casino,crypto giveaway,winner,` +
		`limited offer,act now"}`
)

// BenchmarkModeration is the moderation example per message: its
// _create_message decodes the call, scans the content for ten banned
// phrases, calls next and passes its result through. next returns a
// serialized message, so that only the module is measured. "native-go" is
// the same logic compiled into the host (the baseline: what the sandbox
// costs), "moderation" the Go example, "moderation-c" the same module in C
// (modules/examples/moderation-c). cpu-µs/op is the process's CPU time per
// message.
func BenchmarkModeration(b *testing.B) {
	s := benchSet(b, benchGuest(b, "modules/examples/moderation"), "_create_message", moderationConfig)
	next := func(context.Context, []byte) ([]byte, error) { return moderationMessage, nil }
	isMessage := func(out []byte) bool { return bytes.Equal(out, moderationMessage) }
	b.Run("native-go", func(b *testing.B) {
		ctx := context.Background()
		words := strings.Split("spam,buy now,free money,click here,viagra,casino,crypto giveaway,winner,limited offer,act now", ",")
		b.ReportAllocs()
		cpu := cputime.Used()
		for b.Loop() {
			if _, err := nativeModeration(ctx, moderationArgs, words, next); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		cputime.ReportPerOp(b, cpu)
	})
	b.Run("moderation", func(b *testing.B) { runHook(b, s, "_create_message", moderationArgs, next, isMessage) })
	b.Run("moderation-c", func(b *testing.B) {
		c := benchSet(b, benchCGuest(b), "_create_message", moderationConfig)
		runHook(b, c, "_create_message", moderationArgs, next, isMessage)
	})
}

// nativeModeration is the moderation example's logic as host Go code.
func nativeModeration(ctx context.Context, args []byte, words []string, next hooks.Next) ([]byte, error) {
	var in struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(args, &in); err != nil {
		return nil, err
	}
	content := strings.ToLower(in.Content)
	for _, w := range words {
		if strings.Contains(content, w) {
			return nil, &abi.Error{Code: abi.CodeValidation, Detail: []string{"Message contains prohibited content"}}
		}
	}
	return next(ctx, args)
}

// BenchmarkMessageSendWS is message.send end to end over real WebSockets
// on a real server (SQLite), as host/gateway's BenchmarkMessageSend: one of
// the 10 members of a group sends, every member receives message.dispatch.
// "none" runs without modules, "moderation" with the moderation example on
// _create_message, "moderation-c" with its C version (skipped without
// clang), "replaced" with the slash-commands example, which stores the
// message itself with message_create instead of calling next.
func BenchmarkMessageSendWS(b *testing.B) {
	moderation := func(wasm string) string {
		return fmt.Sprintf("modules:\n  - name: moderation\n    path: %s\n    hooks: [\"_create_message\"]\n"+
			"    config: %s\n", wasm, moderationConfig)
	}
	for _, c := range []struct {
		name    string
		modules func(*testing.B) string
	}{
		{"none", func(*testing.B) string { return "" }},
		{"moderation", func(b *testing.B) string { return moderation(benchGuest(b, "modules/examples/moderation")) }},
		{"moderation-c", func(b *testing.B) string { return moderation(benchCGuest(b)) }},
		{"replaced", func(b *testing.B) string {
			return fmt.Sprintf("modules:\n  - name: slash-commands\n    path: %s\n    hooks: [\"_create_message\"]\n"+
				"    capabilities: [\"messages.write\"]\n", benchGuest(b, "modules/examples/slash-commands"))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			conns, roomID := wsRoom(b, c.modules(b), 10)
			send := []byte(`{"event_type":"message.send","data":{"room_id":"` + roomID + `","content":"hello"}}`)
			b.ReportAllocs()
			cpu := cputime.Used()
			b.ResetTimer()
			for b.Loop() {
				if err := conns[0].WriteMessage(websocket.TextMessage, send); err != nil {
					b.Fatal(err)
				}
				for _, ws := range conns {
					expectEvent(b, ws, "message.dispatch")
				}
			}
			b.StopTimer()
			cputime.ReportPerOp(b, cpu)
		})
	}
}

// wsRoom starts a server (with the module file text modules, if any) on a
// fresh SQLite database, connects n users and makes a group of all of them;
// it returns the connections, the creator's first, and the room id.
func wsRoom(b *testing.B, modules string, n int) ([]*websocket.Conn, string) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dir := b.TempDir()
	drv, err := sqlite.Open(ctx, filepath.Join(dir, "chat.db"))
	if err != nil {
		b.Fatal(err)
	}
	st := store.New(drv)
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	cfg := server.DefaultConfig()
	cfg.Secret = strings.Repeat("s", 32)
	cfg.AdminToken = "admin"
	cfg.ModuleCache = cacheDir
	cfg.ModuleWatch = -1
	cfg.FrameRate = 0 // one client sends as fast as the server answers
	if modules != "" {
		cfg.Modules = filepath.Join(dir, "modules.yaml")
		if err := os.WriteFile(cfg.Modules, []byte(modules), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	srv, err := server.New(ctx, cfg, st, nil)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
		st.Close()
	})
	key, err := auth.LoadSecret(ctx, st, cfg.Secret)
	if err != nil {
		b.Fatal(err)
	}
	iss, err := auth.NewIssuer(key)
	if err != nil {
		b.Fatal(err)
	}
	conns := make([]*websocket.Conn, n)
	ids := make([]string, 0, n-1)
	for i := range conns {
		u, err := users.Create(ctx, st, users.Input{Username: fmt.Sprintf("user%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		tok, err := iss.Issue(u.ID, time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+cfg.WSPath+"?token="+tok, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { ws.Close() })
		expectEvent(b, ws, "chat.notifications")
		conns[i] = ws
		if i > 0 {
			ids = append(ids, fmt.Sprint(u.ID))
		}
	}
	create := `{"event_type":"room.create","data":{"type":"GroupChat","name":"bench","participants":[` +
		strings.Join(ids, ",") + `]}}`
	if err := conns[0].WriteMessage(websocket.TextMessage, []byte(create)); err != nil {
		b.Fatal(err)
	}
	var roomID string
	for _, ws := range conns {
		var room struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(expectEvent(b, ws, "roomcreate.dispatch"), &room); err != nil {
			b.Fatal(err)
		}
		roomID = room.ID
	}
	return conns, roomID
}

// expectEvent reads the next frame of ws, which must be eventType, and
// returns its data.
func expectEvent(b *testing.B, ws *websocket.Conn, eventType string) json.RawMessage {
	b.Helper()
	if err := ws.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		b.Fatal(err)
	}
	_, raw, err := ws.ReadMessage()
	if err != nil {
		b.Fatal(err)
	}
	var f struct {
		EventType string          `json:"eventType"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.EventType != eventType {
		b.Fatalf("got %s, want %s", raw, eventType)
	}
	return f.Data
}
