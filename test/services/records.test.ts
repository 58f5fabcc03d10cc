/**
 * Data entry through the services (SPEC §6.1, §6.2) on the engine under test: a batch is all
 * or nothing with every bad record listed as `kind[index].field`; a retried batch is a no-op;
 * an id reused with other content is a conflict; rounds refuse changes their state forbids.
 * Then the ranking of the example round against the ranking worked out by hand (SPEC §4), and
 * rank change against a second round of the same series.
 *
 * Also, without the database: content hashes keep their format, the compact id tables, and the
 * checking of an import in chunks that share one state (duplicates and visits across chunks).
 *
 * One fresh database for the file; every test makes its own round (test/helpers/factories.ts)
 * and counts only that round's rows, so the tests run alone and in any order.
 */
import { createHash, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DomainError, type Issue } from '../../src/domain/errors.js'
import { externalScores, rounds, units, visits } from '../../src/db/schema/index.js'
import { loadIndicatorSet, validateIndicatorSet } from '../../src/services/indicator-sets.js'
import { findingHash, importRecords, visitHash } from '../../src/services/records.js'
import { VisitTable, fileState, validateRecords, type FindingRecord, type RecordContext, type VisitRecord } from '../../src/domain/records/validate.js'
import { UuidSet, UuidTable } from '../../src/domain/uuid.js'
import { getRoundSummary, loadRound, transitionRound } from '../../src/services/rounds.js'
import { computeRanking } from '../../src/services/scoring.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { createSampleRound, freshSampleData, roundRowCounts, sampleRoundText, uniqueCode, type RoundRowCounts, type SampleRecords } from '../helpers/factories.js'
import { thrownBy } from '../helpers/errors.js'
import { parseRecords } from '../../src/domain/records/parse.js'

const actor = { id: null, name: 'records-test' }
const SET_TEXT = readFileSync(fileURLToPath(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url)), 'utf8')

let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
  const set = validateIndicatorSet(SET_TEXT)
  if (!set.ok) throw new Error('the sample set does not validate')
  await loadIndicatorSet(t.handle.db, set.set, SET_TEXT, actor)
})
afterAll(async () => t?.drop())

const db = () => t.handle.db

const NONE: RoundRowCounts = { visits: 0, findings: 0, externalScores: 0, measures: 0, directScores: 0 }

const domainError = (call: Promise<unknown>): Promise<DomainError> => thrownBy(call, DomainError)

const show = (issues: Issue[]): string => issues.map((i) => `${i.path}: ${i.message}`).join('\n')

/** Each [path, message fragment] is reported exactly, and nothing else. */
function expectExactly(issues: Issue[], expected: [string, string][]): void {
  for (const [path, fragment] of expected) {
    expect(
      issues.some((i) => i.path === path && i.message.includes(fragment)),
      `no "${path}: …${fragment}…" among\n${show(issues)}`,
    ).toBe(true)
  }
  expect(issues, show(issues)).toHaveLength(expected.length)
}

const uuid = (prefix: string, n: number): string => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`
const AT = '2026-01-10T09:00:00+08:00'
const UNKNOWN_PHOTO = 'ab'.repeat(32)

describe(`records import (${engineName})`, () => {
  it('loads the example round and opens it for fieldwork', async () => {
    const code = uniqueCode('round')
    const result = await loadRound(db(), sampleRoundText({ code, series: uniqueCode('series') }), actor)
    expect(result.status).toBe('created')
    expect(result.round).toMatchObject({ code, status: 'draft', indicatorSet: 'sample-civility@2026.1', groups: [{ code: 'district', name: '县区', units: 4 }], points: 5 })
    // A draft accepts no visits yet.
    const early = await domainError(importRecords(db(), code, parseRecords(freshSampleData()), actor))
    expect(early.code).toBe('ROUND_STATE')
    expect(await roundRowCounts(db(), code)).toEqual(NONE)
    expect((await transitionRound(db(), code, 'open', actor)).status).toBe('fieldwork')
  })

  it('rejects a batch with many defects, listing every one, and stores nothing', async () => {
    const round = await createSampleRound(db(), { data: false })
    const okMarket = randomUUID() // P1, market (unit a)
    const okRoad = randomUUID() // P2, road (unit a)
    const okFinding = randomUUID()
    const batch = {
      visits: [
        { id: 'not-a-uuid', point: 'P1', at: AT },
        { id: randomUUID(), point: 'P99', at: AT },
        { id: randomUUID(), point: 'P2' },
        { id: okMarket, point: 'P1', at: AT },
        { id: okMarket, point: 'P3', at: AT },
        { id: okRoad, point: 'P2', at: AT },
      ],
      findings: [
        { id: randomUUID(), visit: okRoad, standard: '01-01-01' }, // a market standard at a road
        { id: randomUUID(), visit: okMarket, standard: '04-01-01' }, // a measure standard
        { id: randomUUID(), visit: okMarket, standard: '01-01-02', count: 0 },
        { id: randomUUID(), visit: okMarket, standard: '01-01-02', count: 1.5 },
        { id: randomUUID(), visit: okMarket, standard: '01-01-02', deduction: '-0.5' },
        { id: randomUUID(), visit: okMarket, standard: '01-01-02', photos: [UNKNOWN_PHOTO] },
        { id: okFinding, visit: okMarket, standard: '01-01-03' },
        { id: okFinding, visit: okMarket, standard: '01-01-02' },
        { id: randomUUID(), visit: randomUUID(), standard: '01-01-02' }, // visit neither here nor stored
      ],
      externalScores: [
        { unit: 'a', component: 'survey', value: '101' },
        { unit: 'b', component: 'survey', value: '90.12345' },
        { unit: 'c', component: 'field', value: '90' },
        { unit: 'd', component: 'survey', value: '88' }, // fine on its own
      ],
      measures: [{ unit: 'a', standard: '04-01-02', value: '3' }],
      directScores: [
        { unit: 'a', standard: '04-01-02', value: '6.5' },
        { unit: 'zz', standard: '04-01-02', value: '1' },
      ],
      photos: [],
    }
    const error = await domainError(importRecords(db(), round.code, parseRecords(batch), actor))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.kind).toBe('invalid')
    expect(error.message).toMatch(/nothing was stored/)
    expectExactly(error.issues, [
      ['photos', 'unknown record kind "photos"'],
      ['visits[0].id', 'must be a UUID'],
      ['visits[1].point', 'unknown point "P99"'],
      ['visits[2].at', 'is required'],
      ['visits[4].id', `visit ${okMarket} appears twice in this batch`],
      ['findings[0].standard', 'standard 01-01-01 does not apply to point type road'],
      ['findings[1].standard', 'standard 04-01-01 is a measure standard'],
      ['findings[2].count', 'must be a whole number from 1 to 999'],
      ['findings[3].count', 'must be a whole number from 1 to 999'],
      ['findings[4].deduction', 'must not be negative'],
      ['findings[5].photos[0]', `no uploaded photo ${UNKNOWN_PHOTO}`],
      ['findings[7].id', `finding ${okFinding} appears twice in this batch`],
      ['findings[8].visit', 'unknown visit'],
      ['externalScores[0].value', 'must be from 0 to 100 (got 101)'],
      ['externalScores[1].value', 'has more than 4 decimals'],
      ['externalScores[2].component', 'component field is computed from standards'],
      ['measures[0].standard', 'standard 04-01-02 is a direct standard, not measure'],
      ['directScores[0].value', "6.5 is more than the standard's 6 points"],
      ['directScores[1].unit', 'unit zz is not in this round'],
    ])
    expect(await roundRowCounts(db(), round.code)).toEqual(NONE)
  })

  it('imports the example data, and a retried import is a no-op', async () => {
    const round = await createSampleRound(db(), { data: false })
    const data = round.data
    const first = await importRecords(db(), round.code, parseRecords(data), actor)
    expect(first).toEqual({ round: round.code, visits: { added: 5, unchanged: 0 }, findings: { added: 3, unchanged: 0 }, externalScores: 3, measures: 3, directScores: 3 })
    const counts = await roundRowCounts(db(), round.code)
    expect(counts).toEqual({ visits: 5, findings: 3, externalScores: 3, measures: 3, directScores: 3 })

    const again = await importRecords(db(), round.code, parseRecords(data), actor)
    expect(again).toEqual({ round: round.code, visits: { added: 0, unchanged: 5 }, findings: { added: 0, unchanged: 3 }, externalScores: 3, measures: 3, directScores: 3 })
    expect(await roundRowCounts(db(), round.code)).toEqual(counts)

    // The same records written differently are still the same: ids in upper case, a count as
    // text, the same instant in another offset.
    const rewritten = JSON.parse(JSON.stringify(data).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => id.toUpperCase())) as SampleRecords
    expect(rewritten.visits[0]!.id).not.toBe(data.visits[0]!.id)
    expect(data.visits[0]!.at).toBe('2026-01-05T09:10:00+08:00')
    rewritten.visits[0]!.at = '2026-01-05T01:10:00Z'
    rewritten.findings[0]!.count = '2' as unknown as number
    const third = await importRecords(db(), round.code, parseRecords(rewritten), actor)
    expect(third).toMatchObject({ visits: { added: 0, unchanged: 5 }, findings: { added: 0, unchanged: 3 } })
    expect(await roundRowCounts(db(), round.code)).toEqual(counts)
  })

  it('computes the ranking worked out by hand', async () => {
    /*
     * Set sample-civility@2026.1: field 0.70 (findings), material 0.15 (findings), survey 0.15 (external).
     * field standards (points, rule, point types):
     *   01-01-01 2 deduct 0.5/point market   01-01-02 2 deduct 0.5 market   01-01-03 1 check market
     *   01-02-01 3 deduct 0.5 road,alley     01-02-02 2 deduct 0.5 scope unit road,alley
     *   02-01-01 2 deduct 0.5 road,bus-stop  02-01-02 1 check bus-stop      03-01-01 2 gate road,bus-stop,market
     * material: 04-01-01 measure 4 points, target 4; 04-01-02 direct 6 points.
     *
     * 甲区 a: visits P1 (market), P2 (road); finding 01-01-01 ×2 at P1 → 2 − 2×0.5 = 1.
     *   field = 100 × (1+2+1 + 3+2+2 + 2) / (2+2+1 + 3+2+2 + 2) = 100 × 13/14 = 92.857142…  (02-01-02 N/A)
     *   material: measure 3 → 4×3/4 = 3; direct 5.5 → 100 × 8.5/10 = 85;  survey 90
     *   total = 0.7 × 1300/14 + 0.15 × 85 + 0.15 × 90 = 65 + 12.75 + 13.5 = 91.25
     * 乙区 b: visits P3 (market), P4 (road); 01-01-03 fails at P3 (check → 0), 03-01-01 gate finding at P4 → 0.
     *   field = 100 × (2+2+0 + 3+2+2 + 0) / 14 = 100 × 11/14 = 78.571428…
     *   material: measure 5 → min(4, 4×5/4) = 4; direct 6 → 100 × 10/10 = 100;  survey 88.5
     *   total = 0.7 × 1100/14 + 15 + 0.15 × 88.5 = 55 + 15 + 13.275 = 83.275 → 83.28 (half up)
     * 丙区 c: visit P5 (market), no findings: field = 100 × (2+2+1+2)/7 = 100
     *   material: measure 4 → 4; direct 4 → 100 × 8/10 = 80;  survey 92
     *   total = 70 + 12 + 13.8 = 95.80
     * 丁区 d: no visits, no values → not ranked, missing field, material and survey.
     * Ranking: 丙区 95.80 (1), 甲区 91.25 (2), 乙区 83.28 (3). 3 ranked ≥ minGroupSize 2:
     * last (乙区) pays first (丙区) 200000.00; red [丙区], black [乙区], self-criticism 乙区 (head 李四);
     * escalation: 乙区 black-listed the 1st time (no published round before) → 约谈（分管市领导）.
     */
    const round = await createSampleRound(db())
    const result = await computeRanking(db(), round.code)
    expect(result).toMatchObject({ round: round.code, indicatorSet: 'sample-civility@2026.1', status: 'computed' })
    expect(result.groups).toHaveLength(1)
    const g = result.groups[0]!
    expect(g.ranking.map(({ unit, name, rank, tied, total, components, findings, visits, change }) => ({ unit, name, rank, tied, total, components, findings, visits, change }))).toEqual([
      { unit: 'c', name: '丙区', rank: 1, tied: false, total: '95.80', components: { field: '100.00', material: '80.00', survey: '92.00' }, findings: 0, visits: 1, change: 'new' },
      { unit: 'a', name: '甲区', rank: 2, tied: false, total: '91.25', components: { field: '92.86', material: '85.00', survey: '90.00' }, findings: 2, visits: 2, change: 'new' },
      { unit: 'b', name: '乙区', rank: 3, tied: false, total: '83.28', components: { field: '78.57', material: '100.00', survey: '88.50' }, findings: 2, visits: 2, change: 'new' },
    ])
    expect(g.ranking.find((u) => u.unit === 'b')!.exact.total).toBe('83.275')
    expect(g.ranking.find((u) => u.unit === 'a')!.exact.total).toBe('91.25')
    expect(g.unranked).toEqual([{ unit: 'd', name: '丁区', reason: 'missing component field, material, survey' }])
    expect(g.transfers).toEqual([{ payer: 'b', payee: 'c', amount: '200000.00', rule: 0 }])
    expect(g.withheld).toEqual([])
    expect(g.lists).toEqual({ red: ['c'], black: ['b'] })
    expect(g.selfCriticism).toEqual(['b'])
    expect(g.selfCriticismDuties).toEqual([{ unit: 'b', name: '乙区', head: '李四' }])
    expect(g.escalation).toMatchObject([{ unit: 'b', consecutive: 1, action: '约谈（分管市领导）' }])
  })

  it('refuses an id reused with other content (CONFLICT naming the id) and changes nothing', async () => {
    const round = await createSampleRound(db())
    const before = await roundRowCounts(db(), round.code)
    const [v0] = round.data.visits
    const [f0] = round.data.findings
    expect(v0!.at).toBe('2026-01-05T09:10:00+08:00')
    const batch = {
      visits: [{ ...v0!, at: '2026-01-05T09:11:00+08:00' }, { id: randomUUID(), point: 'P5', at: AT }],
      findings: [{ ...f0!, count: 3 }],
      externalScores: [{ unit: 'a', component: 'survey', value: '10' }],
    }
    const error = await domainError(importRecords(db(), round.code, parseRecords(batch), actor))
    expect(error.code).toBe('CONFLICT')
    expect(error.kind).toBe('conflict')
    expectExactly(error.issues, [
      ['visits[0].id', `visit ${v0!.id} is already recorded with different content`],
      ['findings[0].id', `finding ${f0!.id} is already recorded with different content`],
    ])
    expect(await roundRowCounts(db(), round.code)).toEqual(before)
    const [stored] = await db().select({ at: visits.at }).from(visits).where(eq(visits.id, v0!.id))
    expect(stored!.at.toISOString()).toBe('2026-01-05T01:10:00.000Z')
    const survey = await db()
      .select({ value: externalScores.value })
      .from(externalScores)
      .innerJoin(rounds, eq(rounds.id, externalScores.roundId))
      .innerJoin(units, eq(units.id, externalScores.unitId))
      .where(and(eq(rounds.code, round.code), eq(units.code, 'a'), eq(externalScores.component, 'survey')))
    expect(survey.map((r) => Number(r.value))).toEqual([90])
    expect((await computeRanking(db(), round.code)).groups[0]!.ranking.map((u) => [u.unit, u.total])).toEqual([
      ['c', '95.80'],
      ['a', '91.25'],
      ['b', '83.28'],
    ])
  })

  it('keeps a loaded round that has data: identical reload is unchanged, a change is ROUND_STATE', async () => {
    const round = await createSampleRound(db())
    const same = await loadRound(db(), round.text, actor)
    expect(same.status).toBe('unchanged')
    const changed = round.text.replace('name: 2026年第1次文明程度指数测评', 'name: 2026年第1次文明程度指数测评（改）')
    expect(changed).not.toBe(round.text)
    const error = await domainError(loadRound(db(), changed, actor))
    expect(error.code).toBe('ROUND_STATE')
    expect(error.message).toContain(round.code)
    expect((await getRoundSummary(db(), round.code)).name).toBe('2026年第1次文明程度指数测评')
  })

  it('a second round of the series shows rank change; its findings may refer to visits of an earlier batch', async () => {
    // Round 1 of the series, unpublished: rank change compares with its ranking computed now (c, a, b).
    const round1 = await createSampleRound(db())
    const code = uniqueCode('round')
    const round2 = sampleRoundText({ code, series: round1.series, name: '2026年第2次文明程度指数测评', period: { from: '2026-02-01', to: '2026-02-28' } })
    expect((await loadRound(db(), round2, actor)).status).toBe('created')
    await transitionRound(db(), code, 'open', actor)
    const ids = Array.from({ length: 5 }, () => randomUUID())
    const v = (n: number): string => ids[n - 1]!
    const at = '2026-02-10T10:00:00+08:00'
    const first = await importRecords(
      db(),
      code,
      parseRecords({
        visits: [
          { id: v(1), point: 'P1', at },
          { id: v(2), point: 'P2', at },
          { id: v(3), point: 'P3', at },
          { id: v(4), point: 'P4', at },
          { id: v(5), point: 'P5', at },
        ],
        externalScores: [
          { unit: 'a', component: 'survey', value: '80' },
          { unit: 'b', component: 'survey', value: '95' },
          { unit: 'c', component: 'survey', value: '90' },
        ],
        measures: [
          { unit: 'a', standard: '04-01-01', value: '2' },
          { unit: 'b', standard: '04-01-01', value: '4' },
          { unit: 'c', standard: '04-01-01', value: '4' },
        ],
        directScores: [
          { unit: 'a', standard: '04-01-02', value: '3' },
          { unit: 'b', standard: '04-01-02', value: '6' },
          { unit: 'c', standard: '04-01-02', value: '6' },
        ],
      }),
      actor,
    )
    expect(first.visits).toEqual({ added: 5, unchanged: 0 })
    // A later batch: a finding at a visit stored by the batch before.
    const second = await importRecords(db(), code, parseRecords({ findings: [{ id: randomUUID(), visit: v(5), standard: '01-01-01', count: 4 }] }), actor)
    expect(second.findings).toEqual({ added: 1, unchanged: 0 })
    // A visit of another round is not a visit of this one.
    const foreign = await domainError(importRecords(db(), code, parseRecords({ findings: [{ id: randomUUID(), visit: round1.data.visits[0]!.id, standard: '01-01-02' }] }), actor))
    expect(foreign.code).toBe('VALIDATION_FAILED')
    expectExactly(foreign.issues, [['findings[0].visit', 'unknown visit']])

    /*
     * Round 2 by hand:
     * 乙区 b: no findings → field 100; measure 4 → 4, direct 6 → material 100; survey 95
     *   total = 70 + 15 + 14.25 = 99.25 (rank 1; was 3 → ↑2)
     * 甲区 a: no findings → field 100; measure 2 → 2, direct 3 → material 100 × 5/10 = 50; survey 80
     *   total = 70 + 7.5 + 12 = 89.50 (rank 2; was 2 → —)
     * 丙区 c: 01-01-01 ×4 at P5 → max(0, 2 − 2) = 0; field = 100 × (0+2+1+2)/7 = 71.428571…
     *   material 100; survey 90 → total = 0.7 × 500/7 + 15 + 13.5 = 50 + 15 + 13.5 = 78.50 (rank 3; was 1 → ↓2)
     * last (丙区) pays first (乙区) 200000.00.
     */
    const result = await computeRanking(db(), code)
    const g = result.groups[0]!
    expect(g.ranking.map(({ unit, rank, total, components, findings, visits, change }) => ({ unit, rank, total, components, findings, visits, change }))).toEqual([
      { unit: 'b', rank: 1, total: '99.25', components: { field: '100.00', material: '100.00', survey: '95.00' }, findings: 0, visits: 2, change: '↑2' },
      { unit: 'a', rank: 2, total: '89.50', components: { field: '100.00', material: '50.00', survey: '80.00' }, findings: 0, visits: 2, change: '—' },
      { unit: 'c', rank: 3, total: '78.50', components: { field: '71.43', material: '100.00', survey: '90.00' }, findings: 4, visits: 1, change: '↓2' },
    ])
    expect(g.unranked.map((u) => u.unit)).toEqual(['d'])
    expect(g.transfers).toEqual([{ payer: 'c', payee: 'b', amount: '200000.00', rule: 0 }])
    expect(g.lists).toEqual({ red: ['b'], black: ['c'] })
    // Round 1 is unaffected by round 2.
    expect((await computeRanking(db(), round1.code)).groups[0]!.ranking.map((u) => u.change)).toEqual(['new', 'new', 'new'])
  })

  it('changes a draft round without data ("updated")', async () => {
    const code = uniqueCode('round')
    const draft = sampleRoundText({ code, series: uniqueCode('series') })
    expect((await loadRound(db(), draft, actor)).status).toBe('created')
    const renamed = draft.replace('name: 2026年第1次文明程度指数测评', 'name: 2026年第9次（已更正）').replace('{ code: d, name: 丁区 }', '{ code: d, name: 丁区, head: 孙七 }')
    expect(renamed).toContain('head: 孙七')
    const updated = await loadRound(db(), renamed, actor)
    expect(updated.status).toBe('updated')
    expect(updated.round).toMatchObject({ code, name: '2026年第9次（已更正）', status: 'draft' })
    expect((await getRoundSummary(db(), code)).name).toBe('2026年第9次（已更正）')
    expect((await loadRound(db(), renamed, actor)).status).toBe('unchanged')
  })

  it('refuses data for an unknown round (NOT_FOUND)', async () => {
    const error = await domainError(importRecords(db(), uniqueCode('never-loaded'), parseRecords(freshSampleData()), actor))
    expect(error.code).toBe('NOT_FOUND')
  })

  // SPEC §6: `review` means entry is closed; a write the state forbids is rejected, never applied.
  it('refuses visits and findings once the round is under review (ROUND_STATE)', async () => {
    const round = await createSampleRound(db())
    expect((await transitionRound(db(), round.code, 'close', actor)).status).toBe('review')
    const before = await roundRowCounts(db(), round.code)
    const visit = await domainError(importRecords(db(), round.code, parseRecords({ visits: [{ id: randomUUID(), point: 'P1', at: AT }] }), actor))
    expect(visit.code).toBe('ROUND_STATE')
    const finding = await domainError(importRecords(db(), round.code, parseRecords({ findings: [{ id: randomUUID(), visit: round.data.visits[0]!.id, standard: '01-01-02' }] }), actor))
    expect(finding.code).toBe('ROUND_STATE')
    expect(await roundRowCounts(db(), round.code)).toEqual(before)
  })

  it('a published round refuses imports (ROUND_STATE), even an identical retry, and its file stays as it is', async () => {
    const round = await createSampleRound(db())
    await db().update(rounds).set({ status: 'published' }).where(eq(rounds.code, round.code))
    const before = await roundRowCounts(db(), round.code)
    const extra = await domainError(importRecords(db(), round.code, parseRecords({ visits: [{ id: randomUUID(), point: 'P5', at: AT }] }), actor))
    expect(extra.code).toBe('ROUND_STATE')
    expect(extra.kind).toBe('state')
    const retry = await domainError(importRecords(db(), round.code, parseRecords(round.data), actor))
    expect(retry.code).toBe('ROUND_STATE')
    expect(await roundRowCounts(db(), round.code)).toEqual(before)
    expect((await loadRound(db(), round.text, actor)).status).toBe('unchanged')
    const changed = round.text.replace('amount: "200000"', 'amount: "300000"')
    expect(changed).not.toBe(round.text)
    const refused = await domainError(loadRound(db(), changed, actor))
    expect(refused.code).toBe('ROUND_STATE')
  })
})

describe(`record times (${engineName})`, () => {
  // `new Date` rolls impossible calendar dates over (2026-02-30 → 2026-03-01); the import must
  // refuse them, as the round-file validator does for periods.
  it('rejects visits at dates that do not exist, storing nothing', async () => {
    const round = await createSampleRound(db(), { data: false })
    const before = await roundRowCounts(db(), round.code)
    const error = await domainError(
      importRecords(
        db(),
        round.code,
        parseRecords({
          visits: [
            { id: randomUUID(), point: 'P1', at: '2026-02-30' },
            { id: randomUUID(), point: 'P1', at: '2026-04-31T09:00:00+08:00' },
          ],
        }),
        actor,
      ),
    )
    expect(error.code).toBe('VALIDATION_FAILED')
    expectExactly(error.issues, [
      ['visits[0].at', 'is not a date-time'],
      ['visits[1].at', 'is not a date-time'],
    ])
    expect(await roundRowCounts(db(), round.code)).toEqual(before)
  })
})

describe('content hashes', () => {
  // The format stored with every record: a retry of data stored by an earlier version must match.
  const json = (v: string | number | null): string => JSON.stringify(v)
  const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')
  const texts = [null, '', 'plain', '占道经营，店外经营', 'a "quoted" word', 'back\\slash', 'tab\tnew\nline\u0001', 'emoji 🙂', 'lone \ud800 surrogate', '\u2028\u2029', '</script>']

  it('are the SHA-256 of the fields written as JSON, whatever the text holds', () => {
    for (const note of texts) {
      const f: FindingRecord = { id: uuid('e0000000', 1), visitId: uuid('e1000000', 1), unitId: 3, standardId: 7, count: 2, deduction: '0.5', note, evaluator: note, at: new Date('2026-01-05T01:10:00Z'), photos: ['ab'.repeat(32)] }
      expect(findingHash(f)).toBe(sha(`f1|${f.visitId}|7|2|${json('0.5')}|${json(note)}|${json(note)}|${json('2026-01-05T01:10:00.000Z')}|${'ab'.repeat(32)}`))
      const v: VisitRecord = { id: uuid('e1000000', 1), pointId: 4, unitId: 3, pointType: 'market', at: new Date('2026-01-05T01:10:00Z'), evaluator: note, note, lat: null, lng: '117.0456' }
      expect(visitHash(9, v)).toBe(sha(`v1|9|4|2026-01-05T01:10:00.000Z|${json(note)}|${json(note)}|${json(null)}|${json('117.0456')}`))
    }
  })
})

describe('compact id tables', () => {
  it('find every id stored, through growth, and nothing else', () => {
    const table = new UuidTable(4)
    const ids = Array.from({ length: 5000 }, () => randomUUID())
    ids.forEach((id, i) => expect(table.set(id, i)).toBe(true))
    expect(table.size).toBe(5000)
    ids.forEach((id, i) => expect(table.get(id)).toBe(i))
    expect(table.get(randomUUID())).toBe(-1)
    // Only canonical (lower-case) UUIDs are ids here; other text is never stored or found.
    expect(table.get(ids[0]!.toUpperCase())).toBe(-1)
    expect(table.set('not-a-uuid', 1)).toBe(false)
    expect(table.get(`${ids[0]!} `)).toBe(-1)
    // Setting again replaces the value, without adding an entry.
    table.set(ids[3]!, 77)
    expect(table.get(ids[3]!)).toBe(77)
    expect(table.size).toBe(5000)

    const set = new UuidSet()
    const nil = '00000000-0000-0000-0000-000000000000'
    expect(set.has(nil)).toBe(false)
    set.add(nil).add(ids[0]!)
    expect([set.has(nil), set.has(ids[0]!), set.has(ids[1]!), set.size]).toEqual([true, true, false, 2])

    const visits = new VisitTable()
    visits.set(ids[0]!, { pointType: 'market', unitId: 1 }).set(ids[1]!, { pointType: 'road', unitId: 1 }).set(ids[2]!, { pointType: 'market', unitId: 1 })
    expect([visits.get(ids[0]!), visits.get(ids[1]!), visits.get(ids[2]!), visits.get(ids[3]!)]).toEqual([
      { pointType: 'market', unitId: 1 },
      { pointType: 'road', unitId: 1 },
      { pointType: 'market', unitId: 1 },
      undefined,
    ])
  })
})

describe('checking an import in chunks', () => {
  const ctx: RecordContext = {
    standards: new Map([
      ['01-01-01', { id: 1, kind: 'deduct', points: '2', pointTypes: ['market'] }],
      ['04-01-01', { id: 2, kind: 'measure', points: '4', pointTypes: [] }],
    ]),
    components: new Map([['survey', 'external']]),
    points: new Map([['P1', { id: 1, type: 'market', unitId: 1 }]]),
    units: new Map([['a', 1]]),
    storedVisits: new Map(),
    photos: new Set(),
  }

  it('treats the chunks as one batch: an id seen in an earlier chunk is a duplicate, its visits are known', () => {
    const state = fileState()
    const first = validateRecords({ visits: [{ id: uuid('f0000000', 1), point: 'P1', at: AT }] }, ctx, state)
    expect(first.issues).toEqual([])
    const second = validateRecords(
      {
        findings: [
          { id: uuid('f1000000', 1), visit: uuid('f0000000', 1), standard: '01-01-01' },
          { id: uuid('f1000000', 2), visit: uuid('f0000000', 2), standard: '01-01-01' },
        ],
        measures: [{ unit: 'a', standard: '04-01-01', value: '3' }],
      },
      ctx,
      state,
    )
    expect(second.records.findings.map((f) => f.id)).toEqual([uuid('f1000000', 1)])
    expectExactly(second.issues, [['findings[1].visit', 'unknown visit']])
    const third = validateRecords(
      {
        visits: [{ id: uuid('F0000000', 1).toUpperCase(), point: 'P1', at: AT }],
        findings: [{ id: uuid('f1000000', 1), visit: uuid('f0000000', 1), standard: '01-01-01' }],
        measures: [{ unit: 'a', standard: '04-01-01', value: '4' }],
      },
      ctx,
      state,
    )
    expectExactly(third.issues, [
      ['visits[0].id', `visit ${uuid('f0000000', 1)} appears twice in this file`],
      ['findings[0].id', `finding ${uuid('f1000000', 1)} appears twice in this file`],
      ['measures[0]', 'a second value for unit a and standard 04-01-01 in this file'],
    ])
  })
})
