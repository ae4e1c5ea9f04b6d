package wasm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEcho(t *testing.T) {
	r, _ := newTestRuntime(t)
	for _, name := range []string{"kitchen", "fast"} {
		m := load(t, r, name, ModuleConfig{})
		for _, n := range []int{0, 1, 7, 8, 9, 1024, 100 << 10} {
			in := bytes.Repeat([]byte("abcdefghijk"), n/11+1)[:n]
			out, err := m.Call(context.Background(), "echo", in, nil)
			if err != nil {
				t.Fatalf("%s echo %d bytes: %v", name, n, err)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("%s echo %d bytes: got %d bytes back, different", name, n, len(out))
			}
		}
	}
}

func TestModuleError(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1})
	_, err := m.Call(context.Background(), "fail", []byte(`{"code": 4003, "detail": ["bad"]}`), nil)
	var me *ModuleError
	if !errors.As(err, &me) {
		t.Fatalf("want *ModuleError, got %v", err)
	}
	if me.Code != 1 || string(me.Message) != `{"code": 4003, "detail": ["bad"]}` || me.Export != "fail" || me.Module != "kitchen" {
		t.Fatalf("unexpected module error %+v", me)
	}
	if errors.Is(err, ErrFault) {
		t.Fatal("a module error is not a fault")
	}
	// A module error leaves the instance healthy: it is reused.
	if got := call(t, m, "echo", "still here", nil); got != "still here" {
		t.Fatalf("echo after module error: %q", got)
	}

	f := load(t, r, "fast", ModuleConfig{})
	_, err = f.Call(context.Background(), "fail", nil, nil)
	if !errors.As(err, &me) || me.Code != 3 || string(me.Message) != `{"code": 4003, "detail": ["nope"]}` {
		t.Fatalf("chatwasm_error_write: got %v", err)
	}
}

func TestNoExport(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "fast", ModuleConfig{})
	for _, name := range []string{"missing", "_initialize", "memory"} {
		if _, err := m.Call(context.Background(), name, nil, nil); !errors.Is(err, ErrNoExport) {
			t.Errorf("call %q: want ErrNoExport, got %v", name, err)
		}
	}
	if !m.HasExport("echo") || m.HasExport("missing") {
		t.Fatal("HasExport is wrong")
	}
}

func TestConfig(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{Config: map[string]string{"greeting": "hello", "empty": ""}})
	if got := call(t, m, "config", "greeting", nil); got != "hello" {
		t.Fatalf("config greeting = %q", got)
	}
	_, err := m.Call(context.Background(), "config", []byte("missing"), nil)
	var me *ModuleError
	if !errors.As(err, &me) || string(me.Message) != "no such config key" {
		t.Fatalf("missing key: %v", err)
	}
}

func TestVars(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, VarBytes: 256 << 10})
	for want := 1; want <= 3; want++ {
		if got := call(t, m, "count", "", nil); got != fmt.Sprint(want) {
			t.Fatalf("count call %d = %q", want, got)
		}
	}
	_, err := m.Call(context.Background(), "var_bomb", nil, nil)
	if !errors.Is(err, ErrVarLimit) || !errors.Is(err, ErrFault) {
		t.Fatalf("var bomb: want ErrVarLimit fault, got %v", err)
	}
	// The instance that broke the limit was replaced, vars and all.
	if got := call(t, m, "count", "", nil); got != "1" {
		t.Fatalf("count after replacement = %q, want 1", got)
	}
}

func TestLogging(t *testing.T) {
	r, logs := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{Name: "logger"})
	call(t, m, "log", "x", nil)
	if len(logs.find("debug x")) != 0 {
		t.Error("debug message logged although the logger is at info")
	}
	for msg, lvl := range map[string]slog.Level{"info x": slog.LevelInfo, "warn x": slog.LevelWarn, "error x": slog.LevelError} {
		recs := logs.find(msg)
		if len(recs) != 1 {
			t.Fatalf("%q logged %d times", msg, len(recs))
		}
		if recs[0].Level != lvl || attr(recs[0], "module") != "logger" || attr(recs[0], "export") != "log" {
			t.Errorf("%q: level %v, attrs module=%q export=%q", msg, recs[0].Level, attr(recs[0], "module"), attr(recs[0], "export"))
		}
	}
	if got := m.logLevel(context.Background()); got != 2 {
		t.Errorf("get_log_level at info = %d, want 2", got)
	}
}

func TestLogLineLimit(t *testing.T) {
	r, logs := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{LogLines: 2})
	call(t, m, "log", "y", nil)
	if len(logs.find(" y")) != 2 || len(logs.find("over the per-call limit")) != 1 {
		t.Fatalf("log limit: %d guest lines, %d warnings", len(logs.find(" y")), len(logs.find("over the per-call limit")))
	}
}

func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/big" {
			w.Write(make([]byte, 2048))
			return
		}
		body := new(bytes.Buffer)
		body.ReadFrom(req.Body)
		w.Header().Set("X-Test", "yes")
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprintf(w, "%s %s guest=%s body=%s", req.Method, req.URL.Path, req.Header.Get("X-Guest"), body)
	}))
	defer srv.Close()

	r, logs := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{AllowedHosts: []string{"127.0.0.1"}, HTTPResponseBytes: 1024})
	get := func(req map[string]string) httpResultForTest {
		t.Helper()
		in, _ := json.Marshal(req)
		var res httpResultForTest
		if err := json.Unmarshal([]byte(call(t, m, "http", string(in), nil)), &res); err != nil {
			t.Fatal(err)
		}
		return res
	}

	res := get(map[string]string{"url": srv.URL + "/hello"})
	if res.Status != http.StatusTeapot || res.Body != "GET /hello guest=kitchen body=" || res.Headers["x-test"] != "yes" {
		t.Fatalf("allowed GET: %+v", res)
	}
	res = get(map[string]string{"url": srv.URL + "/post", "method": "POST", "body": "payload"})
	if res.Status != http.StatusTeapot || res.Body != "POST /post guest=kitchen body=payload" {
		t.Fatalf("allowed POST: %+v", res)
	}

	// The same server under another name is not an allowed host.
	refused := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/hello"
	res = get(map[string]string{"url": refused})
	if res.Status != 0 || res.Body != "" || !strings.Contains(res.Error, ErrHostNotAllowed.Error()) {
		t.Fatalf("refused host: %+v", res)
	}
	if len(logs.find("http_request failed")) == 0 {
		t.Error("refused request not logged")
	}

	res = get(map[string]string{"url": srv.URL + "/big"})
	if res.Status != 0 || !strings.Contains(res.Error, ErrHTTPLimit.Error()) {
		t.Fatalf("oversized response: %+v", res)
	}
	// None of this is a fault: the instance kept serving.
	if got := call(t, m, "echo", "ok", nil); got != "ok" {
		t.Fatal(got)
	}
}

// httpResultForTest is the kitchen guest's http export output.
type httpResultForTest struct {
	Status  int               `json:"status"`
	Body    string            `json:"body"`
	Headers map[string]string `json:"headers"`
	Error   string            `json:"error"`
}

func TestTimeout(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: 100 * time.Millisecond})
	start := time.Now()
	_, err := m.Call(context.Background(), "loop", nil, nil)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, ErrFault) {
		t.Fatalf("endless loop: want ErrTimeout fault, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("endless loop stopped after %v", d)
	}
	// The timed-out instance was discarded; a fresh one serves the next call.
	if got := call(t, m, "echo", "after", nil); got != "after" {
		t.Fatalf("echo after timeout: %q", got)
	}
}

func TestCallerCancel(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := m.Call(ctx, "loop", nil, nil); !errors.Is(err, ErrCanceled) {
		t.Fatalf("canceled loop: want ErrCanceled, got %v", err)
	}
	if got := call(t, m, "echo", "again", nil); got != "again" {
		t.Fatal(got)
	}
}

// TestLimitFaults: a guest that breaks a limit faults with the limit's
// kind, and its replacement instance serves the next call.
func TestLimitFaults(t *testing.T) {
	for _, c := range []struct {
		name, guest, export string
		cfg                 ModuleConfig
		want                error
	}{
		{"memory bomb", "kitchen", "mem_bomb", ModuleConfig{PoolSize: 1, MemoryBytes: 32 << 20, Timeout: 10 * time.Second}, ErrMemoryLimit},
		{"kernel bomb", "kitchen", "kernel_bomb", ModuleConfig{PoolSize: 1, KernelBytes: 1 << 20}, ErrKernelLimit},
		{"bad pointer", "fast", "bad_pointer", ModuleConfig{PoolSize: 1}, ErrBadPointer},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _ := newTestRuntime(t)
			m := load(t, r, c.guest, c.cfg)
			if _, err := m.Call(context.Background(), c.export, nil, nil); !errors.Is(err, c.want) {
				t.Fatalf("want %v, got %v", c.want, err)
			}
			if got := call(t, m, "echo", "alive", nil); got != "alive" {
				t.Fatal(got)
			}
		})
	}
}

func TestMemoryCapBelowModuleMinimum(t *testing.T) {
	r, _ := newTestRuntime(t)
	_, err := r.Load(context.Background(), guest(t, "fast"), ModuleConfig{Name: "tiny", MemoryBytes: pageSize})
	if !errors.Is(err, ErrMemoryLimit) {
		t.Fatalf("want ErrMemoryLimit at load, got %v", err)
	}
}

func TestPanic(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1})
	_, err := m.Call(context.Background(), "panic", nil, nil)
	var f *Fault
	if !errors.As(err, &f) || !errors.Is(err, ErrTrap) {
		t.Fatalf("panic: want ErrTrap fault, got %v", err)
	}
	if !strings.Contains(f.Stderr, "panic: boom from the guest") {
		t.Fatalf("panic fault: stderr %q", f.Stderr)
	}
	if got := call(t, m, "echo", "alive", nil); got != "alive" {
		t.Fatal(got)
	}
}

func TestHugeOutput(t *testing.T) {
	r, _ := newTestRuntime(t)
	// A minute: writing megabytes under -race on a loaded machine may take
	// longer than the default timeout, and the test is of the output cap.
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: time.Minute})
	if _, err := m.Call(context.Background(), "huge_output", nil, nil); !errors.Is(err, ErrOutputLimit) {
		t.Fatalf("huge output: want ErrOutputLimit, got %v", err)
	}
	m2 := load(t, r, "kitchen", ModuleConfig{Name: "roomy", OutputBytes: 8 << 20, Timeout: time.Minute})
	out, err := m2.Call(context.Background(), "huge_output", nil, nil)
	if err != nil || len(out) != 5<<20 {
		t.Fatalf("huge output under a larger cap: %d bytes, %v", len(out), err)
	}
}

func TestHostFunctions(t *testing.T) {
	r, logs := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{Capabilities: []string{"text"}})
	if got := call(t, m, "upper", "shout", "ctx:"); got != "ctx:SHOUT" {
		t.Fatalf("granted host function: %q", got)
	}
	_, err := m.Call(context.Background(), "secret", []byte("x"), nil)
	var me *ModuleError
	if !errors.As(err, &me) || !strings.Contains(string(me.Message), ErrNotGranted.Error()) ||
		!strings.Contains(string(me.Message), `"secret"`) {
		t.Fatalf("ungranted host function: the module should see the refusal, got %v", err)
	}
	if len(logs.find("not granted")) != 1 {
		t.Error("refusal not logged")
	}
	// The refusal is not a fault: the same instance goes on.
	if got := call(t, m, "upper", "again", ""); got != "AGAIN" {
		t.Fatal(got)
	}

	all := load(t, r, "kitchen", ModuleConfig{Name: "trusted", Capabilities: []string{"text", "secret"}})
	if got := call(t, all, "secret", "x", nil); got != "the secret" {
		t.Fatalf("granted secret: %q", got)
	}
}

func TestHostFunctionError(t *testing.T) {
	failing := BytesFunc("upper", "", func(context.Context, *Call, []byte) ([]byte, error) {
		return nil, errors.New(`{"code": 4004, "detail": "Resource not found."}`)
	})
	r, _ := newRuntime(t, withUpper(failing))
	m := load(t, r, "kitchen", ModuleConfig{})
	_, err := m.Call(context.Background(), "upper", []byte("x"), nil)
	var me *ModuleError
	if !errors.As(err, &me) || string(me.Message) != `{"code": 4004, "detail": "Resource not found."}` {
		t.Fatalf("host function error should reach the module verbatim, got %v", err)
	}
}

func TestUnknownImport(t *testing.T) {
	r, err := NewRuntime(Config{CacheDir: compiledCache})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	_, err = r.Load(context.Background(), guest(t, "kitchen"), ModuleConfig{Name: "kitchen"})
	if err == nil || !strings.Contains(err.Error(), "not a registered host function") {
		t.Fatalf("want a clear link error, got %v", err)
	}
}

func TestRegistryValidation(t *testing.T) {
	for _, funcs := range [][]HostFunc{
		{BytesFunc("chatwasm_mine", "", nil)},
		{{Name: "nofn"}},
		{BytesFunc("twice", "", func(context.Context, *Call, []byte) ([]byte, error) { return nil, nil }),
			BytesFunc("twice", "", func(context.Context, *Call, []byte) ([]byte, error) { return nil, nil })},
	} {
		if _, err := NewRuntime(Config{HostFuncs: funcs}); err == nil {
			t.Errorf("registry %q accepted", funcs[0].Name)
		}
	}
}

func TestNestedReentrant(t *testing.T) {
	r, _ := newTestRuntime(t)
	// One instance only: the nested call back into the same module must not
	// wait for the instance its own caller holds.
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: 5 * time.Second})
	start := time.Now()
	if got := call(t, m, "nested", "round trip", nestedTarget{m, "echo"}); got != "round trip" {
		t.Fatalf("nested echo: %q", got)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("nested call took %v: it waited for its own caller", d)
	}
	// And into another module.
	other := load(t, r, "fast", ModuleConfig{})
	if got := call(t, m, "nested", "across", nestedTarget{other, "echo"}); got != "across" {
		t.Fatalf("nested echo in another module: %q", got)
	}
	// Endless recursion stops at the depth limit, as an error each level
	// sees, not a hang.
	_, err := m.Call(context.Background(), "nested", []byte("deep"), nestedTarget{m, "nested"})
	var me *ModuleError
	if !errors.As(err, &me) || !strings.Contains(string(me.Message), ErrDepth.Error()) {
		t.Fatalf("recursion: want the depth error, got %v", err)
	}
	// The extra instances were dropped again, the pool still works.
	if got := call(t, m, "echo", "fine", nil); got != "fine" {
		t.Fatal(got)
	}
}

func TestConcurrentCalls(t *testing.T) {
	// A host function that waits until two calls are inside it at once
	// proves that two instances run concurrently.
	r, _ := newRuntime(t, withUpper(barrier(2)))
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 2, Timeout: 5 * time.Second})

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 2 {
		wg.Go(func() {
			out, err := m.Call(context.Background(), "upper", []byte(fmt.Sprint(i)), nil)
			if err == nil && string(out) != fmt.Sprint(i) {
				err = fmt.Errorf("call %d got %q", i, out)
			}
			errs <- err
		})
	}
	// Many more calls than instances, each with its own payload.
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				in := fmt.Sprintf("g%d-i%d-%s", g, i, strings.Repeat("x", g*i))
				out, err := m.Call(context.Background(), "echo", []byte(in), nil)
				if err == nil && string(out) != in {
					err = fmt.Errorf("echo %q got %q", in, out)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestPoolBusy(t *testing.T) {
	release := make(chan struct{})
	block := BytesFunc("upper", "", func(ctx context.Context, _ *Call, in []byte) ([]byte, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return in, nil
	})
	r, _ := newRuntime(t, withUpper(block))
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: 5 * time.Second})
	done := make(chan error, 1)
	go func() {
		_, err := m.Call(context.Background(), "upper", []byte("slow"), nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := m.Call(ctx, "echo", []byte("x"), nil)
	if !errors.Is(err, ErrBusy) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrFault) {
		t.Fatalf("want ErrBusy at the deadline, got %v", err)
	}
	// Without a deadline of the caller's, the wait ends at QueueTimeout.
	m2 := load(t, r, "kitchen", ModuleConfig{Name: "queue", PoolSize: 1, Timeout: 5 * time.Second,
		QueueTimeout: 100 * time.Millisecond})
	entered := make(chan struct{})
	go func() {
		_, err := m2.Call(context.Background(), "upper", []byte("slow"), nil)
		done <- err
	}()
	go func() {
		// Once the first call holds the only instance, its host function
		// blocks; poll until it does.
		for m2.pool.idleCount() != 0 || m2.pool.freeCount() != 0 {
			time.Sleep(time.Millisecond)
		}
		close(entered)
	}()
	<-entered
	_, err = m2.Call(context.Background(), "echo", []byte("x"), nil)
	if !errors.Is(err, ErrBusy) || errors.Is(err, ErrFault) {
		t.Fatalf("want ErrBusy at the queue deadline, got %v", err)
	}
	close(release)
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestQueueWaitIsNotTheModules: a call that waits for the only instance
// longer than the module's Timeout still gets its own full Timeout once it
// has one.
func TestQueueWaitIsNotTheModules(t *testing.T) {
	const timeout = 100 * time.Millisecond
	inside, release := make(chan struct{}), make(chan struct{})
	block := BytesFunc("upper", "", func(ctx context.Context, _ *Call, in []byte) ([]byte, error) {
		close(inside)
		<-release // a host function's wait is not cut by the deadline
		return in, nil
	})
	r, _ := newRuntime(t, withUpper(block))
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: timeout, QueueTimeout: time.Minute})
	held := make(chan error, 1)
	go func() {
		_, err := m.Call(context.Background(), "upper", []byte("hold"), nil)
		held <- err
	}()
	<-inside
	go func() {
		// Release the instance once the second call has queued for it
		// longer than its Timeout.
		for m.pool.waiting() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(3 * timeout)
		close(release)
	}()
	if got := call(t, m, "echo", "waited", nil); got != "waited" {
		t.Fatalf("echo after waiting: %q", got)
	}
	if err := <-held; err != nil {
		t.Fatalf("the holding call: %v", err)
	}
}

// TestKeepIdle: a burst creates instances up to PoolSize, and once they
// have been idle for IdleTimeout only KeepIdle of them stay warm.
func TestKeepIdle(t *testing.T) {
	const burst = 4
	for _, tc := range []struct {
		name     string
		idleTTL  time.Duration
		wantIdle int
	}{
		{"expired", time.Nanosecond, 1}, // only KeepIdle stay
		{"warm", time.Hour, burst},      // the burst's instances serve the next one
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newRuntime(t, withUpper(barrier(burst)))
			m := load(t, r, "kitchen", ModuleConfig{PoolSize: burst, KeepIdle: 1, Timeout: time.Minute,
				IdleTimeout: tc.idleTTL})
			var wg sync.WaitGroup
			for i := range burst {
				wg.Go(func() {
					if out, err := m.Call(context.Background(), "upper", []byte(fmt.Sprint(i)), nil); err != nil ||
						string(out) != fmt.Sprint(i) {
						t.Errorf("call %d: %q, %v", i, out, err)
					}
				})
			}
			wg.Wait()
			if idle, free := m.pool.idleCount(), m.pool.freeCount(); idle != tc.wantIdle || free != burst-tc.wantIdle {
				t.Fatalf("after the burst: %d idle instances and %d free slots, want %d and %d", idle, free,
					tc.wantIdle, burst-tc.wantIdle)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	r, _ := newTestRuntime(t)
	b := guest(t, "fast")
	sum := sha256.Sum256(b)
	if _, err := r.Load(context.Background(), b, ModuleConfig{Name: "bad", SHA256: strings.Repeat("0", 64)}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("want ErrChecksum, got %v", err)
	}
	m, err := r.Load(context.Background(), b, ModuleConfig{Name: "good", SHA256: strings.ToUpper(hex.EncodeToString(sum[:]))})
	if err != nil {
		t.Fatal(err)
	}
	if m.Info().SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatal("Info().SHA256 differs")
	}
}

func TestSandboxDefaults(t *testing.T) {
	r, _ := newTestRuntime(t)
	sandbox := func(m *Module) map[string]any {
		var res map[string]any
		if err := json.Unmarshal([]byte(call(t, m, "sandbox", "", nil)), &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	closed := sandbox(load(t, r, "kitchen", ModuleConfig{Name: "closed"}))
	closed2 := sandbox(load(t, r, "kitchen", ModuleConfig{Name: "closed2"}))
	if closed["read_file"] != true || closed["env"] != float64(0) {
		t.Fatalf("the guest reached the file system or environment: %v", closed)
	}
	if closed["year"].(float64) >= float64(time.Now().Year()) && time.Now().Year() > 2022 {
		t.Fatalf("the guest saw the real clock without a grant: %v", closed)
	}
	if closed["random"] != closed2["random"] {
		t.Fatalf("entropy without a grant should be the fixed source: %v vs %v", closed, closed2)
	}
	open := sandbox(load(t, r, "kitchen", ModuleConfig{Name: "open", Clock: true, Random: true}))
	if open["year"] != float64(time.Now().Year()) || open["random"] == closed["random"] {
		t.Fatalf("granted clock and entropy not visible: %v", open)
	}
}

func TestInspect(t *testing.T) {
	info, err := Inspect(context.Background(), guest(t, "kitchen"))
	if err != nil {
		t.Fatal(err)
	}
	has := func(fs []Func, module, name string) bool {
		return slices.ContainsFunc(fs, func(f Func) bool { return f.Module == module && f.Name == name })
	}
	for _, e := range []string{"echo", "noop", "_initialize", "loop"} {
		if !has(info.Exports, "", e) {
			t.Errorf("export %q missing", e)
		}
	}
	for _, i := range [][2]string{{EnvModule, "input_load_u64"}, {EnvModule, "http_request"}, {UserModule, "upper"},
		{UserModule, "chatwasm_last_error"}, {"wasi_snapshot_preview1", "fd_write"}} {
		if !has(info.Imports, i[0], i[1]) {
			t.Errorf("import %s.%s missing", i[0], i[1])
		}
	}
	noop := info.Exports[slices.IndexFunc(info.Exports, func(f Func) bool { return f.Name == "noop" })]
	if len(noop.Params) != 0 || !slices.Equal(noop.Results, []string{"i32"}) {
		t.Errorf("noop signature %+v", noop)
	}
	if info.Memory == nil || info.Memory.MinPages == 0 || info.Size == 0 {
		t.Errorf("memory/size: %+v %d", info.Memory, info.Size)
	}
	if _, err := Inspect(context.Background(), []byte("not wasm")); err == nil {
		t.Error("Inspect accepted garbage")
	}
}

func TestClose(t *testing.T) {
	r, err := NewRuntime(Config{CacheDir: compiledCache, HostFuncs: testHostFuncs()})
	if err != nil {
		t.Fatal(err)
	}
	m := load(t, r, "fast", ModuleConfig{PoolSize: 3, Prewarm: 3})
	call(t, m, "echo", "x", nil)
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Call(context.Background(), "echo", nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after close: %v", err)
	}
	m2 := load(t, r, "fast", ModuleConfig{})
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Call(context.Background(), "echo", nil, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("call after runtime close: %v", err)
	}
	if _, err := r.Load(context.Background(), guest(t, "fast"), ModuleConfig{Name: "late"}); err == nil {
		t.Fatal("load after runtime close succeeded")
	}
}

func TestDeadlineAcrossReusedCalls(t *testing.T) {
	r, _ := newTestRuntime(t)
	const timeout = 300 * time.Millisecond
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: timeout})
	// Quick calls for longer than one timeout: the instance's timer, armed
	// by the first of them, fires during a later one and must not cut it.
	for start := time.Now(); time.Since(start) < timeout+150*time.Millisecond; {
		if got := call(t, m, "echo", "quick", nil); got != "quick" {
			t.Fatal(got)
		}
	}
	// A runaway call still gets its own full deadline, not a leftover one.
	start := time.Now()
	_, err := m.Call(context.Background(), "loop", nil, nil)
	d := time.Since(start)
	if !errors.Is(err, ErrTimeout) || d < timeout-20*time.Millisecond || d > timeout+2*time.Second {
		t.Fatalf("loop ended after %v with %v, want ErrTimeout after about %v", d, err, timeout)
	}
}

func TestCallerDeadlineWins(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := m.Call(ctx, "loop", nil, nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("want ErrTimeout, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the caller's 100ms deadline was ignored: %v", d)
	}
}

func TestTrusted(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{Trusted: true})
	if got := call(t, m, "echo", "trusted", nil); got != "trusted" {
		t.Fatal(got)
	}
	// Faults are still faults.
	if _, err := m.Call(context.Background(), "panic", nil, nil); !errors.Is(err, ErrTrap) {
		t.Fatalf("want ErrTrap, got %v", err)
	}
	if got := call(t, m, "echo", "after", nil); got != "after" {
		t.Fatal(got)
	}
}

func TestRawKernelImports(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "fast", ModuleConfig{})
	if got := call(t, m, "reverse", "hello, kernel", nil); got != "lenrek ,olleh" {
		t.Fatalf("reverse = %q", got)
	}
	if got := call(t, m, "reset_kernel", "", nil); got != "" {
		t.Fatalf("reset_kernel = %q", got)
	}
}

// TestSleep: a guest granted the clock sleeps in the host, holding no CPU
// (once, where a sleep polling the clock would come back to the host
// thousands of times), and a sleep longer than the call's timeout is cut
// at the deadline like any other guest code.
func TestSleep(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{Name: "sleeper", Timeout: 10 * time.Second, Clock: true})
	start := time.Now()
	if got := call(t, m, "sleep", "200", nil); got != "slept 200" {
		t.Fatalf("sleep = %q", got)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("the guest did not sleep: %v", d)
	}
	// The Go runtime may wake a few times on its own; polling would be
	// thousands of round trips.
	if n := m.sleeps.Load(); n == 0 || n > 20 {
		t.Fatalf("a 200 ms sleep took %d host sleeps", n)
	}

	short := load(t, r, "kitchen", ModuleConfig{Name: "short", PoolSize: 1, Timeout: 100 * time.Millisecond, Clock: true})
	start = time.Now()
	if _, err := short.Call(context.Background(), "sleep", []byte("60000"), nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("a sleep past the timeout: want ErrTimeout, got %v", err)
	}
	// Generous: an uncut sleep would take a minute.
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("the sleep was not cut at the deadline: %v", d)
	}
	if got := call(t, short, "echo", "after", nil); got != "after" {
		t.Fatalf("the pool did not recover from the cut sleep: %q", got)
	}
}
