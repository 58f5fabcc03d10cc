/**
 * Tamper evidence (issue #13): everything publication writes is append-only and cannot be
 * emptied with TRUNCATE (migration 0015), a correction still only adds rows, and the cheap check
 * of the audit chain's head names a forged or unlinked last entry.
 */
import { sql, type SQL } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendAudit, verifyAuditChain, verifyAuditHead } from '../../src/db/queries/audit.js'
import { appendOnlyTables } from '../../src/db/privileges.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { parseRecords } from '../../src/domain/records/parse.js'
import { correctRound, publishRound } from '../../src/services/publication.js'
import { importRecords } from '../../src/services/records.js'
import { transitionRound } from '../../src/services/rounds.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { createSampleRound, type SampleRound } from '../helpers/factories.js'

const actor = { id: null, name: 'test' }
const FAST = { replicates: 50, weightRuns: 20 }
const PUBLISHED = ['audit_log', 'ledger_entries', 'publications', 'unit_results']
let t: TestDatabase
let round: SampleRound

beforeAll(async () => {
  t = await createTestDatabase()
  round = await createSampleRound(t.handle.db)
  await transitionRound(t.handle.db, round.code, 'close', actor)
  await publishRound(t.handle.db, round.code, actor, FAST)
}, 60_000)
afterAll(async () => t?.drop())

/** The message of the database error a statement fails with (drizzle wraps it; PostgreSQL's text is in the cause). */
async function refusal(query: SQL): Promise<string> {
  try {
    await t.handle.db.execute(query)
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause
    return `${(error as Error).message} ${cause instanceof Error ? cause.message : ''}`
  }
  throw new Error('the statement succeeded')
}

async function rowCount(table: string): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(t.handle.db, sql.raw(`select count(*) as n from ${table}`))
  return toCount(row!.n)
}

/** One round's per-unit results of one revision, as text. */
async function unitResultsOf(revision: number): Promise<string[]> {
  const rows = await queryRows<{ line: string }>(
    t.handle.db,
    sql`select concat_ws('|', u.code, r.group_code, r.ranked, r.total::text, r.rank, r.bottom, r.on_black_list, r.on_red_list) as line
        from unit_results r join publications p on p.id = r.publication_id join units u on u.id = r.unit_id
        where r.round_id = ${round.id} and p.revision = ${revision} order by u.code`,
  )
  return rows.map((r) => r.line)
}

describe(`published tables (${engineName})`, () => {
  it('are exactly the append-only tables of the database', async () => {
    expect(await appendOnlyTables(t.handle.db)).toEqual(PUBLISHED)
  })

  it('refuse TRUNCATE, alone or reached by CASCADE, and keep their rows', async () => {
    const before = await Promise.all(PUBLISHED.map(rowCount))
    expect(before.every((n) => n > 0)).toBe(true)
    for (const table of PUBLISHED) expect(await refusal(sql.raw(`truncate table ${table} cascade`)), table).toMatch(new RegExp(`${table} is append-only; TRUNCATE is not allowed`))
    expect(await refusal(sql.raw('truncate table rounds cascade'))).toMatch(/is append-only; TRUNCATE is not allowed/)
    expect(await Promise.all(PUBLISHED.map(rowCount))).toEqual(before)
  })

  it('refuse to edit or delete unit results; a correction adds a revision and leaves the first one as it was', async () => {
    const first = await unitResultsOf(1)
    expect(first.length).toBeGreaterThan(0)
    expect(await refusal(sql`update unit_results set rank = 1, on_black_list = false where round_id = ${round.id}`)).toMatch(/unit_results is append-only; UPDATE is not allowed/)
    expect(await refusal(sql`delete from unit_results where round_id = ${round.id}`)).toMatch(/unit_results is append-only; DELETE is not allowed/)

    await correctRound(t.handle.db, round.code, '乙区问卷得分更正', actor)
    await importRecords(t.handle.db, round.code, parseRecords({ externalScores: [{ unit: 'b', component: 'survey', value: '20.00' }] }), actor)
    expect(await publishRound(t.handle.db, round.code, actor, FAST)).toMatchObject({ revision: 2 })
    expect(await unitResultsOf(1)).toEqual(first)
    const second = await unitResultsOf(2)
    expect(second).toHaveLength(first.length)
    expect(second).not.toEqual(first)
  })
})

describe(`the audit chain's head (${engineName})`, () => {
  it('verifies the last entries, and names a last entry whose content or link was forged behind the trigger', async () => {
    for (let i = 0; i < 3; i++) await appendAudit(t.handle.db, actor, { action: 'test.head', entity: 'thing', entityKey: String(i), details: { i } })
    expect(await verifyAuditHead(t.handle.db)).toEqual({ checked: 3, brokenAt: null, reason: null })
    const [last] = await queryRows<{ id: unknown; prev_hash: string }>(t.handle.db, sql`select id, prev_hash from audit_log order by id desc limit 1`)
    const id = toCount(last!.id)
    // Only the owner of the table (here the test's superuser) can do this: see test/db/server-role.test.ts.
    await t.handle.db.execute(sql`alter table audit_log disable trigger audit_log_append_only`)
    try {
      await t.handle.db.execute(sql`update audit_log set details = '{"i": 99}'::jsonb where id = ${id}`)
      expect(await verifyAuditHead(t.handle.db)).toEqual({ checked: 3, brokenAt: id, reason: 'its hash does not match its content' })
      expect((await verifyAuditChain(t.handle.db)).brokenAt).toBe(id)
      await t.handle.db.execute(sql`update audit_log set details = '{"i": 2}'::jsonb, prev_hash = repeat('0', 64) where id = ${id}`)
      expect(await verifyAuditHead(t.handle.db)).toMatchObject({ brokenAt: id, reason: expect.stringMatching(/^it does not link to the entry before it \(#\d+\)$/) })
      await t.handle.db.execute(sql`update audit_log set prev_hash = ${last!.prev_hash} where id = ${id}`)
      expect((await verifyAuditHead(t.handle.db)).brokenAt).toBeNull()
      expect((await verifyAuditChain(t.handle.db)).brokenAt).toBeNull()
    } finally {
      await t.handle.db.execute(sql`alter table audit_log enable trigger audit_log_append_only`)
    }
  })
})
