// Prisma CLI configuration. The running server does not read this file: it builds its client
// with a driver adapter (src/db/client.ts) and applies prisma/migrations itself (src/db/migrate.ts).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/paypulse' },
});
