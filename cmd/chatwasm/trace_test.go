package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/chatwasm/chatwasm/internal/otlptest"
)

// TestServeTraces: a server given --otlp-endpoint exports the spans of its
// operations over OTLP/HTTP, the last ones when it shuts down.
func TestServeTraces(t *testing.T) {
	col := otlptest.New(t)
	db := tempDB(t)
	token := userToken(t, db, "alice")
	if r := runCLI(t, nil, "user", "add", "bob", "--db", db); r.code != 0 {
		t.Fatal(r.stderr)
	}
	cmd, addr, logs := serveProcess(t, []string{"CHATWASM_DB=" + db, "CHATWASM_OTLP_ENDPOINT=" + col.URL},
		"--node-id", "node-t")
	if !strings.Contains(logs.String(), "msg=tracing otlp_endpoint="+col.URL) {
		t.Errorf("no tracing line in the log:\n%s", logs)
	}
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/messaging/?token="+token, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	defer ws.Close()
	read := func(want string) json.RawMessage {
		t.Helper()
		_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, b, err := ws.ReadMessage()
		if err != nil || !strings.Contains(string(b), want) {
			t.Fatalf("frame %s, %v; want %s", b, err, want)
		}
		var f struct{ Data json.RawMessage }
		_ = json.Unmarshal(b, &f)
		return f.Data
	}
	read("chat.notifications")
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"event_type":"room.create","data":{"type":"OneToOneChat","participants":[2]}}`)); err != nil {
		t.Fatal(err)
	}
	var room struct{ ID string }
	if err := json.Unmarshal(read("roomcreate.dispatch"), &room); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"event_type":"message.send","data":{"room_id":"`+room.ID+`","content":"hi"}}`)); err != nil {
		t.Fatal(err)
	}
	read("message.dispatch")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, logs)
	}

	sends := col.Named("message.send")
	if len(sends) != 1 {
		t.Fatalf("%d message.send spans exported, want 1; got %v", len(sends), col.Spans())
	}
	op := sends[0]
	for k, v := range map[string]string{"chatwasm.event_type": "message.send", "chatwasm.room_id": room.ID,
		"chatwasm.result": "ok", "enduser.id": strconv.Itoa(1), "chatwasm.tenant": "default"} {
		if op.Attrs[k] != v {
			t.Errorf("message.send span: %s = %q, want %q", k, op.Attrs[k], v)
		}
	}
	if !strings.HasSuffix(op.Attrs["chatwasm.request_id"], ".2") {
		t.Errorf("request id %q, want the connection's second request", op.Attrs["chatwasm.request_id"])
	}
	if op.Resource["service.instance.id"] != "node-t" || op.Resource["service.name"] != "chatwasm" {
		t.Errorf("resource %v", op.Resource)
	}
	if len(col.Named("room.create")) != 1 || len(col.Named("write transaction")) < 2 {
		t.Errorf("spans exported: %v", col.Spans())
	}
}
