#!/usr/bin/env node
// Runs `prisma generate` offline, only when prisma/schema.prisma changed since the last run
// (`--force` always runs). Prisma 7's generator needs no engine, but the CLI insists on a
// schema-engine binary path; that binary cannot be downloaded everywhere, so point it at any
// existing file (it is never executed by `generate`).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const schema = readFileSync(new URL('prisma/schema.prisma', root));
const cliVersion = JSON.parse(readFileSync(new URL('node_modules/prisma/package.json', root), 'utf8')).version;
const stamp = fileURLToPath(new URL('src/generated/prisma/.schema-hash', root));
const hash = createHash('sha256').update(schema).update(cliVersion).digest('hex');

if (!process.argv.includes('--force') && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) process.exit(0);

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const cli = fileURLToPath(new URL('node_modules/prisma/build/index.js', root));
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env, cwd: fileURLToPath(root) });
if (result.status === 0) writeFileSync(stamp, hash);
process.exit(result.status ?? 1);
