package chatwasm

import (
	"fmt"
	"testing"
)

func TestLogAttrs(t *testing.T) {
	got := attrs([]any{"status", 500, 42, "url", "http://x", "dangling"})
	want := map[string]any{"status": 500, "url": "http://x", "!BADKEY": "dangling"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("attrs = %v, want %v", got, want)
	}
	if attrs(nil) != nil {
		t.Error("no args, no attrs")
	}
}
