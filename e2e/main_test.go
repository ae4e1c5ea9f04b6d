package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// chatwasmBin is the path of the binary built once by TestMain; every server
// and CLI invocation of the suite runs it.
var chatwasmBin string

func TestMain(m *testing.M) { os.Exit(runMain(m)) }

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "chatwasm-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	chatwasmBin = filepath.Join(dir, "chatwasm")
	build := exec.Command("go", "build", "-o", chatwasmBin, "github.com/chatwasm/chatwasm/cmd/chatwasm")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building cmd/chatwasm failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}
