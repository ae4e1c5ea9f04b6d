package admin

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
)

// modulesPath is the root of the module endpoints, the only ones a tenant
// admin token may call.
const modulesPath = "/admin/modules"

// DefaultMaxModuleBytes bounds an upload's body when Deps.MaxModuleBytes
// is 0.
const DefaultMaxModuleBytes = 16 << 20

// maxUploads is how many uploads a node reads and checks at once: each
// holds its body (up to MaxModuleBytes, decoded) and a compilation in
// memory, so that many at once could exhaust the node's memory. The others
// wait their turn before reading their body.
const maxUploads = 2

// uploadReadTimeout bounds the reading of an upload's body, so that a slow
// client cannot keep a turn for ever.
const uploadReadTimeout = 5 * time.Minute

// moduleView is one module as GET /admin/modules lists it.
type moduleView struct {
	Name string `json:"name"`
	// Tenant owns the module, "" for the operator's (and the file's).
	Tenant string `json:"tenant"`
	// Source is "file" (modules.yaml, read-only here) or "api".
	Source          string   `json:"source"`
	SHA256          string   `json:"sha256"`
	Size            int64    `json:"size"`
	Hooks           []string `json:"hooks"`
	Tenants         []string `json:"tenants"`
	Capabilities    []string `json:"capabilities"`
	Enabled         bool     `json:"enabled"`
	State           string   `json:"state"` // active, disabled or refused
	DisabledTenants []string `json:"disabled_tenants"`
	LastError       string   `json:"last_error"`
	Calls           int64    `json:"calls"`
	Errors          int64    `json:"errors"`
	Timeouts        int64    `json:"timeouts"`
	CallSeconds     float64  `json:"call_seconds"`
	UpdatedAt       string   `json:"updated_at"`
}

// Module states.
const (
	stateActive   = "active"
	stateDisabled = "disabled"
	stateRefused  = "refused"
)

func (a *API) routeModules() {
	a.mux.HandleFunc("GET "+modulesPath, a.listModules)
	a.mux.HandleFunc("POST "+modulesPath, a.uploadModule)
	a.mux.HandleFunc("GET "+modulesPath+"/{name}", a.getModule)
	a.mux.HandleFunc("DELETE "+modulesPath+"/{name}", a.deleteModule)
	a.mux.HandleFunc("POST "+modulesPath+"/{name}/enable", func(w http.ResponseWriter, r *http.Request) { a.enableModule(w, r, true) })
	a.mux.HandleFunc("POST "+modulesPath+"/{name}/disable", func(w http.ResponseWriter, r *http.Request) { a.enableModule(w, r, false) })
	a.mux.Handle(modulesPath, methodNotAllowed("GET, HEAD, POST"))
	a.mux.Handle(modulesPath+"/{name}", methodNotAllowed("GET, HEAD, DELETE"))
	a.mux.Handle(modulesPath+"/{name}/enable", methodNotAllowed(http.MethodPost))
	a.mux.Handle(modulesPath+"/{name}/disable", methodNotAllowed(http.MethodPost))
}

// views returns the modules r may see, file modules first in chain order,
// then the stored ones by name.
func (a *API) views(ctx context.Context, r *http.Request) ([]moduleView, error) {
	var stored []store.StoredModule
	if err := a.d.Store.Read(ctx, func(tx *store.Tx) (err error) { stored, err = tx.ListModules(ctx); return err }); err != nil {
		return nil, err
	}
	tenant, scoped := tenantOf(r)
	status := a.d.Modules.Status()
	var out []moduleView
	if !scoped {
		for _, st := range status {
			if !st.Stored {
				out = append(out, fileView(st))
			}
		}
	}
	for _, sm := range stored {
		if scoped && sm.Tenant != tenant {
			continue
		}
		i := slices.IndexFunc(status, func(st hooks.ModuleStatus) bool { return st.Stored && st.Name == sm.Name })
		var st *hooks.ModuleStatus
		if i >= 0 {
			st = &status[i]
		}
		out = append(out, storedView(sm, st))
	}
	return out, nil
}

// fileView is the view of a module of the module file.
func fileView(st hooks.ModuleStatus) moduleView {
	v := moduleView{Name: st.Name, Source: "file", Enabled: true, State: stateActive, Tenants: st.Tenants}
	v.withStatus(st)
	if !st.Updated.IsZero() {
		v.UpdatedAt = st.Updated.UTC().Format(time.RFC3339)
	}
	return v
}

// storedView is the view of a stored module, st its status on this node
// (nil when it is not loaded, nor refused).
func storedView(sm store.StoredModule, st *hooks.ModuleStatus) moduleView {
	v := moduleView{Name: sm.Name, Tenant: sm.Tenant, Source: "api", SHA256: sm.SHA256, Size: sm.Size,
		Enabled: sm.Enabled, State: stateActive, UpdatedAt: sm.UpdatedAt.Format(time.RFC3339)}
	// What the manifest asks, until the module is loaded.
	if spec, err := hooks.StoredSpec(sm); err == nil {
		v.Hooks, v.Tenants, v.Capabilities = spec.Hooks, spec.Tenants, spec.Capabilities
	}
	if st != nil {
		sha := v.SHA256
		v.withStatus(*st)
		v.SHA256, v.Size = sha, sm.Size
		if st.Refused != "" {
			v.State, v.LastError = stateRefused, st.Refused
		}
	}
	if !sm.Enabled {
		v.State = stateDisabled
	}
	v.nonNil()
	return v
}

// nonNil makes the view's lists [] rather than null (tenants excepted: null
// is every tenant).
func (v *moduleView) nonNil() {
	for _, l := range []*[]string{&v.Hooks, &v.Capabilities, &v.DisabledTenants} {
		if *l == nil {
			*l = []string{}
		}
	}
}

// withStatus fills what the node knows of a loaded module.
func (v *moduleView) withStatus(st hooks.ModuleStatus) {
	v.SHA256, v.Size = st.SHA256, int64(st.Size)
	if st.Refused == "" {
		v.Hooks, v.Tenants, v.Capabilities = st.Hooks, st.Tenants, st.Capabilities
	}
	v.DisabledTenants = st.DisabledTenants
	v.Calls, v.Errors, v.Timeouts, v.CallSeconds = st.Calls, st.Errors, st.Timeouts, st.CallTime.Seconds()
	v.LastError = st.LastFault
	v.nonNil()
}

func (a *API) listModules(w http.ResponseWriter, r *http.Request) {
	vs, err := a.views(r.Context(), r)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if vs == nil {
		vs = []moduleView{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"modules": vs})
}

// view answers with the module named by the path as r may see it: on
// failure it has answered 404 and returns false.
func (a *API) view(w http.ResponseWriter, r *http.Request, name string) (moduleView, bool) {
	vs, err := a.views(r.Context(), r)
	if err != nil {
		a.internal(w, r, err)
		return moduleView{}, false
	}
	// A stored module of a file module's name is listed twice: the
	// stored one is the one managed here.
	for _, src := range []string{"api", "file"} {
		if i := slices.IndexFunc(vs, func(v moduleView) bool { return v.Name == name && v.Source == src }); i >= 0 {
			return vs[i], true
		}
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("module %q not found", name))
	return moduleView{}, false
}

func (a *API) getModule(w http.ResponseWriter, r *http.Request) {
	if v, ok := a.view(w, r, r.PathValue("name")); ok {
		writeJSON(w, http.StatusOK, v)
	}
}

// upload is the body of POST /admin/modules (as JSON; multipart has the
// same fields, manifest as JSON text and wasm as a file).
type upload struct {
	Name     string          `json:"name"`
	Manifest json.RawMessage `json:"manifest"`
	Wasm     []byte          `json:"wasm"` // base64 in JSON
}

// readUpload reads an upload, as JSON or multipart/form-data; on failure
// it has answered and returns false.
func (a *API) readUpload(w http.ResponseWriter, r *http.Request) (upload, bool) {
	limit := cmp.Or(a.d.MaxModuleBytes, DefaultMaxModuleBytes)
	var in upload
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return in, decodeLimit(w, r, &in, limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(limit); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
		} else {
			writeError(w, http.StatusBadRequest, "invalid multipart body: "+err.Error())
		}
		return in, false
	}
	defer r.MultipartForm.RemoveAll()
	in.Name = r.FormValue("name")
	if m := r.FormValue("manifest"); m != "" {
		in.Manifest = json.RawMessage(m)
	}
	f, _, err := r.FormFile("wasm")
	if err != nil {
		writeError(w, http.StatusBadRequest, "multipart body without a wasm file part")
		return in, false
	}
	defer f.Close()
	if in.Wasm, err = io.ReadAll(f); err != nil {
		writeError(w, http.StatusBadRequest, "reading the wasm part: "+err.Error())
		return in, false
	}
	return in, true
}

// uploadModule answers POST /admin/modules: the manifest is validated as a
// module file's entry, a tenant's against the tenant module policy, and
// the module loaded once, before anything is stored; then every node
// loads it.
func (a *API) uploadModule(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	select {
	case a.uploads <- struct{}{}:
		defer func() { <-a.uploads }()
	case <-ctx.Done():
		writeError(w, http.StatusServiceUnavailable, "the request ended while waiting for the uploads in progress")
		return
	}
	// Not every ResponseWriter supports it (httptest's does not): then
	// the server's own limits apply.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTimeout))
	in, ok := a.readUpload(w, r)
	if !ok {
		return
	}
	if len(in.Wasm) == 0 {
		writeError(w, http.StatusBadRequest, "wasm is required (the module's bytes, base64 in JSON)")
		return
	}
	var mf hooks.Manifest
	if len(in.Manifest) > 0 {
		var err error
		if mf, err = hooks.DecodeManifest(in.Manifest); err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	spec, err := mf.Spec(in.Name)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	tenant, scoped := tenantOf(r)
	if scoped {
		// A tenant's module applies to its tenant only.
		mf.Tenants, spec.Tenants = []string{tenant}, []string{tenant}
		if err := a.d.Modules.TenantLimits().Check(spec); err != nil {
			writeError(w, http.StatusForbidden, fmt.Sprintf("module %q: %v", in.Name, err))
			return
		}
	}
	if a.d.Modules.FileModule(in.Name) {
		writeError(w, http.StatusConflict, fmt.Sprintf("module %q is managed by modules.yaml", in.Name))
		return
	}
	spec.Wasm = in.Wasm
	if err := a.d.Modules.Check(ctx, spec); err != nil {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("module %q: %v", in.Name, err))
		return
	}
	manifest, err := json.Marshal(mf)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	sum := sha256.Sum256(in.Wasm)
	sm := store.StoredModule{Name: in.Name, Tenant: tenant, Wasm: in.Wasm, SHA256: hex.EncodeToString(sum[:]),
		Manifest: string(manifest), Enabled: true}
	err = a.d.Store.Write(ctx, func(tx *store.Tx) error {
		if scoped {
			n, err := tx.CountTenantModules(ctx, tenant)
			if err != nil {
				return err
			}
			if err := a.d.Modules.TenantLimits().CheckCount(tenant, n); err != nil {
				return err
			}
		}
		return tx.CreateModule(ctx, sm)
	})
	switch {
	case errors.Is(err, hooks.ErrOverLimits):
		writeError(w, http.StatusForbidden, fmt.Sprintf("module %q: %v", in.Name, err))
		return
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, fmt.Sprintf("module %q already exists", in.Name))
		return
	case err != nil:
		a.internal(w, r, err)
		return
	}
	a.d.Log.InfoContext(ctx, "module uploaded", "module", in.Name, "tenant", tenant, "sha256", sm.SHA256, "size", len(in.Wasm))
	a.changed(ctx)
	if v, ok := a.view(w, r, in.Name); ok {
		writeJSON(w, http.StatusCreated, v)
	}
}

// managed answers, for a module r may not change, why, and returns false:
// 404 for one it cannot see, 409 for a module of the module file.
func (a *API) managed(w http.ResponseWriter, r *http.Request, name string) bool {
	v, ok := a.view(w, r, name)
	if !ok {
		return false
	}
	if v.Source == "file" {
		writeError(w, http.StatusConflict, fmt.Sprintf("module %q is managed by modules.yaml", name))
		return false
	}
	return true
}

func (a *API) enableModule(w http.ResponseWriter, r *http.Request, enable bool) {
	ctx, name := r.Context(), r.PathValue("name")
	what := map[bool]string{true: "enabled", false: "disabled"}[enable]
	if !a.changeModule(w, r, name, what, func(tx *store.Tx, owner store.Owner) error {
		return tx.SetModuleEnabled(ctx, name, owner, enable)
	}) {
		return
	}
	if v, ok := a.view(w, r, name); ok {
		writeJSON(w, http.StatusOK, v)
	}
}

func (a *API) deleteModule(w http.ResponseWriter, r *http.Request) {
	ctx, name := r.Context(), r.PathValue("name")
	if a.changeModule(w, r, name, "deleted", func(tx *store.Tx, owner store.Owner) error {
		return tx.DeleteModule(ctx, name, owner)
	}) {
		w.WriteHeader(http.StatusNoContent)
	}
}

// changeModule makes change to the stored module name, as the owner r may
// change (a tenant admin token: its tenant's modules only; the admin token:
// any), logs it as what, and tells every node. On failure it has answered
// and returns false.
func (a *API) changeModule(w http.ResponseWriter, r *http.Request, name, what string,
	change func(tx *store.Tx, owner store.Owner) error) bool {
	ctx := r.Context()
	if !a.managed(w, r, name) {
		return false
	}
	owner := store.AnyOwner
	if tenant, scoped := tenantOf(r); scoped {
		owner = store.OwnedBy(tenant)
	}
	err := a.d.Store.Write(ctx, func(tx *store.Tx) error { return change(tx, owner) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("module %q not found", name))
		return false
	case err != nil:
		a.internal(w, r, err)
		return false
	}
	a.d.Log.InfoContext(ctx, "module "+what, "module", name)
	a.changed(ctx)
	return true
}

// changed tells the node, and through it the others, that the stored
// modules changed.
func (a *API) changed(ctx context.Context) {
	if a.d.ModulesChanged != nil {
		a.d.ModulesChanged(ctx)
	}
}
