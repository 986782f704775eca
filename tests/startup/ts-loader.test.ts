/**
 * scripts/ts-loader.mjs, the loader `npm start` runs the server with: TypeScript runs as written
 * (types removed, `./x.js` finding `./x.ts`), closures are created without a `__name(…)` wrapper
 * (tsx's keepNames: a defineProperty and heap per closure), and stack traces name the
 * TypeScript lines.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const LOADER = fileURLToPath(new URL('../../scripts/ts-loader.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'paypulse-ts-loader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runTs(file: string, source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  writeFileSync(join(dir, file), source);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', LOADER, join(dir, file)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('scripts/ts-loader.mjs', () => {
  it('runs TypeScript importing `./x.js` from `./x.ts`, with closures as written', async () => {
    writeFileSync(join(dir, 'twice.ts'), 'export const twice = (x: number): number => x * 2;\n');
    const { code, stdout, stderr } = await runTs(
      'main.ts',
      [
        "import { twice } from './twice.js';",
        'type Amount = number;',
        'const apply = (x: Amount) => twice(x);',
        'function named(): string { return apply.name; }',
        'console.log(JSON.stringify({ value: apply(21), name: named(), source: String(apply) + String(named) }));',
      ].join('\n'),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { value: number; name: string; source: string };
    expect(out.value).toBe(42);
    // The name comes from the source itself, not from a wrapper.
    expect(out.name).toBe('apply');
    expect(out.source).not.toContain('__name');
  });

  it('names the TypeScript file and line in a stack trace', async () => {
    const { code, stderr } = await runTs('throws.ts', ['interface Shape {', '  a: number;', '}', 'const shape: Shape = { a: 1 };', 'if (shape.a === 1) throw new Error("line five");'].join('\n'));
    expect(code).not.toBe(0);
    expect(stderr).toContain('line five');
    expect(stderr).toMatch(/throws\.ts:5:\d+/);
  });

  it('still refuses an import that names no file', async () => {
    const { code, stderr } = await runTs('missing.ts', "import './nowhere.js';\n");
    expect(code).not.toBe(0);
    expect(stderr).toContain('ERR_MODULE_NOT_FOUND');
  });
});
