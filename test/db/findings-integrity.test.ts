/**
 * The findings table checks its references once per statement (migrations 0009, 0013). Every test
 * works on a round of its own (test/helpers/factories.ts) and counts only that round's rows.
 */
import { randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findings, visits } from '../../src/db/schema/index.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { createSampleRound, roundRowCounts } from '../helpers/factories.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => t?.drop())

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A sample round with its records; a market visit of unit a (V1), its unit, and the round's standard 01-01-01. */
async function sampleRound() {
  const round = await createSampleRound(t.handle.db)
  const v1 = round.data.visits[0]!
  expect(v1.point).toBe('P1')
  const [visit] = await t.handle.db.select({ unitId: visits.unitId }).from(visits).where(eq(visits.id, v1.id))
  const [s] = await queryRows<{ id: unknown }>(
    t.handle.db,
    sql`select n.id from indicator_nodes n join rounds r on r.indicator_set_id = n.set_id where r.id = ${round.id} and n.code = '01-01-01'`,
  )
  const unitOfV1 = visit!.unitId
  /** A finding row of this round at V1, consistent unless changed. */
  const row = (id: string) => ({ id, roundId: round.id, visitId: v1.id, unitId: unitOfV1, standardId: toCount(s!.id), contentHash: 'x' })
  const count = async (): Promise<number> => (await roundRowCounts(t.handle.db, round.code)).findings
  return { round, v1: v1.id, unitOfV1, row, count }
}

describe(`findings reference checks per statement (${engineName})`, () => {
  it('accept a consistent finding', async () => {
    const { row, count } = await sampleRound()
    expect(await count()).toBe(3)
    const id = randomUUID()
    await t.handle.db.insert(findings).values(row(id))
    expect(await count()).toBe(4)
    await t.handle.db.delete(findings).where(eq(findings.id, id))
    expect(await count()).toBe(3)
  })

  const cases: [string, (unitOfV1: number) => Record<string, unknown>, (id: string) => RegExp][] = [
    ['a missing visit', () => ({ visitId: '4fffffff-0000-4000-8000-000000000000' }), (id) => new RegExp(`finding ${escape(id)} is inconsistent: its visit 4fffffff-0000-4000-8000-000000000000 does not exist`)],
    ['a visit of another unit', (unitOfV1) => ({ unitId: unitOfV1 + 1 }), () => /another round or unit/],
    ['a missing standard', () => ({ standardId: 999999 }), (id) => new RegExp(`finding ${escape(id)} is inconsistent: its standard 999999 does not exist`)],
    ['a missing creator', () => ({ createdBy: 424242 }), () => /creator 424242 does not exist/],
    ['a missing reviewer', () => ({ reviewedBy: 424243 }), (id) => new RegExp(`finding ${escape(id)} is inconsistent: its reviewer 424243 does not exist`)],
  ]
  for (const [label, change, message] of cases) {
    it(`refuse ${label}, storing nothing of the statement`, async () => {
      const { row, unitOfV1, count } = await sampleRound()
      const good = row(randomUUID())
      const badId = randomUUID()
      const bad = { ...row(badId), ...change(unitOfV1) }
      await expect(t.handle.db.insert(findings).values([good, bad])).rejects.toThrow()
      try {
        await t.handle.db.insert(findings).values([good, bad])
      } catch (error) {
        const text = `${String(error)} ${String((error as { cause?: unknown }).cause)}`
        expect(text).toMatch(message(badId))
      }
      expect(await count()).toBe(3)
    })
  }

  it('refuse an update that breaks a reference', async () => {
    const { round, count } = await sampleRound()
    await expect(t.handle.db.update(findings).set({ standardId: 999999 }).where(eq(findings.roundId, round.id))).rejects.toThrow()
    expect(await count()).toBe(3)
  })

  it('keep a visit that still has findings from being deleted', async () => {
    const { round, v1 } = await sampleRound()
    await expect(t.handle.db.delete(visits).where(eq(visits.id, v1))).rejects.toThrow()
    expect((await roundRowCounts(t.handle.db, round.code)).visits).toBe(5)
  })
})
