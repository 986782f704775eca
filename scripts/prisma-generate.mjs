#!/usr/bin/env node
// Runs `prisma generate` offline. Prisma 7's generator needs no engine, but the CLI insists on a
// schema-engine binary path; the binary cannot be downloaded here, so point it at any existing
// file (it is never executed by `generate`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath };
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const cli = fileURLToPath(new URL('../node_modules/prisma/build/index.js', import.meta.url));
const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
