package moderationas_test

import (
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/sdktest"
	"github.com/chatwasm/chatwasm/modules/examples/conformance/harness"
)

// TestModeration builds moderation-as from source and runs
// sdktest.Moderation on it.
func TestModeration(t *testing.T) {
	sdktest.RequireAS(t)
	sdktest.Moderation(t, harness.Make(t, ".", "as"))
}

// BenchmarkModeration measures one call of moderation-as.
func BenchmarkModeration(b *testing.B) {
	sdktest.RequireAS(b)
	sdktest.BenchModeration(b, harness.Make(b, ".", "as"))
}
