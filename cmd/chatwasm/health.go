package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/server"
)

// health asks a server on this machine whether it is up (/healthz) or
// ready (/readyz), for a container's or a supervisor's health check: the
// image has no curl, and the address is serve's own setting.
func (c cli) health(ctx context.Context, args []string) int {
	cmd := newCommand("health", "chatwasm health [flags]",
		"Checks that the server listening on --addr (serve's setting, so the same\n"+
			"environment works for both) is up: exit status 0 if GET /healthz answers 200,\n"+
			"1 otherwise. With --ready, GET /readyz: the database answers and the node is\n"+
			"not shutting down. A wildcard host (0.0.0.0, ::, none) is asked on loopback.", c.getenv)
	addr := cmd.String("addr", "CHATWASM_ADDR", server.DefaultConfig().Addr, "address the server listens on")
	ready := cmd.Bool("ready", "CHATWASM_HEALTH_READY", false, "check /readyz instead of /healthz")
	timeout := cmd.Duration("timeout", "CHATWASM_HEALTH_TIMEOUT", 5*time.Second, "how long to wait for the answer")
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(cmd, fmt.Sprintf("unexpected argument %q", pos[0]))
	}
	url, err := healthURL(*addr, *ready)
	if err != nil {
		return c.usageError(cmd, err.Error())
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return c.fail("health", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return c.fail("health", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return c.fail("health", err)
	}
	if resp.StatusCode != http.StatusOK {
		return c.fail("health", fmt.Errorf("%s: %s %s", url, resp.Status, strings.TrimSpace(string(body))))
	}
	fmt.Fprintf(c.stdout, "%s", body)
	return exitOK
}

// healthURL is the URL of the health check of a server listening on
// addr: on loopback when addr's host is a wildcard.
func healthURL(addr string, ready bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	if port == "0" {
		return "", fmt.Errorf("--addr %q: port 0 names no server's port", addr)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	path := "/healthz"
	if ready {
		path = "/readyz"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}
