package main

import (
	"net"
	"strings"
	"testing"
)

// TestHealth: chatwasm health asks the server of --addr (or CHATWASM_ADDR,
// as serve) for /healthz or /readyz, on loopback for a wildcard host, and
// fails when nothing answers.
func TestHealth(t *testing.T) {
	_, addr, _ := serveProcess(t, []string{"CHATWASM_DB=" + tempDB(t)})
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"CHATWASM_ADDR": "0.0.0.0:" + port}, []string{"health"}, `{"status":"ok"}`},
		{nil, []string{"health", "--addr", ":" + port, "--ready"}, `{"status":"ready"}`},
		{map[string]string{"CHATWASM_HEALTH_READY": "true"}, []string{"health", "--addr", addr}, `{"status":"ready"}`},
	} {
		if r := runCLI(t, c.env, c.args...); r.code != 0 || strings.TrimSpace(r.stdout) != c.want {
			t.Errorf("%v %v: exit %d, stdout %q, stderr %q; want 0 and %s", c.env, c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}

	// A port nothing listens on: one just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if r := runCLI(t, nil, "health", "--addr", closed); r.code != exitError || !strings.Contains(r.stderr, "chatwasm health:") {
		t.Errorf("health of a closed port: exit %d, stderr %q; want 1 and the error", r.code, r.stderr)
	}
	for _, bad := range []string{"nohost", "127.0.0.1:0"} {
		if r := runCLI(t, nil, "health", "--addr", bad); r.code != exitUsage {
			t.Errorf("--addr %s: exit %d, want %d", bad, r.code, exitUsage)
		}
	}
}
