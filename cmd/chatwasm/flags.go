package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// command is one subcommand's flag set, whose flags default to their
// CHATWASM_* environment variable when it is set (flags win over env).
type command struct {
	fs      *flag.FlagSet
	getenv  func(string) string
	usage   string // "chatwasm serve [flags]"
	summary string
	envErrs []error
	// file is the config file's settings (useConfigFile); nil without one.
	file *configFile
}

func newCommand(name, usage, summary string, getenv func(string) string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run prints errors and help itself
	return &command{fs: fs, getenv: getenv, usage: usage, summary: summary}
}

// env returns the value the flag name takes before the command line, from
// the environment variable envName or else the config file ("" if
// neither sets it), where that value comes from (for errors), and the
// flag's usage naming envName.
func (c *command) env(name, envName, usage string) (value, from, fullUsage string) {
	fullUsage = fmt.Sprintf("%s (env %s)", usage, envName)
	if v := c.getenv(envName); v != "" {
		return v, envName, fullUsage
	}
	if c.file != nil {
		if v, ok := c.file.settings[name]; ok {
			return v, c.file.path + ": " + name, fullUsage
		}
	}
	return "", "", fullUsage
}

func (c *command) String(name, envName, def, usage string) *string {
	v, _, usage := c.env(name, envName, usage)
	if v != "" {
		def = v
	}
	return c.fs.String(name, def, usage)
}

func (c *command) Bool(name, envName string, def bool, usage string) *bool {
	def, usage = fromEnv(c, name, envName, def, usage, strconv.ParseBool, "a boolean")
	return c.fs.Bool(name, def, usage)
}

func (c *command) Int64(name, envName string, def int64, usage string) *int64 {
	parse := func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
	def, usage = fromEnv(c, name, envName, def, usage, parse, "an integer")
	return c.fs.Int64(name, def, usage)
}

func (c *command) Float64(name, envName string, def float64, usage string) *float64 {
	parse := func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
	def, usage = fromEnv(c, name, envName, def, usage, parse, "a number")
	return c.fs.Float64(name, def, usage)
}

// fromEnv returns the flag's default, taken from envName or the config
// file when either sets it, and its usage naming envName. A value parse
// refuses is recorded for parse to report as "not what".
func fromEnv[T any](c *command, name, envName string, def T, usage string, parse func(string) (T, error), what string) (T, string) {
	v, from, usage := c.env(name, envName, usage)
	if v != "" {
		x, err := parse(v)
		if err != nil {
			c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q: not %s", from, v, what))
		}
		def = x
	}
	return def, usage
}

// Duration accepts a Go duration ("90s", "1m30s") or a plain number of
// seconds, as the reference's INACTIVITY_THRESHOLD is.
func (c *command) Duration(name, envName string, def time.Duration, usage string) *time.Duration {
	v, from, usage := c.env(name, envName, usage)
	d := durationValue(def)
	if v != "" {
		if err := d.Set(v); err != nil {
			c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q: %w", from, v, err))
		}
	}
	c.fs.Var(&d, name, usage)
	return (*time.Duration)(&d)
}

// logging is the values of --log-level and --log-format.
type logging struct {
	level  slog.Level
	format logFormat
}

// logFormat is --log-format's value: text (logfmt-like key=value lines) or
// json (one object a line).
type logFormat string

func (f *logFormat) String() string { return string(*f) }

func (f *logFormat) Set(s string) error {
	if s != "text" && s != "json" {
		return errors.New(`want "text" or "json"`)
	}
	*f = logFormat(s)
	return nil
}

// Logging adds --log-level and --log-format.
func (c *command) Logging() *logging {
	l := &logging{format: "text"}
	v, from, usage := c.env("log-level", "CHATWASM_LOG_LEVEL", "log level: debug, info, warn or error")
	if v != "" {
		if err := l.level.UnmarshalText([]byte(v)); err != nil {
			c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q: %w", from, v, err))
		}
	}
	c.fs.TextVar(&l.level, "log-level", l.level, usage)
	v, from, usage = c.env("log-format", "CHATWASM_LOG_FORMAT", "log format: text or json")
	if v != "" {
		if err := l.format.Set(v); err != nil {
			c.envErrs = append(c.envErrs, fmt.Errorf("%s=%q: %w", from, v, err))
		}
	}
	c.fs.Var(&l.format, "log-format", usage)
	return l
}

type durationValue time.Duration

func (d *durationValue) Set(s string) error {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*d = durationValue(time.Duration(n) * time.Second)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration (e.g. 60s, 1m) or a number of seconds")
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string { return time.Duration(*d).String() }

// parse parses args, allowing flags before, between and after positional
// arguments (`user add alice --email a@x`), and returns the positionals.
func (c *command) parse(args []string) ([]string, error) {
	known := func(name string) bool { return c.fs.Lookup(name) != nil }
	if err := errors.Join(append(c.envErrs, c.file.checkUnknown(known))...); err != nil {
		return nil, err
	}
	var pos []string
	for {
		if err := c.fs.Parse(args); err != nil {
			return nil, err
		}
		rest := c.fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// help writes the command's usage and flags.
func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", c.usage, c.summary)
	var b strings.Builder
	c.fs.SetOutput(&b)
	c.fs.PrintDefaults()
	c.fs.SetOutput(io.Discard)
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", b.String())
	}
}
