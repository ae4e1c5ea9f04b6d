// dom.js builds elements. Text always goes in as text, never as HTML, so
// nothing the server returns (usernames, module errors) can inject markup.

/**
 * h returns a new element: attrs are attributes, except on* (event
 * listeners) and class; children are nodes or text (null and false are
 * skipped, arrays flattened).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/**
 * table returns a table of rows: columns are {title, cell(row), num?}, and
 * rowAttrs(row), if given, the attributes of each row.
 */
export function table(columns, rows, rowAttrs) {
  return h('div', { class: 'table-wrap' },
    h('table', null,
      h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : null, scope: 'col' }, c.title)))),
      h('tbody', null, rows.length === 0
        ? h('tr', null, h('td', { colspan: columns.length, class: 'muted' }, 'None.'))
        : rows.map((r) => h('tr', rowAttrs?.(r), columns.map((c) => h('td', { class: c.num ? 'num' : null, 'data-col': c.key }, c.cell(r))))))));
}

/** errorBox shows an error. */
export function errorBox(err) {
  return h('p', { class: 'error', role: 'alert' }, String(err?.message ?? err));
}

/** every calls fn now and every ms milliseconds; the result stops it. */
export function every(ms, fn) {
  let stopped = false;
  let timer = 0;
  const tick = async () => {
    try { await fn(); } finally {
      if (!stopped) timer = setTimeout(tick, ms);
    }
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}
