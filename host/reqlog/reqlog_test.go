package reqlog_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/reqlog"
)

// TestHandler: records logged with a context carrying a request id get it,
// through derived loggers too; the others do not.
func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(reqlog.Handler(slog.NewTextHandler(&buf, nil))).With("user", 7)
	ctx := reqlog.WithID(context.Background(), "n1.abc.3")
	log.InfoContext(ctx, "with")
	log.WithGroup("g").InfoContext(ctx, "grouped", "k", 1)
	log.Info("without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("lines: %q", lines)
	}
	for i, want := range []bool{true, true, false} {
		if got := strings.Contains(lines[i], "request=n1.abc.3"); got != want {
			t.Errorf("line %q: request id present %v, want %v", lines[i], got, want)
		}
	}
	if !strings.Contains(lines[0], "user=7") {
		t.Errorf("line %q lost the logger's attributes", lines[0])
	}
	if reqlog.ID(context.Background()) != "" || reqlog.ID(ctx) != "n1.abc.3" {
		t.Error("ID does not read back what WithID stored")
	}
}
