import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { loadSampleRound } from '../helpers/sample-round.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
  await loadSampleRound(t.database.handle.db) // imported without a user: nobody's own
})
afterAll(async () => t?.close())

const F1 = '10000000-0000-4000-8000-000000000001' // 甲区, 01-01-01 at P1, count 2 (per 0.5, 2 points)
const OWN = '60000000-0000-4000-8000-000000000001'
const V2 = '00000000-0000-4000-8000-000000000002' // 甲区's road visit

async function totalOf(unit: string): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/ranking', headers: bearer(t.tokens.admin) })
  const group = res.json().groups[0]
  return group.ranking.find((u: { unit: string }) => u.unit === unit)?.total as string
}

describe('findings: corrections in fieldwork', () => {
  it('lists a finding whose visit is not a UUID as a bad record, not a server error', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rounds/2026-01/records',
      headers: bearer(t.tokens.evaluator),
      payload: { visits: [{ id: 'not-a-uuid', point: 'P1', at: '2026-01-05' }], findings: [{ id: OWN, visit: 'also-not-a-uuid', standard: '01-01-01' }] },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['visits[0].id', 'findings[0].visit'])
  })

  it("lets an evaluator list and correct its own findings, keeping the replaced version", async () => {
    const added = await t.app.inject({
      method: 'POST',
      url: '/api/v1/rounds/2026-01/records',
      headers: bearer(t.tokens.evaluator),
      payload: { findings: [{ id: OWN, visit: V2, standard: '01-02-01', count: 1, note: '路面有烟头' }] },
    })
    expect(added.statusCode).toBe(200)
    const mine = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/findings', headers: bearer(t.tokens.evaluator) })
    expect(mine.json()).toMatchObject({ total: 1, items: [{ id: OWN, standard: '01-02-01', count: 1, version: 1 }] })
    const all = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/findings', headers: bearer(t.tokens.reviewer) })
    expect(all.json().total).toBe(4)

    const edited = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${OWN}`, headers: bearer(t.tokens.evaluator), payload: { count: 3, note: '路面有多处烟头', reason: '复核数量' } })
    expect(edited.json()).toEqual({ id: OWN, version: 2, changed: true })
    const same = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${OWN}`, headers: bearer(t.tokens.evaluator), payload: { count: 3 } })
    expect(same.json()).toEqual({ id: OWN, version: 2, changed: false })
    const history = await t.app.inject({ method: 'GET', url: `/api/v1/findings/${OWN}/history`, headers: bearer(t.tokens.leader) })
    expect(history.json()).toMatchObject({
      current: { version: 2, count: 3, note: '路面有多处烟头' },
      versions: [{ version: 1, count: 1, note: '路面有烟头', reason: '复核数量' }],
    })
  })

  it("refuses an evaluator's edit of someone else's finding, and an invalid change", async () => {
    const other = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${F1}`, headers: bearer(t.tokens.evaluator), payload: { count: 5 } })
    expect(other.statusCode).toBe(403)
    // 02-01-02 applies to bus stops only; OWN is at a road visit.
    const wrong = await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${OWN}`, headers: bearer(t.tokens.admin), payload: { standard: '02-01-02' } })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().errors[0]).toMatchObject({ path: 'standard' })
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${F1}`, headers: bearer(t.tokens.admin), payload: { count: 0 } })).statusCode).toBe(400)
  })

  it('applies an admin correction to the scores', async () => {
    // 甲区 field: 01-01-01 count 2 → D 1.0 → 1 of 2; count 4 → D 2.0 → 0 of 2.
    const before = await totalOf('a')
    await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${F1}`, headers: bearer(t.tokens.admin), payload: { count: 4 } })
    expect(Number(await totalOf('a'))).toBeLessThan(Number(before))
  })

  it('refuses review decisions outside review', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.reviewer), payload: { decision: 'accept' } })
    expect(res.statusCode).toBe(409)
    expect(res.json().code).toBe('ROUND_STATE')
  })
})

describe('findings: review', () => {
  it('rejects with a reason, excludes the finding from the scores, and can be undone', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/close', headers: bearer(t.tokens.admin) })).json().status).toBe('review')
    const before = await totalOf('a')
    const noReason = await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.reviewer), payload: { decision: 'reject' } })
    expect(noReason.statusCode).toBe(400)
    const rejected = await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.reviewer), payload: { decision: 'reject', reason: '照片无法证明占道经营' } })
    expect(rejected.json()).toEqual({ id: F1, status: 'rejected' })
    const without = await totalOf('a')
    expect(Number(without)).toBeGreaterThan(Number(before))
    await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.reviewer), payload: { decision: 'reset' } })
    expect(await totalOf('a')).toBe(before)
    const accepted = await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.admin), payload: { decision: 'accept' } })
    expect(accepted.json().status).toBe('accepted')
    const history = await t.app.inject({ method: 'GET', url: `/api/v1/findings/${F1}/history`, headers: bearer(t.tokens.reviewer) })
    expect(history.json().reviews.map((r: { decision: string }) => r.decision)).toEqual(['reject', 'reset', 'accept'])
    expect(history.json().reviews[0].reason).toBe('照片无法证明占道经营')
  })

  it('refuses edits once fieldwork has ended, and reviews by evaluators', async () => {
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/findings/${F1}`, headers: bearer(t.tokens.admin), payload: { count: 1 } })).statusCode).toBe(409)
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/findings/${F1}/review`, headers: bearer(t.tokens.evaluator), payload: { decision: 'accept' } })).statusCode).toBe(403)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/findings/not-a-finding/history', headers: bearer(t.tokens.admin) })).statusCode).toBe(404)
  })
})
