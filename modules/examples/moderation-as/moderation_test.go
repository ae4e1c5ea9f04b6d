package moderationas_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/internal/modkit"
)

// TestModeration builds moderation-as from source and runs
// modkit.Moderation on it.
func TestModeration(t *testing.T) {
	modkit.Moderation(t, modkit.Make(t, ".", "as"))
}

// BenchmarkModeration measures one call of moderation-as.
func BenchmarkModeration(b *testing.B) {
	modkit.BenchModeration(b, modkit.Make(b, ".", "as"))
}
