import { defineConfig } from 'drizzle-kit'

// Migrations are generated from the schema and committed; the application applies them
// itself at start-up (`civindex db migrate` does the same on demand), on PGlite and PostgreSQL alike.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './src/db/migrations',
  strict: true,
  verbose: true,
})
