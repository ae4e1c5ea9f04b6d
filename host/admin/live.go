package admin

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/chatwasm/chatwasm/host/gateway"
	"github.com/chatwasm/chatwasm/host/store"
)

// Session pages: 100 connections by default, at most 1000.
const (
	defaultSessions = 100
	maxSessions     = 1000
)

// tenantInfo is one tenant of GET /admin/tenants.
type tenantInfo struct {
	Tenant string `json:"tenant"`
	Users  int64  `json:"users"`
	// Sessions are its users' open connections on this node.
	Sessions int `json:"sessions"`
}

// listTenants answers GET /admin/tenants with every tenant that has users
// or open connections, by name, with their numbers.
func (a *API) listTenants(w http.ResponseWriter, r *http.Request) {
	var counts []store.TenantUsers
	err := a.d.Store.Read(r.Context(), func(tx *store.Tx) error {
		var err error
		counts, err = tx.TenantUserCounts(r.Context())
		return err
	})
	if err != nil {
		a.internal(w, r, err)
		return
	}
	byName := map[string]*tenantInfo{}
	out := make([]*tenantInfo, 0, len(counts))
	info := func(name string) *tenantInfo {
		t := byName[name]
		if t == nil {
			t = &tenantInfo{Tenant: name}
			byName[name] = t
			out = append(out, t)
		}
		return t
	}
	for _, c := range counts {
		info(c.Tenant).Users = c.Users
	}
	if a.d.SessionCounts != nil {
		for tenant, n := range a.d.SessionCounts() {
			info(tenant).Sessions = n
		}
	}
	slices.SortFunc(out, func(x, y *tenantInfo) int { return strings.Compare(x.Tenant, y.Tenant) })
	writeJSON(w, http.StatusOK, map[string]any{"tenants": out})
}

// listSessions answers GET /admin/sessions?tenant=&limit= with this node's
// open connections, oldest first: {"sessions": [...], "total": N}, total
// counting those past the limit too.
func (a *API) listSessions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := defaultSessions
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSessions {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit %q must be an integer from 1 to %d", v, maxSessions))
			return
		}
		limit = n
	}
	page, total := a.sessions(q.Get("tenant"), limit)
	writeJSON(w, http.StatusOK, map[string]any{"sessions": page, "total": total})
}

// sessions is Deps.Sessions, none without it.
func (a *API) sessions(tenant string, limit int) ([]gateway.Session, int) {
	if a.d.Sessions == nil {
		return []gateway.Session{}, 0
	}
	page, total := a.d.Sessions(tenant, limit)
	if page == nil {
		page = []gateway.Session{}
	}
	return page, total
}
