package chat_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/chat/fixture"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// BenchmarkConnectBacklog measures Connect, in process, for a user with
// 10,000 pending notifications in 5 rooms carrying every relation
// (fixture.Backlog), default settings: the session, the read of the
// notifications with their messages and the frame, on each engine (postgres
// when CHATWASM_TEST_POSTGRES is set). bench/'s BenchmarkConnectBacklog is
// the same through the binary and a WebSocket; this one is for profiles.
func BenchmarkConnectBacklog(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			st := storetest.Open(b, engine)
			fx := fixture.New(b, st)
			users := []store.User{fx.User("ann"), fx.User("bob"), fx.User("cat")}
			var rooms []store.Room
			for range 5 {
				rooms = append(rooms, fx.Room(store.KindGroup, users))
			}
			fx.Backlog(rooms, users[0], users[2], 10_000)
			svc := chat.New(st, chat.DefaultConfig(), nil)
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				conn, err := svc.Connect(context.Background(), callerOf(users[1]))
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(conn.Notifications)))
			}
			// The process's CPU (garbage collection included) is steadier
			// than the wall time on a shared machine.
			b.ReportMetric(float64((processCPU(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// processCPU is the CPU time this process has used so far, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
