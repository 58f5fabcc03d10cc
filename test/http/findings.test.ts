/**
 * Findings over HTTP: an evaluator's own findings and their corrections in fieldwork, admin
 * corrections, and review decisions once fieldwork has closed. Every test makes its own round
 * (test/helpers/factories.ts), imported without a user, so its findings are nobody's own.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { createSampleRound, type SampleRound } from '../helpers/factories.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => t?.close())

/** The round's first finding: 甲区, 01-01-01 at P1, count 2 (per 0.5, 2 points). */
const f1 = (round: SampleRound): string => round.data.findings[0]!.id
/** 甲区's road visit (P2). */
function roadVisit(round: SampleRound): string {
  const visit = round.data.visits[1]!
  expect(visit.point).toBe('P2')
  return visit.id
}

async function totalOf(code: string, unit: string): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${code}/ranking`, headers: bearer(t.tokens.admin) })
  expect(res.statusCode).toBe(200)
  const group = res.json().groups[0]
  return group.ranking.find((u: { unit: string }) => u.unit === unit)?.total as string
}

/** A finding of the evaluator's own at 甲区's road visit; its id. */
async function ownFinding(round: SampleRound): Promise<string> {
  const id = randomUUID()
  const added = await t.app.inject({
    method: 'POST',
    url: `/api/v1/rounds/${round.code}/records`,
    headers: bearer(t.tokens.evaluator),
    payload: { findings: [{ id, visit: roadVisit(round), standard: '01-02-01', count: 1, note: '路面有烟头' }] },
  })
  expect(added.statusCode).toBe(200)
  return id
}

const close = (code: string) => t.app.inject({ method: 'POST', url: `/api/v1/rounds/${code}/close`, headers: bearer(t.tokens.admin) })

describe('findings: corrections in fieldwork', () => {
  it('lists a finding whose visit is not a UUID as a bad record, not a server error', async () => {
    const round = await createSampleRound(t.database.handle.db, { data: false })
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/rounds/${round.code}/records`,
      headers: bearer(t.tokens.evaluator),
      payload: { visits: [{ id: 'not-a-uuid', point: 'P1', at: '2026-01-05' }], findings: [{ id: randomUUID(), visit: 'also-not-a-uuid', standard: '01-01-01' }] },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['visits[0].id', 'findings[0].visit'])
  })

  it("lets an evaluator list and correct its own findings, keeping the replaced version", async () => {
    const round = await createSampleRound(t.database.handle.db)
    const own = await ownFinding(round)
    const mine = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${round.code}/findings`, headers: bearer(t.tokens.evaluator) })
    expect(mine.json()).toMatchObject({ total: 1, items: [{ id: own, standard: '01-02-01', count: 1, version: 1 }] })
    const all = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${round.code}/findings`, headers: bearer(t.tokens.reviewer) })
    expect(all.json().total).toBe(round.data.findings.length + 1)

    const edited = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${own}`, headers: bearer(t.tokens.evaluator), payload: { count: 3, note: '路面有多处烟头', reason: '复核数量' } })
    expect(edited.json()).toEqual({ id: own, version: 2, changed: true })
    const same = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${own}`, headers: bearer(t.tokens.evaluator), payload: { count: 3 } })
    expect(same.json()).toEqual({ id: own, version: 2, changed: false })
    const history = await t.app.inject({ method: 'GET', url: `/api/v1/findings/${own}/history`, headers: bearer(t.tokens.leader) })
    expect(history.json()).toMatchObject({
      current: { version: 2, count: 3, note: '路面有多处烟头' },
      versions: [{ version: 1, count: 1, note: '路面有烟头', reason: '复核数量' }],
    })
  })

  it("refuses an evaluator's edit of someone else's finding, and an invalid change", async () => {
    const round = await createSampleRound(t.database.handle.db)
    const own = await ownFinding(round)
    const other = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${f1(round)}`, headers: bearer(t.tokens.evaluator), payload: { count: 5 } })
    expect(other.statusCode).toBe(403)
    // 02-01-02 applies to bus stops only; the own finding is at a road visit.
    const wrong = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${own}`, headers: bearer(t.tokens.admin), payload: { standard: '02-01-02' } })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().errors[0]).toMatchObject({ path: 'standard' })
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${f1(round)}`, headers: bearer(t.tokens.admin), payload: { count: 0 } })).statusCode).toBe(400)
  })

  it('applies an admin correction to the scores', async () => {
    const round = await createSampleRound(t.database.handle.db)
    // 甲区 field: 01-01-01 count 2 → D 1.0 → 1 of 2; count 4 → D 2.0 → 0 of 2.
    const before = await totalOf(round.code, 'a')
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${f1(round)}`, headers: bearer(t.tokens.admin), payload: { count: 4 } })
    expect(res.statusCode).toBe(200)
    expect(Number(await totalOf(round.code, 'a'))).toBeLessThan(Number(before))
  })

  it('refuses review decisions outside review', async () => {
    const round = await createSampleRound(t.database.handle.db)
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/findings/${f1(round)}/review`, headers: bearer(t.tokens.reviewer), payload: { decision: 'accept' } })
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('ROUND_STATE')
  })
})

describe('findings: review', () => {
  it('rejects with a reason, excludes the finding from the scores, and can be undone', async () => {
    const round = await createSampleRound(t.database.handle.db)
    const F1 = f1(round)
    expect((await close(round.code)).json().status).toBe('review')
    const before = await totalOf(round.code, 'a')
    const noReason = await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.reviewer), payload: { decision: 'reject' } })
    expect(noReason.statusCode).toBe(400)
    const rejected = await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.reviewer), payload: { decision: 'reject', reason: '照片无法证明占道经营' } })
    expect(rejected.json()).toEqual({ id: F1, status: 'rejected' })
    const without = await totalOf(round.code, 'a')
    expect(Number(without)).toBeGreaterThan(Number(before))
    await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.reviewer), payload: { decision: 'reset' } })
    expect(await totalOf(round.code, 'a')).toBe(before)
    const accepted = await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.admin), payload: { decision: 'accept' } })
    expect(accepted.json().status).toBe('accepted')
    const history = await t.app.inject({ method: 'GET', url: `/api/v1/findings/${F1}/history`, headers: bearer(t.tokens.reviewer) })
    expect(history.json().reviews.map((r: { decision: string }) => r.decision)).toEqual(['reject', 'reset', 'accept'])
    expect(history.json().reviews[0].reason).toBe('照片无法证明占道经营')
  })

  it('refuses edits once fieldwork has ended, and reviews by evaluators', async () => {
    const round = await createSampleRound(t.database.handle.db)
    const F1 = f1(round)
    expect((await close(round.code)).json().status).toBe('review')
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${F1}`, headers: bearer(t.tokens.admin), payload: { count: 1 } })).statusCode).toBe(409)
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.evaluator), payload: { decision: 'accept' } })).statusCode).toBe(403)
    // An id that cannot name a finding is a bad request; a well-formed unknown one is not found.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/findings/not-a-finding/history', headers: bearer(t.tokens.admin) })).statusCode).toBe(400)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/findings/9f9f9f9f-0000-4000-8000-000000000000/history', headers: bearer(t.tokens.admin) })).statusCode).toBe(404)
  })
})
