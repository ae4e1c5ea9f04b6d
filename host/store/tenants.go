package store

import "context"

// TenantUsers is one tenant and how many users it has.
type TenantUsers struct {
	Tenant string
	Users  int64
}

// TenantUserCounts returns every tenant that has users, with their number,
// ordered by tenant name (the admin API's GET /admin/tenants).
func (t *Tx) TenantUserCounts(ctx context.Context) ([]TenantUsers, error) {
	return collect(ctx, t.ex, "tenant user counts", func(r scanner) (TenantUsers, error) {
		var tu TenantUsers
		err := r.Scan(&tu.Tenant, &tu.Users)
		return tu, err
	}, "SELECT tenant, COUNT(*) FROM users GROUP BY tenant ORDER BY tenant")
}
