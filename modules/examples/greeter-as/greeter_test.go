package greeteras_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/sdktest"
	"github.com/chatwasm/chatwasm/modules/examples/conformance/harness"
)

// TestGreeter builds greeter-as from source and runs sdktest.Greeter on it.
func TestGreeter(t *testing.T) {
	sdktest.RequireAS(t)
	sdktest.Greeter(t, harness.Make(t, ".", "as"))
}
