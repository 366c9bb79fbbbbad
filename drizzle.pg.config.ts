import { defineConfig } from 'drizzle-kit';

/** Migrations of the PostgreSQL store (`DATABASE_URL`), generated from `server/db/schema.pg.ts`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/db/schema.pg.ts',
  out: './server/db/migrations-pg',
});
