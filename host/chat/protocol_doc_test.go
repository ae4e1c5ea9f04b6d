package chat

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/protocol.md's event table from the operation table")

// eventTable renders docs/protocol.md's event table from the operation
// table: one row per client event.
func eventTable() string {
	var b strings.Builder
	b.WriteString("| event_type | operation | transaction | audience |\n|---|---|---|---|\n")
	for _, e := range operations {
		if e.Event == "" {
			continue
		}
		op, write := e.Op, e.Write
		if op == "" && e.Runs != "" {
			op, write = e.Runs, byOp[e.Runs].Write
		}
		if op == "" {
			op = "—"
		}
		if e.Nested != "" {
			op += " (" + e.Nested + ")"
		}
		tx := "read"
		if write {
			tx = "write"
		}
		b.WriteString("| " + e.Event + " | " + op + " | " + tx + " | " + e.Sends + " |\n")
	}
	return b.String()
}

// TestProtocolEventTable: the event table of docs/protocol.md is the
// operation table's (go test ./host/chat -run TestProtocolEventTable
// -update-docs writes it).
func TestProtocolEventTable(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "protocol.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- ops:begin -->\n", "<!-- ops:end -->"
	head, rest, ok1 := strings.Cut(string(doc), begin)
	table, tail, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("%s has no %q … %q block", path, begin, end)
	}
	want := eventTable()
	for _, e := range operations {
		if e.Event != "" && e.Sends == "" {
			t.Errorf("operation table: %s says nothing of what it sends", e.Event)
		}
	}
	if table == want {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(head+begin+want+end+tail), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("docs/protocol.md's event table is not the operation table's; run with -update-docs.\ngot:\n%s\nwant:\n%s",
		table, want)
}
