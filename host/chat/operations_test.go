package chat

import (
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
)

// TestOperationTable checks the operation table against the module ABI:
// every operation of abi.Operations has exactly one row, with a core, and
// every client event exactly one handler.
func TestOperationTable(t *testing.T) {
	ops, events := map[string]int{}, map[string]int{}
	for _, e := range operations {
		if e.Op != "" {
			ops[e.Op]++
			if e.runJSON == nil || e.runModules == nil {
				t.Errorf("operation %q has no core", e.Op)
			}
		}
		if e.Event != "" {
			events[e.Event]++
			if e.handle == nil {
				t.Errorf("event %q has no handler", e.Event)
			}
		}
		if e.Op == "" && e.Event == "" {
			t.Errorf("a row names neither an operation nor an event: %+v", e.Operation)
		}
	}
	for _, op := range abi.Operations() {
		if ops[op] != 1 {
			t.Errorf("operation %q has %d rows, want 1", op, ops[op])
		}
	}
	for op := range ops {
		if !slices.Contains(abi.Operations(), op) {
			t.Errorf("operation %q is not in abi.Operations", op)
		}
	}
	for ev, n := range events {
		if n != 1 {
			t.Errorf("event %q has %d rows, want 1", ev, n)
		}
	}
}
