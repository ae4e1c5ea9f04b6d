package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// The client command is a plain WebSocket client for the chat protocol, so
// that trying the server needs nothing but chatwasm itself: each line of its
// input is sent as a text frame, each frame received is printed on a line.

// defaultClientURL is the WebSocket endpoint of a server started with the
// defaults.
const defaultClientURL = "ws://127.0.0.1:8080/messaging/"

func (c cli) client(ctx context.Context, args []string) int {
	cmd := newCommand("client", "chatwasm client [flags]",
		"Connects to a chat server's WebSocket endpoint as a user, sends each line of\n"+
			"its input (a JSON frame such as {\"event_type\":\"room.list\",\"data\":{}}) and\n"+
			"prints every frame it receives, one per line. At the end of the input it\n"+
			"waits --linger for more frames, then closes; it exits 1 if the server closed\n"+
			"the connection with an error code (4001: the token was refused).", c.getenv)
	rawURL := cmd.String("url", "CHATWASM_URL", defaultClientURL, "the server's WebSocket endpoint")
	token := cmd.String("token", "CHATWASM_TOKEN", "", "the user's access token (chatwasm token USERNAME prints one)")
	linger := cmd.Duration("linger", "CHATWASM_CLIENT_LINGER", time.Second,
		"how long to wait for frames after the last line of input")
	frames := cmd.Int64("frames", "CHATWASM_CLIENT_FRAMES", 0,
		"close once this many frames were printed, even within --linger (0: no such limit)")
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(cmd, fmt.Sprintf("unexpected argument %q", pos[0]))
	}
	if *token == "" {
		return c.usageError(cmd, "--token (or CHATWASM_TOKEN) is required")
	}
	u, err := url.Parse(*rawURL)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return c.usageError(cmd, fmt.Sprintf("--url %q is not a ws:// or wss:// URL", *rawURL))
	}
	if *linger < 0 || *frames < 0 {
		return c.usageError(cmd, "--linger and --frames must not be negative")
	}
	// The token goes in a header, not the URL, which proxies log.
	header := http.Header{"Authorization": {"Bearer " + *token}}
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, u.String(), header)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return c.fail("client", err)
	}
	defer ws.Close()

	// The reader prints frames until the connection ends, and says how, or
	// until it printed --frames of them.
	closed, enough := make(chan error, 1), make(chan struct{})
	go func() {
		for n := int64(1); ; n++ {
			_, b, err := ws.ReadMessage()
			if err != nil {
				closed <- err
				return
			}
			fmt.Fprintf(c.stdout, "%s\n", b)
			if n == *frames {
				close(enough)
			}
		}
	}()

	sent := make(chan error, 1)
	go func() { sent <- c.sendLines(ws) }()
	select {
	case err = <-closed:
		return c.clientClosed(err)
	case err = <-sent:
		if err != nil {
			return c.fail("client", err)
		}
	case <-ctx.Done():
	}
	// The input is done (or the user interrupted): give the server's
	// answers time to arrive, then close normally.
	t := time.NewTimer(*linger)
	defer t.Stop()
	select {
	case err = <-closed:
		return c.clientClosed(err)
	case <-t.C:
	case <-enough:
	case <-ctx.Done():
	}
	msg := websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")
	_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
	select {
	case <-closed:
	case <-time.After(time.Second):
	}
	return exitOK
}

// sendLines sends each non-blank line of the input as a text frame.
func (c cli) sendLines(ws *websocket.Conn) error {
	sc := bufio.NewScanner(c.stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if err := ws.WriteMessage(websocket.TextMessage, []byte(line)); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	return sc.Err()
}

// clientClosed reports how the server ended the connection: normally (1000,
// 1001) is success, any other close code an error.
func (c cli) clientClosed(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		fmt.Fprintf(c.stderr, "chatwasm client: closed by the server: %d %s\n", ce.Code, ce.Text)
		if ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway {
			return exitOK
		}
		return exitError
	}
	return c.fail("client", err)
}
