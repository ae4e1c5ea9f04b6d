// Package load drives a running chatwasm server the way a client fleet
// does: it provisions users and rooms through the admin API, opens one
// WebSocket connection per user, has some of them send message.send (or
// message.typing) for a bounded time or count, and reports throughput,
// send-to-delivery latency and, given the server's process id, its CPU per
// message and per delivered frame and its memory per connection. With no
// senders it only holds the connections open, idle, and reports the
// server's memory. It is the engine of cmd/chatwasm-load; it targets
// loopback by default.
package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Config is one load run.
type Config struct {
	// Addr is the server's HOST:PORT; WSPath its WebSocket path.
	Addr, WSPath string
	// AdminToken authenticates the admin API that provisions the users.
	AdminToken string
	// Conns is how many users (one connection each) take part, Senders how
	// many of them send, RoomSize how many users share a room. With no
	// senders the run is idle: the connections are opened, no room is
	// made, and they stay open and silent for Duration.
	Conns, Senders, RoomSize int
	// Event is what the senders send: EventSend (the default) or
	// EventTyping.
	Event string
	// Duration and Count bound the run: it stops when either is reached
	// (Count is per sender; 0 means no count bound).
	Duration time.Duration
	Count    int
	// PID is the server's process id, for CPU and memory figures (Linux);
	// 0 skips them.
	PID int
	// Prefix starts the provisioned usernames, so that runs do not collide.
	Prefix string
	// Window is how many messages a sender may have in flight (sent, its
	// own dispatch not yet back); default 8.
	Window int
}

// The events a run can send.
const (
	// EventSend is message.send: each message is stored, and counts as sent
	// once its sender has its own message.dispatch back.
	EventSend = "message.send"
	// EventTyping is message.typing: nothing is stored, the room gets a
	// messagetyping.dispatch; it isolates the fan-out path.
	EventTyping = "message.typing"
)

// Report is what a run measured. A message counts as sent once its
// sender has its own message.dispatch back: it is stored then.
type Report struct {
	Sent, Delivered, Errors int64
	// Dropped counts the connections the server closed during the run
	// (e.g. as slow consumers): what was sent to them after is not
	// delivered.
	Dropped int64
	Elapsed time.Duration
	// P50 and P99 are send-to-delivery latencies over every delivery (for
	// typing, over the senders' own frames: the others carry no key).
	P50, P99 time.Duration
	// CPUPerMessage is the server's CPU time per sent message, and
	// RSSPerConn its resident memory growth per connection opened; zero
	// without a PID.
	CPUPerMessage time.Duration
	RSSPerConn    int64
	// Conns is how many connections were open, RSS the server's resident
	// memory with all of them open (at the end of an idle run), and
	// FramesPerCPUSecond the frames delivered per second of server CPU
	// time; zero without a PID.
	Conns              int
	RSS                int64
	FramesPerCPUSecond float64
}

// MessagesPerSecond and DeliveriesPerSecond are the run's throughputs.
func (r Report) MessagesPerSecond() float64   { return float64(r.Sent) / r.Elapsed.Seconds() }
func (r Report) DeliveriesPerSecond() float64 { return float64(r.Delivered) / r.Elapsed.Seconds() }

// String is the report as the command prints it.
func (r Report) String() string {
	var s string
	if r.Sent > 0 || r.Errors > 0 {
		s = fmt.Sprintf("sent %d, delivered %d, errors %d in %v\nmessages/s %.0f, deliveries/s %.0f\nlatency p50 %v, p99 %v\n",
			r.Sent, r.Delivered, r.Errors, r.Elapsed.Round(time.Millisecond), r.MessagesPerSecond(), r.DeliveriesPerSecond(),
			r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	}
	if r.Dropped > 0 {
		s += fmt.Sprintf("connections closed by the server during the run %d\n", r.Dropped)
	}
	if r.CPUPerMessage > 0 {
		s += fmt.Sprintf("server CPU per message %v\n", r.CPUPerMessage)
	}
	if r.RSSPerConn > 0 {
		s += fmt.Sprintf("server RSS growth per connection opened %d KiB\n", r.RSSPerConn/1024)
	}
	if r.FramesPerCPUSecond > 0 {
		s += fmt.Sprintf("delivered frames per server CPU-second %.0f\n", r.FramesPerCPUSecond)
	}
	if r.RSS > 0 {
		s += fmt.Sprintf("server RSS %d MiB with %d connections open (%d KiB each)\n", r.RSS>>20, r.Conns,
			r.RSS/int64(max(r.Conns, 1))/1024)
	}
	return s
}

// user is one provisioned user and its connection.
type user struct {
	id    int64
	name  string
	token string
	ws    *websocket.Conn
	room  string
	wmu   sync.Mutex
	// own is how this user's frames are recognised (the prefix of the keys
	// it sends; for typing, its username), and inflight its window, the
	// times its frames in flight were sent; nil for a user that only
	// receives.
	own      []byte
	inflight chan time.Time
}

// Run provisions, connects, sends and measures; the connections are closed
// when it returns.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Conns <= 0 || cfg.Senders < 0 || cfg.Senders > cfg.Conns || cfg.RoomSize <= 0 {
		return Report{}, errors.New("load: need conns > 0, 0 <= senders <= conns, room size > 0")
	}
	if cfg.Duration <= 0 && (cfg.Count <= 0 || cfg.Senders == 0) {
		return Report{}, errors.New("load: need a duration, or senders and a count")
	}
	switch cfg.Event {
	case "":
		cfg.Event = EventSend
	case EventSend, EventTyping:
	default:
		return Report{}, fmt.Errorf("load: unknown event %q (want %s or %s)", cfg.Event, EventSend, EventTyping)
	}
	users := make([]*user, cfg.Conns)
	err := each(ctx, len(users), func(i int) error {
		u, err := provision(ctx, cfg, fmt.Sprintf("%s%05d", cfg.Prefix, i))
		users[i] = u
		return err
	})
	if err != nil {
		return Report{}, err
	}
	rss0 := rss(cfg.PID)
	defer func() {
		for _, u := range users {
			if u.ws != nil {
				u.ws.Close()
			}
		}
	}()
	if err := each(ctx, len(users), func(i int) error { return users[i].dial(cfg) }); err != nil {
		return Report{}, err
	}
	rep := Report{Conns: len(users)}
	if cfg.Senders == 0 {
		return idle(ctx, cfg, users, rss0, rep), nil
	}
	if rss1 := rss(cfg.PID); rss0 > 0 && rss1 > rss0 {
		rep.RSSPerConn = (rss1 - rss0) / int64(len(users))
	}
	// Rooms of RoomSize users, created by their first member.
	for first := 0; first < len(users); first += cfg.RoomSize {
		members := users[first:min(first+cfg.RoomSize, len(users))]
		room, err := createRoom(members)
		if err != nil {
			return Report{}, err
		}
		for _, u := range members {
			u.room = room
		}
	}
	return run(ctx, cfg, users, rep)
}

// each runs f for 0..n-1 on a few goroutines (the server's admin API and
// handshakes are short requests: a handful in flight keeps it busy) and
// returns the first error.
func each(ctx context.Context, n int, f func(i int) error) error {
	const workers = 8
	next := atomic.Int64{}
	errc := make(chan error, workers)
	for range workers {
		go func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					errc <- ctx.Err()
					return
				}
				if err := f(i); err != nil {
					next.Store(int64(n)) // the others stop at their next item
					errc <- err
					return
				}
			}
		}()
	}
	var first error
	for range workers {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// idle holds the connections open for cfg.Duration, answering the server's
// pings and nothing else, and reports the server's memory with them open.
func idle(ctx context.Context, cfg Config, users []*user, rss0 int64, rep Report) Report {
	var readers sync.WaitGroup
	for _, u := range users {
		readers.Go(func() {
			for { // the default ping handler answers pings while this reads
				if _, _, err := u.ws.ReadMessage(); err != nil {
					return
				}
			}
		})
	}
	start := time.Now()
	select {
	case <-time.After(cfg.Duration):
	case <-ctx.Done():
	}
	rep.Elapsed = time.Since(start)
	rep.RSS = rss(cfg.PID)
	if rss0 > 0 && rep.RSS > rss0 {
		rep.RSSPerConn = (rep.RSS - rss0) / int64(len(users))
	}
	for _, u := range users {
		u.ws.Close()
	}
	readers.Wait()
	return rep
}

// run sends and receives until the bounds are reached.
func run(ctx context.Context, cfg Config, users []*user, rep Report) (Report, error) {
	var (
		sentAt    sync.Map // "sender-seq" → time sent
		latencies = make(chan time.Duration, 1<<16)
		delivered atomic.Int64
		errs      atomic.Int64
		sent      atomic.Int64
	)
	// A frame of one of ours carries "content":"ld-<sender>-<n>"; the key
	// starts at its "ld-". A typing frame carries no key: it is one of ours
	// by its event type, and its sender's by its username; a sender's
	// own frames come back in the order it sent them.
	mark, typing := []byte(`"content":"`), []byte(`"eventType":"messagetyping.dispatch"`)
	window := cfg.Window
	if window <= 0 {
		window = 8
	}
	for s, u := range users[:cfg.Senders] {
		u.own = []byte("ld-" + strconv.Itoa(s) + "-")
		if cfg.Event == EventTyping {
			u.own = []byte(`"username":"` + u.name + `"`)
		}
		u.inflight = make(chan time.Time, window)
	}
	latency := func(t time.Time) {
		select {
		case latencies <- time.Since(t):
		default:
		}
	}
	var (
		readers  sync.WaitGroup
		dropped  atomic.Int64
		stopping atomic.Bool // the run closes the connections: their reads end
	)
	for _, u := range users {
		readers.Go(func() {
			for {
				_, raw, err := u.ws.ReadMessage()
				if err != nil {
					if !stopping.Load() {
						dropped.Add(1)
					}
					return
				}
				if bytes.HasPrefix(raw, []byte(`{"error"`)) {
					errs.Add(1)
					continue
				}
				if cfg.Event == EventTyping {
					if !bytes.Contains(raw, typing) {
						continue
					}
					delivered.Add(1)
					if u.own != nil && bytes.Contains(raw, u.own) {
						sent.Add(1)
						latency(<-u.inflight)
					}
					continue
				}
				i := bytes.Index(raw, mark)
				if i < 0 || !bytes.HasPrefix(raw[i+len(mark):], []byte("ld-")) {
					continue
				}
				key := raw[i+len(mark):]
				key = key[:bytes.IndexByte(key, '"')]
				if t, ok := sentAt.Load(string(key)); ok {
					delivered.Add(1)
					if u.own != nil && bytes.HasPrefix(key, u.own) {
						sent.Add(1) // its own dispatch: stored
						<-u.inflight
					}
					latency(t.(time.Time))
				}
			}
		})
	}
	cpu0 := cpuTime(cfg.PID)
	start := time.Now()
	runCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	var senders sync.WaitGroup
	for s, u := range users[:cfg.Senders] {
		senders.Go(func() {
			for n := 0; cfg.Count <= 0 || n < cfg.Count; n++ {
				if runCtx.Err() != nil {
					return
				}
				key := "ld-" + strconv.Itoa(s) + "-" + strconv.Itoa(n)
				now := time.Now()
				select {
				case u.inflight <- now:
				case <-runCtx.Done():
					return
				}
				data := map[string]any{"room_id": u.room}
				if cfg.Event == EventSend {
					sentAt.Store(key, now)
					data["content"] = key
				}
				if err := u.send(cfg.Event, data); err != nil {
					errs.Add(1)
					return
				}
			}
		})
	}
	senders.Wait()
	// Let the messages in flight come back, then stop the readers.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		inflight := 0
		for _, u := range users[:cfg.Senders] {
			inflight += len(u.inflight)
		}
		if inflight == 0 && delivered.Load() >= sent.Load()*int64(cfg.RoomSize) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	rep.Elapsed = time.Since(start)
	rep.Sent, rep.Delivered, rep.Errors = sent.Load(), delivered.Load(), errs.Load()
	if cpu1 := cpuTime(cfg.PID); cpu0 >= 0 && cpu1 > cpu0 && rep.Sent > 0 {
		rep.CPUPerMessage = (cpu1 - cpu0) / time.Duration(rep.Sent)
		rep.FramesPerCPUSecond = float64(rep.Delivered) / (cpu1 - cpu0).Seconds()
	}
	stopping.Store(true)
	for _, u := range users {
		u.ws.Close()
	}
	readers.Wait()
	rep.Dropped = dropped.Load()
	close(latencies)
	var ls []time.Duration
	for l := range latencies {
		ls = append(ls, l)
	}
	slices.Sort(ls)
	if len(ls) > 0 {
		rep.P50, rep.P99 = ls[len(ls)/2], ls[min(len(ls)-1, len(ls)*99/100)]
	}
	return rep, nil
}

// provision creates a user through the admin API and a token for it.
func provision(ctx context.Context, cfg Config, name string) (*user, error) {
	var u struct {
		ID int64 `json:"id"`
	}
	if err := admin(ctx, cfg, "/admin/users", map[string]any{"username": name}, &u); err != nil {
		return nil, err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := admin(ctx, cfg, "/admin/tokens", map[string]any{"user_id": u.ID}, &tok); err != nil {
		return nil, err
	}
	return &user{id: u.ID, name: name, token: tok.Token}, nil
}

// admin POSTs body to an admin API path and decodes the answer into out.
func admin(ctx context.Context, cfg Config, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+cfg.Addr+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("load: POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("load: POST %s: %s: %s", path, resp.Status, raw)
	}
	return json.Unmarshal(raw, out)
}

// dial opens the user's connection and reads its first frame.
func (u *user) dial(cfg Config) error {
	q := url.Values{"token": {u.token}}
	ws, _, err := websocket.DefaultDialer.Dial((&url.URL{Scheme: "ws", Host: cfg.Addr, Path: cfg.WSPath,
		RawQuery: q.Encode()}).String(), nil)
	if err != nil {
		return fmt.Errorf("load: connect user %d: %w", u.id, err)
	}
	u.ws = ws
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, _, err := ws.ReadMessage(); err != nil { // chat.notifications
		return fmt.Errorf("load: user %d: first frame: %w", u.id, err)
	}
	return ws.SetReadDeadline(time.Time{})
}

// send writes one client event.
func (u *user) send(event string, data any) error {
	b, err := json.Marshal(map[string]any{"event_type": event, "data": data})
	if err != nil {
		return err
	}
	u.wmu.Lock()
	defer u.wmu.Unlock()
	return u.ws.WriteMessage(websocket.TextMessage, b)
}

// defaultMaxParticipants is a group's default cap (docs/protocol.md §1.5):
// a larger room is created with its own.
const defaultMaxParticipants = 100

// createRoom has the first member create a group of all of them and waits
// until every member has the room.
func createRoom(members []*user) (string, error) {
	ids := make([]int64, 0, len(members)-1)
	for _, u := range members[1:] {
		ids = append(ids, u.id)
	}
	create := map[string]any{"type": "GroupChat", "name": "load", "participants": ids}
	if len(members) > defaultMaxParticipants {
		create["extra_fields"] = map[string]any{"max_participants": len(members)}
	}
	if err := members[0].send("room.create", create); err != nil {
		return "", err
	}
	var room string
	for _, u := range members {
		_ = u.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		for {
			_, raw, err := u.ws.ReadMessage()
			if err != nil {
				return "", fmt.Errorf("load: user %d: waiting for its room: %w", u.id, err)
			}
			var f struct {
				EventType string `json:"eventType"`
				Data      struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			if json.Unmarshal(raw, &f) == nil && f.EventType == "roomcreate.dispatch" {
				room = f.Data.ID
				break
			}
		}
		_ = u.ws.SetReadDeadline(time.Time{})
	}
	return room, nil
}
