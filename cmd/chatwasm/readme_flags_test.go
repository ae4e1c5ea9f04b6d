package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeFlags keeps README.md's table of serve's flags in step with
// the code: every flag has a row with its environment variable, and every
// row names a flag (--config, documented beside the table, aside).
func TestReadmeFlags(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // flag → env, from the table
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z-]+)` \\| `(CHATWASM_[A-Z_]+)` \\|").FindAllStringSubmatch(string(readme), -1) {
		rows[m[1]] = m[2]
	}
	if len(rows) == 0 {
		t.Fatal("README.md has no flag table")
	}
	c := cli{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard}
	_, _, cmd, code, ok := c.serveConfig("serve", "chatwasm serve [flags]", nil)
	if !ok {
		t.Fatalf("serve's defaults do not parse: %d", code)
	}
	envOf := regexp.MustCompile(`\(env (CHATWASM_[A-Z_]+)\)`)
	cmd.fs.VisitAll(func(f *flag.Flag) {
		if f.Name == configFlag {
			return
		}
		m := envOf.FindStringSubmatch(f.Usage)
		if m == nil {
			t.Errorf("--%s names no environment variable", f.Name)
			return
		}
		if env, ok := rows[f.Name]; !ok {
			t.Errorf("README.md's flag table lacks --%s", f.Name)
		} else if env != m[1] {
			t.Errorf("README.md gives --%s the variable %s, the code %s", f.Name, env, m[1])
		}
		delete(rows, f.Name)
	})
	for name := range rows {
		t.Errorf("README.md's flag table has --%s, which serve does not", name)
	}
	if !strings.Contains(string(readme), "--config chatwasm.yaml") {
		t.Error("README.md does not document --config")
	}
}
