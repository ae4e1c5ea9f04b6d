package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A command's settings come, from weakest to strongest, from its defaults,
// a config file (--config, or CHATWASM_CONFIG), the CHATWASM_* environment
// variables and its flags. The file is YAML, a mapping of flag names to
// values:
//
//	addr: 0.0.0.0:8080
//	db: postgres://chat@db:5432/chatwasm
//	module-retry-after: 1m
//
// It is read before the flags are defined, so that each takes its value as
// its default; an unknown name is refused when the command parses.

// configFlag is the flag naming the config file.
const configFlag = "config"

// configFile is the settings of a command's config file.
type configFile struct {
	path     string
	settings map[string]string
}

// useConfigFile reads the config file args or CHATWASM_CONFIG name, if any,
// for the flags defined after it, and defines --config itself. A file that
// cannot be read is a usage error of the command.
func (c *command) useConfigFile(args []string) {
	path := configPathIn(args)
	if path == "" {
		path = c.getenv("CHATWASM_CONFIG")
	}
	c.fs.String(configFlag, path, "YAML file of settings by flag name, below the environment and the flags (env CHATWASM_CONFIG)")
	if path == "" {
		return
	}
	f, err := readConfigFile(path)
	if err != nil {
		c.envErrs = append(c.envErrs, err)
		return
	}
	c.file = f
}

// configPathIn returns the value of --config in args, "" if there is none.
func configPathIn(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != configFlag {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func readConfigFile(path string) (*configFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	f := &configFile{path: path, settings: make(map[string]string, len(raw))}
	for k, v := range raw {
		switch v.(type) {
		case map[string]any, []any:
			return nil, fmt.Errorf("config file %s: %s: want a single value", path, k)
		case nil:
			return nil, fmt.Errorf("config file %s: %s: no value", path, k)
		}
		f.settings[k] = fmt.Sprint(v)
	}
	return f, nil
}

// checkUnknown refuses a setting of the file that names no flag of fs.
func (f *configFile) checkUnknown(known func(name string) bool) error {
	if f == nil {
		return nil
	}
	var errs []error
	for k := range f.settings {
		if k == configFlag || !known(k) {
			errs = append(errs, fmt.Errorf("config file %s: unknown setting %q (a setting is a flag's name, e.g. addr)", f.path, k))
		}
	}
	return errors.Join(errs...)
}
