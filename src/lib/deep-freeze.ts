/**
 * Freezes a decoded message and everything in it, so one copy can be handed to every listener:
 * a listener that tried to change it would throw instead of changing what the others see.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
