/**
 * `node --import ./scripts/ts-loader.mjs src/main.ts`, what `npm start` runs: TypeScript loaded
 * by scripts/ts-hooks.mjs, stack traces in the TypeScript's own lines (inline source maps).
 */
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url);
