/**
 * Runs every program under examples/ (docs/clients.md) against a real server, as a reader of the
 * docs would: its own process, the server's URL and a merchant token in the environment. Each
 * example makes a query, subscription and mutation round trip with its client and exits 0 only
 * when the event it ingested came back on its subscription and through `node(id)`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { describeWith } from '../support/services.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = ['apollo-ws.ts', 'apollo-http.ts', 'urql-ws.ts', 'urql-fetch.ts', 'graphql-sse.ts', 'graphql-ws-resume.ts', 'codegen-typed.ts'];

function run(example: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', `examples/${example}`], { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

await describeWith(['postgres', 'redis'], 'examples/ run against a real server', () => {
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp({ mode: 'services' });
    const merchant = `m_examples_${randomBytes(4).toString('hex')}`;
    await t.createMerchant(merchant);
    env = { PAYPULSE_URL: t.url, PAYPULSE_TOKEN: await t.merchantToken(merchant) };
  });
  afterAll(() => t?.stop());

  it('lists every example program in examples/', () => {
    const programs = readdirSync(`${root}/examples`).filter((f) => f.endsWith('.ts') && f !== 'env.ts');
    expect(programs.sort()).toEqual([...EXAMPLES].sort());
  });

  for (const example of EXAMPLES) {
    it(`${example} completes its round trip`, { timeout: 150_000 }, async () => {
      const { code, stdout, stderr } = await run(example, env);
      expect(code, `${example}\nstdout: ${stdout}\nstderr: ${stderr}`).toBe(0);
      expect(stdout).toMatch(new RegExp(`^${example.replace('.ts', '')} ok: `, 'm'));
    });
  }
});
