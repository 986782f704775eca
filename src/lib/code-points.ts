/**
 * Orders two strings by Unicode code points — the order of their UTF-8 bytes, which is
 * PostgreSQL's `COLLATE "C"` — rather than by UTF-16 code units (JavaScript's `<`). The two
 * differ only where a surrogate pair meets a character from U+E000 to U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** A UTF-16 code unit's rank in code-point order: surrogates (U+D800–DFFF) sort above U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
