package hooks_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/hooks"
)

func TestLimits(t *testing.T) {
	l, err := hooks.ParseLimits([]byte("capabilities: [kv, log]\nallowed_hosts: [api.example.com]\nmax_memory: 32MiB\nmax_timeout: 1s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Instances != hooks.DefaultInstances || l.KVQuota != hooks.DefaultKVQuota || l.Memory != 32<<20 {
		t.Errorf("limits = %+v: the keys left out keep their defaults", l)
	}
	for manifest, want := range map[string]string{
		`{"capabilities":["kv"],"allowed_hosts":["api.example.com"],"memory":"32MiB","timeout":"1s"}`: "",
		`{"capabilities":["clock"]}`:          `capabilities: "clock" is not allowed (allowed: kv, log)`,
		`{"capabilities":["*"]}`:              `is not allowed (allowed: kv, log)`,
		`{"allowed_hosts":["evil.com"]}`:      `allowed_hosts: "evil.com" is not allowed (allowed: api.example.com)`,
		`{"memory":"64MiB"}`:                  "memory: 67108864 bytes is over the limit of 33554432 bytes",
		`{"timeout":"2s","memory":"1MiB"}`:    "timeout: 2s is over the limit of 1s",
		`{"instances":3,"memory":"1MiB"}`:     "instances: 3 is over the limit of 2",
		`{"kv_quota":"1GiB","memory":"1MiB"}`: "kv_quota: 1073741824 bytes is over the limit of 16777216 bytes",
	} {
		mf, err := hooks.DecodeManifest([]byte(manifest))
		if err != nil {
			t.Fatal(err)
		}
		spec, err := mf.Spec("m")
		if err != nil {
			t.Fatal(err)
		}
		err = l.Check(spec)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v, want allowed", manifest, err)
		case want != "" && (!errors.Is(err, hooks.ErrOverLimits) || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want %q", manifest, err, want)
		}
	}
	if _, err := hooks.ParseLimits([]byte("max_memory: 64MB\n")); err == nil || !strings.Contains(err.Error(), "invalid max_memory") {
		t.Errorf("ambiguous unit: %v", err)
	}
	if l.Modules != hooks.DefaultMaxModules {
		t.Errorf("max_modules left out = %d, want %d", l.Modules, hooks.DefaultMaxModules)
	}
	if l, err := hooks.ParseLimits([]byte("max_modules: 0\n")); err != nil || l.Modules != 0 || l.CheckCount("acme", 0) == nil {
		t.Errorf("max_modules 0 (no uploads): %+v, %v", l, err)
	}
	if err := l.CheckCount("acme", 10); !errors.Is(err, hooks.ErrOverLimits) ||
		err.Error() != `over the tenant module policy: max_modules: tenant "acme" has 10 modules, the limit is 10` {
		t.Errorf("CheckCount at the limit: %v", err)
	}
	if err := l.CheckCount("acme", 9); err != nil {
		t.Errorf("CheckCount under the limit: %v", err)
	}
	if _, err := hooks.ParseLimits([]byte("max_modules: -1\n")); err == nil || !strings.Contains(err.Error(), "max_modules must not be negative") {
		t.Errorf("negative max_modules: %v", err)
	}
	if _, err := hooks.ParseLimits([]byte("max_memroy: 64MiB\n")); err == nil {
		t.Error("unknown key accepted")
	}
}
