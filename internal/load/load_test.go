package load_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/internal/load"
	"github.com/chatwasm/chatwasm/internal/testserver"
)

// TestRun drives a real server with a small count-bounded load: every
// message sent is delivered to every member of its room, none fails, and
// the latencies are ordered. (The CPU and memory figures depend on the
// machine: benchmarks report them, tests do not judge them.)
func TestRun(t *testing.T) {
	s := testserver.Start(t, testserver.WithFlags("--frame-rate", "0", "--max-conns-per-user", "0"))
	pid, _ := strconv.Atoi(s.PID())
	rep, err := load.Run(context.Background(), load.Config{Addr: s.Addr, WSPath: s.WSPath, AdminToken: s.AdminToken,
		Conns: 12, Senders: 3, RoomSize: 4, Count: 25, PID: pid, Prefix: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 3*25 || rep.Delivered != rep.Sent*4 || rep.Errors != 0 || rep.Dropped != 0 {
		t.Fatalf("sent %d, delivered %d, errors %d, dropped %d; want 75 sent, each to its room of 4, no error or drop",
			rep.Sent, rep.Delivered, rep.Errors, rep.Dropped)
	}
	if rep.P50 <= 0 || rep.P99 < rep.P50 {
		t.Errorf("latencies p50 %v, p99 %v", rep.P50, rep.P99)
	}
	if _, err := load.Run(context.Background(), load.Config{Conns: 2, Senders: 3, RoomSize: 1, Count: 1}); err == nil {
		t.Error("more senders than connections accepted")
	}
	if _, err := load.Run(context.Background(), load.Config{Conns: 2, Senders: 1, RoomSize: 1, Count: 1, Event: "room.list"}); err == nil {
		t.Error("an unknown event accepted")
	}
}

// TestRunTyping: with message.typing every announcement reaches every
// member of its room (a room over the default group cap of 100), and the
// server's CPU gives a frames-per-CPU-second figure.
func TestRunTyping(t *testing.T) {
	s := testserver.Start(t, testserver.WithFlags("--frame-rate", "0", "--max-conns-per-user", "0"))
	pid, _ := strconv.Atoi(s.PID())
	rep, err := load.Run(context.Background(), load.Config{Addr: s.Addr, WSPath: s.WSPath, AdminToken: s.AdminToken,
		Conns: 101, Senders: 2, RoomSize: 101, Count: 20, Event: load.EventTyping, PID: pid, Prefix: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 2*20 || rep.Delivered != rep.Sent*101 || rep.Errors != 0 || rep.Dropped != 0 {
		t.Fatalf("sent %d, delivered %d, errors %d, dropped %d; want 40 sent, each to its room of 101, no error or drop",
			rep.Sent, rep.Delivered, rep.Errors, rep.Dropped)
	}
	if rep.FramesPerCPUSecond <= 0 || rep.P50 <= 0 {
		t.Errorf("frames per CPU-second %v, p50 %v: want both measured", rep.FramesPerCPUSecond, rep.P50)
	}
}

// TestRunIdle: with no senders the connections are held open and the
// server's memory with them open is reported.
func TestRunIdle(t *testing.T) {
	s := testserver.Start(t, testserver.WithFlags("--max-conns-per-user", "0"))
	pid, _ := strconv.Atoi(s.PID())
	rep, err := load.Run(context.Background(), load.Config{Addr: s.Addr, WSPath: s.WSPath, AdminToken: s.AdminToken,
		Conns: 20, RoomSize: 1, Duration: 100 * time.Millisecond, PID: pid, Prefix: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Conns != 20 || rep.RSS <= 0 || rep.Sent != 0 || rep.Elapsed < 100*time.Millisecond {
		t.Fatalf("conns %d, RSS %d, sent %d in %v; want 20 connections held 100ms, the RSS read, nothing sent",
			rep.Conns, rep.RSS, rep.Sent, rep.Elapsed)
	}
}
