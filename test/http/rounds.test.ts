/**
 * Rounds over HTTP (SPEC §6, §8): loading a round file, listing and reading rounds, adding
 * records (all or nothing, every problem listed), and the ranking in the SPEC §4.5 shape, with
 * problem+json errors and role checks. One app and database for the file; every test makes the
 * rounds it needs (test/helpers/factories.ts), so the tests run alone and in any order.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Problem } from '../../src/http/plugins/errors.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { createSampleRound, loadSampleSet, sampleRoundText, uniqueCode } from '../helpers/factories.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => t?.close())

const SET = readFileSync(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url), 'utf8')
const ROUND = readFileSync(new URL('../fixtures/rounds/sample-2026-01.yaml', import.meta.url), 'utf8')

const db = () => t.database.handle.db
const yamlHeaders = (token: string) => ({ ...bearer(token), 'content-type': 'application/yaml' })
/** The sample round file under a code and series of its own. */
const freshRoundText = (): string => sampleRoundText({ code: uniqueCode('round'), series: uniqueCode('series') })

type ProblemBody = Problem

function expectProblem(res: { statusCode: number; headers: Record<string, unknown>; json(): unknown }, status: number, code: string): ProblemBody {
  expect(res.statusCode, JSON.stringify(res.json())).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = res.json() as ProblemBody
  expect(body).toMatchObject({ status, code, type: `urn:civindex:problem:${code}` })
  expect(typeof body.title).toBe('string')
  expect(typeof body.detail).toBe('string')
  return body
}

const postRecords = (code: string, token: string, payload: unknown) =>
  t.app.inject({ method: 'POST', url: `/api/v1/rounds/${code}/records`, headers: bearer(token), payload: payload as Record<string, unknown> })

describe('round files over HTTP', () => {
  it('loads the indicator set, then the round (201), and an identical reload is unchanged (200)', async () => {
    // An empty database of its own, where neither the set nor the round is loaded yet.
    const own = await createTestApp()
    try {
      const set = await own.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(own.tokens.admin), payload: SET })
      expect(set.statusCode).toBe(201)

      const created = await own.app.inject({ method: 'POST', url: '/api/v1/rounds', headers: yamlHeaders(own.tokens.admin), payload: ROUND })
      expect(created.statusCode, created.body).toBe(201)
      expect(created.json()).toEqual({
        status: 'created',
        round: {
          code: '2026-01',
          series: 'demo-monthly',
          name: '2026年第1次文明程度指数测评',
          indicatorSet: 'sample-civility@2026.1',
          period: { from: '2026-01-01', to: '2026-01-31' },
          evaluator: '江州市某某调查咨询有限公司',
          status: 'draft',
          revision: 0,
          groups: [{ code: 'district', name: '县区', units: 4 }],
          points: 5,
        },
      })

      const again = await own.app.inject({ method: 'POST', url: '/api/v1/rounds', headers: yamlHeaders(own.tokens.admin), payload: ROUND })
      expect(again.statusCode).toBe(200)
      expect(again.json()).toEqual({ ...created.json(), status: 'unchanged' })
    } finally {
      await own.close()
    }
  })

  it('takes a round written as JSON with content-type application/json', async () => {
    await loadSampleSet(db())
    const code = uniqueCode('json')
    const body = JSON.stringify({
      code,
      series: uniqueCode('json-series'),
      name: 'JSON 轮次',
      indicatorSet: 'sample-civility@2026.1',
      period: { from: '2026-01-01', to: '2026-01-31' },
      evaluator: '某公司',
      consequences: { transfers: [{ payer: 'last', payee: 'first', amount: 0.1 }] },
      groups: [{ code: 'g', name: '组', units: [{ code: 'j1', name: '一区' }] }],
    })
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/rounds', headers: { ...bearer(t.tokens.admin), 'content-type': 'application/json' }, payload: body })
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().round).toMatchObject({ code, groups: [{ code: 'g', units: 1 }], points: 0 })
  })

  it('answers an invalid round with 400 problem+json listing every problem with its path and line', async () => {
    await loadSampleSet(db())
    const code = uniqueCode('bad')
    const text = sampleRoundText({ code, series: uniqueCode('series') })
    const bad = text
      .replace('amount: "200000"', 'amount: "200000.001"')
      .replace('black: { bottom: 1 }', 'black: { bottom: 0 }')
      .replace('{ code: c, name: 丙区, head: 王五 }', '{ code: a, name: 丙区, head: 王五 }')
      .replace('type: road, unit: b', 'type: harbour, unit: b')
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/rounds', headers: yamlHeaders(t.tokens.admin), payload: bad })
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED')
    const errors = problem.errors ?? []
    expect(errors.map((e) => e.path)).toEqual(
      expect.arrayContaining(['consequences.transfers[0].amount', 'consequences.lists.black.bottom', 'groups[0].units[2].code', 'points[3].type', 'points[4].unit']),
    )
    expect(errors, JSON.stringify(errors)).toHaveLength(5)
    expect(errors.every((e) => typeof e.line === 'number' && e.line > 0)).toBe(true)
    expect(errors.find((e) => e.path === 'points[3].type')!.message).toMatch(/unknown point type "harbour"/)
    // P5 belongs to c, which is no longer in the round.
    expect(errors.find((e) => e.path === 'points[4].unit')!.message).toMatch(/unit "c" is not in any group/)

    const unknownSet = await t.app.inject({ method: 'POST', url: '/api/v1/rounds', headers: yamlHeaders(t.tokens.admin), payload: text.replace('sample-civility@2026.1', 'nosuch@1') })
    const p2 = expectProblem(unknownSet, 400, 'VALIDATION_FAILED')
    expect(p2.errors).toEqual([expect.objectContaining({ path: 'indicatorSet', message: expect.stringMatching(/nosuch@1 is not loaded/) })])

    const unreadable = await t.app.inject({ method: 'POST', url: '/api/v1/rounds', headers: yamlHeaders(t.tokens.admin), payload: 'code: [unclosed\n  - x: {' })
    const p3 = expectProblem(unreadable, 400, 'VALIDATION_FAILED')
    expect(p3.errors![0]!.message).toMatch(/not readable as YAML or JSON/)

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/rounds', headers: bearer(t.tokens.admin) })
    expect(list.statusCode).toBe(200)
    expect(list.json().map((r: { code: string }) => r.code)).not.toContain(code)
  })

  it('lets only the admin load rounds', async () => {
    const text = freshRoundText()
    for (const role of ['leader', 'evaluator', 'reviewer', 'unit'] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/rounds', headers: yamlHeaders(t.tokens[role]), payload: text })
      expectProblem(res, 403, 'FORBIDDEN')
    }
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/v1/rounds', headers: { 'content-type': 'application/yaml' }, payload: text }), 401, 'UNAUTHORIZED')
  })

  it('lists rounds and reads one for every role; an unknown round is a 404 problem', async () => {
    const draft = await createSampleRound(db(), { open: false })
    const open = await createSampleRound(db(), { data: false })
    for (const role of ['admin', 'evaluator', 'reviewer', 'leader', 'unit'] as const) {
      const list = await t.app.inject({ method: 'GET', url: '/api/v1/rounds', headers: bearer(t.tokens[role]) })
      expect(list.statusCode).toBe(200)
      const codes: string[] = list.json().map((r: { code: string }) => r.code)
      // Each round once: both of this test's rounds, and no code twice.
      expect(codes.filter((c) => c === draft.code || c === open.code).sort((a, b) => a.localeCompare(b))).toEqual([draft.code, open.code].sort((a, b) => a.localeCompare(b)))
      expect(new Set(codes).size).toBe(codes.length)
    }
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${draft.code}`, headers: bearer(t.tokens.unit) })
    expect(one.statusCode).toBe(200)
    expect(one.json()).toMatchObject({ code: draft.code, status: 'draft', groups: [{ code: 'district', units: 4 }], points: 5 })

    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/nosuch', headers: bearer(t.tokens.admin) })
    const problem = expectProblem(missing, 404, 'NOT_FOUND')
    expect(problem.detail).toMatch(/nosuch/)
    expect(problem.instance).toBe('/api/v1/rounds/nosuch')
  })
})

describe('records over HTTP', () => {
  it('refuses records while the round is a draft (409), then opens it', async () => {
    const round = await createSampleRound(db(), { open: false })
    const early = await postRecords(round.code, t.tokens.evaluator, { visits: round.data.visits })
    expectProblem(early, 409, 'ROUND_STATE')
    const opened = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${round.code}/open`, headers: bearer(t.tokens.admin) })
    expect(opened.statusCode, opened.body).toBe(200)
    expect(opened.json()).toMatchObject({ code: round.code, status: 'fieldwork' })
  })

  it('answers a bad batch with 400 and every problem, storing nothing', async () => {
    const round = await createSampleRound(db(), { data: false })
    const okVisit = randomUUID()
    const batch = {
      visits: [
        { id: 'nope', point: 'P1', at: '2026-01-05T09:00:00+08:00' },
        { id: okVisit, point: 'P2', at: '2026-01-05T09:00:00+08:00' },
        { id: randomUUID(), point: 'P404', at: 'yesterday' },
      ],
      findings: [
        { id: randomUUID(), visit: okVisit, standard: '01-01-01' }, // market standard at a road
        { id: randomUUID(), visit: okVisit, standard: '01-02-01', count: 0 },
      ],
      externalScores: [{ unit: 'a', component: 'survey', value: 100.5 }],
      directScores: [{ unit: 'q', standard: '04-01-02', value: '1' }],
    }
    const res = await postRecords(round.code, t.tokens.evaluator, batch)
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED')
    expect(problem.detail).toMatch(/nothing was stored/)
    expect((problem.errors ?? []).map((e) => e.path)).toEqual([
      'visits[0].id',
      'visits[2].point',
      'visits[2].at',
      'findings[0].standard',
      'findings[1].count',
      'externalScores[0].value',
      'directScores[0].unit',
    ])

    // Nothing stored: the batch's one good visit is not there, so a finding on it is unknown.
    const probe = await postRecords(round.code, t.tokens.evaluator, { findings: [{ id: randomUUID(), visit: okVisit, standard: '01-02-01' }] })
    expect(expectProblem(probe, 400, 'VALIDATION_FAILED').errors).toEqual([expect.objectContaining({ path: 'findings[0].visit' })])
  })

  it('refuses an unknown record kind with 400', async () => {
    const round = await createSampleRound(db(), { data: false })
    const res = await postRecords(round.code, t.tokens.evaluator, { visits: [], photos: [] })
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED')
    expect(JSON.stringify(problem.errors)).toContain('photos')
  })

  // SPEC §6.2: every bad row is listed, so a strict body schema must not cut the batch short.
  it('lists an unknown record kind together with every bad record of the batch', async () => {
    const round = await createSampleRound(db(), { data: false })
    const res = await postRecords(round.code, t.tokens.evaluator, { visits: [{ id: 'nope', point: 'P1', at: '2026-01-05T09:00:00+08:00' }], photos: [] })
    const problem = expectProblem(res, 400, 'VALIDATION_FAILED')
    const errors = problem.errors ?? []
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'photos', message: expect.stringContaining('unknown record kind "photos"') }),
        expect.objectContaining({ path: 'visits[0].id' }),
      ]),
    )
  })

  it('adds the example data (evaluator, 200 with a summary); a retry adds nothing', async () => {
    const round = await createSampleRound(db(), { data: false })
    const res = await postRecords(round.code, t.tokens.evaluator, round.data)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ round: round.code, visits: { added: 5, unchanged: 0 }, findings: { added: 3, unchanged: 0 }, externalScores: 3, measures: 3, directScores: 3 })
    const retry = await postRecords(round.code, t.tokens.admin, round.data)
    expect(retry.statusCode).toBe(200)
    expect(retry.json()).toMatchObject({ visits: { added: 0, unchanged: 5 }, findings: { added: 0, unchanged: 3 } })
  })

  it('answers an id reused with other content with 409 naming the id', async () => {
    const round = await createSampleRound(db())
    const [first] = round.data.findings
    const changed = { findings: [{ ...first!, count: 4 }] }
    const problem = expectProblem(await postRecords(round.code, t.tokens.evaluator, changed), 409, 'CONFLICT')
    expect(problem.errors).toEqual([{ path: 'findings[0].id', message: expect.stringContaining(first!.id) }])
  })

  it('answers 404 for an unknown round and 403 for roles that may not enter data', async () => {
    const round = await createSampleRound(db(), { data: false })
    expectProblem(await postRecords('nosuch', t.tokens.evaluator, round.data), 404, 'NOT_FOUND')
    for (const role of ['leader', 'reviewer', 'unit'] as const) expectProblem(await postRecords(round.code, t.tokens[role], round.data), 403, 'FORBIDDEN')
  })
})

describe('the ranking over HTTP', () => {
  const TWO_DECIMALS = /^\d+\.\d{2}$/

  it('returns the SPEC §4.5 shape to admin, leader and reviewer, identically', async () => {
    const round = await createSampleRound(db())
    const bodies: string[] = []
    for (const role of ['admin', 'leader', 'reviewer'] as const) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${round.code}/ranking`, headers: bearer(t.tokens[role]) })
      expect(res.statusCode, `${role}: ${res.body}`).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      bodies.push(res.body)
    }
    expect(bodies[1]).toBe(bodies[0])
    expect(bodies[2]).toBe(bodies[0])

    const result = JSON.parse(bodies[0]!)
    expect(result).toMatchObject({ round: round.code, indicatorSet: 'sample-civility@2026.1', status: 'computed' })
    expect(result.groups).toHaveLength(1)
    const g = result.groups[0]
    expect(g).toMatchObject({ code: 'district', name: '县区' })
    for (const key of ['ranking', 'unranked', 'transfers', 'withheld', 'lists', 'selfCriticism']) expect(g, key).toHaveProperty(key)
    for (const u of g.ranking) {
      expect(u.total).toMatch(TWO_DECIMALS)
      for (const v of Object.values(u.components)) expect(v).toMatch(TWO_DECIMALS)
      expect(typeof u.rank).toBe('number')
      expect(typeof u.tied).toBe('boolean')
    }
    // Worked out by hand in test/services/records.test.ts.
    expect(g.ranking.map(({ unit, name, rank, tied, total, components, findings, visits, change }: Record<string, unknown>) => ({ unit, name, rank, tied, total, components, findings, visits, change }))).toEqual([
      { unit: 'c', name: '丙区', rank: 1, tied: false, total: '95.80', components: { field: '100.00', material: '80.00', survey: '92.00' }, findings: 0, visits: 1, change: 'new' },
      // findings = Σ count: one finding with count 2.
      { unit: 'a', name: '甲区', rank: 2, tied: false, total: '91.25', components: { field: '92.86', material: '85.00', survey: '90.00' }, findings: 2, visits: 2, change: 'new' },
      { unit: 'b', name: '乙区', rank: 3, tied: false, total: '83.28', components: { field: '78.57', material: '100.00', survey: '88.50' }, findings: 2, visits: 2, change: 'new' },
    ])
    expect(g.unranked).toEqual([{ unit: 'd', name: '丁区', reason: 'missing component field, material, survey' }])
    expect(g.transfers).toEqual([{ payer: 'b', payee: 'c', amount: '200000.00', rule: 0 }])
    expect(g.withheld).toEqual([])
    expect(g.lists).toEqual({ red: ['c'], black: ['b'] })
    expect(g.selfCriticism).toEqual(['b'])
  })

  it('refuses evaluator and unit roles (403) and answers 404 for an unknown round', async () => {
    const round = await createSampleRound(db())
    for (const role of ['evaluator', 'unit'] as const) {
      expectProblem(await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${round.code}/ranking`, headers: bearer(t.tokens[role]) }), 403, 'FORBIDDEN')
    }
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/rounds/nosuch/ranking', headers: bearer(t.tokens.leader) }), 404, 'NOT_FOUND')
  })
})
