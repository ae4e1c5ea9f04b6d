package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes a config file of body and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "chatwasm.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigFile: serve's settings come from the config file, overridden
// by the environment, overridden by the flags; config print shows the
// result with the database and broker passwords masked.
func TestConfigFile(t *testing.T) {
	path := writeConfig(t, "addr: 0.0.0.0:9999\ndb: postgres://chat:hunter2@db:5432/chatwasm\n"+
		"module-retry-after: 1m\nsoft-delete: true\nmax-conns-per-user: 7\nws-path: /from-file/\n"+
		"broker: nats://node:hunter2@nats-a:4222,nats://nats-b:4222\n")
	env := map[string]string{"CHATWASM_CONFIG": path, "CHATWASM_WS_PATH": "/from-env/", "CHATWASM_ADMIN_TOKEN": "tok"}
	r := runCLI(t, env, "config", "print", "--module-retry-after", "2m")
	if r.code != 0 {
		t.Fatalf("config print: %d %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"addr: 0.0.0.0:9999",       // file
		`soft-delete: "true"`,      // file
		`max-conns-per-user: "7"`,  // file
		"ws-path: /from-env/",      // env over file
		"module-retry-after: 2m0s", // flag over file
		"db: postgres://chat:xxxxx@db:5432/chatwasm",
		"broker: nats://node:xxxxx@nats-a:4222,nats://nats-b:4222",
		"# CHATWASM_ADMIN_TOKEN: set (not shown)",
		"module-queue-timeout: 5s", // default
	} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("config print lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "hunter2") || strings.Contains(r.stdout, "tok\n") {
		t.Errorf("config print shows a secret:\n%s", r.stdout)
	}
	// The printed settings are a config file that gives the same ones.
	again := runCLI(t, nil, "config", "print", "--config", writeConfig(t, strings.ReplaceAll(r.stdout, "xxxxx", "hunter2")))
	if again.code != 0 || strings.Split(again.stdout, "# CHATWASM_SECRET")[0] != strings.Split(r.stdout, "# CHATWASM_SECRET")[0] {
		t.Errorf("config print of its own output differs:\n%s\nwas:\n%s%s", again.stdout, r.stdout, again.stderr)
	}
}

// TestConfigFileErrors: a missing or malformed file, an unknown setting
// and a bad value are usage errors that say where the problem is, and
// serve checks a file's values as it checks flags.
func TestConfigFileErrors(t *testing.T) {
	for _, c := range []struct {
		body, want string
	}{
		{"adress: x\n", `unknown setting "adress"`},
		{"frame-rate: fast\n", `frame-rate="fast": not a number`},
		{"modules: [a, b]\n", "modules: want a single value"},
		{"addr: [\n", "config file"},
		{"max-frame-bytes: 0\n", "--max-frame-bytes, --inactivity-threshold and --shutdown-timeout must be positive"},
		{"broker: redis://r:6379\n", "--broker must be a nats:// or tls:// URL"},
		{"broker-creds: /etc/nats.creds\n", "--broker-creds and --broker-tls-* need --broker"},
	} {
		path := writeConfig(t, c.body)
		r := runCLI(t, nil, "serve", "--config", path)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: code %d, stderr %q; want 2 and %q", c.body, r.code, r.stderr, c.want)
		}
	}
	r := runCLI(t, map[string]string{"CHATWASM_CONFIG": filepath.Join(t.TempDir(), "missing.yaml")}, "config", "print")
	if r.code != 2 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("missing file: code %d, stderr %q", r.code, r.stderr)
	}
}
