/**
 * GraphQL Code Generator: typed documents (client preset) from the committed schema.graphql for
 * every `graphql(...)` operation under tests/ — the same way a frontend generates its client.
 * Run with `npm run codegen`.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['tests/**/*.ts', '!tests/generated/**'],
  ignoreNoDocuments: false,
  generates: {
    'tests/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        emitLegacyCommonJSImports: false,
        enumsAsTypes: true,
        scalars: {
          BigInt: { input: 'string | number', output: 'string' },
          DateTime: 'string',
          JSON: 'unknown',
        },
      },
    },
  },
};

export default config;
