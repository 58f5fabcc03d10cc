/**
 * Publication: the snapshot and its hash, the ledger (double entry, reversals on correction),
 * revisions, immutability of a published round, and the series history that later rounds read.
 * Every test makes its own round in a series of its own (test/helpers/factories.ts) and reads
 * only that round's ledger and publications.
 */
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex, canonicalJson } from '../../src/domain/canonical-json.js'
import { dec } from '../../src/domain/decimal.js'
import { queryRows } from '../../src/db/sql.js'
import { correctRound, getPublication, publicationList, publishRound, reportInput } from '../../src/services/publication.js'
import { importRecords } from '../../src/services/records.js'
import { getRound, loadRound, transitionRound } from '../../src/services/rounds.js'
import { computeRanking } from '../../src/services/scoring.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { createSampleRound, freshSampleData, sampleRoundText, uniqueCode, type SampleRound } from '../helpers/factories.js'
import { parseRecords } from '../../src/domain/records/parse.js'

const actor = { id: null, name: 'test' }
const FAST = { replicates: 200, weightRuns: 100 }
const REASON = '乙区问卷调查得分录入有误，予以更正'
let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => t?.drop())

/** One round's ledger entries, in the order they were posted. */
async function ledger(code: string): Promise<{ round: string; unit: string; amount: string; kind: string; reverses: unknown }[]> {
  return queryRows(
    t.handle.db,
    sql`select r.code as round, u.code as unit, e.amount::text as amount, e.kind, e.reverses_id as reverses
        from ledger_entries e join rounds r on r.id = e.round_id join units u on u.id = e.unit_id
        where r.code = ${code} order by e.id`,
  )
}

const sum = (amounts: string[]): string => amounts.reduce((s, a) => s.plus(dec(a)), dec(0)).toFixed(2)

/** The sample round with its records, fieldwork closed. */
async function reviewedRound(): Promise<SampleRound> {
  const round = await createSampleRound(t.handle.db)
  await transitionRound(t.handle.db, round.code, 'close', actor)
  return round
}

/** The sample round published once, on 5 February 2026 at 10:00 China time. */
async function publishedRound(): Promise<SampleRound> {
  const round = await reviewedRound()
  await publishRound(t.handle.db, round.code, actor, { ...FAST, now: new Date('2026-02-05T10:00:00+08:00') })
  return round
}

/** The sample round published, corrected (乙区's survey score becomes 20.00) and published again as revision 2. */
async function correctedRound(): Promise<SampleRound> {
  const round = await publishedRound()
  await correctRound(t.handle.db, round.code, REASON, actor)
  await importRecords(t.handle.db, round.code, parseRecords({ externalScores: [{ unit: 'b', component: 'survey', value: '20.00' }] }), actor)
  await publishRound(t.handle.db, round.code, actor, FAST)
  return round
}

describe(`publication (${engineName})`, () => {
  it('publishes only from review', async () => {
    const draft = await createSampleRound(t.handle.db, { open: false })
    await expect(publishRound(t.handle.db, draft.code, actor, FAST)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    expect((await getRound(t.handle.db, draft.code)).status).toBe('draft')
    const round = await createSampleRound(t.handle.db)
    await expect(publishRound(t.handle.db, round.code, actor, FAST)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    expect((await getRound(t.handle.db, round.code)).status).toBe('fieldwork')
    expect(await publicationList(t.handle.db, round.code)).toEqual([])
    await transitionRound(t.handle.db, round.code, 'close', actor)
    expect(await publishRound(t.handle.db, round.code, actor, FAST)).toMatchObject({ round: round.code, revision: 1 })
  })

  it('freezes the ranking with credibility into a hashed snapshot and posts the transfers', async () => {
    const round = await reviewedRound()
    const live = await computeRanking(t.handle.db, round.code)
    const published = await publishRound(t.handle.db, round.code, actor, { ...FAST, now: new Date('2026-02-05T10:00:00+08:00') })
    expect(published).toMatchObject({ round: round.code, revision: 1, reason: null, publishedAt: '2026-02-05T02:00:00.000Z' })
    const stored = await getPublication(t.handle.db, round.code)
    expect(stored.hash).toBe(published.hash)
    expect(sha256Hex(stored.text)).toBe(stored.hash)
    expect(canonicalJson(stored.snapshot)).toBe(stored.text)
    const s = stored.snapshot
    expect(s.round).toMatchObject({ code: round.code, series: round.series })
    // The frozen ranking is the live one, plus credibility per group and per ranked unit.
    expect(s.result.groups.map((g) => g.ranking.map((u) => [u.unit, u.rank, u.total]))).toEqual(live.groups.map((g) => g.ranking.map((u) => [u.unit, u.rank, u.total])))
    for (const g of s.result.groups) {
      expect(g.credibility?.replicates).toBe(FAST.replicates)
      for (const u of g.ranking) expect(u.credibility?.pLast).toMatch(/^[01]\.\d{3}$/)
    }
    const visits = round.data.visits.length
    expect(s.summary.visits).toBe(visits)
    expect(s.inputs.records).toBeGreaterThanOrEqual(visits)
    expect(s.trend.rounds.map((r) => r.code)).toEqual([round.code])

    // Each transfer: −amount on the payer, +amount on the payee; the round balances to the fen.
    const transfers = s.result.groups.flatMap((g) => g.transfers)
    expect(transfers.length).toBe(published.transfers)
    expect(transfers.length).toBeGreaterThan(0)
    const rows = await ledger(round.code)
    expect(rows.length).toBe(2 * transfers.length)
    expect(sum(rows.map((r) => r.amount))).toBe('0.00')
    for (const tr of transfers) {
      expect(rows).toContainEqual(expect.objectContaining({ unit: tr.payer, amount: dec(tr.amount).negated().toFixed(2), kind: 'transfer' }))
      expect(rows).toContainEqual(expect.objectContaining({ unit: tr.payee, amount: dec(tr.amount).toFixed(2), kind: 'transfer' }))
    }
    expect((await getRound(t.handle.db, round.code)).status).toBe('published')
  })

  it('refuses any later write to the published round (409) and a second publish', async () => {
    const round = await publishedRound()
    const published = await getPublication(t.handle.db, round.code)
    await expect(importRecords(t.handle.db, round.code, parseRecords({ externalScores: [{ unit: 'a', component: 'survey', value: '10' }] }), actor)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    await expect(transitionRound(t.handle.db, round.code, 'open', actor)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    await expect(publishRound(t.handle.db, round.code, actor, FAST)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    // The round's own publication row, so the statement certainly touches a stored row.
    const edit: unknown = await t.handle.db.execute(sql`update publications set hash = 'x' where round_id = ${round.id}`).catch((e: unknown) => e)
    expect(edit).toBeInstanceOf(Error)
    const failure = edit as Error
    expect(failure.cause instanceof Error ? failure.cause.message : failure.message).toMatch(/append-only/)
    expect((await getPublication(t.handle.db, round.code)).hash).toBe(published.hash)
  })

  it('corrects with a reason into revision 2: reversing entries, new postings, both revisions readable', async () => {
    const round = await publishedRound()
    await expect(correctRound(t.handle.db, round.code, '   ', actor)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    const first = await getPublication(t.handle.db, round.code, 1)
    await correctRound(t.handle.db, round.code, REASON, actor)
    expect((await getRound(t.handle.db, round.code)).status).toBe('review')
    // The correction changes a survey score, which changes the ranking.
    await importRecords(t.handle.db, round.code, parseRecords({ externalScores: [{ unit: 'b', component: 'survey', value: '20.00' }] }), actor)
    const second = await publishRound(t.handle.db, round.code, actor, FAST)
    expect(second).toMatchObject({ revision: 2, reason: REASON })
    expect(second.hash).not.toBe(first.hash)
    expect((await getPublication(t.handle.db, round.code, 1)).text).toBe(first.text)
    expect((await publicationList(t.handle.db, round.code)).map((p) => [p.revision, p.reason])).toEqual([
      [1, null],
      [2, REASON],
    ])

    const rows = await ledger(round.code)
    const reversals = rows.filter((r) => r.kind === 'reversal')
    expect(reversals.length).toBe(2 * first.snapshot.result.groups.flatMap((g) => g.transfers).length)
    expect(reversals.every((r) => r.reverses !== null)).toBe(true)
    expect(sum(rows.map((r) => r.amount))).toBe('0.00')
    // What stands after the correction is exactly revision 2's transfers.
    const standing = new Map<string, string>()
    for (const r of rows) standing.set(r.unit, sum([standing.get(r.unit) ?? '0', r.amount]))
    const expected = new Map<string, string>()
    for (const tr of second.transfers > 0 ? (await getPublication(t.handle.db, round.code)).snapshot.result.groups.flatMap((g) => g.transfers) : []) {
      expected.set(tr.payer, sum([expected.get(tr.payer) ?? '0', dec(tr.amount).negated().toFixed(2)]))
      expected.set(tr.payee, sum([expected.get(tr.payee) ?? '0', tr.amount]))
    }
    for (const [unit, balance] of standing) expect(balance, unit).toBe(expected.get(unit) ?? '0.00')
  })

  it('gives the renderers the snapshot, the findings detail and the ledger with running balances', async () => {
    const round = await correctedRound()
    const input = await reportInput(t.handle.db, round.code)
    expect(input.snapshot.revision).toBe(2)
    expect(input.findings.length).toBeGreaterThan(0)
    expect(input.findings.every((f) => f.status !== 'rejected')).toBe(true)
    expect(input.ledger.length).toBeGreaterThan(0)
    const last = new Map<string, string>()
    for (const row of input.ledger) {
      expect(row.balance).toBe(sum([last.get(row.unit) ?? '0', row.amount]))
      last.set(row.unit, row.balance)
    }
    // Revision 1's ledger stops at its own postings.
    const old = await reportInput(t.handle.db, round.code, 1)
    expect(old.ledger.length).toBeGreaterThan(0)
    expect(old.ledger.every((r) => r.revision === 1)).toBe(true)
    await expect(reportInput(t.handle.db, round.code, 3)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('feeds the next round of the series: rank change, black-list streak and the trend', async () => {
    const round = await correctedRound()
    const next = uniqueCode('round')
    await loadRound(t.handle.db, sampleRoundText({ code: next, series: round.series, name: '2026年第2次文明程度指数测评', period: { from: '2026-02-01', to: '2026-02-28' } }), actor)
    await transitionRound(t.handle.db, next, 'open', actor)
    await importRecords(t.handle.db, next, parseRecords(freshSampleData({ month: '2026-02' })), actor)
    await transitionRound(t.handle.db, next, 'close', actor)
    const published = (await getPublication(t.handle.db, round.code)).snapshot.result
    const result = await computeRanking(t.handle.db, next)
    for (const g of result.groups)
      for (const u of g.ranking) {
        const before = published.groups.find((x) => x.code === g.code)?.ranking.find((x) => x.unit === u.unit)
        if (before) expect(u.change, u.unit).toBe(before.rank === u.rank ? '—' : before.rank > u.rank ? `↑${before.rank - u.rank}` : `↓${u.rank - before.rank}`)
      }
    const black = published.groups.flatMap((g) => g.lists.black)
    for (const g of result.groups) for (const e of g.escalation) if (black.includes(e.unit)) expect(e.consecutive).toBe(2)
    // The same data again: the unit on revision 2's black list is there a second time in a row.
    expect(black.length).toBeGreaterThan(0)
    expect(result.groups.flatMap((g) => g.escalation).filter((e) => e.consecutive === 2).map((e) => e.unit)).toEqual(black)

    await publishRound(t.handle.db, next, actor, FAST)
    const trend = (await getPublication(t.handle.db, next)).snapshot.trend
    expect(trend.rounds.map((r) => r.code)).toEqual([round.code, next])
    for (const u of trend.units) {
      const before = published.groups.flatMap((g) => g.ranking).find((x) => x.unit === u.unit)
      expect(u.totals[0]).toBe(before ? before.total : null)
    }
  })
})
