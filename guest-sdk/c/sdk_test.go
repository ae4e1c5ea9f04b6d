package csdk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chatwasm/chatwasm/host/wasm"
	"github.com/chatwasm/chatwasm/internal/jsoncheck"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// builds are the ways a module may be built with the header: each must
// behave the same.
var builds = map[string][]string{
	"freestanding": {"--target=wasm32-unknown-unknown", "-O2", "-nostdlib", "-mbulk-memory", "-Wl,--no-entry"},
	"no-bulk":      {"--target=wasm32-unknown-unknown", "-Oz", "-nostdlib", "-Wl,--no-entry"},
	"wasi-libc":    {"--target=wasm32-wasi", "-mexec-model=reactor", "-O2", "-mbulk-memory", "-DSDKTEST_LIBC"},
}

// The runtime and the sdktest builds every test shares, made on first use.
var (
	setupOnce sync.Once
	setupErr  error
	runtime   *wasm.Runtime
	modules   = map[string]*wasm.Module{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if runtime != nil {
		runtime.Close(context.Background())
	}
	os.Exit(code)
}

// setup builds testdata/sdktest.c in every way of builds and loads them.
func setup() error {
	dir, err := os.MkdirTemp("", "chatwasm-c-sdk")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if runtime, err = wasm.NewRuntime(wasm.Config{}); err != nil {
		return err
	}
	for name, flags := range builds {
		out := filepath.Join(dir, name+".wasm")
		args := append(append([]string{}, flags...), "-Wall", "-Wextra", "-Werror", "-I.", "-o", out,
			filepath.Join("testdata", "sdktest.c"))
		if b, err := exec.Command("clang", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("clang %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		m, err := runtime.LoadFile(context.Background(), out, wasm.ModuleConfig{Name: "sdktest-" + name,
			PoolSize: 1, Timeout: 10 * time.Second, Config: map[string]string{"key": "välue \"q\"", "empty": ""},
			AllowedHosts: []string{"127.0.0.1"}})
		if err != nil {
			return err
		}
		modules[name] = m
	}
	return nil
}

func call(t *testing.T, m *wasm.Module, export string, in []byte) []byte {
	t.Helper()
	out, err := m.Call(context.Background(), export, in, nil)
	if err != nil {
		t.Fatalf("%s(%.200s): %v", export, in, err)
	}
	return out
}

// setupModules builds and loads sdktest once per test process.
func setupModules(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("clang"); err != nil {
		modkit.Unavailable(t, "clang is not installed: run scripts/install-toolchains c")
	}
	if setupOnce.Do(func() { setupErr = setup() }); setupErr != nil {
		t.Fatal(setupErr)
	}
}

// eachBuild runs fn against every build of sdktest.
func eachBuild(t *testing.T, fn func(t *testing.T, m *wasm.Module)) {
	t.Helper()
	setupModules(t)
	for name := range builds {
		t.Run(name, func(t *testing.T) { fn(t, modules[name]) })
	}
}

// TestJSONReader: cw_json_get reads jsoncheck.Doc as encoding/json does.
func TestJSONReader(t *testing.T) {
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		jsoncheck.Reader{Module: m}.Check(t, jsoncheck.Doc, jsoncheck.DocPaths)
	})
}

// FuzzJSONReader runs the SDK's JSON reader (cw_json_get, in the real
// freestanding module) on arbitrary documents (see jsoncheck.Reader.Fuzz).
func FuzzJSONReader(f *testing.F) {
	jsoncheck.AddSeeds(f)
	f.Fuzz(func(t *testing.T, d string) { jsoncheck.Reader{Module: freestanding(t)}.Fuzz(t, d) })
}

// freestanding returns the freestanding build of sdktest, skipping the
// test where clang is missing.
func freestanding(t *testing.T) *wasm.Module {
	t.Helper()
	setupModules(t)
	return modules["freestanding"]
}

func TestJSONMembers(t *testing.T) {
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		for _, c := range []struct{ in, want string }{
			{`{"a":1,"b\u0041":[1,{"x":"}"}],"c":"]"}`, `[["a",1],["bA",[1,{"x":"}"}]],["c","]"]]`},
			{` [ 1 , "two" , [3] , {"4":4} , null ] `, `[[null,1],[null,"two"],[null,[3]],[null,{"4":4}],[null,null]]`},
			{`{}`, `[]`},
			{`[]`, `[]`},
			{`"not a container"`, `[]`},
		} {
			if got := string(call(t, m, "members", []byte(c.in))); got != c.want {
				t.Errorf("members(%s) = %s, want %s", c.in, got, c.want)
			}
		}
	})
}

// TestJSONWriter: decoding then re-encoding gives Go's encoding/json bytes.
func TestJSONWriter(t *testing.T) {
	var all strings.Builder
	for r := rune(0); r < 0x300; r++ {
		all.WriteRune(r)
	}
	values := []any{"", "plain", "quote \" backslash \\ slash /", "<a href=\"x\">&amp;</a>", "\x00\x01\x1f\x7f",
		"\b\f\n\r\t", "line\u2028para\u2029end", "日本語 🎉 \U0010FFFF", all.String(),
		json.Number("0"), json.Number("-1"), json.Number("9223372036854775807"), json.Number("-9223372036854775808"),
		true, false, nil}
	in, err := json.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		if got := string(call(t, m, "rewrite", in)); got != string(in) {
			t.Errorf("rewrite\n got %s\nwant %s", got, in)
		}
	})
}

// TestLower: every rune the SDK lowers, it lowers as Go's unicode.ToLower
// does, and in the ranges it covers it lowers every rune Go does.
func TestLower(t *testing.T) {
	covered := [][2]rune{{0, 0x24F}, {0x370, 0x3FF}, {0x400, 0x52F}, {0x531, 0x556}, {0x10A0, 0x10CD},
		{0x1E00, 0x1EFF}, {0x2126, 0x212B}, {0x2160, 0x216F}, {0x24B6, 0x24CF}, {0xFF21, 0xFF3A}}
	// Runes of the covered blocks whose mapping the SDK leaves out on
	// purpose: Latin Extended-B and the archaic Greek letters.
	skipped := func(r rune) bool {
		return (r >= 0x180 && r <= 0x24F) || (r >= 0x370 && r <= 0x385) || (r >= 0x3CF && r <= 0x3D7) || r >= 0x3F0 && r <= 0x3FF
	}
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		var pairs [][2]rune
		if err := json.Unmarshal(call(t, m, "lower_runes", nil), &pairs); err != nil {
			t.Fatal(err)
		}
		mapped := map[rune]bool{}
		for _, p := range pairs {
			mapped[p[0]] = true
			if want := unicode.ToLower(p[0]); p[1] != want {
				t.Errorf("lower(%U) = %U, want %U", p[0], p[1], want)
			}
		}
		for _, rg := range covered {
			for r := rg[0]; r <= rg[1]; r++ {
				if unicode.ToLower(r) != r && !mapped[r] && !skipped(r) {
					t.Errorf("lower(%U) is not mapped, Go gives %U", r, unicode.ToLower(r))
				}
			}
		}
		for _, s := range []string{"", "ABC xyz", "ÀÉÎÕÜ ÿŸ", "ПРИВЕТ Ёж", "ΚΑΛΗΜΈΡΑ Ά", "ＡＢＣ", "İstanbul",
			"KELVIN \u212A", "日本 🎉", "\xff\xfe broken \xe2\x82", "Ǆ not mapped"} {
			got := string(call(t, m, "lower", []byte(s)))
			want := strings.ToLower(strings.ToValidUTF8(s, "\uFFFD"))
			if !utf8.ValidString(s) {
				want = strings.Map(unicode.ToLower, s)
			}
			if strings.Contains(s, "Ǆ") {
				want = strings.Replace(want, "ǆ", "Ǆ", 1) // Latin Extended-B: left alone
			}
			if got != want {
				t.Errorf("lower(%q) = %q, want %q", s, got, want)
			}
		}
	})
}

func TestKernelCopies(t *testing.T) {
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		for n := 0; n <= 40; n++ {
			in := make([]byte, n)
			for i := range in {
				in[i] = byte(255 - i)
			}
			if got := call(t, m, "kernel", in); !bytes.Equal(got, in) {
				t.Errorf("kernel round trip of %d bytes: %x", n, got)
			}
		}
		// An empty config value is no value: the kernel's null offset
		// stands for both, as in Extism. The second round is answered
		// from the SDK's config cache, the same.
		for round := range 2 {
			for key, want := range map[string]string{"key": `{"value":"välue \"q\""}`, "empty": `{"value":null}`,
				"missing": `{"value":null}`} {
				if got := string(call(t, m, "config", []byte(key))); got != want {
					t.Errorf("round %d: config %q = %s, want %s", round, key, got, want)
				}
			}
		}
	})
}

// TestArena: memory grows for what a call needs and no more across calls,
// since each call starts from a reset arena; allocations never overlap.
func TestArena(t *testing.T) {
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		type result struct {
			Pages int
			OK    bool
		}
		arena := func(sizes ...int) result {
			t.Helper()
			env, _ := json.Marshal(map[string]any{"abi": 1, "hook": "x", "tenant": "t", "args": nil, "sizes": sizes})
			var r result
			if err := json.Unmarshal(call(t, m, "arena", env), &r); err != nil {
				t.Fatal(err)
			}
			if !r.OK {
				t.Fatalf("arena %v: allocations overlap", sizes)
			}
			return r
		}
		first := arena(100, 3000, 70000, 8)
		for i := 0; i < 50; i++ {
			if r := arena(100, 3000, 70000, 8); r.Pages != first.Pages {
				t.Fatalf("call %d: memory grew from %d to %d pages", i, first.Pages, r.Pages)
			}
		}
		big := arena(1, 2<<20, 1, 300000, 7)
		if big.Pages <= first.Pages {
			t.Errorf("2 MiB in a call: %d pages, had %d", big.Pages, first.Pages)
		}
		for i := 0; i < 20; i++ {
			if r := arena(1, 2<<20, 1, 300000, 7); r.Pages != big.Pages {
				t.Fatalf("call %d: memory grew from %d to %d pages", i, big.Pages, r.Pages)
			}
		}
	})
}

func TestEnvelopeAndErrors(t *testing.T) {
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		env := `{"abi":1,"hook":"_create_message","tenant":"t\u00e9","caller":{"user_id":42,"username":"al\"ice","session_id":7},"args":{"room_id":"r","content":"x"}}`
		want := `{"abi":1,"hook":"_create_message","tenant":"té","user_id":42,"username":"al\"ice","session_id":7,"args":{"room_id":"r","content":"x"}}`
		if got := string(call(t, m, "envelope", []byte(env))); got != want {
			t.Errorf("envelope\n got %s\nwant %s", got, want)
		}
		for in, want := range map[string]string{
			"not json": `{"code":4006,"detail":["chatwasm: the call's input is not an envelope"]}`,
			`[1]`:      `{"code":4006,"detail":["chatwasm: the call's input is not an envelope"]}`,
		} {
			_, err := m.Call(context.Background(), "envelope", []byte(in), nil)
			var me *wasm.ModuleError
			if !errors.As(err, &me) || string(me.Message) != want {
				t.Errorf("envelope(%s): %v, want the error %s", in, err, want)
			}
		}
		in, _ := json.Marshal(map[string]any{"code": 4003, "message": "Message <contains> \"prohibited\" content"})
		_, err := m.Call(context.Background(), "fail", in, nil)
		var me *wasm.ModuleError
		want = `{"code":4003,"detail":["Message \u003ccontains\u003e \"prohibited\" content"]}`
		if !errors.As(err, &me) || string(me.Message) != want || me.Code != 1 {
			t.Errorf("fail: %v, want %s", err, want)
		}
	})
}

// TestPayloads: the cw_read_* functions read every field of the enriched
// payloads (modkit.PayloadsArgs, encoded from the host's own types).
func TestPayloads(t *testing.T) {
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		env := `{"abi":1,"hook":"payloads","tenant":"t","caller":{"user_id":1,"username":"a","session_id":0},"args":` +
			modkit.PayloadsArgs(t) + `}`
		got := call(t, m, "payloads", []byte(env))
		if g, w := modkit.Normalize(t, got), modkit.Normalize(t, []byte(modkit.PayloadsWant)); g != w {
			t.Errorf("payloads\n got %s\nwant %s", g, w)
		}
	})
}

// TestVars: instance variables last from call to call (the pool has one
// instance), and a null value deletes one.
func TestVars(t *testing.T) {
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		for i, c := range []struct{ in, want string }{
			{`{"key":"k","value":"one"}`, `{"old":null}`},
			{`{"key":"k","value":"twö"}`, `{"old":"one"}`},
			{`{"key":"other","value":"x"}`, `{"old":null}`},
			{`{"key":"k","value":null}`, `{"old":"twö"}`},
			{`{"key":"k","value":"three"}`, `{"old":null}`},
			{`{"key":"other","value":null}`, `{"old":"x"}`},
			{`{"key":"k","value":null}`, `{"old":"three"}`},
		} {
			if got := string(call(t, m, "vars", []byte(c.in))); got != c.want {
				t.Errorf("vars %d %s = %s, want %s", i, c.in, got, c.want)
			}
		}
	})
}

// TestHTTP: a request to an allowed host gets the response; one to another
// host gets status 0 and the reason.
func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "%s %s %s %s", r.Method, r.URL.Path, r.Header.Get("X-Test"), b)
	}))
	defer srv.Close()
	eachBuild(t, func(t *testing.T, m *wasm.Module) {
		in, _ := json.Marshal(map[string]any{"req": map[string]any{"url": srv.URL + "/hook", "method": "POST",
			"headers": map[string]string{"X-Test": "yes"}}, "body": "payload"})
		want := `{"status":202,"body":"POST /hook yes payload"}`
		if got := string(call(t, m, "http", in)); got != want {
			t.Errorf("http to an allowed host: %s, want %s", got, want)
		}
		in, _ = json.Marshal(map[string]any{"req": map[string]any{"url": "http://localhost:1/x", "method": "GET"}})
		var res struct {
			Status int
			Body   string
		}
		if err := json.Unmarshal(call(t, m, "http", in), &res); err != nil {
			t.Fatal(err)
		}
		if res.Status != 0 || !strings.Contains(res.Body, "localhost") {
			t.Errorf("http to a host not allowed: %+v, want status 0 and why", res)
		}
	})
}
