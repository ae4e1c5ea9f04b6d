package hooks

import "testing"

// TestSettle: a change is reloaded once it reads the same at two polls in
// a row; a file still being written, the files in force and a failed
// version are not.
func TestSettle(t *testing.T) {
	var w settle
	for i, step := range []struct {
		fp, loaded string
		failed     bool // the reload this step makes fails
		want       bool
	}{
		{"A", "A", false, false}, // unchanged
		{"", "A", false, false},  // truncated: seen once
		{"B", "A", false, false}, // written: seen once
		{"B", "A", false, true},  // settled: reload
		{"B", "B", false, false}, // in force
		{"C", "B", false, false}, // changed
		{"C", "B", true, true},   // settled, but the reload fails
		{"C", "B", false, false}, // not retried
		{"C", "B", false, false}, //
		{"B", "B", false, false}, // back to the version in force
		{"D", "B", false, false}, // changed again
		{"E", "B", false, false}, // and again before it settled
		{"E", "B", false, true},  // settled
	} {
		got := w.ready(step.fp, step.loaded)
		if got != step.want {
			t.Fatalf("step %d (%q, loaded %q): ready %v, want %v", i, step.fp, step.loaded, got, step.want)
		}
		if got && step.failed {
			w.failed = step.fp
		}
	}
}
