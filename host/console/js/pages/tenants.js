// Tenants: GET /admin/tenants, each with its users and its open
// connections on this node.
import { api } from '../api.js';
import { h, table } from '../dom.js';
import { count } from '../format.js';

export default async function tenants(root) {
  const { tenants: list } = await api('GET', 'tenants');
  const q = (t) => new URLSearchParams({ tenant: t });
  root.replaceChildren(
    h('h2', null, 'Tenants'),
    table([
      { title: 'Tenant', key: 'tenant', cell: (t) => t.tenant },
      { title: 'Users', num: true, key: 'users', cell: (t) => h('a', { href: `#users?${q(t.tenant)}` }, count(t.users)) },
      { title: 'Connections (this node)', num: true, key: 'sessions',
        cell: (t) => h('a', { href: `#sessions?${q(t.tenant)}` }, count(t.sessions)) },
    ], list, (t) => ({ 'data-tenant': t.tenant })),
  );
}
