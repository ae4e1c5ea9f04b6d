package abi

import (
	"strconv"
	"strings"
)

// Version is the ABI version this host speaks. It changes only when a module
// written for the previous version could misbehave on this host.
const Version = 1

// versionExportPrefix starts the marker export by which a module declares the
// ABI version it was written for: "chatwasm_abi_v1". A marker export (rather
// than a function the host calls) lets the host check the version from the
// module's export list alone, before instantiating it, and costs a module one
// empty function in any language.
const versionExportPrefix = "chatwasm_abi_v"

// VersionExport is the export a module of this ABI version must have.
func VersionExport() string { return versionExportPrefix + strconv.Itoa(Version) }

// DeclaredVersions returns the ABI versions a module declares through its
// exports (normally exactly one).
func DeclaredVersions(exports []string) []int {
	var out []int
	for _, e := range exports {
		rest, ok := strings.CutPrefix(e, versionExportPrefix)
		if !ok {
			continue
		}
		if v, err := strconv.Atoi(rest); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	return out
}
