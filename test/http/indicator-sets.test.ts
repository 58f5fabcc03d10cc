import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { loadSampleSet, uniqueCode } from '../helpers/factories.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => t?.close())

// A loaded set version never changes, and sets are listed for everyone: every test loads sets under
// codes of its own (test/helpers/factories.ts), so the tests run alone and in any order.
const sample = fs.readFileSync(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url), 'utf8')
/** The sample set's content under another code. */
const sampleAs = (code: string): string => {
  expect(sample).toContain('code: sample-civility\n')
  return sample.replace('code: sample-civility\n', `code: ${code}\n`)
}
const yamlHeaders = (token: string) => ({ ...bearer(token), 'content-type': 'application/yaml' })

function minimalSet(code: string, version: string, text = '路面无垃圾'): string {
  return `code: ${code}
version: "${version}"
name: 接口测试体系
components:
  - { code: field, name: 实地考察, weight: 0.85, source: findings }
  - { code: survey, name: 问卷调查, weight: 0.15, source: external }
pointTypes: [{ code: road, name: 主次干道 }]
indicators:
  - code: "01"
    name: 公共环境
    component: field
    pointTypes: [road]
    children:
      - { code: "01-01", text: ${text}, points: 2, rule: { kind: deduct, per: 0.5 } }
`
}

describe('indicator sets over HTTP', () => {
  it('loads a YAML set (201), then reports an identical reload as unchanged (200)', async () => {
    const code = uniqueCode('sample')
    const text = sampleAs(code)
    const first = await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: text })
    expect(first.statusCode).toBe(201)
    expect(first.json()).toMatchObject({ status: 'created', set: { ref: `${code}@2026.1`, standards: 10, indicators: 9 } })
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: text })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ status: 'unchanged', set: { contentHash: first.json().set.contentHash } })
  })

  it('refuses other content under a loaded version (409) and keeps the stored one', async () => {
    const code = uniqueCode('api-test')
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: minimalSet(code, '1') })
    expect(created.statusCode).toBe(201)
    const changed = await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: minimalSet(code, '1', '路面无积水') })
    expect(changed.statusCode).toBe(409)
    expect(changed.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(changed.json()).toMatchObject({ code: 'INDICATOR_SET_IMMUTABLE', status: 409 })
    const stored = await t.app.inject({ method: 'GET', url: `/api/v1/indicator-sets/${code}/1`, headers: bearer(t.tokens.leader) })
    expect(stored.json().contentHash).toBe(created.json().set.contentHash)
    expect(stored.json().definition.indicators[0].children[0].text).toBe('路面无垃圾')
    // A new version is the way to change it.
    const v2 = await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: minimalSet(code, '2', '路面无积水') })
    expect(v2.statusCode).toBe(201)
  })

  it('takes a JSON body without passing numbers through binary floats', async () => {
    const code = uniqueCode('json-set')
    const body = `{"code":"${code}","version":"1","name":"JSON体系",
      "components":[{"code":"field","name":"实地考察","weight":0.7,"source":"findings"},{"code":"survey","name":"问卷","weight":0.1,"source":"external"},{"code":"m","name":"材料","weight":0.2,"source":"findings"}],
      "pointTypes":[{"code":"road","name":"主次干道"}],
      "indicators":[{"code":"01","name":"环境","component":"field","pointTypes":["road"],"children":[{"code":"01-01","text":"无垃圾","points":0.30,"rule":{"kind":"deduct","per":0.1}}]},
                    {"code":"02","name":"材料","component":"m","children":[{"code":"02-01","text":"台账","points":3,"rule":{"kind":"direct"}}]}]}`
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: { ...bearer(t.tokens.admin), 'content-type': 'application/json' }, payload: body })
    expect(res.statusCode).toBe(201)
    // 0.7 + 0.1 + 0.2 is 0.9999999999999999 in binary floating point; here it is exactly 1.
    expect(res.json().set.components.map((c: { weight: string }) => c.weight)).toEqual(['0.7', '0.1', '0.2'])
    const tree = await t.app.inject({ method: 'GET', url: `/api/v1/indicator-sets/${code}/1`, headers: bearer(t.tokens.evaluator) })
    expect(tree.json().definition.indicators[0].children[0]).toMatchObject({ points: '0.3', rule: { kind: 'deduct', per: '0.1', scope: 'point' } })
  })

  it('answers an invalid set with 400 and every problem, storing nothing', async () => {
    const code = uniqueCode('api-test')
    const bad = minimalSet(code, 'bad').replace('weight: 0.85', 'weight: 0.8').replace('per: 0.5', 'per: 3').replace('pointTypes: [road]', 'pointTypes: [road, mall]')
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: bad })
    expect(res.statusCode).toBe(400)
    const problem = res.json()
    expect(problem.code).toBe('INDICATOR_SET_INVALID')
    const paths = problem.errors.map((e: { path: string }) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['components', 'indicators[0].pointTypes[1]', 'indicators[0].children[0].rule.per']))
    expect(problem.errors.every((e: { line?: number }) => typeof e.line === 'number')).toBe(true)
    const missing = await t.app.inject({ method: 'GET', url: `/api/v1/indicator-sets/${code}/bad`, headers: bearer(t.tokens.admin) })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toMatchObject({ code: 'INDICATOR_SET_NOT_FOUND' })
  })

  it('answers unreadable text with 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: 'code: [unclosed\n  - x: {' })
    expect(res.statusCode).toBe(400)
    expect(res.json().errors[0].message).toMatch(/not readable as YAML or JSON/)
  })

  it('lists sets with their components for every role', async () => {
    await loadSampleSet(t.database.handle.db)
    const code = uniqueCode('api-test')
    for (const version of ['1', '2']) expect((await t.app.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: minimalSet(code, version) })).statusCode).toBe(201)
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/indicator-sets', headers: bearer(t.tokens.unit) })
    expect(res.statusCode).toBe(200)
    const refs = res.json().map((s: { ref: string }) => s.ref)
    expect(refs).toEqual(expect.arrayContaining(['sample-civility@2026.1', `${code}@1`, `${code}@2`]))
    const sampleSet = res.json().find((s: { ref: string }) => s.ref === 'sample-civility@2026.1')
    expect(sampleSet.components).toEqual([
      { code: 'field', name: '实地考察', weight: '0.7', source: 'findings' },
      { code: 'material', name: '材料审核', weight: '0.15', source: 'findings' },
      { code: 'survey', name: '问卷调查', weight: '0.15', source: 'external' },
    ])
  })

  it('flattens the tree into indicator nodes with parents, inherited point types and file order', async () => {
    const { indicatorNodes, indicatorSets } = await import('../../src/db/schema/index.js')
    const { and, asc, eq } = await import('drizzle-orm')
    const db = t.database.handle.db
    await loadSampleSet(db)
    const [set] = await db.select({ id: indicatorSets.id }).from(indicatorSets).where(and(eq(indicatorSets.code, 'sample-civility'), eq(indicatorSets.version, '2026.1')))
    const nodes = await db.select().from(indicatorNodes).where(eq(indicatorNodes.setId, set!.id)).orderBy(asc(indicatorNodes.ordinal))
    expect(nodes).toHaveLength(19)
    expect(nodes[0]).toMatchObject({ code: '01', kind: 'indicator', parentId: null, depth: 0, topCode: '01', points: '10' })
    const byCode = new Map(nodes.map((n) => [n.code, n]))
    const leaf = byCode.get('01-02-02')!
    expect(leaf).toMatchObject({ kind: 'standard', ruleKind: 'deduct', points: '2', topCode: '01', depth: 2, pointTypes: ['road', 'alley'] })
    expect(leaf.parentId).toBe(byCode.get('01-02')!.id)
    expect(byCode.get('04-01-01')).toMatchObject({ ruleKind: 'measure', pointTypes: [], component: 'material' })
  })
})

describe('HTTP errors and documentation', () => {
  it('serves health without a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({ status: 'ok', database: 'ok', engine: t.database.handle.engine })
  })

  it('serves the OpenAPI document at /docs with the routes and bearer security', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' })
    expect(res.statusCode).toBe(200)
    const doc = res.json()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/indicator-sets', '/api/v1/indicator-sets/{code}/{version}', '/api/v1/users', '/healthz']))
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    const ui = await t.app.inject({ method: 'GET', url: '/docs' })
    expect([200, 302]).toContain(ui.statusCode)
  })

  it('answers an unknown route with a 404 problem', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', status: 404 })
  })

  it('answers broken JSON with a 400 problem and schema violations with every field', async () => {
    const broken = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: { ...bearer(t.tokens.admin), 'content-type': 'application/json' }, payload: '{"name": "x", ' })
    expect(broken.statusCode).toBe(400)
    expect(broken.json()).toMatchObject({ code: 'MALFORMED_BODY' })
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.tokens.admin), payload: { name: '', role: 'king', extra: 1 } })
    expect(wrong.statusCode).toBe(400)
    expect(wrong.json().code).toBe('VALIDATION_FAILED')
    const paths = wrong.json().errors.map((e: { path: string }) => e.path)
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.role']))
  })

  it('answers an oversized body with 413 and keeps serving', async () => {
    const { loadConfig } = await import('../../src/config.js')
    const { buildApp } = await import('../../src/http/app.js')
    const small = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', CIVINDEX_BODY_LIMIT: '2048' }), database: t.database.handle, logger: false })
    try {
      const res = await small.inject({ method: 'POST', url: '/api/v1/indicator-sets', headers: yamlHeaders(t.tokens.admin), payload: sample })
      expect(res.statusCode).toBe(413)
      expect(res.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
      expect((await small.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    } finally {
      await small.close()
    }
  })
})

describe('users over HTTP', () => {
  it('creates a user whose token works once shown, and lists users without tokens', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.tokens.admin), payload: { name: '李四', role: 'reviewer' } })
    expect(res.statusCode).toBe(201)
    const { token } = res.json()
    expect(token).toMatch(/^civ_[A-Za-z0-9_-]{43}$/)
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })
    expect(me.json()).toMatchObject({ name: '李四', role: 'reviewer', unit: null })
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(t.tokens.admin) })
    expect(list.json().some((u: { name: string }) => u.name === '李四')).toBe(true)
    expect(JSON.stringify(list.json())).not.toContain('civ_')
  })

  it('requires a known unit for the unit role', async () => {
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.tokens.admin), payload: { name: '单位', role: 'unit' } })
    expect(none.statusCode).toBe(400)
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.tokens.admin), payload: { name: '单位', role: 'unit', unit: 'nowhere' } })
    expect(unknown.statusCode).toBe(404)
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.tokens.admin), payload: { name: '单位', role: 'unit', unit: 'test-unit' } })
    expect(ok.statusCode).toBe(201)
  })
})
