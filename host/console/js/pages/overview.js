// The live counters of GET /admin/stats, read every few seconds, with the
// rate of each counter since the previous reading.
import { api } from '../api.js';
import { errorBox, every, h } from '../dom.js';
import { bytes, count, duration } from '../format.js';

const REFRESH_MS = 3000;

const figures = [
  ['connections', 'Open connections', count, false],
  ['messages_sent', 'Messages sent', count, true],
  ['frames_in', 'Frames in', count, true],
  ['frames_out', 'Frames out', count, true],
  ['error_frames', 'Error frames', count, true],
  ['module_calls', 'Module calls', count, true],
  ['module_errors', 'Module errors', count, true],
  ['goroutines', 'Goroutines', count, false],
  ['resident_bytes', 'Memory (RSS)', bytes, false],
  ['uptime_seconds', 'Uptime', duration, false],
];

export default async function overview(root) {
  const cells = {};
  const grid = h('div', { class: 'stats' }, figures.map(([key, label]) => {
    cells[key] = { value: h('div', { class: 'value', 'data-stat': key }, '–'), rate: h('div', { class: 'rate' }) };
    return h('div', { class: 'stat' }, h('div', { class: 'label' }, label), cells[key].value, cells[key].rate);
  }));
  const status = h('p', { class: 'muted' });
  root.replaceChildren(h('h2', null, 'Overview'), grid, status);
  let last = null;
  return every(REFRESH_MS, async () => {
    let s;
    try {
      s = await api('GET', 'stats');
    } catch (err) {
      status.replaceChildren(errorBox(err));
      return;
    }
    const now = performance.now();
    for (const [key, , fmt, isRate] of figures) {
      cells[key].value.textContent = fmt(s[key] ?? 0);
      if (isRate && last) {
        const perSec = ((s[key] ?? 0) - (last.s[key] ?? 0)) / ((now - last.at) / 1000);
        cells[key].rate.textContent = `${perSec.toFixed(1)}/s`;
      }
    }
    last = { s, at: now };
    status.textContent = `This node, updated ${new Date().toLocaleTimeString()}; every ${REFRESH_MS / 1000} s.`;
  });
}
