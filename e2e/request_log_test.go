package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// TestRequestLog: at debug level the server logs each connection opened
// and closed and each operation (event, room, result, duration) with a
// request id, and a module's fault during that request carries the same
// id, so an operator can find every line of one request.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	moduleEntry(&b, hostileWasm(t), checkerModule, "", "create_message", "tag", "")
	s := startServer(t, withModuleFile(writeModuleFile(t, b.String())), withFlags("--log-level", "debug"))
	alice := s.login(t, "alice")
	room := createGroup(t, alice, "logged", nil, nil)
	alice.send("message.send", map[string]any{"room_id": room, "content": "a " + crashWord})
	alice.expectError(4006)
	s.waitLog(t, "msg=operation", "event=message.send", "room="+room, "result=4006", "duration=")
	op := regexp.MustCompile(`msg=operation .*event=message.send .*\brequest=(\S+)`).FindStringSubmatch(s.Log())
	if op == nil {
		t.Fatalf("the operation line has no request id:\n%s", s.Log())
	}
	s.waitLog(t, "module fault", "module="+checkerModule, "request="+op[1])
	s.waitLog(t, "msg=operation", "event=room.create", "result=ok")
	s.waitLog(t, `msg="connection opened"`, "user=1")
	alice.Close()
	s.waitLog(t, `msg="connection closed"`, "user=1", "requests=2")
}
