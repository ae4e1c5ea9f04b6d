package moderationrust_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/sdktest"
	"github.com/chatwasm/chatwasm/modules/examples/conformance/harness"
)

// TestModeration builds moderation-rust from source and runs
// sdktest.Moderation on it.
func TestModeration(t *testing.T) {
	sdktest.RequireRust(t)
	sdktest.Moderation(t, harness.Make(t, ".", "rust"))
}

// BenchmarkModeration measures one call of moderation-rust.
func BenchmarkModeration(b *testing.B) {
	sdktest.RequireRust(b)
	sdktest.BenchModeration(b, harness.Make(b, ".", "rust"))
}
