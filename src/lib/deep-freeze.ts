/**
 * Freezes a decoded message and everything in it, so one copy can be handed to every listener:
 * a listener that tried to change it would throw instead of changing what the others see.
 * Iterative: an event's metadata may be nested deeper than the call stack would allow.
 */
export function deepFreeze<T>(value: T): T {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next !== 'object' || Object.isFrozen(next)) continue;
    Object.freeze(next);
    for (const inner of Object.values(next)) pending.push(inner);
  }
  return value;
}
