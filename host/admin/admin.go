// Package admin is chatwasm's administration HTTP API: create, list, show and
// delete users, unlink external identities, issue access tokens, manage the
// modules uploaded to the database (modules.go), list the tenants and this
// node's open connections, and read its live counters. Every request carries
// the admin token as "Authorization: Bearer", or for /admin/modules a
// tenant admin token, which manages that tenant's modules only; every
// response body is JSON.
package admin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chatwasm/chatwasm/host/auth"
	"github.com/chatwasm/chatwasm/host/gateway"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/users"
	"github.com/prometheus/client_golang/prometheus"
)

// maxBody bounds a request body; admin requests are tiny.
const maxBody = 1 << 20

// Deps are the parts an API is built from.
type Deps struct {
	Store  *store.Store
	Issuer *auth.Issuer
	// Token is the admin bearer token; it must not be empty.
	Token string
	// UserDeleted is called after a user was deleted, to close their open
	// connections. May be nil.
	UserDeleted func(ctx context.Context, userID int64)
	// Sessions lists this node's open connections of a tenant ("" for
	// all), at most limit of them, and how many there are
	// (gateway.Gateway.Sessions). May be nil: none.
	Sessions func(tenant string, limit int) ([]gateway.Session, int)
	// SessionCounts counts this node's open connections by tenant
	// (gateway.Gateway.SessionCounts). May be nil: none.
	SessionCounts func() map[string]int
	// Metrics gathers the server's Prometheus metrics, which GET
	// /admin/stats reads its counters from. May be nil: zeros.
	Metrics prometheus.Gatherer
	// Started is when the server started, for the uptime.
	Started time.Time
	// Log may be nil (discard).
	Log *slog.Logger
	// Modules are the node's modules, which /admin/modules lists and checks
	// uploads with (a tenant's against Modules.TenantLimits); nil answers
	// /admin/modules with 404.
	Modules *hooks.Manager
	// ModulesChanged is called after a stored module was added, enabled,
	// disabled or deleted: it reloads this node's modules and tells the
	// other nodes. May be nil.
	ModulesChanged func(ctx context.Context)
	// MaxModuleBytes bounds the body of an upload; 0 means
	// DefaultMaxModuleBytes.
	MaxModuleBytes int64
}

// API is the admin HTTP API, mounted at /admin/.
type API struct {
	d   Deps
	mux *http.ServeMux
	// uploads holds a token per upload in progress (maxUploads).
	uploads chan struct{}
}

// New returns the API.
func New(d Deps) (*API, error) {
	if d.Store == nil || d.Issuer == nil || d.Token == "" {
		return nil, errors.New("admin: Store, Issuer and Token are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	a := &API{d: d, mux: http.NewServeMux(), uploads: make(chan struct{}, maxUploads)}
	a.mux.HandleFunc("POST /admin/users", a.createUser)
	a.mux.HandleFunc("GET /admin/users", a.listUsers)
	a.mux.HandleFunc("GET /admin/users/{id}", a.getUser)
	a.mux.HandleFunc("DELETE /admin/users/{id}", a.deleteUser)
	a.mux.HandleFunc("DELETE /admin/identities", a.unlinkIdentity)
	a.mux.HandleFunc("POST /admin/tokens", a.issueToken)
	a.mux.HandleFunc("GET /admin/tenants", a.listTenants)
	a.mux.HandleFunc("GET /admin/sessions", a.listSessions)
	a.mux.HandleFunc("GET /admin/stats", a.stats)
	if d.Modules != nil {
		a.routeModules()
	}
	// The same paths with any other method, then everything else. (GET
	// patterns also match HEAD.)
	a.mux.Handle("/admin/users", methodNotAllowed("GET, HEAD, POST"))
	a.mux.Handle("/admin/users/{id}", methodNotAllowed("GET, HEAD, DELETE"))
	a.mux.Handle("/admin/identities", methodNotAllowed(http.MethodDelete))
	a.mux.Handle("/admin/tokens", methodNotAllowed(http.MethodPost))
	for _, p := range []string{"/admin/tenants", "/admin/sessions", "/admin/stats"} {
		a.mux.Handle(p, methodNotAllowed("GET, HEAD"))
	}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	})
	return a, nil
}

// ServeHTTP checks the admin token, or a tenant admin token on
// /admin/modules, then routes.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	tok := auth.BearerToken(r)
	if tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(a.d.Token)) == 1 {
		a.mux.ServeHTTP(w, r)
		return
	}
	tenant, err := a.d.Issuer.VerifyTenantAdmin(tok)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chatwasm admin"`)
		writeError(w, http.StatusUnauthorized, "missing or invalid admin token")
		return
	}
	if r.URL.Path != modulesPath && !strings.HasPrefix(r.URL.Path, modulesPath+"/") {
		writeError(w, http.StatusForbidden, fmt.Sprintf("a token of tenant %q may only manage its modules (%s)", tenant, modulesPath))
		return
	}
	a.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tenantKey{}, tenant)))
}

// tenantKey keys the tenant of a tenant admin token in a request's context.
type tenantKey struct{}

// tenantOf returns the tenant whose admin token authenticated r, and false
// for the operator's admin token.
func tenantOf(r *http.Request) (string, bool) {
	t, ok := r.Context().Value(tenantKey{}).(string)
	return t, ok
}

// newUser is the body of POST /admin/users.
type newUser struct {
	Username  string `json:"username"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Tenant    string `json:"tenant"`
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var in newUser
	if !decode(w, r, &in) {
		return
	}
	u, err := users.Create(r.Context(), a.d.Store, users.Input(in))
	switch {
	case errors.Is(err, users.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, fmt.Sprintf("username %q already exists", in.Username))
	case err != nil:
		a.internal(w, r, err)
	default:
		a.d.Log.Info("user created", "user", u.ID, "username", u.Username, "tenant", u.Tenant)
		writeJSON(w, http.StatusCreated, u)
	}
}

// listUsers answers GET /admin/users?tenant=&after=&limit= with a page of
// users ordered by id; "next" is the after of the next page, null on the last.
func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, limit := int64(0), users.DefaultPageSize
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("after %q must be a user id (a non-negative integer)", v))
			return
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > users.MaxPageSize {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q must be an integer from 1 to %d", v, users.MaxPageSize))
			return
		}
		limit = n
	}
	p, err := users.List(r.Context(), a.d.Store, q.Get("tenant"), after, limit)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// getUser answers GET /admin/users/{id} with the user and its identities.
func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := userID(w, r)
	if !ok {
		return
	}
	d, err := users.Get(r.Context(), a.d.Store, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("user %d not found", id))
	case err != nil:
		a.internal(w, r, err)
	default:
		writeJSON(w, http.StatusOK, d)
	}
}

// unlinkIdentity answers DELETE /admin/identities?issuer=&subject=. The
// identity may belong to a live user or to a deleted one; its next token is
// then a new identity. The user's open connections stay open.
func (a *API) unlinkIdentity(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	iss, sub := q.Get("issuer"), q.Get("subject")
	if iss == "" || sub == "" {
		writeError(w, http.StatusBadRequest, "issuer and subject query parameters are required")
		return
	}
	err := a.d.Store.Write(r.Context(), func(tx *store.Tx) error { return tx.UnlinkExternalIdentity(r.Context(), iss, sub) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("identity %q of issuer %q not found", sub, iss))
	case err != nil:
		a.internal(w, r, err)
	default:
		a.d.Log.Info("identity unlinked", "issuer", iss, "subject", sub)
		w.WriteHeader(http.StatusNoContent)
	}
}

// userID parses the {id} path value; on failure it has answered 400.
func userID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "user id must be a positive integer")
		return 0, false
	}
	return id, true
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := userID(w, r)
	if !ok {
		return
	}
	err := a.d.Store.Write(r.Context(), func(tx *store.Tx) error { return tx.DeleteUser(r.Context(), id) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("user %d not found", id))
		return
	case err != nil:
		a.internal(w, r, err)
		return
	}
	a.d.Log.Info("user deleted", "user", id)
	if a.d.UserDeleted != nil {
		a.d.UserDeleted(r.Context(), id)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) issueToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID *int64 `json:"user_id"`
		TTL    string `json:"ttl"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.UserID == nil {
		writeError(w, http.StatusBadRequest, "user_id is required")
		return
	}
	ttl := auth.DefaultTokenTTL
	if in.TTL != "" {
		d, err := time.ParseDuration(in.TTL)
		if err != nil || d <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("ttl %q must be a positive Go duration such as \"1h\"", in.TTL))
			return
		}
		ttl = d
	}
	err := a.d.Store.Read(r.Context(), func(tx *store.Tx) error {
		_, err := tx.GetUser(r.Context(), *in.UserID)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("user %d not found", *in.UserID))
		return
	case err != nil:
		a.internal(w, r, err)
		return
	}
	tok, err := a.d.Issuer.Issue(*in.UserID, ttl)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}

func (a *API) internal(w http.ResponseWriter, r *http.Request, err error) {
	a.d.Log.ErrorContext(r.Context(), "admin request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "internal server error")
}

func methodNotAllowed(allow string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed, use %s", r.Method, allow))
	})
}

// decode reads a JSON object body into v, strictly: unknown fields, trailing
// data and oversized bodies are errors. On failure it has answered 400 (or
// 413) and returns false.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeLimit(w, r, v, maxBody)
}

// decodeLimit is decode with a body limit of limit bytes.
func decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		return true
	}
	var te *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", tooBig.Limit))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "request body must be a JSON object")
	case errors.As(err, &te) && te.Field != "":
		writeError(w, http.StatusBadRequest, fmt.Sprintf("field %q must be of type %s", te.Field, te.Type))
	case errors.As(err, &te):
		writeError(w, http.StatusBadRequest, "request body must be a JSON object")
	default:
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the status is sent; a failed write means the client left
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
