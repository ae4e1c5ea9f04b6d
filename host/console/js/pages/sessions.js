// Sessions: this node's open connections (GET /admin/sessions), oldest
// first, refreshed every few seconds.
import { api } from '../api.js';
import { errorBox, every, h, table } from '../dom.js';
import { count, when } from '../format.js';

const REFRESH_MS = 5000;

export default async function sessions(root, { params }) {
  const tenant = params.get('tenant') ?? '';
  const limit = params.get('limit') ?? '100';
  const filter = h('form', { class: 'toolbar', onsubmit: (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const p = new URLSearchParams();
    if (f.get('tenant')) p.set('tenant', f.get('tenant'));
    if (f.get('limit') !== '100') p.set('limit', f.get('limit'));
    location.hash = 'sessions' + (p.size ? '?' + p : '');
  } },
  h('label', null, 'Tenant', h('input', { name: 'tenant', value: tenant, placeholder: 'all tenants' })),
  h('label', null, 'Show at most', h('select', { name: 'limit' },
    ['100', '500', '1000'].map((n) => h('option', { value: n, selected: n === limit }, n)))),
  h('button', { type: 'submit' }, 'Show'));
  const body = h('div');
  const summary = h('p', { class: 'muted' });
  root.replaceChildren(h('h2', null, 'Connected sessions'), filter, summary, body);
  const q = new URLSearchParams({ limit });
  if (tenant) q.set('tenant', tenant);
  return every(REFRESH_MS, async () => {
    let page;
    try {
      page = await api('GET', 'sessions?' + q);
    } catch (err) {
      body.replaceChildren(errorBox(err));
      return;
    }
    summary.textContent = `${count(page.total)} open on this node` +
      (page.total > page.sessions.length ? `, the oldest ${page.sessions.length} shown` : '') +
      `; updated ${new Date().toLocaleTimeString()}.`;
    body.replaceChildren(table([
      { title: 'User', key: 'user', cell: (s) => h('a', { href: `#users/${s.user_id}` }, `${s.username} (${s.user_id})`) },
      { title: 'Tenant', key: 'tenant', cell: (s) => s.tenant },
      { title: 'Connected since', key: 'connected_at', cell: (s) => when(s.connected_at) },
      { title: 'Remote address', key: 'remote_addr', cell: (s) => h('span', { class: 'mono' }, s.remote_addr || '–') },
      { title: 'Rooms', num: true, key: 'rooms', cell: (s) => count(s.rooms) },
      { title: 'Session', num: true, key: 'session_id', cell: (s) => String(s.session_id) },
      { title: 'Channel', key: 'channel', cell: (s) => h('span', { class: 'mono' }, s.channel) },
    ], page.sessions, (s) => ({ 'data-channel': s.channel })));
  });
}
