package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version prints the module version, the VCS commit the binary was built
// from (with "+dirty" for uncommitted changes) and the Go version, as the
// build recorded them.
func (c cli) version(_ context.Context, args []string) int {
	cmd := newCommand("version", "chatwasm version", "Print the version, commit and Go version of this binary.", c.getenv)
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(cmd, fmt.Sprintf("unexpected argument %q", pos[0]))
	}
	version, commit, goVersion := "(unknown)", "(unknown)", "(unknown)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version, goVersion = bi.Main.Version, bi.GoVersion
		dirty := ""
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		commit += dirty
	}
	fmt.Fprintf(c.stdout, "chatwasm %s\ncommit %s\n%s\n", version, commit, goVersion)
	return exitOK
}
