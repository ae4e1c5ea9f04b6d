// Users: a page of GET /admin/users (by tenant, page by page), a form
// creating one, and #users/ID: one user with its identities, a token
// issued for it, and its deletion.
import { api } from '../api.js';
import { errorBox, h, table } from '../dom.js';

export default async function users(root, { rest, params }) {
  if (rest[0]) return user(root, rest[0]);
  const tenant = params.get('tenant') ?? '';
  const limit = params.get('limit') ?? '50';
  const after = params.get('after') ?? '0';
  // prev holds the "after" of each earlier page, for the way back.
  const prev = (params.get('prev') ?? '').split(',').filter(Boolean);
  const q = new URLSearchParams({ after, limit });
  if (tenant) q.set('tenant', tenant);
  const page = await api('GET', 'users?' + q);

  const go = (over) => {
    const p = new URLSearchParams({ tenant, limit, after, prev: prev.join(','), ...over });
    for (const [k, v] of [...p]) if (!v || (k === 'after' && v === '0')) p.delete(k);
    location.hash = 'users' + (p.size ? '?' + p : '');
  };
  const filter = h('form', { class: 'toolbar', onsubmit: (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    go({ tenant: f.get('tenant'), limit: f.get('limit'), after: '0', prev: '' });
  } },
  h('label', null, 'Tenant', h('input', { name: 'tenant', value: tenant, placeholder: 'all tenants' })),
  h('label', null, 'Per page', h('select', { name: 'limit' },
    ['20', '50', '100', '500'].map((n) => h('option', { value: n, selected: n === limit }, n)))),
  h('button', { type: 'submit' }, 'Show'));

  const pager = h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'quiet', disabled: prev.length === 0,
      onclick: () => go({ after: prev.at(-1) ?? '0', prev: prev.slice(0, -1).join(',') }) }, '← Previous'),
    h('button', { type: 'button', class: 'quiet', disabled: page.next == null,
      onclick: () => go({ after: String(page.next), prev: [...prev, after].join(',') }) }, 'Next →'),
    h('span', { class: 'muted' }, `${page.users.length} users from id ${Number(after) + 1}`));

  root.replaceChildren(
    h('h2', null, 'Users'),
    filter,
    table([
      { title: 'ID', num: true, key: 'id', cell: (u) => String(u.id) },
      { title: 'Username', key: 'username', cell: (u) => h('a', { href: `#users/${u.id}` }, u.username) },
      { title: 'Tenant', key: 'tenant', cell: (u) => u.tenant },
      { title: 'Email', key: 'email', cell: (u) => u.email },
      { title: 'Name', key: 'name', cell: (u) => `${u.first_name} ${u.last_name}`.trim() },
    ], page.users),
    pager,
    createForm(),
  );
}

/** createForm adds a user (POST /admin/users) and shows it. */
function createForm() {
  const out = h('div');
  return h('form', { class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    const f = Object.fromEntries(new FormData(ev.target));
    try {
      const u = await api('POST', 'users', f);
      location.hash = `users/${u.id}`;
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  } },
  h('h3', null, 'Add a user'),
  h('div', { class: 'toolbar' },
    h('label', null, 'Username', h('input', { name: 'username', required: true })),
    h('label', null, 'Email', h('input', { name: 'email', type: 'email' })),
    h('label', null, 'First name', h('input', { name: 'first_name' })),
    h('label', null, 'Last name', h('input', { name: 'last_name' })),
    h('label', null, 'Tenant', h('input', { name: 'tenant', placeholder: 'default' })),
    h('button', { type: 'submit' }, 'Add')),
  out);
}

/** user shows one user: GET /admin/users/{id}. */
async function user(root, id) {
  const u = await api('GET', `users/${encodeURIComponent(id)}`);
  const tokenOut = h('div');
  const actionOut = h('div');

  const issue = h('form', { class: 'inline', onsubmit: async (ev) => {
    ev.preventDefault();
    const ttl = new FormData(ev.target).get('ttl');
    try {
      const { token } = await api('POST', 'tokens', { user_id: u.id, ttl });
      const field = h('input', { class: 'token-out', readonly: true, value: token, 'aria-label': 'Access token' });
      tokenOut.replaceChildren(
        h('p', null, `An access token for ${u.username}, valid ${ttl}:`), field,
        h('button', { type: 'button', class: 'quiet', onclick: () => navigator.clipboard?.writeText(token) }, 'Copy'));
      field.select();
    } catch (err) {
      tokenOut.replaceChildren(errorBox(err));
    }
  } },
  h('label', null, 'Valid for ', h('input', { name: 'ttl', value: '24h', size: 6, 'aria-label': 'Token lifetime' })),
  h('button', { type: 'submit' }, 'Issue a token'));

  const del = h('button', { type: 'button', class: 'danger', onclick: async () => {
    if (!confirm(`Delete ${u.username} (${u.id}) and everything of theirs? Their connections are closed.`)) return;
    try {
      await api('DELETE', `users/${u.id}`);
      location.hash = 'users';
    } catch (err) {
      actionOut.replaceChildren(errorBox(err));
    }
  } }, 'Delete user');

  const unlink = async (i) => {
    if (!confirm(`Unlink ${i.subject} of ${i.issuer}? Its next token makes a new identity.`)) return;
    try {
      await api('DELETE', 'identities?' + new URLSearchParams({ issuer: i.issuer, subject: i.subject }));
      await user(root, id);
    } catch (err) {
      actionOut.replaceChildren(errorBox(err));
    }
  };

  root.replaceChildren(
    h('p', null, h('a', { href: '#users' }, '← Users')),
    h('h2', null, u.username),
    h('div', { class: 'card' }, h('dl', { class: 'fields' },
      [['ID', u.id], ['Tenant', u.tenant], ['Email', u.email || '–'], ['First name', u.first_name || '–'],
        ['Last name', u.last_name || '–']].map(([k, v]) => [h('dt', null, k), h('dd', null, String(v))]))),
    h('h3', null, 'External identities'),
    table([
      { title: 'Issuer', key: 'issuer', cell: (i) => i.issuer },
      { title: 'Subject', key: 'subject', cell: (i) => i.subject },
      { title: '', key: 'actions', cell: (i) => h('button', { type: 'button', class: 'quiet', onclick: () => unlink(i) }, 'Unlink') },
    ], u.identities ?? []),
    h('h3', null, 'Access token'),
    h('div', { class: 'card' }, issue, tokenOut),
    h('h3', null, 'Delete'),
    h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Deleting a user deletes their messages, memberships and sessions.'), del, actionOut),
  );
}
