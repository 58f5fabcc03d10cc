/**
 * One database API over two engines: PGlite (embedded, a data directory) by default, and
 * PostgreSQL through postgres.js when a connection string is given. Both run the same
 * migrations and the same drizzle queries; the few engine differences (raw result shapes,
 * bulk copy) are handled here and in sql.ts, nowhere else.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator'
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core'
import type { ExtractTablesWithRelations } from 'drizzle-orm'
import postgres from 'postgres'
import * as schema from './schema/index.js'
import { acquireDataDirLock } from './lock.js'
import { ensureTemplate, initialiseFromTemplate, MIGRATIONS_DIR } from './template.js'

export { ensureTemplate, MIGRATIONS_DIR }

export type Schema = typeof schema
export type Database = PgDatabase<PgQueryResultHKT, Schema>
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
/** What query functions take: the database, or the transaction a service opened. */
export type Queryable = Database | Transaction

export type Engine = 'pglite' | 'postgres'

export interface DatabaseHandle {
  db: Database
  engine: Engine
  /** Where the data lives, for messages: a directory or a connection string without password. */
  location: string
  /** The raw clients, for the few operations drizzle does not cover (COPY, dumps). */
  pglite: PGlite | null
  sql: postgres.Sql | null
  close(): Promise<void>
}

export interface OpenOptions {
  databaseUrl: string | null
  dataDir: string
  /** Apply pending migrations (default true). */
  migrate?: boolean
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.migrate ?? true) : openPglite(options.dataDir, options.migrate ?? true)
}

function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'postgres'
  }
}

async function openPostgres(url: string, runMigrations: boolean): Promise<DatabaseHandle> {
  const sql = postgres(url, { max: 10, onnotice: () => undefined, connection: { application_name: 'civindex' } })
  const db = drizzlePostgres(sql, { schema })
  if (runMigrations) {
    // Two processes starting at once must not both apply a migration.
    const reserved = await sql.reserve()
    try {
      await reserved`select pg_advisory_lock(726354)`
      await migratePostgres(db, { migrationsFolder: MIGRATIONS_DIR })
    } finally {
      await reserved`select pg_advisory_unlock(726354)`
      reserved.release()
    }
  }
  return {
    db: db as unknown as Database,
    engine: 'postgres',
    location: redact(url),
    pglite: null,
    sql,
    close: () => sql.end({ timeout: 5 }),
  }
}

async function openPglite(dataDir: string, runMigrations: boolean): Promise<DatabaseHandle> {
  fs.mkdirSync(dataDir, { recursive: true })
  const lock = acquireDataDirLock(dataDir)
  try {
    // A new directory starts as a copy of the migrated template (see template.ts).
    const fresh = !fs.existsSync(path.join(dataDir, 'PG_VERSION'))
    if (fresh) await initialiseFromTemplate(dataDir)
    const client = await PGlite.create(dataDir)
    const db = drizzlePglite(client, { schema })
    // A copy of the template is current by construction (the template is keyed by the migrations).
    if (runMigrations && !fresh) await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR })
    let closed = false
    return {
      db: db as unknown as Database,
      engine: 'pglite',
      location: dataDir,
      pglite: client,
      sql: null,
      close: async () => {
        if (closed) return
        closed = true
        try {
          await client.close()
        } finally {
          lock.release()
        }
      },
    }
  } catch (error) {
    lock.release()
    throw error
  }
}
