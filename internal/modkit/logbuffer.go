package modkit

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// LogBuffer is a log destination safe for the goroutines of the runtime,
// for the tests that check what a module logged.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// expectLog fails the test unless logs holds every one of lines.
func expectLog(t *testing.T, logs *LogBuffer, lines ...string) {
	t.Helper()
	got := logs.String()
	for _, line := range lines {
		if !strings.Contains(got, line) {
			t.Errorf("the log has no %s:\n%s", line, got)
		}
	}
}
