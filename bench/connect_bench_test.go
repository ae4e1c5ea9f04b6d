package bench

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/server"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/internal/testserver"
	"github.com/gorilla/websocket"
)

// EnvBaselineBinary names an older chatwasm binary that
// BenchmarkConnectBacklog runs beside this tree's, connect for connect.
const EnvBaselineBinary = "CHATWASM_BENCH_BASELINE"

// connectBacklog is how many notifications are pending for the user who
// connects in BenchmarkConnectBacklog.
const connectBacklog = 10_000

// BenchmarkConnectBacklog: the server CPU and time one connect takes for a
// user with 10,000 pending notifications in 5 rooms (every relation a
// message carries among them: replies, forwards, attachments, reactions,
// receipts, deliveries), default settings, until its chat.notifications
// frame is read. With $CHATWASM_BENCH_BASELINE set, that binary serves an
// identical database and the two are connected to alternately, so that both
// see the same machine.
func BenchmarkConnectBacklog(b *testing.B) {
	benchConnect(b, os.Getenv(EnvBaselineBinary))
}

// BenchmarkConnectBacklogCapped is BenchmarkConnectBacklog with
// --connect-notifications-per-room 100 (the newest 500 of the 10,000 are
// sent), without a baseline: older builds have no such setting.
func BenchmarkConnectBacklogCapped(b *testing.B) {
	benchConnect(b, "", "--connect-notifications-per-room", "100")
}

// benchConnect runs BenchmarkConnectBacklog on this tree's server started
// with flags and, unless baseline is "", that binary's.
func benchConnect(b *testing.B, baseline string, flags ...string) {
	type target struct {
		name  string
		srv   *testserver.Server
		token string
		cpu   time.Duration
		wall  time.Duration
		bytes int
	}
	targets := []*target{{name: "new", srv: testserver.Start(b, testserver.WithFlags(append([]string{"--frame-rate", "0"}, flags...)...))}}
	if baseline != "" {
		targets = append(targets, &target{name: "baseline",
			srv: testserver.Start(b, testserver.WithBinary(baseline), testserver.WithFlags("--frame-rate", "0"))})
	}
	for _, t := range targets {
		t.token = seedConnectBacklog(b, t.srv)
	}
	connect := func(t *target) {
		cpu0, ok := cpuTime(t.srv.PID())
		start := time.Now()
		// The old code takes seconds to answer: longer than testserver's
		// handshake timeout.
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Minute}
		ws, _, err := d.Dial(t.srv.WSURL(t.token), nil)
		if err != nil {
			b.Fatalf("%s: %v", t.name, err)
		}
		_, frame, err := ws.ReadMessage()
		t.wall += time.Since(start)
		_ = ws.Close()
		if err != nil || !bytes.HasPrefix(frame, []byte(`{"eventType":"chat.notifications"`)) {
			b.Fatalf("%s: first frame %.100s (%v)", t.name, frame, err)
		}
		t.bytes = len(frame)
		if cpu1, ok1 := cpuTime(t.srv.PID()); ok && ok1 {
			t.cpu += cpu1 - cpu0
		}
	}
	for _, t := range targets { // warm up: caches, prepared statements
		connect(t)
		t.cpu, t.wall = 0, 0
	}
	b.ResetTimer()
	for range b.N {
		for _, t := range targets {
			connect(t)
		}
	}
	b.StopTimer()
	for _, t := range targets {
		n := float64(b.N)
		b.ReportMetric(float64(t.cpu.Microseconds())/1000/n, t.name+"-server-cpu-ms/connect")
		b.ReportMetric(float64(t.wall.Microseconds())/1000/n, t.name+"-ms/connect")
		b.ReportMetric(float64(t.bytes), t.name+"-frame-bytes")
	}
}

// seedConnectBacklog stores, on srv's database, users ann, bob and cat,
// 5 group chats of the three, and connectBacklog messages from ann
// notifying bob and cat (fixture.Backlog), and returns a token of bob.
func seedConnectBacklog(tb testing.TB, srv *testserver.Server) string {
	tb.Helper()
	st, err := server.OpenStore(context.Background(), srv.DB)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	fx := fixture.New(tb, st)
	users := []store.User{fx.User("ann"), fx.User("bob"), fx.User("cat")}
	var rooms []store.Room
	for range 5 {
		rooms = append(rooms, fx.Room(store.KindGroup, users))
	}
	fx.Backlog(rooms, users[0], users[2], connectBacklog)
	return srv.Token(tb, users[1].ID, "")
}
