import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ErrorCode, FieldErrorCode, ItemErrorCode, DeadLetterErrorCode, WebhookErrorCode } from '../../src/lib/error-codes.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) return name === 'generated' ? [] : filesUnder(path, ext);
    return path.endsWith(ext) ? [path] : [];
  });
}

/** The codes of docs/errors.md's table, in order. */
function documentedCodes(): string[] {
  return [...read('docs/errors.md').matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

describe('the error catalogue', () => {
  it('has one wire string per key and no duplicates', () => {
    expect(new Set(ERROR_CODES).size).toBe(Object.keys(ErrorCode).length);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
  });

  it('is exactly the table of docs/errors.md', () => {
    const documented = documentedCodes();
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...ERROR_CODES].sort());
  });

  it('keeps the item, field, dead-letter and webhook codes as subsets of itself', () => {
    for (const subset of [FieldErrorCode, ItemErrorCode, DeadLetterErrorCode, WebhookErrorCode]) {
      for (const code of Object.values(subset)) expect(ERROR_CODES).toContain(code);
    }
    expect(Object.values(ItemErrorCode)).toEqual(expect.arrayContaining(Object.values(FieldErrorCode)));
    expect(Object.values(DeadLetterErrorCode)).toEqual(expect.arrayContaining(Object.values(ItemErrorCode)));
  });

  it('knows every code-like name the docs and README mention', () => {
    const text = [...filesUnder('docs', '.md'), 'README.md'].map(read).join('\n');
    const mentioned = new Set([...text.matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{4,})`/g)].map((m) => m[1]!));
    // Names that are not error codes: environment variables, GraphQL enum values, refusal reasons
    // of paypulse_refusals_total that close a connection instead of answering an error.
    const env = new Set(read('src/config.ts').match(/\b[A-Z][A-Z0-9_]{2,}\b/g));
    const schema = read('schema.graphql');
    const enumValues = new Set([...schema.matchAll(/enum \w+ \{([^}]*)\}/g)].flatMap((m) => m[1]!.match(/\b[A-Z][A-Z0-9_]+\b/g) ?? []));
    const notCodes = new Set([
      'TOO_MANY_SOCKETS', 'CONNECTION_INIT_TIMEOUT', 'SUBSCRIBER_ALREADY_EXISTS', 'TOO_MANY_INIT_REQUESTS', 'HEADERS_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE',
      'ANALYTICS_RUNS', 'EQUIVALENCE_RUNS', 'CAMPAY_WEBHOOK_KEY', 'KAFKA_CONTROLLER_PORT', 'KAFKA_PORT', 'KAFKA_STATE_DIR', 'ORACLE_PATH', 'ORACLE_SEED', 'ORACLE_SUM_EVENTS',
      'PAYPULSE_URL', 'PRISMA_SCHEMA_ENGINE_BINARY', 'TEST_RABBITMQ_URL', 'BIGINT', 'POST', 'DELETE', 'SUCCESSFUL',
    ]);
    const unknown = [...mentioned].filter((name) => !env.has(name) && !enumValues.has(name) && !notCodes.has(name) && !(ERROR_CODES as readonly string[]).includes(name));
    expect(unknown).toEqual([]);
  });

  it('is the only place in src/ that spells a code as a string literal', () => {
    const codes = new Set<string>(ERROR_CODES);
    const offenders: string[] = [];
    for (const file of filesUnder('src', '.ts')) {
      if (file.endsWith(join('lib', 'error-codes.ts'))) continue;
      read(file).split('\n').forEach((line, i) => {
        if (/\bcode: '[^']*'/.test(line) && !/code: 'custom'/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        for (const m of line.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) if (codes.has(m[1]!) && !/metrics\.refuse\(/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
