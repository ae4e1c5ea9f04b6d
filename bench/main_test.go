package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The chatwasm binary, built on first use (a plain `go test ./...` runs no
// benchmark and builds nothing).
var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// chatwasmBin returns the path of the chatwasm binary, building it once.
func chatwasmBin(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "chatwasm-bench-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "chatwasm")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/chatwasm/chatwasm/cmd/chatwasm").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err: err, out: out}
		}
	})
	if buildErr != nil {
		tb.Fatalf("build chatwasm: %v", buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }
