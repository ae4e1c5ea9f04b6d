package greeterrust_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/internal/modkit"
)

// TestGreeter builds greeter-rust from source and runs modkit.Greeter on it.
func TestGreeter(t *testing.T) {
	modkit.Greeter(t, modkit.Make(t, ".", "rust"))
}
