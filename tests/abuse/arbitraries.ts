/** fast-check arbitraries shared by the abuse corpus (not a test file). */
import fc from 'fast-check';

const SQL = [`' OR '1'='1`, `x'); DROP TABLE payment_events; --`, `1; SELECT pg_sleep(10)`, `\\'; DELETE FROM merchants; --`, `$$; COPY x TO PROGRAM 'id'; $$`];
const HTML = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg/onload=alert(1)>', '&lt;&amp;&#0;', '{{constructor.constructor("alert(1)")()}}'];
const ODD = ['\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\ufeff', '\u202e', '\u200b', 'e\u0301', '👩‍👩‍👧‍👦', '𝕏', '\r\n', '\t', ' ', '', '__proto__', 'constructor', 'null', 'undefined', '%s%n', '../../etc/passwd'];

/** Strings a client should never be able to break the server with. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SQL, ...HTML, ...ODD),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  // Arbitrary UTF-16 code units: lone surrogates included.
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.tuple(fc.constantFrom(...ODD), fc.string({ maxLength: 10 })).map(([a, b]) => `${b}${a}${b}`),
  fc.integer({ min: 129, max: 300_000 }).map((n) => 'a'.repeat(n)),
);
