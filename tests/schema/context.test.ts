/**
 * The GraphQL context is what resolvers may use (docs/architecture.md, "Composition root and
 * context"): the principal, the loaders and the domain services, never the database, pubsub,
 * pipeline, Redis or config. These checks keep infrastructure from creeping back in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

const schemaDir = join(import.meta.dirname, '..', '..', 'src', 'schema');
const schemaFiles = readdirSync(schemaDir).filter((name) => name.endsWith('.ts'));

/** Infrastructure modules no resolver file may import, even for types. */
const INFRASTRUCTURE = [/\.\.\/pubsub\//, /\.\.\/db\//, /\.\.\/config\.js/, /\.\.\/infrastructure\.js/, /\.\.\/lib\/(redis|logger|metrics)\.js/, /\.\.\/server\/limits\//, /\.\.\/edge\/policy\.js/];

describe('the GraphQL context', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ mode: 'embedded' });
  });
  afterAll(async () => t?.stop());

  it('holds the domain services and no infrastructure', () => {
    expect(Object.keys(t.app.domain).sort()).toEqual(
      [
        'activity', 'analytics', 'announcements', 'apiKeys', 'audit', 'deadLetters', 'events', 'feeds', 'intake',
        'merchants', 'notifications', 'orders', 'presence', 'sessions', 'tracking', 'wallets', 'webhooks',
      ].sort(),
    );
    const domain: unknown[] = Object.values(t.app.domain);
    for (const [name, part] of Object.entries(t.app.infra)) expect(part !== undefined && domain.includes(part), name).toBe(false);
  });

  it('is never reached around in src/schema: no ctx.services, no infrastructure imports', () => {
    for (const name of schemaFiles) {
      const text = readFileSync(join(schemaDir, name), 'utf8');
      expect(text, name).not.toMatch(/ctx\.services\b/);
      const imports = [...text.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]!);
      for (const path of imports) for (const banned of INFRASTRUCTURE) expect(path, `${name} imports ${path}`).not.toMatch(banned);
    }
  });
});
