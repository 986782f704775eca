import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string equality for secrets of any length: both sides are hashed first, so
 * neither the content nor the length of the expected value leaks through timing.
 */
export function timingSafeEqualText(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
