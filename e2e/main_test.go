package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/chatwasm/chatwasm/internal/testserver"
)

// chatwasmBin is the path of the binary built once by TestMain; every server
// and CLI invocation of the suite runs it.
var chatwasmBin string

func TestMain(m *testing.M) {
	var err error
	if chatwasmBin, err = testserver.Binary(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building cmd/chatwasm failed: %v\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
