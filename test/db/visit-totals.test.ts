/**
 * The per-visit totals (visit_standard_totals) against the findings they are built from. Every
 * test makes its own round (test/helpers/factories.ts) and changes only that round's findings.
 */
import { randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findings, rounds } from '../../src/db/schema/index.js'
import { transitionRound } from '../../src/services/rounds.js'
import { evidenceByUnitStandard, evidenceFromFindings, type EvidenceRow } from '../../src/db/queries/scoring.js'
import { importRecords } from '../../src/services/records.js'
import { createSampleRound, type SampleRound } from '../helpers/factories.js'
import { canonical } from '../../src/domain/decimal.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { parseRecords } from '../../src/domain/records/parse.js'

const actor = { id: null, name: 'test' }
let t: TestDatabase

const sorted = (rows: EvidenceRow[]) => [...rows].sort((a, b) => a.unitId - b.unitId || a.standardId - b.standardId)
const normalise = (rows: EvidenceRow[]) => sorted(rows).map((r) => ({ ...r, deductions: canonical(r.deductions), capped: canonical(r.capped) }))

async function expectTotalsMatchFindings(round: SampleRound): Promise<EvidenceRow[]> {
  const fromTotals = await evidenceByUnitStandard(t.handle.db, round.id)
  const reference = await evidenceFromFindings(t.handle.db, round.id)
  expect(normalise(fromTotals)).toEqual(normalise(reference))
  return sorted(fromTotals)
}

beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => t?.drop())

/** The round's first visit: P1, a market, where the sample has 01-01-01 with count 2. */
function v1(round: SampleRound): string {
  const visit = round.data.visits[0]!
  expect(visit.point).toBe('P1')
  return visit.id
}

const totalsReady = async (round: SampleRound) => (await t.handle.db.select({ ready: rounds.totalsReady }).from(rounds).where(eq(rounds.id, round.id)))[0]?.ready

/** A sample round with two more findings of 01-01-01 at V1 (count 3, and an explicit 0.25), fieldwork closed; their ids. */
async function roundWithTwoMore(): Promise<{ round: SampleRound; one: string; two: string }> {
  const round = await createSampleRound(t.handle.db)
  const one = randomUUID()
  const two = randomUUID()
  await importRecords(
    t.handle.db,
    round.code,
    parseRecords({
      findings: [
        { id: one, visit: v1(round), standard: '01-01-01', count: 3 },
        { id: two, visit: v1(round), standard: '01-01-01', deduction: '0.25' },
      ],
    }),
    actor,
  )
  await transitionRound(t.handle.db, round.code, 'close', actor)
  return { round, one, two }
}

describe(`per-visit totals maintained by the database (${engineName})`, () => {
  it('are not written during fieldwork; closing fieldwork builds them from the findings', async () => {
    const round = await createSampleRound(t.handle.db)
    expect(await totalsReady(round)).toBe(false)
    expect(await evidenceByUnitStandard(t.handle.db, round.id)).toEqual([])
    expect((await evidenceFromFindings(t.handle.db, round.id)).length).toBe(3)
    await transitionRound(t.handle.db, round.code, 'close', actor)
    expect(await totalsReady(round)).toBe(true)
    const rows = await expectTotalsMatchFindings(round)
    expect(rows.length).toBe(3)
    await transitionRound(t.handle.db, round.code, 'open', actor)
    expect(await totalsReady(round)).toBe(false)
    expect(await evidenceByUnitStandard(t.handle.db, round.id)).toEqual([])
  })

  it('cap a visit at the standard points and sum several findings at one visit', async () => {
    // 01-01-01: 2 points, per 0.5. Already count 2 (D 1.0) at V1; add count 3 (1.5) and an explicit 0.25.
    const { round } = await roundWithTwoMore()
    const rows = await expectTotalsMatchFindings(round)
    const row = rows.find((r) => r.findings === 6)!
    expect(row).toMatchObject({ visitsWithFindings: 1 })
    expect(canonical(row.deductions)).toBe('2.75')
    expect(canonical(row.capped)).toBe('2') // min(2 points, 2.75)
  })

  it('follow rejections, their undoing, edits of count, deduction and standard, and deletions', async () => {
    const db = t.handle.db
    const { round, one, two } = await roundWithTwoMore()
    const ofRound = eq(findings.roundId, round.id)
    await db.update(findings).set({ status: 'rejected' }).where(eq(findings.id, one))
    let rows = await expectTotalsMatchFindings(round)
    expect(rows.find((r) => r.findings === 3)).toBeDefined()
    await db.update(findings).set({ status: 'accepted' }).where(eq(findings.id, one))
    await expectTotalsMatchFindings(round)
    await db.update(findings).set({ count: 1 }).where(eq(findings.id, one))
    await expectTotalsMatchFindings(round)
    await db.update(findings).set({ deduction: '1.75' }).where(eq(findings.id, two))
    await expectTotalsMatchFindings(round)
    // Move a finding to another standard of the same visit (01-01-02 applies to markets too), of the round's own set.
    const [standard] = await db
      .execute(sql`select n.id from indicator_nodes n join rounds r on r.indicator_set_id = n.set_id where r.id = ${round.id} and n.code = '01-01-02'`)
      .then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { id: number }[])
    await db.update(findings).set({ standardId: Number(standard!.id) }).where(eq(findings.id, two))
    await expectTotalsMatchFindings(round)
    await db.delete(findings).where(eq(findings.id, one))
    await db.delete(findings).where(eq(findings.id, two))
    rows = await expectTotalsMatchFindings(round)
    expect(rows.length).toBe(3)
    // Rejecting every finding of the round leaves no totals at all.
    await db.update(findings).set({ status: 'rejected' }).where(ofRound)
    rows = await expectTotalsMatchFindings(round)
    expect(rows).toEqual([])
    await db.update(findings).set({ status: 'pending' }).where(ofRound)
    expect((await expectTotalsMatchFindings(round)).length).toBe(3)
  })

  it('are rebuilt exactly after fieldwork is reopened, changed and closed again', async () => {
    const round = await createSampleRound(t.handle.db)
    await transitionRound(t.handle.db, round.code, 'close', actor)
    expect((await evidenceByUnitStandard(t.handle.db, round.id)).length).toBe(3)
    await transitionRound(t.handle.db, round.code, 'open', actor)
    const id3 = randomUUID()
    await importRecords(t.handle.db, round.code, parseRecords({ findings: [{ id: id3, visit: v1(round), standard: '01-01-01', count: 5 }] }), actor)
    await t.handle.db.update(findings).set({ status: 'rejected' }).where(eq(findings.id, id3))
    await t.handle.db.update(findings).set({ status: 'pending' }).where(eq(findings.id, id3))
    expect(await evidenceByUnitStandard(t.handle.db, round.id)).toEqual([])
    await transitionRound(t.handle.db, round.code, 'close', actor)
    const rows = await expectTotalsMatchFindings(round)
    expect(rows.some((r) => r.findings >= 5)).toBe(true)
  })
})
