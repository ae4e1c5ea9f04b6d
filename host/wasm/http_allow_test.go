package wasm

import (
	"errors"
	"net/url"
	"testing"
)

// TestAllowURL pins the allowed_hosts rules: a host name pattern allows any
// port, host:port only that port (the scheme's default when the URL has
// none), wildcards match subdomains, and nothing but http(s) goes out.
func TestAllowURL(t *testing.T) {
	m := &Module{cfg: ModuleConfig{AllowedHosts: []string{"127.0.0.1:9000", "api.example.com", "*.hooks.test:443", "[::1]:8080"}}}
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:9000/x", true},
		{"http://127.0.0.1:9001/x", false},
		{"http://127.0.0.1/x", false},
		{"http://api.example.com/", true},
		{"https://api.example.com:8443/", true},
		{"http://evil.example.com/", false},
		{"https://a.hooks.test/", true},
		{"http://a.hooks.test/", false},
		{"https://a.hooks.test:444/", false},
		{"http://[::1]:8080/", true},
		{"http://[::1]:8081/", false},
		{"ftp://api.example.com/", false},
	} {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		err = m.allowURL(u)
		if (err == nil) != c.ok {
			t.Errorf("allowURL(%s) = %v, want allowed=%v", c.url, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrHostNotAllowed) {
			t.Errorf("allowURL(%s) = %v, want ErrHostNotAllowed", c.url, err)
		}
	}
}
