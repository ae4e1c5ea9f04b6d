package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/modtool"
	"github.com/chatwasm/chatwasm/host/server"
	"github.com/dustin/go-humanize"
)

const moduleUsage = `Usage:
  chatwasm module inspect FILE.wasm [--json]     show a module's hooks, imports, ABI version
  chatwasm module call FILE.wasm HOOK [flags]    run one hook locally
  chatwasm module list [--json]                  list a server's modules (admin API)
  chatwasm module upload FILE.wasm --manifest M  upload a module to a server's database
  chatwasm module enable|disable|delete NAME     change an uploaded module

Tools for module authors (abi/README.md), and the management of the modules
stored in a server's database (docs/modules.md). Run
"chatwasm module COMMAND --help" for a command's flags.
`

func (c cli) module(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "chatwasm module", "subcommand", moduleUsage, args, map[string]func(context.Context, []string) int{
		"inspect": c.moduleInspect,
		"call":    c.moduleCall,
		"list":    c.moduleList,
		"upload":  c.moduleUpload,
		"enable":  func(ctx context.Context, args []string) int { return c.moduleChange(ctx, "enable", args) },
		"disable": func(ctx context.Context, args []string) int { return c.moduleChange(ctx, "disable", args) },
		"delete":  func(ctx context.Context, args []string) int { return c.moduleChange(ctx, "delete", args) },
	})
}

func (c cli) moduleInspect(ctx context.Context, args []string) int {
	cmd := newCommand("module inspect", "chatwasm module inspect FILE.wasm [flags]",
		"Describes a module without running it: the hooks and custom actions it exports,\n"+
			"its imports and the capabilities they need, the chatwasm ABI version it\n"+
			"declares, its size and sha256, and any reason the server would refuse it.", c.getenv)
	asJSON := cmd.fs.Bool("json", false, "print the report as JSON")
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError(cmd, "exactly one FILE.wasm is required")
	}
	r, err := modtool.InspectFile(ctx, pos[0])
	if err != nil {
		return c.fail("module inspect", err)
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = r.WriteText(c.stdout)
	}
	if err != nil {
		return c.fail("module inspect", err)
	}
	return exitOK
}

func (c cli) moduleCall(ctx context.Context, args []string) int {
	cmd := newCommand("module call", "chatwasm module call FILE.wasm HOOK [flags]",
		"Runs one hook of a module as the server would, with the host's default logic\n"+
			"as next, on a throw-away sandbox: a temporary SQLite database holding the\n"+
			"caller (--user, of --tenant) and a GroupChat room \"sandbox\" the caller\n"+
			"created. In --input, "+modtool.UserIDPlaceholder+" and "+modtool.RoomIDPlaceholder+
			" stand for their ids. Prints the hook's\n"+
			"output; when it fails, prints the error frame a client would get and exits 1.\n"+
			"Events the module emits and its logs go to stderr.", c.getenv)
	input := cmd.fs.String("input", "{}", "the hook's args (JSON)")
	var config keyValues
	cmd.fs.Var(&config, "config", "a config entry KEY=VALUE the module reads (repeatable)")
	var caps listValue
	cmd.fs.Var(&caps, "capability", "a capability to grant: "+strings.Join(abi.Capabilities(), ", ")+
		" or * (repeatable, or comma-separated)")
	tenant := cmd.fs.String("tenant", "", "the caller's tenant (default \"default\")")
	user := cmd.fs.String("user", modtool.DefaultUser, "the caller's username")
	timeout := cmd.Duration("timeout", "CHATWASM_MODULE_TIMEOUT", 0, "the call's deadline (default the module file's, 500ms)")
	memory := cmd.fs.String("memory", "", "the module's memory cap, e.g. 64MiB (default the module file's)")
	cache := cmd.String("module-cache", "CHATWASM_MODULE_CACHE", server.DefaultModuleCache(),
		"directory keeping compiled modules across runs (\"\" keeps them in memory)")
	logs := cmd.Logging()
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return c.usageError(cmd, "FILE.wasm and HOOK are required")
	}
	if _, ok := abi.LookupHook(pos[1]); !ok {
		return c.usageError(cmd, fmt.Sprintf("%q is not a hook name (see abi/README.md, \"Hooks\")", pos[1]))
	}
	var memBytes uint64
	if *memory != "" {
		n, err := humanize.ParseBytes(*memory)
		if err != nil || n == 0 {
			return c.usageError(cmd, fmt.Sprintf("--memory %q is not a size such as 64MiB", *memory))
		}
		memBytes = n
	}
	for _, cp := range caps {
		if cp != abi.CapAll && !slices.Contains(abi.Capabilities(), cp) {
			return c.usageError(cmd, fmt.Sprintf("unknown capability %q", cp))
		}
	}
	if *timeout < 0 {
		return c.usageError(cmd, "--timeout must not be negative")
	}
	res, err := modtool.Call(ctx, modtool.CallOptions{
		Path: pos[0], Hook: pos[1], Input: *input, Config: config.m, Capabilities: caps,
		Tenant: *tenant, User: *user, Timeout: *timeout, Memory: memBytes, CacheDir: *cache,
		Logger: c.logger(logs),
	})
	if err != nil {
		return c.fail("module call", err)
	}
	fmt.Fprintf(c.stderr, "sandbox: user %q id %d, room \"sandbox\" id %s\n", *user, res.UserID, res.RoomID)
	for _, ev := range res.Events {
		to := "room " + ev.RoomID
		if ev.To == abi.ToUser {
			to = fmt.Sprintf("user %d", ev.UserID)
		}
		fmt.Fprintf(c.stderr, "emitted to %s: %s %s\n", to, ev.EventType, ev.Data)
	}
	if res.Error != nil {
		b, err := json.Marshal(map[string]*abi.Error{"error": res.Error})
		if err != nil {
			return c.fail("module call", err)
		}
		fmt.Fprintln(c.stdout, string(b))
		fmt.Fprintf(c.stderr, "chatwasm module call: %s failed: %s\n", pos[1], explain(res.Cause))
		return exitError
	}
	var out bytes.Buffer
	if err := json.Indent(&out, res.Output, "", "  "); err != nil {
		out.Reset()
		out.Write(res.Output) // not JSON: shown as the module wrote it
	}
	fmt.Fprintln(c.stdout, out.String())
	return exitOK
}

// explain is the cause of a failed hook call for people: where the chain
// failed and the runtime's account of it.
func explain(err error) string {
	var he *hooks.Error
	if errors.As(err, &he) && he.Err != nil {
		if he.Module == "" {
			return he.Err.Error()
		}
		return fmt.Sprintf("module %q hook %q: %v", he.Module, he.Hook, he.Err)
	}
	return err.Error()
}

// keyValues is a repeatable KEY=VALUE flag.
type keyValues struct{ m map[string]string }

func (kv *keyValues) String() string {
	if kv == nil || len(kv.m) == 0 {
		return ""
	}
	parts := make([]string, 0, len(kv.m))
	for k, v := range kv.m {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (kv *keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", s)
	}
	if kv.m == nil {
		kv.m = map[string]string{}
	}
	kv.m[k] = v
	return nil
}

// listValue is a repeatable flag whose values may also be comma-separated.
type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }

func (l *listValue) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}
