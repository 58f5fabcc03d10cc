/**
 * The server as a PostgreSQL role that owns nothing (issue #13; README, "A server role that
 * owns nothing"): an owner role migrates and grants (`civindex db migrate`, `civindex db grant`),
 * the server's role starts without DDL, does a round's work and publishes, and cannot disable a
 * trigger, truncate, edit a publication, drop a table or switch triggers off for its session.
 * PostgreSQL only: the embedded database has no roles.
 */
import { randomBytes } from 'node:crypto'
import { sql, type SQL } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js'
import { journalEntries } from '../../src/db/migration-state.js'
import { verifyAuditChain } from '../../src/db/queries/audit.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { isDomainError } from '../../src/domain/errors.js'
import { buildApp } from '../../src/http/app.js'
import { publishRound } from '../../src/services/publication.js'
import { transitionRound } from '../../src/services/rounds.js'
import { createUser } from '../../src/services/users.js'
import { TEST_DATABASE_URL, tempDir } from '../helpers/db.js'
import { createSampleRound } from '../helpers/factories.js'
import { killChildren, runCli } from '../helpers/process.js'

const actor = { id: null, name: 'test' }
const suffix = randomBytes(4).toString('hex')
const OWNER = `civ_owner_${suffix}`
const SERVER = `civ_server_${suffix}`
const DATABASE = `civ_roles_${suffix}`

function urlAs(user: string): string {
  const url = new URL(TEST_DATABASE_URL!)
  url.username = user
  url.password = ''
  url.pathname = `/${DATABASE}`
  return url.toString()
}

async function asSuperuser(statements: string[]): Promise<void> {
  const admin = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => undefined })
  try {
    for (const s of statements) await admin.unsafe(s)
  } finally {
    await admin.end()
  }
}

let server: DatabaseHandle | null = null

describe.skipIf(!TEST_DATABASE_URL)('the server as a PostgreSQL role that owns nothing', () => {
  beforeAll(async () => {
    await asSuperuser([`create role ${OWNER} login createdb`, `create role ${SERVER} login`, `create database ${DATABASE} owner ${OWNER}`])
  })
  afterEach(async () => killChildren())
  afterAll(async () => {
    await server?.close()
    await asSuperuser([`drop database if exists ${DATABASE} with (force)`, `drop role if exists ${SERVER}`, `drop role if exists ${OWNER}`])
  })

  it('is set up by the owner role: migrate, then grant; a superuser or a missing role is refused', async () => {
    const migrate = await runCli(['db', 'migrate'], { DATABASE_URL: urlAs(OWNER) }, 60_000)
    expect(migrate.code, migrate.stderr).toBe(0)
    const grant = await runCli(['db', 'grant', SERVER], { DATABASE_URL: urlAs(OWNER) })
    expect(grant.code, grant.stderr).toBe(0)
    expect(grant.stdout).toContain('SELECT, INSERT only (append-only): audit_log, ledger_entries, publications, unit_results')
    const superuser = await runCli(['db', 'grant', 'postgres'], { DATABASE_URL: urlAs(OWNER) })
    expect(superuser.code).toBe(1)
    expect(superuser.stderr).toMatch(/postgres cannot be the server's role: it is a superuser/)
    const missing = await runCli(['db', 'grant', `nobody_${suffix}`], { DATABASE_URL: urlAs(OWNER) })
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/there is no role nobody_/)
  }, 120_000)

  it('starts without DDL, enters a round, closes it (statistics refreshed) and publishes', async () => {
    server = await openDatabase({ databaseUrl: urlAs(SERVER), dataDir: '' })
    const db = server.db
    const round = await createSampleRound(db)
    await transitionRound(db, round.code, 'close', actor)
    // Closing fieldwork analyzes the totals it wrote, which only their owner may do (migration 0015).
    const [stats] = await queryRows<{ tuples: unknown }>(db, sql`select reltuples::bigint as tuples from pg_class where relname = 'visit_standard_totals'`)
    expect(toCount(stats!.tuples)).toBeGreaterThan(0)
    expect(await publishRound(db, round.code, actor, { replicates: 50, weightRuns: 20 })).toMatchObject({ revision: 1 })
    expect((await verifyAuditChain(db)).brokenAt).toBeNull()

    const app = await buildApp({ config: loadConfig({ DATABASE_URL: urlAs(SERVER), CIVINDEX_DATA: tempDir(), LOG_LEVEL: 'silent' }), database: server, logger: false })
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' })
      expect(ready.json()).toMatchObject({ status: 'ok', migrations: 'current', audit: 'consistent', engine: 'postgres' })
      // Its privileges are enough for a backup of the running server.
      const token = (await createUser(db, { name: '管理员', role: 'admin', unit: null }, actor)).token
      const backup = await app.inject({ method: 'GET', url: '/api/v1/admin/backup', headers: { authorization: `Bearer ${token}` } })
      expect(backup.statusCode, backup.body.slice(0, 300)).toBe(200)
      expect(backup.rawPayload.subarray(0, 5).toString('latin1')).toBe('PGDMP')
    } finally {
      await app.close()
    }
  }, 120_000)

  it('cannot disable a trigger, truncate, edit a publication, drop a table or turn triggers off', async () => {
    const db = server!.db
    const refusal = async (query: SQL): Promise<string> => {
      try {
        await db.execute(query)
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause
        return cause instanceof Error ? cause.message : (error as Error).message
      }
      return 'succeeded'
    }
    expect(await refusal(sql`alter table publications disable trigger publications_append_only`)).toMatch(/must be owner of table publications/)
    expect(await refusal(sql`alter table audit_log disable trigger all`)).toMatch(/must be owner of table audit_log/)
    expect(await refusal(sql`truncate table audit_log`)).toMatch(/permission denied for table audit_log/)
    expect(await refusal(sql`update publications set hash = 'forged'`)).toMatch(/permission denied for table publications/)
    expect(await refusal(sql`delete from ledger_entries`)).toMatch(/permission denied for table ledger_entries/)
    expect(await refusal(sql`update unit_results set rank = 1`)).toMatch(/permission denied for table unit_results/)
    expect(await refusal(sql`drop table audit_log`)).toMatch(/must be owner of table audit_log/)
    expect(await refusal(sql`create table civindex_extra (id int)`)).toMatch(/permission denied for schema public/)
    expect(await refusal(sql`set session_replication_role = replica`)).toMatch(/permission denied to set parameter/)
    const [count] = await queryRows<{ n: unknown }>(db, sql`select count(*) as n from publications where hash = 'forged'`)
    expect(toCount(count!.n)).toBe(0)
  })

  it('refuses to start while a migration is pending, and says how to apply it', async () => {
    const last = journalEntries().at(-1)!
    const owner = postgres(urlAs(OWNER), { max: 1, onnotice: () => undefined })
    try {
      const [row] = await owner<{ id: number; hash: string; created_at: string }[]>`select id, hash, created_at::text from drizzle.__drizzle_migrations order by created_at desc limit 1`
      await owner`delete from drizzle.__drizzle_migrations where id = ${row!.id}`
      try {
        const error: unknown = await openDatabase({ databaseUrl: urlAs(SERVER), dataDir: '' }).then(
          async (h) => {
            await h.close()
            return null
          },
          (e: unknown) => e,
        )
        expect(isDomainError(error) && error.code).toBe('MIGRATIONS_PENDING')
        expect((error as Error).message).toContain(last.tag)
        expect((error as Error).message).toMatch(new RegExp(`the role ${SERVER} may not apply them \\(the tables belong to ${OWNER}\\): run \`civindex db migrate\` with DATABASE_URL of the owner role`))
      } finally {
        await owner`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${row!.id}, ${row!.hash}, ${row!.created_at}::bigint)`
      }
    } finally {
      await owner.end()
    }
  })
})
