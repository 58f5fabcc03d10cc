/**
 * One database API over two engines: PGlite (embedded, a data directory) by default, and
 * PostgreSQL through postgres.js when a connection string is given. Both run the same
 * migrations and the same drizzle queries; the few engine differences (raw result shapes,
 * bulk copy) are handled here and in sql.ts, nowhere else.
 */
import fs from 'node:fs'
import net from 'node:net'
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
import { countConnection, DatabaseActivity, trackPglite, trackPostgres } from './activity.js'
import { mayMigrate, migrationState } from './migration-state.js'
import { DomainError } from '../domain/errors.js'
import { ensureTemplate, initialiseFromTemplate, MIGRATIONS_DIR } from './template.js'

export { ensureTemplate, MIGRATIONS_DIR }

export type Schema = typeof schema
export type Database = PgDatabase<PgQueryResultHKT, Schema>
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>
/** What query functions take: the database, or the transaction a service opened. */
export type Queryable = Database | Transaction

export type Engine = 'pglite' | 'postgres'

/**
 * The postgres.js client under a drizzle transaction on PostgreSQL (the connection the
 * transaction holds), for the one thing drizzle does not do: COPY. Null on PGlite and outside a
 * transaction. Drizzle keeps its client on the session (`session.client`, what its own
 * savepoints use); a test pins this for the drizzle version in the lockfile.
 */
export function transactionClient(q: Queryable): postgres.TransactionSql | null {
  const client = (q as unknown as { session?: { client?: unknown } }).session?.client
  if (typeof client !== 'function') return null
  const sql = client as Partial<postgres.TransactionSql>
  return typeof sql.unsafe === 'function' && typeof sql.savepoint === 'function' ? (client as postgres.TransactionSql) : null
}

export interface DatabaseHandle {
  db: Database
  engine: Engine
  /** Where the data lives, for messages: a directory or a connection string without password. */
  location: string
  /** The raw clients, for the few operations drizzle does not cover (COPY, dumps). */
  pglite: PGlite | null
  sql: postgres.Sql | null
  /** Statements in flight and connections open, for /metrics (activity.ts). */
  activity: DatabaseActivity
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

/** What postgres.js hands a socket factory: the parsed connection options. */
interface SocketOptions {
  host: string[]
  port: number[]
  path: string | false
  connect_timeout: number
}

/**
 * A connected socket with Nagle's algorithm off, as libpq has it. postgres.js leaves it on, and
 * then a small message written right after a large one (COPY's end after its data) waits for
 * the server's delayed acknowledgement, up to 40 ms a batch. postgres.js expects a socket it is
 * given to be connected: the Unix socket, or each host of the connection string in turn.
 */
async function noDelaySocket(options: SocketOptions): Promise<net.Socket> {
  const attempt = (connect: (socket: net.Socket) => void): Promise<net.Socket> =>
    new Promise((resolve, reject) => {
      const socket = new net.Socket()
      socket.setNoDelay(true)
      const timer = setTimeout(() => socket.destroy(new Error(`connection to PostgreSQL timed out after ${options.connect_timeout} s`)), options.connect_timeout * 1000)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.removeListener('error', failed)
        resolve(socket)
      })
      const failed = (error: Error): void => {
        clearTimeout(timer)
        reject(error)
      }
      socket.once('error', failed)
      connect(socket)
    })
  if (options.path) return attempt((s) => s.connect(options.path as string))
  let last: unknown = new Error('no PostgreSQL host given')
  for (let i = 0; i < options.host.length; i++) {
    const host = options.host[i]!
    const port = options.port[i] ?? options.port[0] ?? 5432
    try {
      const socket = await attempt((s) => s.connect(port, host))
      // postgres.js names the server for TLS from this.
      Object.assign(socket, { host, port })
      return socket
    } catch (error) {
      last = error
    }
  }
  throw last
}

async function openPostgres(url: string, runMigrations: boolean): Promise<DatabaseHandle> {
  // `socket` is a documented option (README, "Custom socket") that the type definitions lack.
  const activity = new DatabaseActivity()
  const socket = { socket: async (options: SocketOptions) => countConnection(await noDelaySocket(options), activity) } as object
  const sql = postgres(url, { max: 10, onnotice: () => undefined, connection: { application_name: 'civindex' }, ...socket })
  trackPostgres(sql, activity)
  const db = drizzlePostgres(sql, { schema })
  if (runMigrations) {
    try {
      await migratePostgresIfNeeded(sql, db, url)
    } catch (error) {
      await sql.end({ timeout: 5 })
      throw error
    }
  }
  return {
    db: db as unknown as Database,
    engine: 'postgres',
    location: redact(url),
    pglite: null,
    sql,
    activity,
    close: () => sql.end({ timeout: 5 }),
  }
}

/**
 * Applies pending migrations, and only when some are pending: a current database gets no DDL,
 * so the server can run as a role that owns nothing (README, "A server role that owns
 * nothing"). Such a role cannot apply a pending migration; it stops with what to run instead.
 */
async function migratePostgresIfNeeded(sql: postgres.Sql, db: Database, url: string): Promise<void> {
  const state = await migrationState(db)
  if (state.pending.length === 0) return
  const rights = await mayMigrate(db)
  if (!rights.allowed) {
    throw new DomainError(
      'MIGRATIONS_PENDING',
      `the database ${redact(url)} lacks ${state.pending.length} migration(s) of this version (${state.pending.join(', ')}), and the role ${rights.role} may not apply them` +
        `${rights.owner ? ` (the tables belong to ${rights.owner})` : ''}: run \`civindex db migrate\` with DATABASE_URL of the owner role, then \`civindex db grant ${rights.role}\`, and start again`,
    )
  }
  // Two processes starting at once must not both apply a migration.
  const reserved = await sql.reserve()
  try {
    await reserved`select pg_advisory_lock(726354)`
    await migratePostgres(drizzlePostgres(sql, { schema }), { migrationsFolder: MIGRATIONS_DIR })
  } finally {
    await reserved`select pg_advisory_unlock(726354)`
    reserved.release()
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
    const activity = new DatabaseActivity()
    trackPglite(client, activity)
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
      activity,
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
