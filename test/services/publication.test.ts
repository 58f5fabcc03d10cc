/**
 * Publication: the snapshot and its hash, the ledger (double entry, reversals on correction),
 * revisions, immutability of a published round, and the series history that later rounds read.
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
import { loadSampleRound, SAMPLE_ROUND, sampleData, sampleFixture } from '../helpers/sample-round.js'

const actor = { id: null, name: 'test' }
const FAST = { replicates: 200, weightRuns: 100 }
let t: TestDatabase

beforeAll(async () => {
  t = await createTestDatabase()
  await loadSampleRound(t.handle.db)
})
afterAll(async () => t?.drop())

async function ledger(): Promise<{ round: string; unit: string; amount: string; kind: string; reverses: unknown }[]> {
  return queryRows(
    t.handle.db,
    sql`select r.code as round, u.code as unit, e.amount::text as amount, e.kind, e.reverses_id as reverses
        from ledger_entries e join rounds r on r.id = e.round_id join units u on u.id = e.unit_id order by e.id`,
  )
}

const sum = (amounts: string[]): string => amounts.reduce((s, a) => s.plus(dec(a)), dec(0)).toFixed(2)

describe(`publication (${engineName})`, () => {
  it('publishes only from review', async () => {
    await expect(publishRound(t.handle.db, SAMPLE_ROUND, actor, FAST)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    await transitionRound(t.handle.db, SAMPLE_ROUND, 'close', actor)
  })

  it('freezes the ranking with credibility into a hashed snapshot and posts the transfers', async () => {
    const live = await computeRanking(t.handle.db, SAMPLE_ROUND)
    const published = await publishRound(t.handle.db, SAMPLE_ROUND, actor, { ...FAST, now: new Date('2026-02-05T10:00:00+08:00') })
    expect(published).toMatchObject({ round: SAMPLE_ROUND, revision: 1, reason: null, publishedAt: '2026-02-05T02:00:00.000Z' })
    const stored = await getPublication(t.handle.db, SAMPLE_ROUND)
    expect(stored.hash).toBe(published.hash)
    expect(sha256Hex(stored.text)).toBe(stored.hash)
    expect(canonicalJson(stored.snapshot)).toBe(stored.text)
    const s = stored.snapshot
    expect(s.round).toMatchObject({ code: SAMPLE_ROUND, series: expect.any(String) as string })
    // The frozen ranking is the live one, plus credibility per group and per ranked unit.
    expect(s.result.groups.map((g) => g.ranking.map((u) => [u.unit, u.rank, u.total]))).toEqual(live.groups.map((g) => g.ranking.map((u) => [u.unit, u.rank, u.total])))
    for (const g of s.result.groups) {
      expect(g.credibility?.replicates).toBe(FAST.replicates)
      for (const u of g.ranking) expect(u.credibility?.pLast).toMatch(/^[01]\.\d{3}$/)
    }
    const visits = sampleData().visits!.length
    expect(s.summary.visits).toBe(visits)
    expect(s.inputs.records).toBeGreaterThanOrEqual(visits)
    expect(s.trend.rounds.map((r) => r.code)).toEqual([SAMPLE_ROUND])

    // Each transfer: −amount on the payer, +amount on the payee; the round balances to the fen.
    const transfers = s.result.groups.flatMap((g) => g.transfers)
    expect(transfers.length).toBe(published.transfers)
    expect(transfers.length).toBeGreaterThan(0)
    const rows = await ledger()
    expect(rows.length).toBe(2 * transfers.length)
    expect(sum(rows.map((r) => r.amount))).toBe('0.00')
    for (const tr of transfers) {
      expect(rows).toContainEqual(expect.objectContaining({ unit: tr.payer, amount: dec(tr.amount).negated().toFixed(2), kind: 'transfer' }))
      expect(rows).toContainEqual(expect.objectContaining({ unit: tr.payee, amount: dec(tr.amount).toFixed(2), kind: 'transfer' }))
    }
    expect((await getRound(t.handle.db, SAMPLE_ROUND)).status).toBe('published')
  })

  it('refuses any later write to the published round (409) and a second publish', async () => {
    await expect(importRecords(t.handle.db, SAMPLE_ROUND, { externalScores: [{ unit: 'a', component: 'survey', value: '10' }] }, actor)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    await expect(transitionRound(t.handle.db, SAMPLE_ROUND, 'open', actor)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    await expect(publishRound(t.handle.db, SAMPLE_ROUND, actor, FAST)).rejects.toMatchObject({ code: 'ROUND_STATE' })
    const edit: unknown = await t.handle.db.execute(sql`update publications set hash = 'x'`).catch((e: unknown) => e)
    expect(edit).toBeInstanceOf(Error)
    const failure = edit as Error
    expect(failure.cause instanceof Error ? failure.cause.message : failure.message).toMatch(/append-only/)
  })

  it('corrects with a reason into revision 2: reversing entries, new postings, both revisions readable', async () => {
    await expect(correctRound(t.handle.db, SAMPLE_ROUND, '   ', actor)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    const first = await getPublication(t.handle.db, SAMPLE_ROUND, 1)
    await correctRound(t.handle.db, SAMPLE_ROUND, '乙区问卷调查得分录入有误，予以更正', actor)
    expect((await getRound(t.handle.db, SAMPLE_ROUND)).status).toBe('review')
    // The correction changes a survey score, which changes the ranking.
    await importRecords(t.handle.db, SAMPLE_ROUND, { externalScores: [{ unit: 'b', component: 'survey', value: '20.00' }] }, actor)
    const second = await publishRound(t.handle.db, SAMPLE_ROUND, actor, FAST)
    expect(second).toMatchObject({ revision: 2, reason: '乙区问卷调查得分录入有误，予以更正' })
    expect(second.hash).not.toBe(first.hash)
    expect((await getPublication(t.handle.db, SAMPLE_ROUND, 1)).text).toBe(first.text)
    expect((await publicationList(t.handle.db, SAMPLE_ROUND)).map((p) => [p.revision, p.reason])).toEqual([
      [1, null],
      [2, '乙区问卷调查得分录入有误，予以更正'],
    ])

    const rows = await ledger()
    const reversals = rows.filter((r) => r.kind === 'reversal')
    expect(reversals.length).toBe(2 * first.snapshot.result.groups.flatMap((g) => g.transfers).length)
    expect(reversals.every((r) => r.reverses !== null)).toBe(true)
    expect(sum(rows.map((r) => r.amount))).toBe('0.00')
    // What stands after the correction is exactly revision 2's transfers.
    const standing = new Map<string, string>()
    for (const r of rows) standing.set(r.unit, sum([standing.get(r.unit) ?? '0', r.amount]))
    const expected = new Map<string, string>()
    for (const tr of second.transfers > 0 ? (await getPublication(t.handle.db, SAMPLE_ROUND)).snapshot.result.groups.flatMap((g) => g.transfers) : []) {
      expected.set(tr.payer, sum([expected.get(tr.payer) ?? '0', dec(tr.amount).negated().toFixed(2)]))
      expected.set(tr.payee, sum([expected.get(tr.payee) ?? '0', tr.amount]))
    }
    for (const [unit, balance] of standing) expect(balance, unit).toBe(expected.get(unit) ?? '0.00')
  })

  it('gives the renderers the snapshot, the findings detail and the ledger with running balances', async () => {
    const input = await reportInput(t.handle.db, SAMPLE_ROUND)
    expect(input.snapshot.revision).toBe(2)
    expect(input.findings.length).toBeGreaterThan(0)
    expect(input.findings.every((f) => f.status !== 'rejected')).toBe(true)
    const last = new Map<string, string>()
    for (const row of input.ledger) {
      expect(row.balance).toBe(sum([last.get(row.unit) ?? '0', row.amount]))
      last.set(row.unit, row.balance)
    }
    // Revision 1's ledger stops at its own postings.
    const old = await reportInput(t.handle.db, SAMPLE_ROUND, 1)
    expect(old.ledger.every((r) => r.revision === 1)).toBe(true)
    await expect(reportInput(t.handle.db, SAMPLE_ROUND, 3)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('feeds the next round of the series: rank change, black-list streak and the trend', async () => {
    const next = sampleFixture('sample-2026-01.yaml').replace(/code: "2026-01"/, 'code: "2026-02"').replace('period: { from: "2026-01-01", to: "2026-01-31" }', 'period: { from: "2026-02-01", to: "2026-02-28" }').replace(/第1次/g, '第2次')
    await loadRound(t.handle.db, next, actor)
    await transitionRound(t.handle.db, '2026-02', 'open', actor)
    const data = sampleData()
    const remap = (id: string) => id.replace(/^(.{8})/, '3a3a3a3a')
    await importRecords(
      t.handle.db,
      '2026-02',
      {
        ...data,
        visits: data.visits!.map((v) => ({ ...(v as object), id: remap((v as { id: string }).id), at: (v as { at: string }).at.replace('2026-01', '2026-02') })),
        findings: data.findings!.map((f) => ({ ...(f as object), id: remap((f as { id: string }).id), visit: remap((f as { visit: string }).visit) })),
      },
      actor,
    )
    await transitionRound(t.handle.db, '2026-02', 'close', actor)
    const published = (await getPublication(t.handle.db, SAMPLE_ROUND)).snapshot.result
    const result = await computeRanking(t.handle.db, '2026-02')
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

    await publishRound(t.handle.db, '2026-02', actor, FAST)
    const trend = (await getPublication(t.handle.db, '2026-02')).snapshot.trend
    expect(trend.rounds.map((r) => r.code)).toEqual([SAMPLE_ROUND, '2026-02'])
    for (const u of trend.units) {
      const before = published.groups.flatMap((g) => g.ranking).find((x) => x.unit === u.unit)
      expect(u.totals[0]).toBe(before ? before.total : null)
    }
  })
})
