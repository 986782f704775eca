/**
 * PostgreSQL text and jsonb cannot hold NUL, and a lone UTF-16 surrogate has no UTF-8 form (it
 * would be stored as U+FFFD, or make the query fail): such input is refused, never altered.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const NOT_STORABLE = 'must be well-formed Unicode without NUL characters';

export function isStorable(text: string): boolean {
  return !UNSTORABLE.test(text);
}
