/**
 * JSON.parse that keeps every number as the exact text the sender wrote ("100.10", "1e3",
 * "9007199254740993"), as a string. Providers send major-unit amounts as JSON numbers; parsing
 * them into doubles first could change them (or hide a digit too many), so the money code only
 * ever sees the original decimal. Node 20 has no reviver source access, hence the rewrite.
 */
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Throws SyntaxError on malformed JSON, exactly as JSON.parse would. */
export function parseJsonKeepingNumbers(text: string): unknown {
  // Validate first: the rewrite below assumes well-formed JSON.
  JSON.parse(text);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      // Copy a whole string literal, escapes included.
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text)!;
      out += `"${match[0]}"`;
      i += match[0].length;
    } else {
      out += c;
      i += 1;
    }
  }
  return JSON.parse(out);
}
