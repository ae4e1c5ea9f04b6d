// Command chatwasm-load drives a running chatwasm server with a client
// fleet and reports what it measured (package internal/load):
//
//	chatwasm-load --addr 127.0.0.1:8080 --conns 1000 --senders 32 --room-size 10 --duration 10s --pid $(pidof chatwasm)
//
// With --event message.typing the senders announce typing instead (the
// fan-out path: delivered frames per server CPU-second); with --senders 0
// the connections stay open and idle for --duration and it reports the
// server's RSS per connection:
//
//	chatwasm-load --conns 10000 --senders 0 --duration 20s --pid $(pidof chatwasm)
//
// It provisions its users through the admin API (--admin-token, or
// CHATWASM_ADMIN_TOKEN; `chatwasm admin-token` prints it) and talks to
// loopback unless told otherwise.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/chatwasm/chatwasm/internal/load"
)

func main() {
	cfg := load.Config{}
	fs := flag.NewFlagSet("chatwasm-load", flag.ContinueOnError)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "the server's HOST:PORT")
	fs.StringVar(&cfg.WSPath, "ws-path", "/messaging/", "the server's WebSocket path")
	fs.StringVar(&cfg.AdminToken, "admin-token", os.Getenv("CHATWASM_ADMIN_TOKEN"), "admin API token (default $CHATWASM_ADMIN_TOKEN)")
	fs.IntVar(&cfg.Conns, "conns", 100, "users, one connection each")
	fs.IntVar(&cfg.Senders, "senders", 8, "how many of them send (0: an idle run, for memory per connection)")
	fs.StringVar(&cfg.Event, "event", load.EventSend, "what the senders send: "+load.EventSend+" or "+load.EventTyping)
	fs.IntVar(&cfg.RoomSize, "room-size", 10, "users per room")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long the senders send (0: until --count), or an idle run holds its connections")
	fs.IntVar(&cfg.Count, "count", 0, "messages per sender at most (0: no bound)")
	fs.IntVar(&cfg.Window, "window", 8, "frames a sender may have in flight (sent, its own dispatch not yet back)")
	fs.IntVar(&cfg.PID, "pid", 0, "the server's process id, for its CPU per message and RSS per connection (Linux)")
	fs.StringVar(&cfg.Prefix, "prefix", "load"+strconv.FormatInt(time.Now().Unix()%1e6, 10)+"-", "username prefix of the provisioned users")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatwasm-load:", err)
		os.Exit(1)
	}
	fmt.Print(rep)
}
