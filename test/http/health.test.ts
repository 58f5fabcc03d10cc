/**
 * Liveness and readiness (issue #13): /healthz answers without the database; /readyz answers
 * 200 only while the database answers, has every migration and the audit chain's head verifies,
 * and otherwise a 503 problem with a stable code.
 */
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/http/app.js'
import { appendAudit } from '../../src/db/queries/audit.js'
import { journalEntries } from '../../src/db/migration-state.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { createTestApp, type TestApp } from '../helpers/app.js'
import { createTestDatabase, engineName, tempDir } from '../helpers/db.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
}, 60_000)
afterAll(async () => t?.close())

const get = (url: string) => t.app.inject({ method: 'GET', url })

describe(`health (${engineName})`, () => {
  it('answers liveness and readiness when all is well', async () => {
    const live = await get('/healthz')
    expect(live.statusCode).toBe(200)
    expect(live.json()).toEqual({ status: 'ok' })
    const ready = await get('/readyz')
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toEqual({ status: 'ok', database: 'ok', migrations: 'current', audit: 'consistent', engine: t.database.handle.engine })
  })

  it('is live but not ready when the database is gone', async () => {
    const gone = await createTestDatabase()
    const app = await buildApp({ config: loadConfig({ CIVINDEX_DATA: tempDir(), LOG_LEVEL: 'silent' }), database: gone.handle, logger: false })
    try {
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
      await gone.drop()
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
      const ready = await app.inject({ method: 'GET', url: '/readyz' })
      expect(ready.statusCode).toBe(503)
      expect(ready.headers['content-type']).toMatch(/^application\/problem\+json/)
      expect(ready.json()).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' })
    } finally {
      await app.close()
    }
  })

  it('is not ready while a migration is pending, and names it', async () => {
    const last = journalEntries().at(-1)!
    const db = t.database.handle.db
    const [row] = await queryRows<{ id: unknown; hash: string; created_at: string }>(db, sql`select id, hash, created_at::text as created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`)
    expect(Number(row!.created_at)).toBe(last.when)
    await db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${toCount(row!.id)}`)
    try {
      const ready = await get('/readyz')
      expect(ready.statusCode).toBe(503)
      expect(ready.json()).toMatchObject({ code: 'MIGRATIONS_PENDING', detail: expect.stringContaining(last.tag) })
      expect((await get('/healthz')).statusCode).toBe(200)
    } finally {
      await db.execute(sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${toCount(row!.id)}, ${row!.hash}, ${row!.created_at}::bigint)`)
    }
    expect((await get('/readyz')).statusCode).toBe(200)
  })

  it('is not ready when the last audit entry does not recompute, and names it', async () => {
    const db = t.database.handle.db
    await appendAudit(db, { id: null, name: 'test' }, { action: 'test.ready', entity: 'thing', entityKey: 'x', details: { n: 1 } })
    const [last] = await queryRows<{ id: unknown }>(db, sql`select id from audit_log order by id desc limit 1`)
    const id = toCount(last!.id)
    await db.execute(sql`alter table audit_log disable trigger audit_log_append_only`)
    try {
      await db.execute(sql`update audit_log set actor = 'someone else' where id = ${id}`)
      const ready = await get('/readyz')
      expect(ready.statusCode).toBe(503)
      expect(ready.json()).toMatchObject({ code: 'AUDIT_CHAIN_BROKEN', detail: expect.stringContaining(`#${id}: its hash does not match its content`) })
      await db.execute(sql`update audit_log set actor = 'test' where id = ${id}`)
    } finally {
      await db.execute(sql`alter table audit_log enable trigger audit_log_append_only`)
    }
    expect((await get('/readyz')).statusCode).toBe(200)
  })
})
