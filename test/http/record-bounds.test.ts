/**
 * Every value of a record has a domain bound (src/domain/records/bounds.ts), read once at the
 * edge for the batch API, JSON files, workbooks and corrections alike. Values past a bound are
 * a 400 naming the record and field, and nothing is stored; nothing a client sends reaches the
 * database as a value it refuses (a 500) or as one that later blocks closing, scoring or
 * ranking the round. Sums the database keeps are safe beyond 2³¹.
 */
import { randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findings, findingVersions } from '../../src/db/schema/index.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { RECORD_BOUNDS } from '../../src/domain/records/bounds.js'
import { parseRecords } from '../../src/domain/records/parse.js'
import type { CleanRecords } from '../../src/domain/records/validate.js'
import { standardsOfSet } from '../../src/db/queries/records.js'
import { hashRecords, importRecords, storeRecords } from '../../src/services/records.js'
import { getRound, loadRound, transitionRound } from '../../src/services/rounds.js'
import { computeRanking } from '../../src/services/scoring.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { loadSampleRound, sampleFixture } from '../helpers/sample-round.js'

let t: TestApp
const db = () => t.app.db
const actor = { id: null, name: 'bounds-test' }

beforeAll(async () => {
  t = await createTestApp()
  await loadSampleRound(db(), { data: false })
})
afterAll(async () => t?.close())

interface Problem {
  code: string
  errors?: { path: string; message: string }[]
}

async function post(batch: unknown) {
  return t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/records', headers: bearer(t.tokens.evaluator), payload: batch as Record<string, unknown> })
}

async function storedFindings(): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(db(), sql`select count(*) as n from findings f join rounds r on r.id = f.round_id where r.code = '2026-01'`)
  return toCount(row!.n)
}

/** A visit of 甲区's market on the given day, and a finding on it. */
function visitAndFinding(over: { visit?: Record<string, unknown>; finding?: Record<string, unknown> } = {}) {
  const visit = { id: randomUUID(), point: 'P1', at: '2026-01-10T09:00:00+08:00', ...over.visit }
  const finding = { id: randomUUID(), visit: visit.id, standard: '01-01-01', ...over.finding }
  return { visits: [visit], findings: [finding] }
}

/** Posts the batch, expects a 400 with exactly these problem paths, and that nothing was stored. */
async function expectRefused(batch: unknown, paths: string[], message?: RegExp): Promise<Problem> {
  const before = await storedFindings()
  const res = await post(batch)
  expect(res.statusCode, res.body).toBe(400)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const problem = res.json<Problem>()
  expect(problem.code).toBe('VALIDATION_FAILED')
  expect((problem.errors ?? []).map((e) => e.path)).toEqual(paths)
  if (message) expect(problem.errors?.[0]?.message).toMatch(message)
  expect(await storedFindings()).toBe(before)
  return problem
}

describe('record bounds over HTTP', () => {
  it('refuses a count past 999, as a number or as text, in a batch and in a correction', async () => {
    await expectRefused(visitAndFinding({ finding: { count: 2147483647 } }), ['findings[0].count'], /from 1 to 999/)
    await expectRefused(visitAndFinding({ finding: { count: '2147483648' } }), ['findings[0].count'])
    await expectRefused(visitAndFinding({ finding: { count: 1e300 } }), ['findings[0].count'])
    await expectRefused(visitAndFinding({ finding: { count: RECORD_BOUNDS.maxCount + 1 } }), ['findings[0].count'])
    const ok = visitAndFinding({ finding: { count: RECORD_BOUNDS.maxCount } })
    expect((await post(ok)).statusCode).toBe(200)

    const findingId = ok.findings[0]!.id
    for (const count of [1000, 2147483648, -1, 0]) {
      const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${findingId}`, headers: bearer(t.tokens.evaluator), payload: { count } })
      expect(res.statusCode, res.body).toBe(400)
    }
    const [row] = await db().select({ count: findings.count, version: findings.version }).from(findings).where(eq(findings.id, findingId))
    expect(row).toEqual({ count: RECORD_BOUNDS.maxCount, version: 1 })
  })

  it('refuses NUL, other control characters and broken characters in text and codes, naming the field', async () => {
    await expectRefused(visitAndFinding({ finding: { note: 'a\u0000b' } }), ['findings[0].note'], /NUL/)
    // A refused visit also leaves its finding without a visit.
    await expectRefused(visitAndFinding({ visit: { evaluator: 'e\u0001' } }), ['visits[0].evaluator', 'findings[0].visit'], /control character U\+0001/)
    await expectRefused(visitAndFinding({ finding: { note: 'half \ud83d of an emoji' } }), ['findings[0].note'], /surrogate/)
    await expectRefused(visitAndFinding({ visit: { point: 'P1\u0000' } }), ['visits[0].point'], /NUL/)
    await expectRefused({ externalScores: [{ unit: 'a\u0000', component: 'survey', value: '90' }] }, ['externalScores[0].unit'])
    // Tabs, line breaks and any script stay allowed.
    expect((await post(visitAndFinding({ finding: { note: '南门\t处地面\r\n存在垃圾 🚮' } }))).statusCode).toBe(200)
  })

  it('refuses text longer than its bound, however long, without echoing it back', async () => {
    const long = '脏'.repeat(RECORD_BOUNDS.noteLength + 1)
    await expectRefused(visitAndFinding({ finding: { note: long } }), ['findings[0].note'], new RegExp(`at most ${RECORD_BOUNDS.noteLength}`))
    const huge = 'x'.repeat(5_000_000)
    const problem = await expectRefused(visitAndFinding({ visit: { note: huge, evaluator: huge } }), ['visits[0].evaluator', 'visits[0].note', 'findings[0].visit'])
    expect(JSON.stringify(problem).length).toBeLessThan(2000)
    await expectRefused(visitAndFinding({ finding: { standard: 'S'.repeat(100_000) } }), ['findings[0].standard'])
    expect((await post(visitAndFinding({ finding: { note: '脏'.repeat(RECORD_BOUNDS.noteLength) } }))).statusCode).toBe(200)
  })

  it("refuses visit and finding times outside the round's period, with one day's tolerance", async () => {
    // The sample round's period is 2026-01-01 … 2026-01-31 (China time).
    for (const at of ['1900-01-01T00:00:00+08:00', '2199-12-31T00:00:00+08:00', '2262-04-12T00:00:00Z', '9999-12-31T23:59:59Z', '2025-12-30T23:59:59+08:00', '2026-02-02T00:00:00+08:00'])
      await expectRefused(visitAndFinding({ visit: { at } }), ['visits[0].at', 'findings[0].visit'])
    await expectRefused(visitAndFinding({ finding: { at: '2026-03-01T08:00:00+08:00' } }), ['findings[0].at'], /outside the round's period 2026-01-01 – 2026-01-31/)
    for (const at of ['2025-12-31T00:00:00+08:00', '2026-01-01', '2026-01-31T23:59:59+08:00', '2026-02-01T23:59:59+08:00'])
      expect((await post(visitAndFinding({ visit: { at }, finding: { at } }))).statusCode, at).toBe(200)
  })

  it('refuses decimals and coordinates outside their bounds', async () => {
    await expectRefused(visitAndFinding({ finding: { deduction: '1234567890' } }), ['findings[0].deduction'], /too large/)
    await expectRefused(visitAndFinding({ finding: { deduction: '0.1234567' } }), ['findings[0].deduction'], /more than 6 decimals/)
    await expectRefused(visitAndFinding({ finding: { deduction: 1e21 } }), ['findings[0].deduction'])
    await expectRefused(visitAndFinding({ finding: { deduction: '9'.repeat(200_000) } }), ['findings[0].deduction'])
    await expectRefused(visitAndFinding({ visit: { lat: '90.5' } }), ['visits[0].lat', 'findings[0].visit'])
    await expectRefused(visitAndFinding({ visit: { lng: -181 } }), ['visits[0].lng', 'findings[0].visit'])
    await expectRefused(visitAndFinding({ visit: { lat: '31.123456789' } }), ['visits[0].lat', 'findings[0].visit'])
    await expectRefused({ measures: [{ unit: 'a', standard: '04-01-01', value: '99999999999' }] }, ['measures[0].value'])
    await expectRefused({ externalScores: [{ unit: 'a', component: 'survey', value: '1e2' }] }, ['externalScores[0].value'])
    await expectRefused(visitAndFinding({ finding: { photos: Array.from({ length: 21 }, () => 'a'.repeat(64)) } }), ['findings[0].photos'])
  })

  it('answers corrections of one finding sent at once with 200 or 409, never 500, versions consecutive', async () => {
    const batch = visitAndFinding({ finding: { count: 1 } })
    expect((await post(batch)).statusCode).toBe(200)
    const id = batch.findings[0]!.id
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${id}`, headers: bearer(t.tokens.evaluator), payload: { count: k + 2, reason: `第${k}次更正` } }),
      ),
    )
    const statuses = answers.map((a) => a.statusCode)
    expect(statuses.every((s) => s === 200 || s === 409), statuses.join(',')).toBe(true)
    // The losers are told what happened and what to do, not a bare database clash.
    for (const a of answers.filter((a) => a.statusCode === 409)) expect(a.json<Problem & { detail: string }>()).toMatchObject({ code: 'CONFLICT', detail: expect.stringMatching(/corrected by someone else meanwhile/) })
    const won = answers.filter((a) => a.statusCode === 200).length
    expect(won).toBeGreaterThanOrEqual(1)
    const [row] = await db().select({ version: findings.version }).from(findings).where(eq(findings.id, id))
    expect(row!.version).toBe(1 + won)
    const versions = await db().select({ version: findingVersions.version }).from(findingVersions).where(eq(findingVersions.findingId, id))
    expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: won }, (_, k) => k + 1))
  })
})

describe('sums the database keeps', () => {
  it('closes, scores and ranks a round whose findings at one visit sum past 2³¹', async () => {
    // Stored past the validator on purpose: counts as large as the column takes, so that the
    // per-visit totals and every sum over them must hold more than 32 bits.
    const file = sampleFixture('sample-2026-01.yaml').replace('code: "2026-01"', 'code: "2026-01-big"').replace('2026年第1次', '2026年第1次（大数）')
    await loadRound(db(), file, actor)
    await transitionRound(db(), '2026-01-big', 'open', actor)
    const visitId = randomUUID()
    const external = {
      externalScores: [{ unit: 'a', component: 'survey', value: '90' }],
      measures: [{ unit: 'a', standard: '04-01-01', value: '3' }],
      directScores: [{ unit: 'a', standard: '04-01-02', value: '5.5' }],
    }
    await importRecords(db(), '2026-01-big', parseRecords({ visits: [{ id: visitId, point: 'P1', at: '2026-01-10' }], ...external }), actor)
    const round = await getRound(db(), '2026-01-big')
    const standard = (await standardsOfSet(db(), round.indicatorSetId)).find((s) => s.code === '01-01-01')!
    const [visit] = await queryRows<{ unit_id: unknown }>(db(), sql`select unit_id from visits where id = ${visitId}`)
    const big = (id: string) => ({ id, visitId, unitId: toCount(visit!.unit_id), standardId: standard.id, count: 2147483647, deduction: null, note: null, evaluator: null, at: null, photos: [] })
    const records: CleanRecords = { visits: [], findings: [big(randomUUID()), big(randomUUID())], externalScores: [], measures: [], directScores: [] }
    await db().transaction((tx) => storeRecords(tx, round.id, records, hashRecords(round.id, records), null))
    await transitionRound(db(), '2026-01-big', 'close', actor)
    const ranking = await computeRanking(db(), '2026-01-big', { credibility: false })
    const unitA = ranking.groups[0]!.ranking.find((u) => u.unit === 'a')
    // Every deduction past the standard's points: its score is 0, the unit is ranked, the count exact.
    expect(unitA).toMatchObject({ findings: 2 * 2147483647, visits: 1 })
  })
})
