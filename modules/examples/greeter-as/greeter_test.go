package greeteras_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/internal/modkit"
)

// TestGreeter builds greeter-as from source and runs modkit.Greeter on it.
func TestGreeter(t *testing.T) {
	modkit.Greeter(t, modkit.Make(t, ".", "as"))
}
