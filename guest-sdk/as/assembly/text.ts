// Text helpers that make AssemblyScript modules agree with the Go ones.

/**
 * Lower-cases s the way Go's strings.ToLower does, so that modules agree
 * with the Go ones: one character for one (Unicode's simple mapping), where
 * String#toLowerCase makes "İ" two characters and a word-final "Σ" a "ς".
 */
export function lower(s: string): string {
  return s.replaceAll("\u0130", "i").replaceAll("\u03a3", "\u03c3").toLowerCase();
}

/**
 * Trims white space the way Go's strings.TrimSpace does (Unicode's
 * White_Space), where String#trim also drops U+FEFF.
 */
export function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return s.substring(start, end);
}

function isSpace(c: i32): bool {
  if (c <= 0xff) return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0;
  return (
    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000
  );
}
