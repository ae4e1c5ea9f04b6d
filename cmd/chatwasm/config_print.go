package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

const configUsage = `Usage:
  chatwasm config print [serve's flags]   print serve's effective settings as a config file, secrets masked
`

func (c cli) config(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "chatwasm config", "subcommand", configUsage, args, map[string]func(context.Context, []string) int{
		"print": c.configPrint,
	})
}

// configPrint prints the settings serve would run with, given the same
// config file, environment and flags, as a config file: every flag's
// value, with the database and broker passwords masked; the secrets that only the
// environment sets are said to be set or not, never shown.
func (c cli) configPrint(_ context.Context, args []string) int {
	_, _, cmd, code, ok := c.serveConfig("config print", "chatwasm config print [serve's flags]", args)
	if !ok {
		return code
	}
	settings := map[string]string{}
	cmd.fs.VisitAll(func(f *flag.Flag) {
		if f.Name != configFlag {
			settings[f.Name] = f.Value.String()
		}
	})
	settings["db"] = maskDB(settings["db"])
	settings["broker"] = maskBroker(settings["broker"])
	settings["otlp-endpoint"] = maskDB(settings["otlp-endpoint"])
	out, err := yaml.Marshal(settings)
	if err != nil {
		return c.fail("config print", err)
	}
	fmt.Fprintf(c.stdout, "# chatwasm serve's settings: defaults < config file < environment < flags\n%s", out)
	for _, env := range []string{"CHATWASM_SECRET", "CHATWASM_ADMIN_TOKEN"} {
		state := "not set: the server uses the one stored in the database, or makes it"
		if c.getenv(env) != "" {
			state = "set (not shown)"
		}
		fmt.Fprintf(c.stdout, "# %s: %s\n", env, state)
	}
	return exitOK
}

// maskBroker hides the passwords of a comma-separated list of NATS URLs.
func maskBroker(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(p); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
				parts[i] = u.String()
			}
		}
	}
	return strings.Join(parts, ",")
}

// libpqPassword is the password of a libpq key=value connection string.
var libpqPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// maskDB hides the password of a database URL or libpq connection string
// (or of any URL: the OTLP endpoint's).
func maskDB(db string) string {
	if u, err := url.Parse(db); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
		return db
	}
	return libpqPassword.ReplaceAllString(db, "${1}xxxxx")
}
