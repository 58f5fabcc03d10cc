/**
 * Malformed requests against every operation of the server's own OpenAPI document: odd path
 * parameters, query values and headers, broken or hostile bodies (wrong types, NUL and lone
 * surrogates, numbers past int4, int8 and float range, 1 MB strings, 10,000 levels of nesting,
 * wrong content types), each with the admin token and with none. Nothing may answer 5xx, and
 * every 4xx must be application/problem+json with a `code` and a `detail`.
 *
 * Deterministic: a fixed catalogue of malformations for every operation, then a fast-check
 * run with a fixed seed. A failure lists each request (method, URL, token, body excerpt) with
 * the status and the problem it got, so it can be replayed by hand.
 *
 * Real data comes first, so handlers get past "not found": an indicator set, a round in
 * fieldwork with visits, findings and a photo, a published round, and a draft round that the
 * lifecycle operations (open, close, publish, correct) may move.
 */
import fs from 'node:fs'
import http from 'node:http'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIndicatorSetText } from '../../src/services/indicator-sets.js'
import { loadRound, transitionRound } from '../../src/services/rounds.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName } from '../helpers/db.js'
import { sampleData, sampleFixture } from '../helpers/sample-round.js'

const SEED = 20_260_113
const actor = { id: null, name: 'fuzz' }
const ROUND_TEXT = sampleFixture('sample-2026-01.yaml')
const SET_TEXT = fs.readFileSync(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url), 'utf8')
const OPEN = '2026-01'
const PUBLISHED = 'fz-published'
const LIFECYCLE = 'fz-lifecycle'
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('fuzz photo')])
const PHOTO = createHash('sha256').update(PNG).digest('hex')
const VISIT = '00000000-0000-4000-8000-000000000001'
const FINDING = '10000000-0000-4000-8000-000000000001'

let t: TestApp
let operations: { method: string; path: string; query: string[] }[] = []

const roundText = (code: string): string => ROUND_TEXT.replace(/^code: .*$/m, `code: "${code}"`)

beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.handle.db
  await loadIndicatorSetText(db, SET_TEXT, actor)
  for (const code of [OPEN, PUBLISHED, LIFECYCLE]) await loadRound(db, roundText(code), actor)
  for (const code of [OPEN, PUBLISHED]) {
    await transitionRound(db, code, 'open', actor)
    // Visit and finding ids are global: the published round gets its own.
    const data = code === OPEN ? JSON.stringify(sampleData()) : JSON.stringify(sampleData()).replace(/"([01])0000000-/g, '"$1a000000-')
    const records = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${code}/records`, headers: { ...bearer(t.tokens.admin), 'content-type': 'application/json' }, payload: data })
    expect(records.statusCode, records.body).toBe(200)
  }
  const photo = await t.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { ...bearer(t.tokens.admin), ...multipart(PNG).headers }, payload: multipart(PNG).payload })
  expect(photo.statusCode, photo.body).toBe(201)
  await transitionRound(db, PUBLISHED, 'close', actor)
  const published = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${PUBLISHED}/publish`, headers: bearer(t.tokens.admin), payload: { replicates: 20 } })
  expect(published.statusCode, published.body).toBe(200)

  const doc = t.app.swagger() as { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> }
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name) })),
  )
}, 120_000)
afterAll(async () => t?.close())

function multipart(file: Buffer, options: { field?: string; filename?: string; boundary?: string } = {}): { payload: Buffer; headers: Record<string, string> } {
  const boundary = options.boundary ?? '----civindex-fuzz'
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${options.field ?? 'file'}"; filename="${options.filename ?? 'f.png'}"\r\nContent-Type: image/png\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** A value every path parameter accepts, so the other parts of a request reach the handler. */
function validParam(path: string, name: string): string {
  if (name === 'code' && path.startsWith('/api/v1/indicator-sets')) return 'sample-civility'
  if (name === 'version') return '2026.1'
  if (name === 'code') return /\/(open|close|publish|correct)$/.test(path) ? LIFECYCLE : /public|report|publications/.test(path) ? PUBLISHED : OPEN
  if (name === 'hash') return PHOTO
  if (name === 'id') return path.startsWith('/api/v1/imports') ? '0'.repeat(24) : FINDING
  if (name === 'format') return 'json'
  if (name === 'revision') return '1'
  if (name === 'group') return 'district'
  throw new Error(`no valid value for the path parameter ${name} of ${path}: add one`)
}

const paramNames = (path: string): string[] => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)

function url(path: string, values: Record<string, string> = {}, query = ''): string {
  return path.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? validParam(path, name)) + query
}

const ODD_PATH_VALUES = [
  '%00',
  'a%00b',
  '..%2f..%2fetc%2fpasswd',
  '..',
  'x'.repeat(10_000),
  '%ff',
  '%ED%A0%80', // a lone surrogate, UTF-8 encoded
  '%C0%80', // an overlong NUL
  '%F0%9F%98', // a cut emoji
  encodeURIComponent('😀'),
  encodeURIComponent('甲区 @'),
  '%E2%80%AE', // right-to-left override
  'a%0Ab',
  '%20',
  '-1',
  '0',
  '-0',
  '2147483648',
  '9223372036854775808',
  '99999999999999999999',
  '1e309',
  'NaN',
  '1.5',
]

const ODD_QUERY_VALUES = ['', '%00', '%ff', '%ED%A0%80', '-1', '-0', '0', '1.5', 'NaN', '1e309', '2147483648', '9223372036854775808', '99999999999999999999', 'true', 'x'.repeat(10_000)]

/** Raw JSON text that JSON.stringify cannot write: put in place of a marker string. */
const DEEP_ARRAY = '['.repeat(10_000) + ']'.repeat(10_000)
const DEEP_OBJECT = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)
const RAW = { overflow: '1e309', negativeOverflow: '-1e309', pastInt8: '99999999999999999999', deepArray: DEEP_ARRAY, deepObject: DEEP_OBJECT, longFraction: '0.' + '1'.repeat(5000) }
const rawMarker = (name: keyof typeof RAW): string => `\u0001raw:${name}\u0001`
function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0001raw:(\w+)\\u0001"/g, (_m, name: keyof typeof RAW) => RAW[name])
}

/**
 * TEMPORARY, to be emptied: 5xx the suite found in the reading of record batches
 * (src/domain/records/parse.ts), which is being fixed there. Each entry is an operation and an
 * odd value of NEVER_VALID that is not sent to it; every other malformation is still sent.
 */
/** Odd values some field might take (an empty or emoji text, a number at a type's edge): tried in one field at a time. */
const MAYBE_VALID: unknown[] = ['', ' ', '😀', 'NaN', '-0', '1e309', '2147483648', '99999999999999999999', 2 ** 31, 2 ** 63, -1, -0, 1.5, null, true]

/** Values no field takes: put in every field of a body (and of its first record) at once. */
const NEVER_VALID: unknown[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  'x'.repeat(1_000_000),
  [],
  {},
  ['\u0000'],
  { '\u0000': 1 },
  { __proto__: null, constructor: { prototype: { polluted: true } } },
  ...(Object.keys(RAW) as (keyof typeof RAW)[]).map(rawMarker),
]

const BROKEN_JSON = ['', '{', '{"a":', '[1,', '"', 'nul', '{"a":1}}', '{"a":1,}', "{'a':1}", '\uFEFF{}', '{"a":"\\x"}', '{"a":"\\ud800"}', '"\\u0000"', '{"\\u0000":1}', 'null', '0', '-0', '1e309', '"x"', '[]', 'true', '{}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', DEEP_ARRAY, DEEP_OBJECT, JSON.stringify('x'.repeat(1_000_000))]

const WRONG_CONTENT_TYPES = ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/yaml', 'image/png', 'application/json-patch+json']

let serial = 0
/** A fresh UUID per request (deterministic), so a mutated record is new, not a retry of an earlier one. */
function uuid(): string {
  serial += 1
  return `f0000000-0000-4000-8000-${serial.toString(16).padStart(12, '0')}`
}

/** A valid body for each JSON operation; each field is then replaced by each odd value. */
function validBodies(method: string, path: string): Record<string, unknown>[] {
  const key = `${method} ${path}`
  if (key === 'POST /api/v1/users') return [{ name: '模糊测试', role: 'evaluator' }, { name: '单位', role: 'unit', unit: 'a' }]
  if (key === 'POST /api/v1/findings/{id}/review') return [{ decision: 'reject', reason: '照片不清' }]
  if (key === 'PATCH /api/v1/findings/{id}') return [{ standard: '01-01-01', count: 2, deduction: '0.5', note: '改', photos: [PHOTO], reason: '更正' }]
  if (key === 'POST /api/v1/rounds/{code}/publish') return [{ replicates: 20 }]
  if (key === 'POST /api/v1/rounds/{code}/correct') return [{ reason: '更正' }]
  if (key === 'POST /api/v1/rounds/{code}/records') {
    const visit = { id: uuid(), point: 'P1', at: '2026-01-10T10:00:00+08:00', evaluator: 'e01', lat: '30.5', lng: '117.05', note: '巡查' }
    return [
      { visits: [visit] },
      { findings: [{ id: uuid(), visit: VISIT, standard: '01-01-01', count: 1, deduction: '0.5', note: '占道经营', evaluator: 'e01', at: '2026-01-05T09:20:00+08:00', lat: '30.5', lng: '117.05', photos: [PHOTO] }] },
      { externalScores: [{ unit: 'a', component: 'survey', value: '90' }] },
      { measures: [{ unit: 'a', standard: '04-01-01', value: '3' }] },
      { directScores: [{ unit: 'a', standard: '04-01-02', value: '5', note: '材料齐全' }] },
    ]
  }
  return [{}]
}

/** Every body with one field (at the first level, or of the first record) replaced by `odd`. */
function mutations(body: Record<string, unknown>): { where: string; build: (odd: unknown) => Record<string, unknown> }[] {
  const out: { where: string; build: (odd: unknown) => Record<string, unknown> }[] = []
  for (const [name, value] of Object.entries(body)) {
    out.push({ where: name, build: (odd) => ({ ...body, [name]: odd }) })
    const first: unknown = Array.isArray(value) ? value[0] : undefined
    if (typeof first === 'object' && first !== null) {
      for (const field of Object.keys(first)) {
        out.push({
          where: `${name}[0].${field}`,
          build: (odd) => ({ ...body, [name]: [{ ...(first as Record<string, unknown>), ...('id' in first ? { id: uuid() } : {}), [field]: odd }] }),
        })
      }
    }
  }
  out.push({ where: '(extra field)', build: (odd) => ({ ...body, 'extra\u0000': odd }) })
  return out
}

/** The body with every field, and every field of its records, replaced by `odd` (a record list itself kept). */
function everyField(body: Record<string, unknown>, odd: unknown): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(body).map(([name, value]) => {
      const first: unknown = Array.isArray(value) ? value[0] : undefined
      if (typeof first !== 'object' || first === null) return [name, odd]
      return [name, [Object.fromEntries(Object.keys(first).map((field) => [field, odd]))]]
    }),
  )
}

interface Sent {
  description: string
  status: number
  problem: string
}

const failures: Sent[] = []

function describeRequest(options: InjectOptions, token: string): string {
  const raw = options.payload
  const payload = raw === undefined ? '' : typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('latin1') : JSON.stringify(raw)
  const excerpt = payload.length > 120 ? `${payload.slice(0, 100)}… (${payload.length} chars)` : payload
  const u = typeof options.url === 'string' ? options.url : JSON.stringify(options.url)
  const shownUrl = u.length > 160 ? `${u.slice(0, 140)}… (${u.length} chars)` : u
  const type = (options.headers as Record<string, string> | undefined)?.['content-type']
  return `${options.method} ${shownUrl} [${token}]${type ? ` (${type})` : ''}${excerpt ? ` ${JSON.stringify(excerpt)}` : ''}`
}

/** Sends a request as admin and without a token; records each answer that breaks the rules. */
async function probe(options: InjectOptions, tokens: readonly ('admin' | 'none')[] = ['admin', 'none']): Promise<void> {
  for (const token of tokens) {
    const headers = { ...(options.headers as Record<string, string> | undefined), ...(token === 'admin' ? bearer(t.tokens.admin) : {}) }
    const request = { ...options, headers }
    const description = describeRequest(request, token)
    const res = await t.app.inject(request)
    if (res.statusCode >= 500) {
      failures.push({ description, status: res.statusCode, problem: res.body.slice(0, 300) })
    } else if (res.statusCode >= 400) {
      let body: { code?: unknown; detail?: unknown } = {}
      try {
        body = res.json()
      } catch {
        body = {}
      }
      const ok = /^application\/problem\+json/.test(String(res.headers['content-type'])) && typeof body.code === 'string' && body.code !== '' && typeof body.detail === 'string' && body.detail !== ''
      if (!ok) failures.push({ description, status: res.statusCode, problem: `not a problem+json with code and detail: ${String(res.headers['content-type'])} ${res.body.slice(0, 200)}` })
    }
  }
}

function takeFailures(): string[] {
  const list = failures.splice(0).map((f) => `${f.status} ← ${f.description}\n      ${f.problem}`)
  return [...new Set(list)]
}

const hasBody = (method: string): boolean => method === 'POST' || method === 'PATCH' || method === 'PUT'
const TEXT_BODY = new Set(['POST /api/v1/rounds', 'POST /api/v1/indicator-sets'])
const MULTIPART = new Set(['POST /api/v1/photos', 'POST /api/v1/rounds/{code}/import'])

describe(`fuzzing every operation of the OpenAPI document (${engineName})`, () => {
  it('reads the operations from the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(29)
    for (const op of operations) for (const name of paramNames(op.path)) expect(() => validParam(op.path, name)).not.toThrow()
  })

  it('answers odd path parameters with a 4xx problem', async () => {
    for (const op of operations) {
      for (const name of paramNames(op.path)) {
        for (const odd of ODD_PATH_VALUES) {
          await probe({ method: op.method as InjectOptions['method'], url: url(op.path, { [name]: odd }), ...(hasBody(op.method) ? { payload: {} } : {}) })
        }
      }
    }
    expect(takeFailures()).toEqual([])
  })

  it('answers odd query values and headers with a 4xx problem', async () => {
    for (const op of operations) {
      const method = op.method as InjectOptions['method']
      for (const name of op.query) {
        for (const odd of ODD_QUERY_VALUES) await probe({ method, url: url(op.path, {}, `?${name}=${odd}`) })
        await probe({ method, url: url(op.path, {}, `?${name}=1&${name}=2`) })
      }
      // Undeclared parameters are ignored, unless they hold what no handler may see.
      await probe({ method, url: url(op.path, {}, '?zz=a%00b') })
      await probe({ method, url: url(op.path, {}, '?%00=1') })
      for (const authorization of ['Bearer', 'Bearer ', 'Basic YTpi', `Bearer civ_${'x'.repeat(10_000)}`, 'Bearer civ_ÿÿÿ', `Bearer ${t.tokens.admin} extra`]) {
        if (!isSendableHeader(authorization)) continue
        await probe({ method, url: url(op.path), headers: { authorization } }, ['none'])
      }
    }
    expect(takeFailures()).toEqual([])
  })

  it('answers broken and hostile JSON bodies and wrong content types with a 4xx problem', async () => {
    for (const op of operations.filter((o) => hasBody(o.method))) {
      const method = op.method as InjectOptions['method']
      const key = `${op.method} ${op.path}`
      for (const text of BROKEN_JSON) await probe({ method, url: url(op.path), headers: { 'content-type': 'application/json' }, payload: text })
      for (const type of WRONG_CONTENT_TYPES) await probe({ method, url: url(op.path), headers: { 'content-type': type }, payload: '{"a":1}' })
      if (TEXT_BODY.has(key) || MULTIPART.has(key)) continue
      const send = (body: Record<string, unknown>) => probe({ method, url: url(op.path), headers: { 'content-type': 'application/json' }, payload: toJsonText(body) }, ['admin'])
      for (const body of validBodies(op.method, op.path)) {
        for (const mutation of mutations(body)) for (const odd of MAYBE_VALID) await send(mutation.build(odd))
        for (const odd of NEVER_VALID) {
          await send(everyField(body, odd))
          await send({ ...body, 'extra\u0000': odd })
        }
      }
      await probe({ method, url: url(op.path), headers: { 'content-type': 'application/json' }, payload: toJsonText(validBodies(op.method, op.path)[0]) }, ['none'])
    }
    expect(takeFailures()).toEqual([])
  })

  it('answers hostile round files, indicator sets and uploads with a 4xx problem', async () => {
    const yamlCases = (text: string, field: RegExp): string[] => [
      text.replace(field, '$1"a\\0b"'),
      text.replace(field, '$1"\\uD800"'),
      text.replace(field, `$1${'x'.repeat(1_000_000)}`),
      text.replace(field, `$1${DEEP_ARRAY}`),
      text.replace(field, '$1[1e309, 99999999999999999999, -0, .nan, .inf]'),
      text.replace(field, '$1&a [*a]'),
    ]
    const roundBodies = [
      ...yamlCases(roundText('fz-yaml'), /^(name: ).*$/m),
      ...yamlCases(roundText('fz-yaml'), /^(code: ).*$/m),
      roundText('fz-yaml').replace('minGroupSize: 2', 'minGroupSize: 2147483648'),
      roundText('fz-yaml').replace('minGroupSize: 2', 'minGroupSize: 1e309'),
      roundText('fz-yaml').replace('top: 1', 'top: 99999999999999999999'),
      roundText('fz-yaml').replace('amount: "200000"', 'amount: "1e309"'),
      roundText('fz-yaml').replace('amount: "200000"', `amount: "${'9'.repeat(5000)}"`),
      roundText('fz-yaml').replace('from: "2026-01-01"', 'from: "99999-01-01"'),
      roundText('fz-yaml').replace(/type: market, unit: a/, 'type: market, unit: a, lat: "1e309", lng: "-0"'),
    ]
    const setBodies = [
      ...yamlCases(SET_TEXT.replace(/^version: .*$/m, 'version: "9.9"'), /^(name: ).*$/m),
      ...yamlCases(SET_TEXT.replace(/^version: .*$/m, 'version: "9.9"'), /^(code: ).*$/m),
      SET_TEXT.replace(/^version: .*$/m, 'version: "9.8"').replace(/points: "?2"?/, 'points: 1e309'),
      SET_TEXT.replace(/^version: .*$/m, 'version: "9.7"').replace(/points: "?2"?/, `points: "${'9'.repeat(5000)}"`),
    ]
    const laughs = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')
    const common = ['', ':', '- [', '{', 'null', '42', '[]', '"\\0"', laughs, DEEP_ARRAY, DEEP_OBJECT, '\t\u0000']
    for (const [path, bodies] of [
      ['/api/v1/rounds', [...roundBodies, ...common]],
      ['/api/v1/indicator-sets', [...setBodies, ...common]],
    ] as const) {
      for (const payload of bodies) for (const type of ['application/yaml', 'application/json']) await probe({ method: 'POST', url: path, headers: { 'content-type': type }, payload }, ['admin'])
    }

    for (const path of [`/api/v1/photos`, `/api/v1/rounds/${OPEN}/import`]) {
      const uploads = [
        multipart(PNG, { filename: 'a\u0000.png' }),
        multipart(PNG, { field: 'f\u0000' }),
        multipart(Buffer.alloc(0)),
        multipart(Buffer.from('PK\u0003\u0004 not a zip')),
        multipart(Buffer.from('%PDF-1.7')),
        { payload: Buffer.from('--x\r\nnot a part\r\n--x--\r\n'), headers: { 'content-type': 'multipart/form-data; boundary=x' } },
        { payload: Buffer.from('no boundary'), headers: { 'content-type': 'multipart/form-data' } },
        { payload: Buffer.from(`--${'b'.repeat(100)}\r\n`), headers: { 'content-type': `multipart/form-data; boundary=${'b'.repeat(100)}` } },
      ]
      for (const upload of uploads) await probe({ method: 'POST', url: path, headers: upload.headers, payload: upload.payload })
    }
    expect(takeFailures()).toEqual([])
  })

  it('answers random malformed requests with a 4xx problem or a success (fast-check, fixed seed)', async () => {
    const oddString = fc.oneof(fc.string(), fc.constantFrom('\u0000', '\ud800', 'x\udc00y', '😀', '%00', '..%2f', '-0', 'NaN', '1e309', '2147483648'))
    const oddJson = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        oddString,
        fc.integer(),
        fc.double(),
        fc.constantFrom(2 ** 31, 2 ** 63, -0, null, true, false),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(oddString, tie('value'), { maxKeys: 4 }),
      ),
    })).value
    const pathValue = fc.oneof(fc.constant(null), fc.constantFrom(...ODD_PATH_VALUES.filter((v) => v.length < 100)), fc.string({ maxLength: 20 }).map(encodeURIComponent))
    await fc.assert(
      fc.asyncProperty(fc.nat(), pathValue, fc.option(fc.tuple(fc.string({ maxLength: 8 }), oddString)), oddJson, fc.boolean(), async (which, param, query, body, asText) => {
        const op = operations[which % operations.length]!
        // An operation without parameters or body has nothing to malform but its query: sent
        // as admin it would just run (a backup, say), so it is sent without a token.
        const bare = paramNames(op.path).length === 0 && op.query.length === 0 && !hasBody(op.method)
        const names = paramNames(op.path)
        const values = param !== null && names.length > 0 ? { [names[which % names.length]!]: param } : {}
        const q = query ? `?${encodeOdd(query[0] || 'q')}=${encodeOdd(query[1])}` : ''
        const payload = hasBody(op.method) ? (asText ? JSON.stringify(body) : JSON.stringify({ ...validBodies(op.method, op.path)[0], odd: body })) : undefined
        await probe({ method: op.method as InjectOptions['method'], url: url(op.path, values, q), ...(payload !== undefined ? { payload, headers: { 'content-type': 'application/json' } } : {}) }, [which % 2 === 0 && !bare ? 'admin' : 'none'])
      }),
      { seed: SEED, numRuns: 300 },
    )
    expect(takeFailures()).toEqual([])
  })

  it('keeps serving afterwards', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    expect((await t.app.inject({ method: 'GET', url: `/public/rounds/${PUBLISHED}` })).statusCode).toBe(200)
  })
})

/** Percent-encodes any text, a lone surrogate as its (invalid) UTF-8 bytes, which encodeURIComponent refuses. */
function encodeOdd(text: string): string {
  return text
    .split(/([\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/)
    .map((part, i) => (i % 2 === 1 ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('')
}

function isSendableHeader(value: string): boolean {
  try {
    http.validateHeaderValue('authorization', value)
    return true
  } catch {
    return false
  }
}
