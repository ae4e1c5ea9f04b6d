// Package gobuild builds Go packages for the tests that run them: a module
// for wasip1, or a host command such as the chatwasm server. A build is
// cached under the system temp dir, keyed by the toolchain, the target and
// the sources of the package and of every dependency outside the standard
// library, so that a repeated run costs one `go list` and parallel test
// processes share one build.
package gobuild

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// cacheDir keeps built .wasm files and binaries across test runs.
var cacheDir = filepath.Join(os.TempDir(), "chatwasm-gobuild")

// Wasm builds the Go module package in dir (a main package using
// //go:wasmexport) with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared and
// returns the path of the .wasm. tags are the build tags to build with.
func Wasm(dir string, tags ...string) (string, error) { return build(dir, true, tags) }

// Command builds the main package pkg (an import path) for the host and
// returns the path of the binary.
func Command(pkg string) (string, error) {
	out, err := exec.Command(Tool(), "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", pkg, err)
	}
	return build(strings.TrimSpace(string(out)), false, nil)
}

// build builds the package in dir (for wasip1 as a c-shared module if wasm,
// else as a host binary) with tags into the cache unless an identical build is
// there.
func build(dir string, wasm bool, tags []string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	env := os.Environ()
	var flags []string
	if len(tags) > 0 {
		flags = append(flags, "-tags="+strings.Join(tags, ","))
	}
	args := append([]string{"build"}, flags...)
	if wasm {
		env = append(env, "GOOS=wasip1", "GOARCH=wasm")
		args = append(args, "-buildmode=c-shared")
	}
	args = append(args, "-o")
	key, err := sourceKey(abs, env, flags)
	if err != nil {
		return "", err
	}
	name := filepath.Base(abs)
	if wasm {
		name += ".wasm"
	}
	out := filepath.Join(cacheDir, key, name)
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	// A private name then a rename: a parallel build of the same key never
	// exposes a half-written file.
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command(Tool(), append(args, tmp, ".")...)
	cmd.Dir = abs
	cmd.Env = env
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %w\n%s", abs, err, msg)
	}
	return out, os.Rename(tmp, out)
}

// listedPackage is what sourceKey needs of `go list -json`.
type listedPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	EmbedFiles []string
	Module     *struct {
		Path    string
		Version string
		Main    bool
		GoMod   string
		Replace *struct{ Dir string }
	}
}

// sourceKey hashes what a build of the package in dir with the build flags
// depends on: the toolchain, the target, the flags, and every non-standard dependency: the files of
// packages in a local module (the main module, or one replaced by a
// directory), the version of the others.
func sourceKey(dir string, env, flags []string) (string, error) {
	args := append(append([]string{"list", "-deps"}, flags...), "-json=ImportPath,Dir,Standard,GoFiles,EmbedFiles,Module", ".")
	cmd := exec.Command(Tool(), args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stderr = os.Stderr
	stdout, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list in %s: %w", dir, err)
	}
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version(), dir)
	for _, kv := range env {
		if strings.HasPrefix(kv, "GOOS=") || strings.HasPrefix(kv, "GOARCH=") {
			fmt.Fprintln(h, kv)
		}
	}
	for _, f := range flags {
		fmt.Fprintln(h, f)
	}
	dec := json.NewDecoder(strings.NewReader(string(stdout)))
	goMods := map[string]bool{}
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			return "", fmt.Errorf("go list in %s: %w", dir, err)
		}
		if p.Standard {
			continue
		}
		fmt.Fprintln(h, p.ImportPath)
		m := p.Module
		if m != nil && !m.Main && m.Replace == nil {
			fmt.Fprintln(h, m.Path, m.Version)
			continue
		}
		if m != nil && m.GoMod != "" {
			goMods[m.GoMod] = true
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			if err := hashFile(h, filepath.Join(p.Dir, f)); err != nil {
				return "", err
			}
		}
	}
	for _, gm := range slices.Sorted(maps.Keys(goMods)) {
		for _, f := range []string{gm, strings.TrimSuffix(gm, ".mod") + ".sum"} {
			if err := hashFile(h, f); err != nil && !os.IsNotExist(err) {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

func hashFile(h io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintln(h, path)
	_, err = io.Copy(h, f)
	return err
}

// Tool is the go command of the toolchain running the tests: go test puts
// its own toolchain first on PATH.
func Tool() string { return "go" }
