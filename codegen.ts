/**
 * GraphQL Code Generator: typed documents (client preset) from the committed schema.graphql for
 * every `graphql(...)` operation under tests/, under dashboard/src/ (the dashboard page), and for
 * the typed-client example (examples/codegen-typed.ts) — the same way a frontend generates its
 * client. Run with `npm run codegen`.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const typedDocuments = {
  useTypeImports: true,
  emitLegacyCommonJSImports: false,
  enumsAsTypes: true,
  scalars: {
    BigInt: { input: 'string | number', output: 'string' },
    DateTime: 'string',
    JSON: 'unknown',
  },
};

const config: CodegenConfig = {
  schema: 'schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'tests/generated/': {
      documents: ['tests/**/*.ts', '!tests/generated/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typedDocuments,
    },
    // The browser bundle: typed strings instead of parsed documents, so no GraphQL parser ships.
    'dashboard/src/gql/': {
      documents: ['dashboard/src/**/*.ts', '!dashboard/src/gql/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { ...typedDocuments, documentMode: 'string' },
    },
    // What a frontend following docs/clients.md would generate.
    'examples/generated/': {
      documents: ['examples/codegen-typed.ts'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: typedDocuments,
    },
  },
};

export default config;
