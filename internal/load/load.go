// Package load drives a running chatwasm server the way a client fleet
// does: it provisions users and rooms through the admin API, opens one
// WebSocket connection per user, has some of them send message.send for a
// bounded time or count, and reports throughput, send-to-delivery latency and, given the
// server's process id, its CPU per message and memory per connection. It is
// the engine of cmd/chatwasm-load; it targets loopback by default.
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
	// many of them send, RoomSize how many users share a room.
	Conns, Senders, RoomSize int
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

// Report is what a run measured. A message counts as sent once its
// sender has its own message.dispatch back: it is stored then.
type Report struct {
	Sent, Delivered, Errors int64
	Elapsed                 time.Duration
	// P50 and P99 are send-to-delivery latencies over every delivery.
	P50, P99 time.Duration
	// CPUPerMessage is the server's CPU time per sent message, and
	// RSSPerConn its resident memory growth per connection opened; zero
	// without a PID.
	CPUPerMessage time.Duration
	RSSPerConn    int64
}

// MessagesPerSecond and DeliveriesPerSecond are the run's throughputs.
func (r Report) MessagesPerSecond() float64   { return float64(r.Sent) / r.Elapsed.Seconds() }
func (r Report) DeliveriesPerSecond() float64 { return float64(r.Delivered) / r.Elapsed.Seconds() }

// String is the report as the command prints it.
func (r Report) String() string {
	s := fmt.Sprintf("sent %d, delivered %d, errors %d in %v\nmessages/s %.0f, deliveries/s %.0f\nlatency p50 %v, p99 %v\n",
		r.Sent, r.Delivered, r.Errors, r.Elapsed.Round(time.Millisecond), r.MessagesPerSecond(), r.DeliveriesPerSecond(),
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	if r.CPUPerMessage > 0 || r.RSSPerConn > 0 {
		s += fmt.Sprintf("server CPU per message %v, RSS per connection %d KiB\n", r.CPUPerMessage, r.RSSPerConn/1024)
	}
	return s
}

// user is one provisioned user and its connection.
type user struct {
	id    int64
	token string
	ws    *websocket.Conn
	room  string
	wmu   sync.Mutex
	// own is the prefix of the keys this user sends, and inflight its
	// window; nil for a user that only receives.
	own      []byte
	inflight chan struct{}
}

// Run provisions, connects, sends and measures; the connections are closed
// when it returns.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if cfg.Conns <= 0 || cfg.Senders <= 0 || cfg.Senders > cfg.Conns || cfg.RoomSize <= 0 {
		return Report{}, errors.New("load: need conns > 0, 0 < senders <= conns, room size > 0")
	}
	if cfg.Duration <= 0 && cfg.Count <= 0 {
		return Report{}, errors.New("load: need a duration or a count")
	}
	users := make([]*user, cfg.Conns)
	for i := range users {
		u, err := provision(ctx, cfg, fmt.Sprintf("%s%05d", cfg.Prefix, i))
		if err != nil {
			return Report{}, err
		}
		users[i] = u
	}
	rss0 := rss(cfg.PID)
	for _, u := range users {
		if err := u.dial(cfg); err != nil {
			return Report{}, err
		}
		defer u.ws.Close()
	}
	var rep Report
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
	// starts at its "ld-".
	mark := []byte(`"content":"`)
	window := cfg.Window
	if window <= 0 {
		window = 8
	}
	for s, u := range users[:cfg.Senders] {
		u.own = []byte("ld-" + strconv.Itoa(s) + "-")
		u.inflight = make(chan struct{}, window)
	}
	var readers sync.WaitGroup
	for _, u := range users {
		readers.Go(func() {
			for {
				_, raw, err := u.ws.ReadMessage()
				if err != nil {
					return
				}
				if bytes.HasPrefix(raw, []byte(`{"error"`)) {
					errs.Add(1)
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
					select {
					case latencies <- time.Since(t.(time.Time)):
					default:
					}
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
				select {
				case u.inflight <- struct{}{}:
				case <-runCtx.Done():
					return
				}
				sentAt.Store(key, time.Now())
				if err := u.send("message.send", map[string]any{"room_id": u.room, "content": key}); err != nil {
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
	}
	for _, u := range users {
		u.ws.Close()
	}
	readers.Wait()
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
	return &user{id: u.ID, token: tok.Token}, nil
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

// createRoom has the first member create a group of all of them and waits
// until every member has the room.
func createRoom(members []*user) (string, error) {
	ids := make([]int64, 0, len(members)-1)
	for _, u := range members[1:] {
		ids = append(ids, u.id)
	}
	if err := members[0].send("room.create", map[string]any{"type": "GroupChat", "name": "load", "participants": ids}); err != nil {
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
