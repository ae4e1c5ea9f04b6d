package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/chatwasm/chatwasm/host/hooks"
)

// adminClient is the admin API of the server a module command manages.
type adminClient struct {
	server, token *string
}

// adminFlags adds --server and --token to cmd.
func adminFlags(cmd *command) adminClient {
	return adminClient{
		server: cmd.String("server", "CHATWASM_SERVER", "http://127.0.0.1:8080",
			"base URL of the server's admin API (its internal listener with --internal-addr)"),
		token: cmd.String("token", "CHATWASM_ADMIN_TOKEN", "",
			"the admin token, or a tenant's (chatwasm admin-token [--tenant T])"),
	}
}

// adminTimeout bounds one admin request: an upload is loaded by the server
// before it answers.
const adminTimeout = 2 * time.Minute

// do sends one request to the admin API and returns the body of a 2xx
// answer; any other is an error carrying the API's message.
func (a adminClient) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	if *a.token == "" {
		return nil, usageErr("--token (or CHATWASM_ADMIN_TOKEN) is required")
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, adminTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(*a.server, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+*a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(out, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s %s: %s", method, path, e.Error)
		}
		return nil, fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	return out, nil
}

// listedModule is what module list prints of an entry of GET /admin/modules.
type listedModule struct {
	Name    string `json:"name"`
	Tenant  string `json:"tenant"`
	Source  string `json:"source"`
	SHA256  string `json:"sha256"`
	State   string `json:"state"`
	Calls   int64  `json:"calls"`
	Errors  int64  `json:"errors"`
	LastErr string `json:"last_error"`
}

func (c cli) moduleList(ctx context.Context, args []string) int {
	cmd := newCommand("module list", "chatwasm module list [flags]",
		"Lists a server's modules, those of its module file and those stored in its\n"+
			"database (a tenant's token: that tenant's only), with their state and calls.", c.getenv)
	api := adminFlags(cmd)
	asJSON := cmd.fs.Bool("json", false, "print the admin API's answer as it is")
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError(cmd, fmt.Sprintf("unexpected argument %q", pos[0]))
	}
	out, err := api.do(ctx, http.MethodGet, "/admin/modules", nil)
	if err != nil {
		return c.failOrUsage(cmd, err)
	}
	if *asJSON {
		_, err = c.stdout.Write(out)
		return c.result("module list", err)
	}
	var list struct {
		Modules []listedModule `json:"modules"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return c.fail("module list", err)
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSOURCE\tTENANT\tSTATE\tSHA256\tCALLS\tERRORS\tLAST ERROR")
	for _, m := range list.Modules {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.12s\t%d\t%d\t%s\n", m.Name, m.Source, m.Tenant, m.State, m.SHA256,
			m.Calls, m.Errors, m.LastErr)
	}
	return c.result("module list", w.Flush())
}

func (c cli) moduleUpload(ctx context.Context, args []string) int {
	cmd := newCommand("module upload", "chatwasm module upload FILE.wasm --manifest FILE.yaml [flags]",
		"Uploads a module to a server, which stores it in its database: every node\n"+
			"sharing it loads the module, at once. The manifest is one entry in the\n"+
			"modules.yaml format (name, hooks, tenants, config, capabilities, limits;\n"+
			"path and sha256 are ignored). Prints the module as the server lists it.", c.getenv)
	api := adminFlags(cmd)
	manifest := cmd.fs.String("manifest", "", "YAML file of the module's entry (required)")
	name := cmd.fs.String("name", "", "the module's name (default: the manifest's)")
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError(cmd, "exactly one FILE.wasm is required")
	}
	if *manifest == "" {
		return c.usageError(cmd, "--manifest is required")
	}
	wasm, err := os.ReadFile(pos[0])
	if err != nil {
		return c.fail("module upload", err)
	}
	text, err := os.ReadFile(*manifest)
	if err != nil {
		return c.fail("module upload", err)
	}
	entryName, mf, err := hooks.ParseManifestYAML(text)
	if err != nil {
		return c.fail("module upload", fmt.Errorf("%s: %w", *manifest, err))
	}
	if *name == "" {
		*name = entryName
	}
	if *name == "" {
		return c.usageError(cmd, "the manifest has no name: give --name")
	}
	out, err := api.do(ctx, http.MethodPost, "/admin/modules", map[string]any{"name": *name, "manifest": mf, "wasm": wasm})
	if err != nil {
		return c.failOrUsage(cmd, err)
	}
	_, err = c.stdout.Write(out)
	return c.result("module upload", err)
}

// moduleChange is module enable, disable and delete.
func (c cli) moduleChange(ctx context.Context, action string, args []string) int {
	cmd := newCommand("module "+action, "chatwasm module "+action+" NAME [flags]",
		map[string]string{
			"enable":  "Enables a module uploaded to the server: every node loads it again.",
			"disable": "Disables a module uploaded to the server: every node unloads it; it stays stored.",
			"delete":  "Deletes a module uploaded to the server: every node unloads it.",
		}[action], c.getenv)
	api := adminFlags(cmd)
	pos, code, ok := c.parse(cmd, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError(cmd, "exactly one NAME is required")
	}
	method, path := http.MethodPost, "/admin/modules/"+url.PathEscape(pos[0])+"/"+action
	if action == "delete" {
		method, path = http.MethodDelete, "/admin/modules/"+url.PathEscape(pos[0])
	}
	out, err := api.do(ctx, method, path, nil)
	if err != nil {
		return c.failOrUsage(cmd, err)
	}
	if len(out) == 0 {
		out = []byte(fmt.Sprintf("module %q deleted\n", pos[0]))
	}
	_, err = c.stdout.Write(out)
	return c.result("module "+action, err)
}

// failOrUsage fails cmd with err, as a usage error for a usageErr.
func (c cli) failOrUsage(cmd *command, err error) int {
	if ue, ok := err.(usageErr); ok {
		return c.usageError(cmd, string(ue))
	}
	return c.fail(cmd.fs.Name(), err)
}

// result is exitOK, or the failure of name with err.
func (c cli) result(name string, err error) int {
	if err != nil {
		return c.fail(name, err)
	}
	return exitOK
}
