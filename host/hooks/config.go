package hooks

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"
)

// Defaults of a module entry's optional limits.
const (
	DefaultTimeout   = 500 * time.Millisecond
	DefaultMemory    = 64 << 20
	DefaultInstances = 2
	// DefaultKVQuota is what a module's key-value store may hold per
	// tenant, in bytes of keys and values.
	DefaultKVQuota = 16 << 20
	maxKVQuota     = 1 << 40
	maxTimeout     = time.Minute
	maxInstances   = 1024
)

// Policy is what a module fault (trap, timeout, broken limit) does to the
// request: fail it, or skip the module's layer.
type Policy string

// The failure policies.
const (
	FailClosed Policy = "closed"
	FailOpen   Policy = "open"
)

// ModuleSpec is one entry of the deployment's module file, validated, with
// defaults applied and Path made absolute.
type ModuleSpec struct {
	// Name identifies the module in logs, metrics and its key-value store.
	Name string
	// Path is the .wasm file.
	Path string
	// SHA256 is the expected hex digest of the file ("" skips the check).
	SHA256 string
	// Tenants the module applies to; nil means every tenant.
	Tenants []string
	// Hooks the module is subscribed to; nil means every hook it exports.
	Hooks []string
	// Config is what the module reads with Extism's config_get.
	Config map[string]string
	// Capabilities are the host imports the module may call (abi.Cap*).
	Capabilities []string
	// AllowedHosts are the host[:port]s its http_request may reach.
	AllowedHosts []string
	// Timeout is the deadline of one call.
	Timeout time.Duration
	// Memory caps the module's linear memory, in bytes.
	Memory uint64
	// Instances is how many warm instances it keeps between calls; its pool
	// grows beyond them on demand, up to Options.MaxConcurrent.
	Instances int
	// KVQuota caps what its key-value store holds per tenant, in bytes of
	// keys and values.
	KVQuota int64
	// OnFailure is its failure policy.
	OnFailure Policy
	// Line is the line of the entry in the file, for messages.
	Line int
	// Wasm is the module's bytes when it was uploaded over the admin API
	// (then Path is ""), and Owner the tenant that uploaded it ("" the
	// operator).
	Wasm  []byte
	Owner string
}

// Stored reports whether the module was uploaded over the admin API rather
// than listed in the module file.
func (m *ModuleSpec) Stored() bool { return m.Path == "" }

// kvStore is the name the module's key-value store is kept under: its own
// for an operator's module, and for a tenant's its name and tenant
// ("name@tenant", which no module's name can be). Names are unique only
// among the modules stored and in force, so a tenant's module must not find
// the store that an operator's module of the same name, removed since or
// added later, keeps for the tenant, nor leave one for it to find.
func (m *ModuleSpec) kvStore() string {
	if m.Owner == "" {
		return m.Name
	}
	return m.Name + "@" + m.Owner
}

// ParseManifestYAML reads one module entry in the module file's format
// (the entry, not the whole file), with the file's checks of its fields'
// shapes; its name is returned as written, the rest but path and sha256
// (which an upload has no use for) as a Manifest. The CLI's "module
// upload" reads its manifest with it.
func ParseManifestYAML(data []byte) (name string, _ Manifest, _ error) {
	var r rawModule
	if err := yaml.Unmarshal(data, &r); err != nil {
		return "", Manifest{}, err
	}
	return r.Name, r.Manifest, nil
}

// AllTenants reports whether the module applies to every tenant.
func (m *ModuleSpec) AllTenants() bool { return m.Tenants == nil }

// Granted reports whether the module holds capability c.
func (m *ModuleSpec) Granted(c string) bool {
	return slices.Contains(m.Capabilities, abi.CapAll) || slices.Contains(m.Capabilities, c)
}

// ModuleFile is a parsed deployment module file.
type ModuleFile struct {
	// Path is the file the modules were read from ("" when parsed from
	// memory).
	Path    string
	Modules []ModuleSpec
}

// ReadModuleFile reads and validates the module file at path. Every problem
// is reported as "path:line: ..." so that the server can exit with it.
func ReadModuleFile(path string) (*ModuleFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("module file: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("module file: %w", err)
	}
	return ParseModuleFile(data, abs)
}

// ParseModuleFile validates the module file data, read from path; relative
// module paths are resolved against path's directory.
func ParseModuleFile(data []byte, path string) (*ModuleFile, error) {
	name := path
	if name == "" {
		name = "module file"
	}
	var doc struct {
		Modules []rawModule `yaml:"modules"`
	}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil && !errors.Is(err, io.EOF) { // an empty file has no modules
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := checkTopLevel(&root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := root.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f := &ModuleFile{Path: path}
	seen := make(map[string]int)
	for i := range doc.Modules {
		m, err := doc.Modules[i].spec(filepath.Dir(path))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, doc.Modules[i].line, err)
		}
		if first, dup := seen[m.Name]; dup {
			return nil, fmt.Errorf("%s:%d: module %q: duplicate name (first at line %d)", name, m.Line, m.Name, first)
		}
		seen[m.Name] = m.Line
		f.Modules = append(f.Modules, m)
	}
	return f, nil
}

// checkTopLevel refuses a file that is not {modules: [entry, ...]}, in the
// file's own terms.
func checkTopLevel(root *yaml.Node) error {
	if root.Kind == 0 {
		return nil // empty
	}
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return nil
	}
	if doc.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: the file must be a mapping with a modules list", doc.Line)
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if k.Value != "modules" {
			return fmt.Errorf("line %d: unknown key %q (the file has one key, modules)", k.Line, k.Value)
		}
		if v.Kind != yaml.SequenceNode && !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
			return fmt.Errorf("line %d: modules: want a list of module entries", v.Line)
		}
	}
	return nil
}

// moduleFields are the keys of a module entry.
var moduleFields = []string{"name", "path", "sha256", "tenants", "hooks", "config", "capabilities",
	"allowed_hosts", "timeout", "memory", "instances", "kv_quota", "on_failure"}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// rawModule is a module entry as written.
type rawModule struct {
	Name     string `yaml:"name"`
	Path     string `yaml:"path"`
	SHA256   string `yaml:"sha256"`
	Manifest `yaml:",inline"`
	line     int
}

// Manifest is a module entry without its name, path and sha256, as written
// (sizes and durations in their text): what an upload over the admin API
// carries with the module's bytes, stored as JSON, and validated by Spec
// exactly as a module file's entry is.
type Manifest struct {
	Tenants      []string          `yaml:"tenants" json:"tenants,omitempty"`
	Hooks        []string          `yaml:"hooks" json:"hooks,omitempty"`
	Config       map[string]string `yaml:"config" json:"config,omitempty"`
	Capabilities []string          `yaml:"capabilities" json:"capabilities,omitempty"`
	AllowedHosts []string          `yaml:"allowed_hosts" json:"allowed_hosts,omitempty"`
	Timeout      string            `yaml:"timeout" json:"timeout,omitempty"`
	Memory       string            `yaml:"memory" json:"memory,omitempty"`
	Instances    *int              `yaml:"instances" json:"instances,omitempty"`
	KVQuota      string            `yaml:"kv_quota" json:"kv_quota,omitempty"`
	OnFailure    string            `yaml:"on_failure" json:"on_failure,omitempty"`
}

// UnmarshalYAML records the entry's line and refuses unknown keys (a
// yaml.Node does not inherit the decoder's KnownFields).
func (r *rawModule) UnmarshalYAML(n *yaml.Node) error {
	r.line = n.Line
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a module entry must be a mapping", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if !slices.Contains(moduleFields, k) {
			return fmt.Errorf("line %d: unknown module field %q (known: %s)", n.Content[i].Line, k,
				strings.Join(moduleFields, ", "))
		}
		if err := checkFieldShape(k, v); err != nil {
			return err
		}
	}
	type plain rawModule
	return n.Decode((*plain)(r))
}

// listFields are the module fields whose value is a list of strings, and
// config the one that is a mapping; the others are single values.
var listFields = []string{"tenants", "hooks", "capabilities", "allowed_hosts"}

// checkFieldShape refuses a module field whose value is not of its shape
// (a list, a mapping, a single value) in the file's own terms, which the
// YAML decoder would say in Go's ("cannot unmarshal !!str into []string").
func checkFieldShape(field string, v *yaml.Node) error {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil // absent
	}
	switch {
	case slices.Contains(listFields, field):
		if v.Kind != yaml.SequenceNode {
			return fmt.Errorf("line %d: %s: want a list, such as [%s]", v.Line, field, v.Value)
		}
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: %s: each item must be a single value", e.Line, field)
			}
		}
	case field == "config":
		if v.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: config: want a mapping of names to values, such as {key: value}", v.Line)
		}
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: config: each value must be a single value (a string, number or boolean)", e.Line)
			}
		}
	case v.Kind != yaml.ScalarNode:
		return fmt.Errorf("line %d: %s: want a single value, not a list or mapping", v.Line, field)
	case field == "instances" && v.Tag != "!!int":
		return fmt.Errorf("line %d: instances: want a whole number, not %q", v.Line, v.Value)
	}
	return nil
}

// parseSize reads a size in bytes with a binary unit (KiB, MiB, GiB, TiB)
// or none; ok is false for anything else. A decimal unit (KB, MB, "M" ...)
// is refused rather than read as powers of ten, since "memory: 64MB"
// meaning 64,000,000 bytes surprises anyone who meant 64 MiB: hint then
// says what to write instead ("" when there is nothing to suggest).
func parseSize(s string) (n uint64, hint string, ok bool) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	number, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	switch unit {
	case "", "b", "kib", "mib", "gib", "tib":
		n, err := humanize.ParseBytes(t)
		return n, "", err == nil
	}
	if binary := map[string]string{"k": "KiB", "kb": "KiB", "m": "MiB", "mb": "MiB", "g": "GiB", "gb": "GiB",
		"t": "TiB", "tb": "TiB"}[unit]; binary != "" {
		return 0, fmt.Sprintf("; %q is ambiguous: say %s%s", strings.TrimSpace(t[i:]), strings.TrimSpace(number), binary), false
	}
	return 0, "", false
}

// checkName refuses an invalid module name.
func checkName(name string) error {
	if !validName.MatchString(name) {
		if name == "" {
			return errors.New("module without a name")
		}
		return fmt.Errorf("module %q: invalid name (letters, digits, '_', '.', '-'; at most 64)", name)
	}
	return nil
}

// spec validates the entry and applies the defaults.
func (r *rawModule) spec(dir string) (ModuleSpec, error) {
	m := ModuleSpec{Name: r.Name, Line: r.line}
	if err := checkName(r.Name); err != nil {
		return m, err
	}
	bad := func(format string, a ...any) (ModuleSpec, error) {
		return m, fmt.Errorf("module %q: %s", r.Name, fmt.Sprintf(format, a...))
	}
	if r.Path == "" {
		return bad("missing path")
	}
	m.Path = r.Path
	if !filepath.IsAbs(m.Path) {
		m.Path = filepath.Join(dir, m.Path)
	}
	if r.SHA256 != "" {
		if b, err := hex.DecodeString(r.SHA256); err != nil || len(b) != 32 {
			return bad("sha256 %q is not 64 hex digits", r.SHA256)
		}
		m.SHA256 = strings.ToLower(r.SHA256)
	}
	if err := r.Manifest.apply(&m); err != nil {
		return m, fmt.Errorf("module %q: %w", r.Name, err)
	}
	return m, nil
}

// Spec validates the manifest of the module named name, as a module file's
// entry is validated, and returns its spec with the defaults applied (no
// Path: the caller gives the module's bytes).
func (r Manifest) Spec(name string) (ModuleSpec, error) {
	m := ModuleSpec{Name: name}
	if err := checkName(name); err != nil {
		return m, err
	}
	if err := r.apply(&m); err != nil {
		return m, fmt.Errorf("module %q: %w", name, err)
	}
	return m, nil
}

// apply validates the manifest's fields into m, with their defaults.
func (r *Manifest) apply(m *ModuleSpec) error {
	m.Config, m.AllowedHosts = r.Config, r.AllowedHosts
	if r.Tenants != nil && !slices.Contains(r.Tenants, "*") {
		if len(r.Tenants) == 0 {
			return errors.New("empty tenants list (omit it, or use [\"*\"], for every tenant)")
		}
		for _, t := range r.Tenants {
			if t == "" {
				return errors.New("empty tenant name")
			}
		}
		m.Tenants = r.Tenants
	}
	for i, h := range r.Hooks {
		if _, ok := abi.LookupHook(h); !ok {
			return fmt.Errorf("unknown hook %q", h)
		}
		if slices.Contains(r.Hooks[:i], h) {
			return fmt.Errorf("hook %q listed twice", h)
		}
	}
	m.Hooks = r.Hooks
	known := abi.Capabilities()
	for _, c := range r.Capabilities {
		if c != abi.CapAll && !slices.Contains(known, c) {
			return fmt.Errorf("unknown capability %q (known: %s, or \"*\")", c, strings.Join(known, ", "))
		}
	}
	m.Capabilities = r.Capabilities
	for _, h := range r.AllowedHosts {
		if h == "" || strings.ContainsAny(h, "/ ") {
			return fmt.Errorf("invalid allowed host %q (want host or host:port)", h)
		}
	}
	m.Timeout = DefaultTimeout
	if r.Timeout != "" {
		d, err := time.ParseDuration(r.Timeout)
		if err != nil || d <= 0 || d > maxTimeout {
			return fmt.Errorf("invalid timeout %q (a duration such as 100ms, at most %s)", r.Timeout, maxTimeout)
		}
		m.Timeout = d
	}
	m.Memory = DefaultMemory
	if r.Memory != "" {
		n, hint, ok := parseSize(r.Memory)
		if !ok || n == 0 {
			return fmt.Errorf("invalid memory %q (a size such as 64MiB%s)", r.Memory, hint)
		}
		m.Memory = n
	}
	m.Instances = DefaultInstances
	if r.Instances != nil {
		if *r.Instances < 1 || *r.Instances > maxInstances {
			return fmt.Errorf("instances must be between 1 and %d, not %d", maxInstances, *r.Instances)
		}
		m.Instances = *r.Instances
	}
	m.KVQuota = DefaultKVQuota
	if r.KVQuota != "" {
		n, hint, ok := parseSize(r.KVQuota)
		if !ok || n == 0 || n > maxKVQuota {
			return fmt.Errorf("invalid kv_quota %q (a size such as 16MiB, at most 1TiB%s)", r.KVQuota, hint)
		}
		m.KVQuota = int64(n)
	}
	switch Policy(r.OnFailure) {
	case "", FailClosed:
		m.OnFailure = FailClosed
	case FailOpen:
		m.OnFailure = FailOpen
	default:
		return fmt.Errorf("on_failure must be \"closed\" or \"open\", not %q", r.OnFailure)
	}
	return nil
}
