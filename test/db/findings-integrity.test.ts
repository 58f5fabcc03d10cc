import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findings, visits } from '../../src/db/schema/index.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { loadSampleRound } from '../helpers/sample-round.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'

let t: TestDatabase
let roundId: number
let standardId: number
const V1 = '00000000-0000-4000-8000-000000000001' // a market visit of unit a
const base = () => ({ id: '40000000-0000-4000-8000-000000000001', roundId, visitId: V1, unitId: 0, standardId, contentHash: 'x' })

beforeAll(async () => {
  t = await createTestDatabase()
  roundId = await loadSampleRound(t.handle.db)
  const [visit] = await t.handle.db.select({ unitId: visits.unitId }).from(visits).where(eq(visits.id, V1))
  const [s] = await queryRows<{ id: unknown }>(t.handle.db, sql`select id from indicator_nodes where code = '01-01-01'`)
  standardId = toCount(s!.id)
  unitOfV1 = visit!.unitId
})
afterAll(async () => t?.drop())
let unitOfV1 = 0

async function findingCount(): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(t.handle.db, sql`select count(*) as n from findings`)
  return toCount(row!.n)
}

describe(`findings reference checks per statement (${engineName})`, () => {
  it('accept a consistent finding', async () => {
    await t.handle.db.insert(findings).values({ ...base(), unitId: unitOfV1 })
    expect(await findingCount()).toBe(4)
    await t.handle.db.delete(findings).where(eq(findings.id, base().id))
  })

  const cases: [string, () => Record<string, unknown>, RegExp][] = [
    ['a missing visit', () => ({ visitId: '4fffffff-0000-4000-8000-000000000000' }), /finding 40000000-0000-4000-8000-000000000001 is inconsistent: its visit 4fffffff-0000-4000-8000-000000000000 does not exist/],
    ['a visit of another unit', () => ({ unitId: unitOfV1 + 1 }), /another round or unit/],
    ['a missing standard', () => ({ standardId: 999999 }), /finding 40000000-0000-4000-8000-000000000001 is inconsistent: its standard 999999 does not exist/],
    ['a missing creator', () => ({ createdBy: 424242 }), /creator 424242 does not exist/],
    ['a missing reviewer', () => ({ reviewedBy: 424243 }), /finding 40000000-0000-4000-8000-000000000001 is inconsistent: its reviewer 424243 does not exist/],
  ]
  for (const [label, change, message] of cases) {
    it(`refuse ${label}, storing nothing of the statement`, async () => {
      const good = { ...base(), unitId: unitOfV1, id: '40000000-0000-4000-8000-000000000002' }
      const bad = { ...base(), unitId: unitOfV1, ...change() }
      await expect(t.handle.db.insert(findings).values([good, bad])).rejects.toThrow()
      try {
        await t.handle.db.insert(findings).values([good, bad])
      } catch (error) {
        const text = `${String(error)} ${String((error as { cause?: unknown }).cause)}`
        expect(text).toMatch(message)
      }
      expect(await findingCount()).toBe(3)
    })
  }

  it('refuse an update that breaks a reference', async () => {
    await expect(t.handle.db.update(findings).set({ standardId: 999999 })).rejects.toThrow()
    expect(await findingCount()).toBe(3)
  })

  it('keep a visit that still has findings from being deleted', async () => {
    await expect(t.handle.db.delete(visits).where(eq(visits.id, V1))).rejects.toThrow()
    const [row] = await queryRows<{ n: unknown }>(t.handle.db, sql`select count(*) as n from visits`)
    expect(toCount(row!.n)).toBe(5)
  })
})
