package hooks_test

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/gobuild"
	"github.com/chatwasm/chatwasm/internal/modkit"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// The guest modules every test loads, built once per source version, and
// the compilation cache that makes loading them cheap after the first time.
var (
	guestV1, guestV2, guestReadme string
	cacheDir                      string
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hooks tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	dir := filepath.Join(os.TempDir(), "chatwasm-hooks-test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	cacheDir = filepath.Join(dir, "compile-cache")
	var err error
	guest := filepath.Join("testdata", "guest")
	if guestV1, err = gobuild.Wasm(guest); err != nil {
		return 0, err
	}
	if guestV2, err = gobuild.Wasm(guest, "abi2"); err != nil {
		return 0, err
	}
	if guestReadme, err = buildReadmeGuest(dir); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// buildReadmeGuest builds the Go module of abi/README.md, so that the
// example module authors copy is known to work. It gets a go.mod of its own
// and the main module's go.sum, and builds offline from the module cache.
func buildReadmeGuest(dir string) (string, error) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "abi", "README.md"))
	if err != nil {
		return "", err
	}
	_, code, ok := strings.Cut(string(readme), "\n```go\n")
	code, _, ok2 := strings.Cut(code, "\n```\n")
	if !ok || !ok2 {
		return "", fmt.Errorf("no Go example in abi/README.md")
	}
	sum, err := os.ReadFile(filepath.Join("..", "..", "go.sum"))
	if err != nil {
		return "", err
	}
	src := filepath.Join(dir, "readme-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	for name, data := range map[string]string{
		"main.go": code + "\n",
		"go.mod":  "module readme\n\ngo 1.26\n\nrequire github.com/extism/go-pdk v1.1.3\n",
		"go.sum":  string(sum),
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(data), 0o644); err != nil {
			return "", err
		}
	}
	return buildWasm(dir, src, []string{"GOPROXY=off", "GOFLAGS=-mod=mod"},
		[]string{filepath.Join(src, "main.go"), filepath.Join(src, "go.sum")})
}

// buildWasm builds the Go package in src for wasip1 into dir, unless a build
// of the same inputs is already there. Unlike internal/gobuild it builds with
// env, which the README module (a Go module of its own, built offline) needs.
func buildWasm(dir, src string, env, inputs []string) (string, error) {
	sort.Strings(inputs)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", runtime.Version(), src)
	for _, f := range inputs {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(f), len(b))
		h.Write(b)
	}
	out := filepath.Join(dir, "guest-"+hex.EncodeToString(h.Sum(nil))[:16]+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	// "go" is the toolchain running the test: go test puts it first on PATH.
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm"), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v\n%s", src, err, b)
	}
	return out, os.Rename(tmp, out)
}

// writeFile writes a module file whose {{guest}} and {{guest2}} stand for
// the built guests, and returns its path.
func writeFile(t testing.TB, dir, yaml string) string {
	t.Helper()
	path := filepath.Join(dir, "modules.yaml")
	if err := os.WriteFile(path, []byte(withGuests(yaml)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// newManager loads yaml with opts (the shared compile cache by default) and
// closes the manager when the test ends.
func newManager(t testing.TB, yaml string, opts hooks.Options) *hooks.Manager {
	t.Helper()
	if opts.CacheDir == "" {
		opts.CacheDir = cacheDir
	}
	return modkit.Manager(t, withGuests(yaml), opts)
}

// guestModule is one module of a test module file: the test guest unless
// path says otherwise. hooks and caps are the items of its hooks and
// capabilities lists, config the entries of its config map, more further
// "key: value" lines; what is empty is left out. A module whose more sets no
// timeout gets testTimeout: a test that is not about timeouts must not
// depend on how fast a loaded machine runs a call.
type guestModule struct {
	name, path, hooks, caps, config string
	more                            []string
}

// testTimeout is the call timeout of a test module that sets none: the
// longest a module may have, where the default (500 ms) was seen exceeded
// by a call that takes milliseconds, on a CI machine under load.
const testTimeout = "timeout: 1m"

// modulesYAML is the module file that loads mods, in order.
func modulesYAML(mods ...guestModule) string {
	var b strings.Builder
	b.WriteString("modules:\n")
	for _, m := range mods {
		fmt.Fprintf(&b, "  - name: %s\n    path: %s\n", m.name, cmp.Or(m.path, "{{guest}}"))
		if m.hooks != "" {
			fmt.Fprintf(&b, "    hooks: [%s]\n", m.hooks)
		}
		if m.caps != "" {
			fmt.Fprintf(&b, "    capabilities: [%s]\n", m.caps)
		}
		more := m.more
		if !slices.ContainsFunc(more, func(l string) bool { return strings.HasPrefix(l, "timeout:") }) {
			more = append(slices.Clip(more), testTimeout)
		}
		for _, l := range more {
			fmt.Fprintf(&b, "    %s\n", l)
		}
		if m.config != "" {
			fmt.Fprintf(&b, "    config: {%s}\n", m.config)
		}
	}
	return b.String()
}

// withGuests is yaml with the paths of the guest modules in place of
// {{guest}}, {{guest2}} and {{readme}}.
func withGuests(yaml string) string {
	return strings.NewReplacer("{{readme}}", guestReadme, "{{guest2}}", guestV2, "{{guest}}", guestV1).Replace(yaml)
}

// acquire returns m's current set, released when the test ends.
func acquire(t testing.TB, m *hooks.Manager) *hooks.Set {
	s, release := m.Acquire()
	t.Cleanup(release)
	return s
}

// metric finds the metric name with the given label values (in the order
// of its label names) in reg.
func metric(t testing.TB, reg *prometheus.Registry, name string, values ...string) *dto.Metric {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			if len(m.GetLabel()) != len(values) {
				continue
			}
			// Gather sorts labels by name; match by value set instead.
			for _, v := range values {
				if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetValue() == v }) {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

func counter(t testing.TB, reg *prometheus.Registry, name string, values ...string) float64 {
	t.Helper()
	if m := metric(t, reg, name, values...); m != nil {
		return m.GetCounter().GetValue()
	}
	return 0
}

func gauge(t testing.TB, reg *prometheus.Registry, name string, values ...string) float64 {
	t.Helper()
	if m := metric(t, reg, name, values...); m != nil {
		return m.GetGauge().GetValue()
	}
	return 0
}

func histogramCount(t testing.TB, reg *prometheus.Registry, name string, values ...string) uint64 {
	t.Helper()
	if m := metric(t, reg, name, values...); m != nil {
		return m.GetHistogram().GetSampleCount()
	}
	return 0
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// guestSet loads the module file of mods with opts and returns its set,
// released when the test ends.
func guestSet(t testing.TB, opts hooks.Options, mods ...guestModule) *hooks.Set {
	t.Helper()
	return acquire(t, newManager(t, modulesYAML(mods...), opts))
}
