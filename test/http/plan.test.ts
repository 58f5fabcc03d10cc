/**
 * Planning a round's sample over HTTP (SPEC §5): GET /api/v1/rounds/:code/plan learns the sampling
 * error from the previous round of the series with visits (or the round named by `from`), POST
 * takes a stated prior; the plan equals the pure planRound over the same records and registry.
 * Bad parameters are 400 VALIDATION_FAILED, a round without any basis 409 PLAN_NO_BASIS, both in
 * Chinese. And the registry reaches the credibility analysis: a unit that visited 2 of its 6
 * registered markets reports registered 6, a deactivated point still counts once it was visited.
 * One app and database for the file; every test makes its own series and units.
 */
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planBasis, planRound, priorStatistics, visitSamples, type PlanInput, type RoundPlan } from '../../src/domain/credibility/index.js'
import type { RoundDefinition } from '../../src/domain/round/validate.js'
import { buildRoundInput, type DataFile } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type { RoundResult } from '../../src/domain/scoring/types.js'
import { points } from '../../src/db/schema/index.js'
import type { Problem } from '../../src/http/plugins/errors.js'
import { parseRecords } from '../../src/domain/records/parse.js'
import { getIndicatorSet } from '../../src/services/indicator-sets.js'
import { importRecords } from '../../src/services/records.js'
import { getRound, loadRound, transitionRound } from '../../src/services/rounds.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName } from '../helpers/db.js'
import { designRoundText, designValues, designVisits, pointCode, type DesignUnit } from '../helpers/design-round.js'
import { loadSampleSet, uniqueCode } from '../helpers/factories.js'
import { registryOf } from '../helpers/registry.js'

const actor = { id: null, name: 'test' }
const UNITS: DesignUnit[] = [
  { code: 'a', name: '甲区', level: 0.1 },
  { code: 'b', name: '乙区', level: 0.3 },
  { code: 'c', name: '丙区', level: 0.7 },
  { code: 'd', name: '丁区', level: 0.8 },
]

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
  await loadSampleSet(t.database.handle.db)
}, 60_000)
afterAll(async () => t?.close())

const db = () => t.database.handle.db

interface Series {
  prefix: string
  series: string
  /** Rounds in period order: [previous with visits, planned draft]. */
  previous: string
  next: string
  data: DataFile
}

/** A series of two rounds: March with visits (fieldwork), April a draft to plan. */
async function series(options: { minConfidence?: string } = {}): Promise<Series> {
  const prefix = uniqueCode('p')
  const s = uniqueCode('series')
  const [previous, next] = [uniqueCode('mar'), uniqueCode('apr')]
  const gate = options.minConfidence ? { minConfidence: options.minConfidence } : {}
  await loadRound(db(), designRoundText({ code: previous, series: s, prefix, units: UNITS, period: { from: '2026-03-01', to: '2026-03-31' }, ...gate }), actor)
  await transitionRound(db(), previous, 'open', actor)
  const data = { ...designVisits({ prefix, units: UNITS }), ...designValues(prefix, UNITS) }
  await importRecords(db(), previous, parseRecords(data), actor)
  await loadRound(db(), designRoundText({ code: next, series: s, prefix, units: UNITS, period: { from: '2026-04-01', to: '2026-04-30' }, ...gate }), actor)
  return { prefix, series: s, previous, next, data }
}

/** The plan of `next` computed with the pure functions over the records of `basis`. */
async function purePlan(next: string, basis: { round: string; data: DataFile } | null, request: { margin: number; confidence: number; power: number; visitsPerPoint: number }, prior?: Parameters<typeof priorStatistics>[0]): Promise<RoundPlan> {
  const target = await getRound(db(), next)
  const set = (await getIndicatorSet(db(), target.setCode, target.setVersion)).definition
  const def = target.source as RoundDefinition
  let learnt: Omit<PlanInput, 'round' | 'basis' | 'groups'>
  if (basis) {
    const basisDef = (await getRound(db(), basis.round)).source as RoundDefinition
    const input = buildRoundInput(set, basisDef, basis.data)
    learnt = planBasis(input, visitSamples(set, basisDef, basis.data), scoreRound(input), registryOf(basisDef))
  } else learnt = { statistics: priorStatistics(prior!), spread: prior!.spread === undefined ? null : Number(prior!.spread) }
  const registry = registryOf(def)
  const input: PlanInput = {
    round: next,
    basis: basis ? { kind: 'round', round: basis.round } : { kind: 'prior' },
    ...learnt,
    groups: def.groups.map((g) => ({
      code: g.code,
      name: g.name,
      units: [...g.units]
        .sort((a, b) => (a.code < b.code ? -1 : 1))
        .map((u) => ({ unit: u.code, name: u.name, registry: Object.fromEntries(Object.entries(registry[u.code] ?? {}).map(([k, v]) => [k, v.length])) })),
    })),
  }
  return planRound(input, request)
}

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string): Problem {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = res.json() as Problem
  expect(body).toMatchObject({ status, code, type: `urn:civindex:problem:${code}` })
  expect(body.title).toMatch(/[\u4e00-\u9fff]/)
  return body
}

const getPlan = (code: string, query = '', token = t.tokens.admin) => t.app.inject({ method: 'GET', url: `/api/v1/rounds/${code}/plan${query}`, headers: bearer(token) })
const postPlan = (code: string, payload: unknown, token = t.tokens.admin) =>
  t.app.inject({ method: 'POST', url: `/api/v1/rounds/${code}/plan`, headers: bearer(token), payload: payload as Record<string, unknown> })

const PRIOR = { pointTypes: { market: { betweenPoints: '0.80', withinPoint: '1.20' }, road: { betweenPoints: '0.40', withinPoint: '0.90' } }, spread: '3.00' }

describe(`GET and POST /api/v1/rounds/:code/plan (${engineName})`, () => {
  it('learns from the previous round of the series with visits, with the defaults, as the pure plan does', async () => {
    const s = await series()
    const res = await getPlan(s.next)
    expect(res.statusCode, res.body).toBe(200)
    const plan = res.json<RoundPlan>()
    expect(plan).toMatchObject({ round: s.next, basis: { kind: 'round', round: s.previous }, margin: '1.00', confidence: '0.900', power: '0.800', visitsPerPoint: 1 })
    expect(plan).toEqual(await purePlan(s.next, { round: s.previous, data: s.data }, { margin: 1, confidence: 0.9, power: 0.8, visitsPerPoint: 1 }))
    // The registry's counts: 6 markets and 4 roads for every unit.
    const units = plan.groups.flatMap((g) => g.units)
    expect(units.map((u) => u.unit)).toEqual(UNITS.map((u) => `${s.prefix}-${u.code}`))
    for (const u of units) expect(Object.fromEntries(u.points.map((p) => [p.pointType, p.registered]))).toEqual({ market: 6, road: 4 })
  })

  it('takes the parameters, and a margin wide enough is resolved with fewer points than registered', async () => {
    const s = await series()
    const res = await getPlan(s.next, '?margin=6&confidence=0.8&power=0.6&visitsPerPoint=2')
    expect(res.statusCode, res.body).toBe(200)
    const plan = res.json<RoundPlan>()
    expect(plan).toMatchObject({ margin: '6.00', confidence: '0.800', power: '0.600', visitsPerPoint: 2 })
    expect(plan).toEqual(await purePlan(s.next, { round: s.previous, data: s.data }, { margin: 6, confidence: 0.8, power: 0.6, visitsPerPoint: 2 }))
    expect(plan.resolvable).toBe(true)
    for (const u of plan.groups.flatMap((g) => g.units)) {
      expect(u.resolvable).toBe(true)
      expect(Number(u.standardError)).toBeLessThanOrEqual(Number(plan.standardError))
      expect(u.points.reduce((a, p) => a + p.needed, 0)).toBeLessThan(10)
    }
  })

  it("defaults the confidence to the round's gate", async () => {
    const s = await series({ minConfidence: '0.95' })
    const res = await getPlan(s.next)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json<RoundPlan>().confidence).toBe('0.950')
  })

  it('learns from the round named by from, even in another series', async () => {
    const s = await series()
    const other = await series()
    const res = await getPlan(other.next, `?from=${s.previous}&margin=4`)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json<RoundPlan>().basis).toEqual({ kind: 'round', round: s.previous })
    // A basis round of another series with other units: the registry is still the planned round's.
    expect(res.json()).toEqual(await purePlan(other.next, { round: s.previous, data: s.data }, { margin: 4, confidence: 0.9, power: 0.8, visitsPerPoint: 1 }))
  })

  it('takes a stated prior by POST, over any earlier round', async () => {
    const s = await series()
    const res = await postPlan(s.next, { prior: PRIOR, margin: 2, power: 0.9 })
    expect(res.statusCode, res.body).toBe(200)
    const plan = res.json<RoundPlan>()
    expect(plan.basis).toEqual({ kind: 'prior' })
    expect(plan).toEqual(await purePlan(s.next, null, { margin: 2, confidence: 0.9, power: 0.9, visitsPerPoint: 1 }, PRIOR))
    expect(plan.pointTypes.map((p) => [p.pointType, p.betweenPoints, p.withinPoint])).toEqual([
      ['market', '0.80', '1.20'],
      ['road', '0.40', '0.90'],
    ])
  })

  it('says in Chinese that a first round needs a stated prior (409 PLAN_NO_BASIS), and plans with one', async () => {
    const prefix = uniqueCode('p')
    const code = uniqueCode('first')
    await loadRound(db(), designRoundText({ code, series: uniqueCode('series'), prefix, units: UNITS }), actor)
    const body = expectProblem(await getPlan(code), 409, 'PLAN_NO_BASIS')
    expect(body.title).toContain('先验')
    expect(body.detail).toContain(code)
    // A named round without visits is no basis either.
    const empty = uniqueCode('empty')
    await loadRound(db(), designRoundText({ code: empty, series: uniqueCode('series'), prefix, units: UNITS }), actor)
    expect(expectProblem(await getPlan(code, `?from=${empty}`), 409, 'PLAN_NO_BASIS').detail).toContain(empty)
    expectProblem(await getPlan(code, `?from=${uniqueCode('missing')}`), 404, 'NOT_FOUND')
    const planned = await postPlan(code, { prior: PRIOR })
    expect(planned.statusCode, planned.body).toBe(200)
    expect(planned.json()).toMatchObject({ basis: { kind: 'prior' }, margin: '1.00' })
  })

  it('refuses bad parameters with 400 VALIDATION_FAILED naming each', async () => {
    const s = await series()
    for (const [query, path] of [
      ['?margin=0', 'margin'],
      ['?margin=-1', 'margin'],
      ['?margin=101', 'margin'],
      ['?margin=abc', 'margin'],
      ['?confidence=1', 'confidence'],
      ['?confidence=0.5', 'confidence'],
      ['?power=1.2', 'power'],
      ['?visitsPerPoint=0', 'visitsPerPoint'],
      ['?visitsPerPoint=1.5', 'visitsPerPoint'],
      ['?visitsPerPoint=11', 'visitsPerPoint'],
      ['?from=a%20b', 'from'],
    ] as const) {
      const body = expectProblem(await getPlan(s.next, query), 400, 'VALIDATION_FAILED')
      expect(body.title, query).toBe('输入有误')
      expect(JSON.stringify(body.errors), query).toContain(path)
    }
    for (const [payload, path] of [
      [{}, 'prior'],
      [{ prior: { pointTypes: {} } }, 'pointTypes'],
      [{ prior: { pointTypes: { market: { betweenPoints: 'abc', withinPoint: '1' } } } }, 'betweenPoints'],
      [{ prior: { pointTypes: { market: { betweenPoints: '-1', withinPoint: '1' } } } }, 'betweenPoints'],
      [{ prior: { pointTypes: { market: { betweenPoints: '1' } } } }, 'market'],
      [{ prior: { pointTypes: { market: { betweenPoints: 1, withinPoint: '1' } } } }, 'betweenPoints'],
      [{ prior: PRIOR, from: s.previous }, 'from'],
      [{ prior: { pointTypes: { ...PRIOR.pointTypes, harbour: { betweenPoints: '1', withinPoint: '1' } } } }, 'prior.pointTypes.harbour'],
      [{ prior: PRIOR, margin: 0 }, 'margin'],
      [{ prior: PRIOR, visitsPerPoint: 20 }, 'visitsPerPoint'],
    ] as const) {
      const body = expectProblem(await postPlan(s.next, payload), 400, 'VALIDATION_FAILED')
      expect(JSON.stringify(body.errors), JSON.stringify(payload)).toContain(path)
    }
  })

  it('is read by the office, leaders and reviewers only', async () => {
    const s = await series()
    for (const role of ['evaluator', 'unit'] as const) expectProblem(await getPlan(s.next, '', t.tokens[role]), 403, 'FORBIDDEN')
    for (const role of ['leader', 'reviewer'] as const) expect((await getPlan(s.next, '?margin=5', t.tokens[role])).statusCode).toBe(200)
  })
})

describe(`the registry reaches the credibility analysis (${engineName})`, () => {
  it('reports registered 6 for a unit that visited 2 of its 6 markets, counting a visited point deactivated since', async () => {
    const s = await series()
    // The planned April round, in fieldwork: 2 of 6 markets and 1 of 4 roads per unit.
    await transitionRound(db(), s.next, 'open', actor)
    await importRecords(db(), s.next, parseRecords({ ...designVisits({ prefix: s.prefix, units: UNITS, markets: 2, roads: 1, month: '2026-04' }), ...designValues(s.prefix, UNITS) }), actor)
    const sampleOf = async (unit: string) => {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${s.next}/ranking?credibility=true&replicates=50`, headers: bearer(t.tokens.admin) })
      expect(res.statusCode, res.body).toBe(200)
      const ranking = res.json<RoundResult>().groups.flatMap((g) => g.ranking)
      return ranking.find((u) => u.unit === unit)!.credibility!.sample
    }
    const unit = `${s.prefix}-a`
    expect(await sampleOf(unit)).toEqual([
      { pointType: 'market', points: 2, registered: 6, visits: 4 },
      { pointType: 'road', points: 1, registered: 4, visits: 2 },
    ])
    // A visited market and an unvisited one deactivated: the visited one still counts.
    await db().update(points).set({ active: false }).where(eq(points.code, pointCode(s.prefix, 'a', 'market', 1)))
    await db().update(points).set({ active: false }).where(eq(points.code, pointCode(s.prefix, 'a', 'market', 6)))
    expect((await sampleOf(unit))[0]).toEqual({ pointType: 'market', points: 2, registered: 5, visits: 4 })
  })
})
