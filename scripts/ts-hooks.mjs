/**
 * Module hooks that run paypulse's TypeScript as Node runs JavaScript: each `.ts` file is
 * transformed on load by esbuild (types removed, nothing else), and a relative `./x.js` import
 * finds `./x.ts`. Registered by scripts/ts-loader.mjs (`node --import ./scripts/ts-loader.mjs`).
 *
 * Why not tsx for the server: tsx transforms with esbuild's `keepNames`, which wraps every named
 * function and arrow in `__name(fn, "name")`, an `Object.defineProperty` on each closure when it
 * is created. That costs about 1 µs and 256 bytes of heap per closure; on the hot paths (a closure
 * or two per delivered frame, per ingested event) it was a large part of the server's CPU and GC,
 * and of its memory per subscription. Without bundling or minifying nothing is renamed, so
 * function names stay what the source says.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const TS = /\.[cm]?ts$/;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    // `./x.js` written in TypeScript source names `./x.ts`.
    const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:');
    if (!relative || error?.code !== 'ERR_MODULE_NOT_FOUND' || !context.parentURL || !TS.test(context.parentURL)) throw error;
    const ts = specifier.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts').replace(/\.cjs$/, '.cts');
    if (ts === specifier) throw error;
    return nextResolve(ts, context);
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TS.test(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = await readFile(file, 'utf8');
  const { code } = await transform(source, {
    loader: 'ts',
    format: url.endsWith('.cts') ? 'cjs' : 'esm',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: file,
    keepNames: false,
  });
  return { format: url.endsWith('.cts') ? 'commonjs' : 'module', source: code, shortCircuit: true };
}
