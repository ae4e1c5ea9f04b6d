package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestClient: chatwasm client sends its input's lines as frames and prints
// the server's frames, one per line; a refused token ends it with the
// server's 4001 and exit status 1.
func TestClient(t *testing.T) {
	db := tempDB(t)
	alice := userToken(t, db, "alice")
	userToken(t, db, "bob") // user 2
	_, addr, _ := serveProcess(t, []string{"CHATWASM_DB=" + db, "CHATWASM_ADMIN_TOKEN=adm"})
	url := "ws://" + addr + "/messaging/"

	input := `{"event_type":"room.create","data":{"type":"OneToOneChat","participants":[2]}}` + "\n\n" +
		`{"event_type":"session.heartbeat"}` + "\n"
	r := runCLIInput(t, map[string]string{"CHATWASM_TOKEN": alice}, input, "client", "--url", url, "--frames", "3", "--linger", "1m")
	if r.code != 0 {
		t.Fatalf("client: code %d\n%s", r.code, r.stderr)
	}
	var events []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var f struct {
			EventType string `json:"eventType"`
			Status    string `json:"status"`
		}
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("output line %q is not a frame: %v", line, err)
		}
		events = append(events, f.EventType+f.Status)
	}
	if strings.Join(events, " ") != "chat.notifications roomcreate.dispatch success" {
		t.Fatalf("frames printed: %v\n%s", events, r.stdout)
	}

	r = runCLI(t, nil, "client", "--url", url, "--token", "not-a-token")
	if r.code != 1 || !strings.Contains(r.stderr, "4001") {
		t.Fatalf("refused token: code %d, stderr %q; want 1 and the 4001 close", r.code, r.stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"client"}, "--token (or CHATWASM_TOKEN) is required"},
		{[]string{"client", "--token", "x", "--url", "http://h/"}, "is not a ws:// or wss:// URL"},
	} {
		if r := runCLI(t, nil, c.args...); r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: code %d, stderr %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
}
