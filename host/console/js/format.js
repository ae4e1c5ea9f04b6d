// format.js turns figures into text.

const num = new Intl.NumberFormat();

/** count is an integer with grouping. */
export function count(n) { return num.format(Math.round(n ?? 0)); }

/** bytes is a size in B, KiB, MiB or GiB. */
export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** duration is seconds as "3d 4h", "5m 12s" or "840 ms". */
export function duration(s) {
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 0)} ms`;
  const parts = [[86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];
  const out = [];
  for (const [n, u] of parts) {
    if (s >= n || (u === 's' && out.length === 0)) {
      out.push(`${Math.floor(s / n)}${u}`);
      s %= n;
    }
    if (out.length === 2) break;
  }
  return out.join(' ');
}

/** when is an RFC 3339 time as local date and time, and how long ago. */
export function when(iso) {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso ?? '';
  const ago = Math.max(0, (Date.now() - t.getTime()) / 1000);
  return `${t.toLocaleString()} (${ago < 1 ? 'just now' : duration(Math.floor(ago)) + ' ago'})`;
}
