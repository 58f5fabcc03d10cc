import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findings, rounds } from '../../src/db/schema/index.js'
import { transitionRound } from '../../src/services/rounds.js'
import { evidenceByUnitStandard, evidenceFromFindings, type EvidenceRow } from '../../src/db/queries/scoring.js'
import { importRecords } from '../../src/services/records.js'
import { loadSampleRound } from '../helpers/sample-round.js'
import { canonical } from '../../src/domain/decimal.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'

const actor = { id: null, name: 'test' }
let t: TestDatabase
let roundId: number

const sorted = (rows: EvidenceRow[]) => [...rows].sort((a, b) => a.unitId - b.unitId || a.standardId - b.standardId)
const normalise = (rows: EvidenceRow[]) => sorted(rows).map((r) => ({ ...r, deductions: canonical(r.deductions), capped: canonical(r.capped) }))

async function expectTotalsMatchFindings(): Promise<EvidenceRow[]> {
  const fromTotals = await evidenceByUnitStandard(t.handle.db, roundId)
  const reference = await evidenceFromFindings(t.handle.db, roundId)
  expect(normalise(fromTotals)).toEqual(normalise(reference))
  return sorted(fromTotals)
}

beforeAll(async () => {
  t = await createTestDatabase()
  roundId = await loadSampleRound(t.handle.db)
})
afterAll(async () => t?.drop())

const V1 = '00000000-0000-4000-8000-000000000001'
const id = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`

const totalsReady = async () => (await t.handle.db.select({ ready: rounds.totalsReady }).from(rounds).where(eq(rounds.id, roundId)))[0]?.ready

describe(`per-visit totals maintained by the database (${engineName})`, () => {
  it('are not written during fieldwork; closing fieldwork builds them from the findings', async () => {
    expect(await totalsReady()).toBe(false)
    expect(await evidenceByUnitStandard(t.handle.db, roundId)).toEqual([])
    expect((await evidenceFromFindings(t.handle.db, roundId)).length).toBe(3)
    await transitionRound(t.handle.db, '2026-01', 'close', actor)
    expect(await totalsReady()).toBe(true)
    const rows = await expectTotalsMatchFindings()
    expect(rows.length).toBe(3)
    await transitionRound(t.handle.db, '2026-01', 'open', actor)
    expect(await totalsReady()).toBe(false)
    expect(await evidenceByUnitStandard(t.handle.db, roundId)).toEqual([])
  })

  it('cap a visit at the standard points and sum several findings at one visit', async () => {
    // 01-01-01: 2 points, per 0.5. Already count 2 (D 1.0) at V1; add count 3 (1.5) and an explicit 0.25.
    await importRecords(
      t.handle.db,
      '2026-01',
      {
        findings: [
          { id: id(1), visit: V1, standard: '01-01-01', count: 3 },
          { id: id(2), visit: V1, standard: '01-01-01', deduction: '0.25' },
        ],
      },
      actor,
    )
    await transitionRound(t.handle.db, '2026-01', 'close', actor)
    const rows = await expectTotalsMatchFindings()
    const row = rows.find((r) => r.findings === 6)!
    expect(row).toMatchObject({ visitsWithFindings: 1 })
    expect(canonical(row.deductions)).toBe('2.75')
    expect(canonical(row.capped)).toBe('2') // min(2 points, 2.75)
  })

  it('follow rejections, their undoing, edits of count, deduction and standard, and deletions', async () => {
    const db = t.handle.db
    await db.update(findings).set({ status: 'rejected' }).where(eq(findings.id, id(1)))
    let rows = await expectTotalsMatchFindings()
    expect(rows.find((r) => r.findings === 3)).toBeDefined()
    await db.update(findings).set({ status: 'accepted' }).where(eq(findings.id, id(1)))
    await expectTotalsMatchFindings()
    await db.update(findings).set({ count: 1 }).where(eq(findings.id, id(1)))
    await expectTotalsMatchFindings()
    await db.update(findings).set({ deduction: '1.75' }).where(eq(findings.id, id(2)))
    await expectTotalsMatchFindings()
    // Move a finding to another standard of the same visit (01-01-02 applies to markets too).
    const [standard] = await db.execute(sql`select id from indicator_nodes where code = '01-01-02'`).then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { id: number }[])
    await db.update(findings).set({ standardId: Number(standard!.id) }).where(eq(findings.id, id(2)))
    await expectTotalsMatchFindings()
    await db.delete(findings).where(eq(findings.id, id(1)))
    await db.delete(findings).where(eq(findings.id, id(2)))
    rows = await expectTotalsMatchFindings()
    expect(rows.length).toBe(3)
    // Rejecting every finding leaves no totals at all.
    await db.update(findings).set({ status: 'rejected' })
    rows = await expectTotalsMatchFindings()
    expect(rows).toEqual([])
    await db.update(findings).set({ status: 'pending' })
    expect((await expectTotalsMatchFindings()).length).toBe(3)
  })

  it('are rebuilt exactly after fieldwork is reopened, changed and closed again', async () => {
    await transitionRound(t.handle.db, '2026-01', 'open', actor)
    await importRecords(t.handle.db, '2026-01', { findings: [{ id: id(3), visit: V1, standard: '01-01-01', count: 5 }] }, actor)
    await t.handle.db.update(findings).set({ status: 'rejected' }).where(eq(findings.id, id(3)))
    await t.handle.db.update(findings).set({ status: 'pending' }).where(eq(findings.id, id(3)))
    expect(await evidenceByUnitStandard(t.handle.db, roundId)).toEqual([])
    await transitionRound(t.handle.db, '2026-01', 'close', actor)
    const rows = await expectTotalsMatchFindings()
    expect(rows.some((r) => r.findings >= 5)).toBe(true)
  })
})
