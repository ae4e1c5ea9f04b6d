// Modules: GET /admin/modules with each module's hooks, state and call
// figures, refreshed every few seconds, and the upload, enable, disable and
// delete controls of the module API for the uploaded ones.
import { api } from '../api.js';
import { errorBox, every, h, table } from '../dom.js';
import { bytes, count, duration, when } from '../format.js';

const REFRESH_MS = 3000;

export default async function modules(root) {
  const body = h('div');
  const status = h('p', { class: 'muted' });
  const out = h('div');
  const act = async (fn) => {
    try {
      await fn();
      out.replaceChildren();
      await refresh();
    } catch (err) {
      out.replaceChildren(errorBox(err));
    }
  };
  // A module of the module file is managed there, not here.
  const controls = (m) => m.source !== 'api' ? null : h('div', { class: 'row-actions' },
    m.enabled
      ? h('button', { type: 'button', class: 'quiet', onclick: () => act(() => api('POST', `modules/${encodeURIComponent(m.name)}/disable`)) }, 'Disable')
      : h('button', { type: 'button', class: 'quiet', onclick: () => act(() => api('POST', `modules/${encodeURIComponent(m.name)}/enable`)) }, 'Enable'),
    h('button', { type: 'button', class: 'danger', onclick: () => {
      if (confirm(`Delete module ${m.name}?`)) act(() => api('DELETE', `modules/${encodeURIComponent(m.name)}`));
    } }, 'Delete'));

  const columns = [
    { title: 'Module', key: 'name', cell: (m) => [h('strong', null, m.name), h('div', { class: 'muted' },
      m.source === 'api' ? `uploaded${m.tenant ? ' by ' + m.tenant : ''}` : 'module file')] },
    { title: 'Hooks', key: 'hooks', cell: (m) => m.hooks.map((x) => h('span', { class: 'pill mono' }, x)) },
    { title: 'Tenants', key: 'tenants', cell: (m) => m.tenants == null ? 'all' : m.tenants.join(', ') },
    { title: 'State', key: 'state', cell: (m) => [h('span', { class: `pill state-${m.state}` }, m.state),
      m.disabled_tenants.length ? h('div', { class: 'muted' }, `disabled after faults for: ${m.disabled_tenants.join(', ')}`) : null,
      m.last_error ? h('div', { class: 'error', title: m.last_error }, `${m.state === 'refused' ? 'refused' : 'last fault'}: ${m.last_error.slice(0, 160)}`) : null] },
    { title: 'Calls', num: true, key: 'calls', cell: (m) => count(m.calls) },
    { title: 'Errors', num: true, key: 'errors', cell: (m) => count(m.errors) },
    { title: 'Timeouts', num: true, key: 'timeouts', cell: (m) => count(m.timeouts) },
    { title: 'Mean latency', num: true, key: 'latency', cell: (m) => m.calls ? duration(m.call_seconds / m.calls) : '–' },
    { title: 'Wasm', key: 'wasm', cell: (m) => [h('span', { class: 'mono', title: m.sha256 }, m.sha256.slice(0, 12)),
      h('div', { class: 'muted' }, `${bytes(m.size)}, updated ${when(m.updated_at)}`)] },
  ];
  columns.push({ title: '', key: 'actions', cell: controls });

  const refresh = async () => {
    let list;
    try {
      ({ modules: list } = await api('GET', 'modules'));
    } catch (err) {
      body.replaceChildren(errorBox(err));
      return;
    }
    body.replaceChildren(table(columns, list, (m) => ({ 'data-module': m.name })));
    status.textContent = `${list.length} module${list.length === 1 ? '' : 's'}; figures since the server started, updated ${new Date().toLocaleTimeString()}.` +
      ' Modules of the module file (--modules) are managed there.';
  };
  root.replaceChildren(h('h2', null, 'Modules'), status, body, out, uploadForm(act));
  return every(REFRESH_MS, refresh);
}

/** uploadForm sends a module: POST /admin/modules {name, manifest, wasm}. */
function uploadForm(act) {
  return h('form', { class: 'card', onsubmit: (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    act(async () => {
      let manifest;
      try {
        manifest = JSON.parse(f.get('manifest') || '{}');
      } catch (err) {
        throw new Error(`The manifest is not JSON: ${err.message}`);
      }
      const file = f.get('wasm');
      if (!(file instanceof File) || file.size === 0) throw new Error('Choose a .wasm file.');
      await api('POST', 'modules', { name: f.get('name'), manifest, wasm: base64(await file.arrayBuffer()) });
      ev.target.reset();
    });
  } },
  h('h3', null, 'Upload a module'),
  h('div', { class: 'toolbar' },
    h('label', null, 'Name', h('input', { name: 'name', required: true })),
    h('label', null, 'Module (.wasm)', h('input', { name: 'wasm', type: 'file', accept: '.wasm,application/wasm', required: true }))),
  h('label', null, 'Manifest (JSON: hooks, capabilities, tenants, config…)',
    h('textarea', { name: 'manifest', spellcheck: 'false' }, '{}')),
  h('p', null, h('button', { type: 'submit' }, 'Upload')));
}

/** base64 encodes bytes. */
function base64(buf) {
  const b = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}
