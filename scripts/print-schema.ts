/**
 * Prints the Pothos schema to schema.graphql (`npm run schema:print`), or with `--check` exits 1
 * when the committed file differs from the code (used by tests and CI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from '../src/schema/index.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

export function renderSchema(): string {
  return `# Generated from the Pothos schema by \`npm run schema:print\`. Do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rendered = renderSchema();
  if (process.argv.includes('--check')) {
    const current = readFileSync(SCHEMA_FILE, 'utf8');
    if (current !== rendered) {
      console.error('schema.graphql is stale: run `npm run schema:print`');
      process.exit(1);
    }
    console.log('schema.graphql is up to date');
  } else {
    writeFileSync(SCHEMA_FILE, rendered);
    console.log(`wrote ${SCHEMA_FILE}`);
  }
}
