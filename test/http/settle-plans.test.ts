/**
 * Settle plans over HTTP (SPEC §5): the ranking's settle recommendation takes settleVisits
 * (1–200, else 400); the office accepts a group's recommendation, computed again on the server,
 * as a stored plan (audited; an earlier open plan of the group is closed), and the list shows for
 * each planned point the visits recorded there since. A round in review may accept, and is told
 * that fieldwork must be reopened; a draft or published round, a settled last place and an
 * unknown group are refused. One app and database for the file; every test makes its own rounds.
 */
import { randomUUID } from 'node:crypto'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RoundResult, SettlePlan } from '../../src/domain/scoring/types.js'
import { auditLog } from '../../src/db/schema/index.js'
import type { Problem } from '../../src/http/plugins/errors.js'
import { parseRecords } from '../../src/domain/records/parse.js'
import { publishRound } from '../../src/services/publication.js'
import { importRecords } from '../../src/services/records.js'
import { loadRound, transitionRound } from '../../src/services/rounds.js'
import type { AcceptedSettlePlan, AcceptSettleResult } from '../../src/services/settle.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName } from '../helpers/db.js'
import { designRoundText, designValues, designVisits, pointCode, type DesignUnit } from '../helpers/design-round.js'
import { loadSampleSet, uniqueCode } from '../helpers/factories.js'

const actor = { id: null, name: 'test' }
/** Two units close at the bottom: the last place is not settled by 3 markets and 2 roads each. */
const UNITS: DesignUnit[] = [
  { code: 'a', name: '甲区', level: 0.1 },
  { code: 'b', name: '乙区', level: 0.3 },
  { code: 'c', name: '丙区', level: 0.7 },
  { code: 'd', name: '丁区', level: 0.8 },
]
const REPLICATES = 300

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
  await loadSampleSet(t.database.handle.db)
}, 60_000)
afterAll(async () => t?.close())

const db = () => t.database.handle.db

/** One unit far behind the others: its last place is settled. */
const CLEAR: DesignUnit[] = [
  { code: 'a', name: '甲区', level: 0.1 },
  { code: 'b', name: '乙区', level: 0.1 },
  { code: 'c', name: '丙区', level: 4 },
]

/** A round in fieldwork with the design's visits; its prefix names its units and points. */
async function designRound(units: DesignUnit[]): Promise<{ code: string; prefix: string }> {
  const prefix = uniqueCode('s')
  const code = uniqueCode('settle')
  await loadRound(db(), designRoundText({ code, series: uniqueCode('series'), prefix, units }), actor)
  await transitionRound(db(), code, 'open', actor)
  await importRecords(db(), code, parseRecords({ ...designVisits({ prefix, units }), ...designValues(prefix, units) }), actor)
  return { code, prefix }
}
const unsettledRound = () => designRound(UNITS)

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string): Problem {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = res.json() as Problem
  expect(body).toMatchObject({ status, code, type: `urn:civindex:problem:${code}` })
  expect(body.title).toMatch(/[\u4e00-\u9fff]/)
  return body
}

const ranking = (code: string, query: string) => t.app.inject({ method: 'GET', url: `/api/v1/rounds/${code}/ranking?credibility=true&replicates=${REPLICATES}${query}`, headers: bearer(t.tokens.admin) })
const accept = (code: string, group: string, payload: Record<string, unknown> = { replicates: REPLICATES, settleVisits: 4 }, token = t.tokens.admin) =>
  t.app.inject({ method: 'POST', url: `/api/v1/rounds/${code}/groups/${group}/settle-plan`, headers: bearer(token), payload })
const list = (code: string, token = t.tokens.admin) => t.app.inject({ method: 'GET', url: `/api/v1/rounds/${code}/settle-plans`, headers: bearer(token) })

async function settleOf(code: string, query = ''): Promise<SettlePlan | null> {
  const res = await ranking(code, query)
  expect(res.statusCode, res.body).toBe(200)
  return res.json<RoundResult>().groups[0]!.credibility!.settle
}

describe(`settleVisits on the ranking (${engineName})`, () => {
  it('sets how many extra visits the recommendation proposes, 1 to 200', async () => {
    const { code } = await unsettledRound()
    const fewest = await settleOf(code)
    expect(fewest, 'the design round should leave its last place unsettled').not.toBeNull()
    expect((await settleOf(code, '&settleVisits=3'))!.visits).toBe(3)
    expect((await settleOf(code, '&settleVisits=7'))!.extra.reduce((a, e) => a + e.visits, 0)).toBe(7)
    for (const bad of ['0', '201', '-1', '1.5', 'abc']) {
      const body = expectProblem(await ranking(code, `&settleVisits=${bad}`), 400, 'VALIDATION_FAILED')
      expect(body.title).toBe('输入有误')
      expect(JSON.stringify(body.errors), bad).toContain('settleVisits')
    }
    expect((await ranking(code, '&settleVisits=200')).statusCode).toBe(200)
  })
})

describe(`accepting a settle plan (${engineName})`, () => {
  it('stores the recommendation computed now, audits it, closes the earlier open plan and counts the visits recorded since', async () => {
    const { code, prefix } = await unsettledRound()
    const expected = await settleOf(code, '&settleVisits=4')
    expect(expected).not.toBeNull()

    const first = await accept(code, 'district')
    expect(first.statusCode, first.body).toBe(201)
    const a = first.json<AcceptSettleResult>()
    expect(a).toMatchObject({ round: code, group: 'district', status: 'open', acceptedBy: 'admin:测试admin', doneAt: null, entryOpen: true, note: null, replaced: [] })
    // Computed again on the server with the same seed and options: the recommendation just seen.
    expect(a.plan).toEqual(expected)
    expect(a.progress).toMatchObject({ planned: 4, recorded: 0, complete: false })
    expect(a.progress.points.reduce((s, p) => s + p.planned, 0)).toBe(4)
    const audited = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'settle-plan.accept'), eq(auditLog.entityKey, code)))
    expect(audited).toHaveLength(1)
    expect(audited[0]!.details).toMatchObject({ plan: a.id, group: 'district', visits: 4, replaced: [] })

    const second = await accept(code, 'district')
    expect(second.statusCode, second.body).toBe(201)
    const b = second.json<AcceptSettleResult>()
    expect(b.replaced).toEqual([a.id])

    // Visits at the planned points, and one at a market the plan does not name.
    const planned = b.progress.points.filter((p) => p.point !== null)
    expect(planned.length).toBeGreaterThan(0)
    const visits = planned.flatMap((p) => Array.from({ length: p.planned }, () => ({ id: randomUUID(), point: p.point!, at: '2026-03-28T10:00:00+08:00' })))
    const named = new Set(planned.map((p) => p.point))
    const elsewhere = [1, 2, 3, 4, 5, 6].map((n) => pointCode(prefix, 'a', 'market', n)).find((p) => !named.has(p))!
    visits.push({ id: randomUUID(), point: elsewhere, at: '2026-03-28T11:00:00+08:00' })
    const recorded = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${code}/records`, headers: bearer(t.tokens.admin), payload: { visits } })
    expect(recorded.statusCode, recorded.body).toBe(200)

    const res = await list(code)
    expect(res.statusCode, res.body).toBe(200)
    const plans = res.json<AcceptedSettlePlan[]>()
    expect(plans.map((p) => [p.id, p.status])).toEqual([
      [a.id, 'done'],
      [b.id, 'open'],
    ])
    expect(plans[0]!.doneAt).not.toBeNull()
    const now = plans[1]!
    expect(now.plan).toEqual(b.plan)
    expect(now.progress.points.filter((p) => p.point !== null).every((p) => p.recorded === p.planned)).toBe(true)
    const unlisted = now.progress.points.filter((p) => p.point === null).reduce((s, p) => s + p.planned, 0)
    expect(now.progress.recorded).toBe(now.progress.planned - unlisted)
    expect(now.progress.complete).toBe(unlisted === 0)
    // The plan replaced counts the same visits at its own points; nothing counts visits from before.
    expect(plans[0]!.progress.recorded).toBeLessThanOrEqual(plans[0]!.progress.planned)
  })

  it('accepts in review and says that fieldwork must be reopened; refuses a published or draft round', async () => {
    const { code } = await unsettledRound()
    await transitionRound(db(), code, 'close', actor)
    const res = await accept(code, 'district')
    expect(res.statusCode, res.body).toBe(201)
    const a = res.json<AcceptSettleResult>()
    expect(a.entryOpen).toBe(false)
    expect(a.note).toContain('重新开启实地考察')

    await publishRound(db(), code, actor, { replicates: 50, weightRuns: 10 })
    expect(expectProblem(await accept(code, 'district'), 409, 'ROUND_STATE').detail).toContain('已发布')

    const draft = uniqueCode('draft')
    await loadRound(db(), designRoundText({ code: draft, series: uniqueCode('series'), prefix: uniqueCode('s'), units: UNITS }), actor)
    expectProblem(await accept(draft, 'district'), 409, 'ROUND_STATE')
  })

  it('refuses a settled last place, an unknown group or round, bad options and other roles', async () => {
    const clear = await designRound(CLEAR)
    expect(await settleOf(clear.code), 'the last place of the clear design should be settled').toBeNull()
    expect(expectProblem(await accept(clear.code, 'district'), 409, 'LAST_PLACE_SETTLED').detail).toContain('无需补充考察')
    const { code } = await unsettledRound()
    expectProblem(await accept(code, 'nowhere'), 404, 'NOT_FOUND')
    expectProblem(await accept(uniqueCode('missing'), 'district'), 404, 'NOT_FOUND')
    for (const payload of [{ settleVisits: 0 }, { settleVisits: 201 }, { replicates: 0 }, { plan: { visits: 1 } }]) expectProblem(await accept(code, 'district', payload), 400, 'VALIDATION_FAILED')
    for (const role of ['leader', 'reviewer', 'evaluator', 'unit'] as const) expectProblem(await accept(code, 'district', undefined, t.tokens[role]), 403, 'FORBIDDEN')
    for (const role of ['evaluator', 'unit'] as const) expectProblem(await list(code, t.tokens[role]), 403, 'FORBIDDEN')
    const none = await list(code, t.tokens.leader)
    expect(none.statusCode).toBe(200)
    expect(none.json()).toEqual([])
  })
})
