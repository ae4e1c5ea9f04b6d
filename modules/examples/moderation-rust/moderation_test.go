package moderationrust_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/internal/modkit"
)

// TestModeration builds moderation-rust from source and runs
// modkit.Moderation on it.
func TestModeration(t *testing.T) {
	modkit.Moderation(t, modkit.Make(t, ".", "rust"))
}

// BenchmarkModeration measures one call of moderation-rust.
func BenchmarkModeration(b *testing.B) {
	modkit.BenchModeration(b, modkit.Make(b, ".", "rust"))
}
