import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js'
import { appendAudit, verifyAuditChain } from '../../src/db/queries/audit.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { auditLog, points, units } from '../../src/db/schema/index.js'
import { MIGRATIONS_DIR } from '../../src/paths.js'
import { isDomainError } from '../../src/domain/errors.js'
import { createTestDatabase, engineName, tempDir, TEST_DATABASE_URL, type TestDatabase } from '../helpers/db.js'

let t: TestDatabase
let db: DatabaseHandle['db']
beforeAll(async () => {
  t = await createTestDatabase()
  db = t.handle.db
})
afterAll(async () => t?.drop())

type ColumnRow = { table_name: string; column_name: string; data_type: string; is_nullable: string }

async function columns(handle: DatabaseHandle): Promise<string[]> {
  const rows = await queryRows<ColumnRow>(
    handle.db,
    sql`select table_name, column_name, data_type, is_nullable from information_schema.columns where table_schema = 'public'`,
  )
  return rows.map((r) => `${r.table_name}.${r.column_name} ${r.data_type} ${r.is_nullable}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

describe(`database on ${engineName}`, () => {
  it('has exactly the tables and columns of the generated migrations', async () => {
    const snapshots = fs.readdirSync(path.join(MIGRATIONS_DIR, 'meta')).filter((f) => f.endsWith('_snapshot.json'))
    const latest = snapshots.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).at(-1)!
    const snapshot = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', latest), 'utf8')) as {
      tables: Record<string, { name: string; columns: Record<string, { name: string; notNull: boolean }> }>
    }
    const expected = Object.values(snapshot.tables)
      .flatMap((table) => Object.values(table.columns).map((c) => `${table.name}.${c.name} ${c.notNull ? 'NO' : 'YES'}`))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    // "table.column NO" from "table.column <data type> NO"
    const actual = (await columns(t.handle)).map((c) => `${c.split(' ')[0]} ${c.split(' ').at(-1)}`)
    expect(actual).toEqual(expected)
    expect(Object.keys(snapshot.tables).length).toBe(28)
  })

  it.runIf(TEST_DATABASE_URL)('gives PostgreSQL and PGlite the same columns and types from the same migrations', async () => {
    const dir = tempDir()
    const lite = await openDatabase({ databaseUrl: null, dataDir: path.join(dir, 'data') })
    try {
      expect(await columns(t.handle)).toEqual(await columns(lite))
    } finally {
      await lite.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('stores numeric values exactly and reads them back as text', async () => {
    const [unit] = await db.insert(units).values({ code: `u-${Date.now()}`, name: '迎江区' }).returning()
    const lat = '30.123456789012345678901234567890'
    const [point] = await db.insert(points).values({ code: `p-${Date.now()}`, name: '菱湖农贸市场', pointType: 'market', unitId: unit!.id, lat }).returning()
    expect(point!.lat).toBe(lat)
    const [row] = await queryRows<{ total: unknown; n: unknown }>(db, sql`select 0.85 * 87.63 + 0.15 * 92.53 as total, count(*) as n from units`)
    expect(String(row!.total)).toBe('88.3650')
    expect(toCount(row!.n)).toBeGreaterThanOrEqual(1)
  })

  // The audit log is one chain for the whole database: every test adds entries under an entity
  // of its own and looks at those, while the chain checks cover every entry.
  it('refuses to edit or delete audit entries, and chains their hashes', async () => {
    const actor = { id: null, name: 'test' }
    const entity = `thing-${randomUUID()}`
    await appendAudit(db, actor, { action: 'a.one', entity, entityKey: '1', details: { n: 1 } })
    await appendAudit(db, actor, { action: 'a.two', entity, entityKey: '2', details: { text: '整改' } })
    const chain = await verifyAuditChain(db)
    expect(chain.brokenAt).toBeNull()
    expect(chain.checked).toBeGreaterThanOrEqual(2)
    await expect(db.execute(sql`update audit_log set actor = 'someone else' where entity = ${entity}`)).rejects.toThrow()
    await expect(db.execute(sql`delete from audit_log where entity = ${entity}`)).rejects.toThrow()
    const rows = await db.select().from(auditLog).where(eq(auditLog.entity, entity))
    expect(rows.map((r) => [r.action, r.actor])).toEqual([
      ['a.one', 'test'],
      ['a.two', 'test'],
    ])
  })

  it('chains entries whose text the database hashes exactly as the verifier does, and never forks under concurrent writers', async () => {
    const actor = { id: null, name: '测评员 "甲"\\乙' }
    const entity = `thing-${randomUUID()}`
    const awkward = { text: '整改\n第二行\t"引号" \\ 反斜杠 😀', when: new Date('2026-11-01T08:00:00.123Z'), list: [1, '二', null], nested: { b: 1, a: 2 } }
    await appendAudit(db, actor, { action: 'a.awkward', entity, entityKey: 'κ/3', details: awkward })
    // Twenty writers at once, each in its own transaction (on PostgreSQL: its own connection).
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction(async (tx) => {
          await appendAudit(tx, actor, { action: 'a.concurrent', entity, entityKey: String(i), details: { i } })
        }),
      ),
    )
    const chain = await verifyAuditChain(db)
    expect(chain.brokenAt).toBeNull()
    const rows = await db.select().from(auditLog).orderBy(auditLog.id)
    // Every entry links to the one before it: one chain, no two entries with the same predecessor.
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash).toBe(rows[i - 1]!.hash)
    const mine = rows.filter((r) => r.entity === entity)
    expect(mine.filter((r) => r.action === 'a.concurrent')).toHaveLength(20)
    expect(mine.find((r) => r.action === 'a.awkward')!.details).toEqual({ ...awkward, when: awkward.when.toISOString() })
  })

  it('detects a forged audit chain', async () => {
    const entity = `thing-${randomUUID()}`
    await appendAudit(db, { id: null, name: 'test' }, { action: 'a.one', entity, entityKey: '1', details: { n: 1 } })
    expect((await verifyAuditChain(db)).brokenAt).toBeNull()
    // Bypass the trigger the way only a superuser could, then verify.
    await db.execute(sql`alter table audit_log disable trigger audit_log_append_only`)
    try {
      const forged = await db.update(auditLog).set({ details: { n: 2 } }).where(and(eq(auditLog.entity, entity), eq(auditLog.action, 'a.one'))).returning({ id: auditLog.id })
      expect(forged).toHaveLength(1)
      const chain = await verifyAuditChain(db)
      expect(chain.brokenAt).not.toBeNull()
      await db.update(auditLog).set({ details: { n: 1 } }).where(eq(auditLog.entity, entity))
      expect((await verifyAuditChain(db)).brokenAt).toBeNull()
    } finally {
      await db.execute(sql`alter table audit_log enable trigger audit_log_append_only`)
    }
  })

  it('refuses to edit or delete ledger entries and publications', async () => {
    for (const table of ['ledger_entries', 'publications']) {
      const [trigger] = await queryRows<{ n: unknown }>(db, sql`select count(*) as n from information_schema.triggers where event_object_table = ${table}`)
      expect(toCount(trigger!.n), table).toBe(2) // BEFORE UPDATE and BEFORE DELETE
    }
  })
})

describe.skipIf(TEST_DATABASE_URL)('embedded data directory', () => {
  it('cannot be opened twice, and opens again once closed', async () => {
    const dir = tempDir()
    const dataDir = path.join(dir, 'data')
    const first = await openDatabase({ databaseUrl: null, dataDir })
    let error: unknown = null
    try {
      await openDatabase({ databaseUrl: null, dataDir })
    } catch (e) {
      error = e
    }
    expect(isDomainError(error) && error.code).toBe('DATA_DIR_BUSY')
    await first.db.insert(units).values({ code: 'kept', name: '保留' })
    await first.close()
    expect(fs.existsSync(path.join(dataDir, 'civindex.lock'))).toBe(false)
    const second = await openDatabase({ databaseUrl: null, dataDir })
    const rows = await second.db.select().from(units)
    expect(rows.map((r) => r.code)).toEqual(['kept'])
    await second.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
})

describe.skipIf(!TEST_DATABASE_URL)('PostgreSQL connections', () => {
  it('try each host of the connection string in turn', async () => {
    // Port 1 refuses at once; the server under test answers.
    const url = new URL(TEST_DATABASE_URL!)
    const good = `${url.hostname}:${url.port || '5432'}`
    const handle = await openDatabase({ databaseUrl: `postgres://${url.username}@127.0.0.1:1,${good}${url.pathname}`, dataDir: '', migrate: false })
    try {
      const [row] = await queryRows<{ one: unknown }>(handle.db, sql`select 1 as one`)
      expect(toCount(row!.one)).toBe(1)
    } finally {
      await handle.close()
    }
    const dead = await openDatabase({ databaseUrl: `postgres://${url.username}@127.0.0.1:1${url.pathname}`, dataDir: '', migrate: false })
    try {
      const error: unknown = await queryRows(dead.db, sql`select 1`).then(
        () => null,
        (e: unknown) => e,
      )
      expect(String((error as { cause?: unknown } | null)?.cause)).toMatch(/ECONNREFUSED/)
    } finally {
      await dead.close()
    }
  })
})
