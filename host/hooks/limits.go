package hooks

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"go.yaml.in/yaml/v3"
)

// ErrOverLimits is wrapped by Limits.Check's errors: a module asks for more
// than its uploader may grant.
var ErrOverLimits = errors.New("over the tenant module policy")

// Limits bound what the module a tenant uploads may ask for: the
// operator's tenant module policy.
type Limits struct {
	// Capabilities and AllowedHosts are those a module may be granted
	// ("*" among Capabilities allows every one).
	Capabilities []string
	AllowedHosts []string
	// Memory, Timeout, Instances and KVQuota are the most a module may ask.
	Memory    uint64
	Timeout   time.Duration
	Instances int
	KVQuota   int64
	// Modules is how many modules a tenant may keep stored (each one is
	// stored in the database and loaded by every node).
	Modules int
}

// DefaultMaxModules is the Modules of DefaultLimits.
const DefaultMaxModules = 10

// DefaultLimits are the policy without a policy file: no capability, no
// host, and the defaults of a module entry as maximums.
func DefaultLimits() Limits {
	return Limits{Memory: DefaultMemory, Timeout: DefaultTimeout, Instances: DefaultInstances, KVQuota: DefaultKVQuota,
		Modules: DefaultMaxModules}
}

// ReadLimits reads a policy file: YAML with the keys capabilities,
// allowed_hosts, max_memory, max_timeout, max_instances, max_kv_quota (in
// a module entry's units) and max_modules; a key left out keeps
// DefaultLimits' value.
func ReadLimits(path string) (Limits, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Limits{}, fmt.Errorf("tenant module policy: %w", err)
	}
	l, err := ParseLimits(data)
	if err != nil {
		return l, fmt.Errorf("tenant module policy %s: %w", path, err)
	}
	return l, nil
}

// ParseLimits reads the policy file data (see ReadLimits).
func ParseLimits(data []byte) (Limits, error) {
	var raw struct {
		Capabilities []string `yaml:"capabilities"`
		AllowedHosts []string `yaml:"allowed_hosts"`
		MaxMemory    string   `yaml:"max_memory"`
		MaxTimeout   string   `yaml:"max_timeout"`
		MaxInstances *int     `yaml:"max_instances"`
		MaxKVQuota   string   `yaml:"max_kv_quota"`
		MaxModules   *int     `yaml:"max_modules"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return Limits{}, err
	}
	// The values are checked as a module entry's are.
	mf := Manifest{Capabilities: raw.Capabilities, AllowedHosts: raw.AllowedHosts, Memory: raw.MaxMemory,
		Timeout: raw.MaxTimeout, Instances: raw.MaxInstances, KVQuota: raw.MaxKVQuota}
	var spec ModuleSpec
	if err := mf.apply(&spec); err != nil {
		// The message names the entry's field: say the policy's.
		return Limits{}, errors.New(strings.NewReplacer("invalid memory", "invalid max_memory", "invalid timeout", "invalid max_timeout",
			"instances must", "max_instances must", "invalid kv_quota", "invalid max_kv_quota").Replace(err.Error()))
	}
	l := Limits{Capabilities: spec.Capabilities, AllowedHosts: spec.AllowedHosts, Memory: spec.Memory,
		Timeout: spec.Timeout, Instances: spec.Instances, KVQuota: spec.KVQuota, Modules: DefaultMaxModules}
	if raw.MaxModules != nil {
		if *raw.MaxModules < 0 {
			return Limits{}, fmt.Errorf("max_modules must not be negative, not %d", *raw.MaxModules)
		}
		l.Modules = *raw.MaxModules
	}
	return l, nil
}

// Check refuses spec if it asks for more than l allows, naming the field
// and the limit; the error wraps ErrOverLimits.
func (l Limits) Check(spec ModuleSpec) error {
	over := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrOverLimits, fmt.Sprintf(format, a...))
	}
	if !slices.Contains(l.Capabilities, abi.CapAll) {
		caps := spec.Capabilities
		if slices.Contains(caps, abi.CapAll) {
			caps = abi.Capabilities()
		}
		for _, c := range caps {
			if !slices.Contains(l.Capabilities, c) {
				return over("capabilities: %q is not allowed (allowed: %s)", c, listOrNone(l.Capabilities))
			}
		}
	}
	for _, h := range spec.AllowedHosts {
		if !slices.Contains(l.AllowedHosts, h) {
			return over("allowed_hosts: %q is not allowed (allowed: %s)", h, listOrNone(l.AllowedHosts))
		}
	}
	switch {
	case spec.Memory > l.Memory:
		return over("memory: %d bytes is over the limit of %d bytes", spec.Memory, l.Memory)
	case spec.Timeout > l.Timeout:
		return over("timeout: %s is over the limit of %s", spec.Timeout, l.Timeout)
	case spec.Instances > l.Instances:
		return over("instances: %d is over the limit of %d", spec.Instances, l.Instances)
	case spec.KVQuota > l.KVQuota:
		return over("kv_quota: %d bytes is over the limit of %d bytes", spec.KVQuota, l.KVQuota)
	}
	return nil
}

// CheckCount refuses tenant's upload of a module when it keeps n modules
// already; the error wraps ErrOverLimits.
func (l Limits) CheckCount(tenant string, n int) error {
	if n >= l.Modules {
		return fmt.Errorf("%w: max_modules: tenant %q has %d modules, the limit is %d", ErrOverLimits, tenant, n, l.Modules)
	}
	return nil
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}
