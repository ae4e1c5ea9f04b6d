package greeterrust_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/sdktest"
	"github.com/chatwasm/chatwasm/modules/examples/conformance/harness"
)

// TestGreeter builds greeter-rust from source and runs sdktest.Greeter on it.
func TestGreeter(t *testing.T) {
	sdktest.RequireRust(t)
	sdktest.Greeter(t, harness.Make(t, ".", "rust"))
}
