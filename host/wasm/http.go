package wasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// maxRedirects bounds the redirects http_request follows.
const maxRedirects = 5

// httpRequestMeta is the request description the PDKs pass to http_request.
type httpRequestMeta struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
}

// httpRequest runs the guest's http_request. A refused or failed request is
// not a fault: the guest gets offset 0 and status 0 (the PDKs have no other
// error channel), the reason is readable with chatwasm_last_error, and the
// host logs it.
func (in *instance) httpRequest(ctx context.Context, reqJSON, body []byte) uint64 {
	c := &in.call
	c.httpStatus, c.httpHeaders = 0, nil
	c.hostErr = c.hostErr[:0]
	resp, status, headers, err := in.m.doHTTP(ctx, reqJSON, bytes.Clone(body))
	if err != nil {
		c.hostErr = append(c.hostErr, err.Error()...)
		in.m.log.Warn("wasm: http_request failed", "export", c.export, "err", err)
		return 0
	}
	c.httpStatus, c.httpHeaders = status, headers
	return in.writeBlock(resp, "http_request")
}

// httpHeaders returns a block with the last response's headers as a JSON
// object, or 0 when there was no response.
func (in *instance) httpHeaders() uint64 {
	if in.call.httpHeaders == nil {
		return 0
	}
	b, err := json.Marshal(in.call.httpHeaders)
	if err != nil {
		// A map[string]string always marshals.
		return 0
	}
	return in.writeBlock(b, "http_headers")
}

// doHTTP performs one guest HTTP request under the module's policy.
func (m *Module) doHTTP(ctx context.Context, reqJSON, body []byte) ([]byte, int32, map[string]string, error) {
	var meta httpRequestMeta
	if err := json.Unmarshal(reqJSON, &meta); err != nil {
		return nil, 0, nil, fmt.Errorf("wasm: http_request: invalid request: %w", err)
	}
	u, err := url.Parse(meta.URL)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("wasm: http_request: invalid url: %w", err)
	}
	if err := m.allowURL(u); err != nil {
		return nil, 0, nil, err
	}
	method := strings.ToUpper(meta.Method)
	if method == "" {
		method = http.MethodGet
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	// The call's context is reused by the next call on this instance; the
	// transport's goroutines get a context of their own.
	ctx, cancel := context.WithTimeout(ctx, m.cfg.HTTPTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("wasm: http_request: %w", err)
	}
	for k, v := range meta.Headers {
		req.Header.Set(k, v)
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("wasm: http_request: %w", err)
	}
	defer resp.Body.Close()
	limit := m.cfg.HTTPResponseBytes
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, 0, nil, fmt.Errorf("wasm: http_request: reading response: %w", err)
	}
	if uint64(len(data)) > limit {
		return nil, 0, nil, fmt.Errorf("%w: response body over %d bytes", ErrHTTPLimit, limit)
	}
	headers := make(map[string]string, len(resp.Header))
	for k, v := range resp.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	return data, int32(resp.StatusCode), headers, nil
}

// allowURL checks a URL against the module's allowed hosts. A pattern is a
// host name, which may use path.Match wildcards ("*.example.com" allows every
// subdomain), with an optional port: "host" allows any port, "host:port" only
// that one (the URL's port, or its scheme's default). A deployment that lists
// "127.0.0.1:9000" means that one service, not every port of the machine.
func (m *Module) allowURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: scheme %q", ErrHostNotAllowed, u.Scheme)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	for _, p := range m.cfg.AllowedHosts {
		pHost, pPort := p, ""
		if h, pt, err := net.SplitHostPort(p); err == nil {
			pHost, pPort = h, pt
		}
		if pPort != "" && pPort != port {
			continue
		}
		if ok, _ := path.Match(strings.ToLower(pHost), host); ok {
			return nil
		}
	}
	return fmt.Errorf("%w: %q", ErrHostNotAllowed, u.Host)
}

// checkRedirect keeps redirects inside the allowed hosts.
func (m *Module) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("wasm: http_request: too many redirects")
	}
	return m.allowURL(req.URL)
}
