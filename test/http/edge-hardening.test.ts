/**
 * The HTTP edge outside the record validator: every path parameter, query value and header is
 * read against a bounded schema, text no database can store (NUL, lone surrogates) is refused
 * anywhere in the URL or a JSON body before a handler runs, bodies that are not record batches
 * have length limits, malformed uploads and hostile YAML are 400s, and 4xx answers leave no
 * stack trace in the log. Behind all of it, a database "data exception" (SQLSTATE 22xxx) is a
 * 400 and a unique violation a 409, logged at warn without a stack.
 */
import fs from 'node:fs'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { units } from '../../src/db/schema/index.js'
import { buildApp } from '../../src/http/app.js'
import errors from '../../src/http/plugins/errors.js'
import { loadIndicatorSetText } from '../../src/services/indicator-sets.js'
import { loadRound, transitionRound } from '../../src/services/rounds.js'
import { createUser } from '../../src/services/users.js'
import { createTestDatabase, engineName, tempDir, type TestDatabase } from '../helpers/db.js'
import { sampleData, sampleFixture } from '../helpers/sample-round.js'

const actor = { id: null, name: 'test' }
const ROUND = '2026-01'

/** A log written as JSON lines into memory. */
function memoryLog(): { stream: Writable; lines: () => Record<string, unknown>[]; clear: () => void } {
  let chunks: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk))
      done()
    },
  })
  return {
    stream,
    lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    clear: () => {
      chunks = []
    },
  }
}

const hasStack = (line: Record<string, unknown>): boolean => JSON.stringify(line).includes('"stack"')

let database: TestDatabase
let app: FastifyInstance
let admin: string
const log = memoryLog()

beforeAll(async () => {
  database = await createTestDatabase()
  app = await buildApp({ config: loadConfig({ CIVINDEX_DATA: tempDir(), LOG_LEVEL: 'info', CIVINDEX_SEED_SETS: '0' }), database: database.handle, logStream: log.stream })
  const db = database.handle.db
  admin = (await createUser(db, { name: '管理员', role: 'admin' }, actor)).token
  await loadIndicatorSetText(db, fs.readFileSync(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url), 'utf8'), actor)
  await loadRound(db, sampleFixture('sample-2026-01.yaml'), actor)
  await transitionRound(db, ROUND, 'open', actor)
  const records = await app.inject({ method: 'POST', url: `/api/v1/rounds/${ROUND}/records`, headers: { authorization: `Bearer ${admin}` }, payload: sampleData() })
  expect(records.statusCode, records.body).toBe(200)
})
afterAll(async () => {
  await app?.close()
  await database?.drop()
})

type Res = Awaited<ReturnType<FastifyInstance['inject']>>
const get = (url: string, token: string | null = admin) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} })
const send = (method: 'POST' | 'PATCH', url: string, payload: string | Buffer, type = 'application/json') =>
  app.inject({ method, url, headers: { authorization: `Bearer ${admin}`, 'content-type': type }, payload })

function expectProblem(res: Res, status: number, code?: string): { detail: string; errors?: { path: string; message: string }[] } {
  expect(res.statusCode, res.body).toBe(status)
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
  const body = res.json<{ code: string; detail: string; errors?: { path: string; message: string }[] }>()
  if (code) expect(body.code).toBe(code)
  expect(body.detail.length).toBeGreaterThan(0)
  return body
}

describe(`the HTTP edge (${engineName})`, () => {
  it('refuses a NUL in any path parameter with 400 naming it, with or without a token', async () => {
    expect(expectProblem(await get('/public/rounds/%00', null), 400, 'VALIDATION_FAILED').detail).toMatch(/params\.code .*NUL/)
    expect(expectProblem(await get('/public/rounds/2026-01/revisions/1%00', null), 400).detail).toMatch(/params\.revision/)
    for (const url of [
      '/api/v1/rounds/a%00b',
      '/api/v1/rounds/%00/ranking',
      '/api/v1/rounds/%00/findings',
      '/api/v1/rounds/%00/publications',
      '/api/v1/rounds/%00/report/pdf',
      '/api/v1/rounds/2026-01/report/p%00f',
      '/api/v1/indicator-sets/%00/2026.1',
      '/api/v1/indicator-sets/sample-civility/%00',
      '/api/v1/photos/%00',
      '/api/v1/imports/%00/errors.xlsx',
    ]) {
      expectProblem(await get(url), 400, 'VALIDATION_FAILED')
      expect((await get(url, null)).statusCode, url).toBeLessThan(500)
    }
    expectProblem(await send('POST', '/api/v1/rounds/%00/open', '{}'), 400)
  })

  it('refuses a finding id that only looks like a UUID as a bad request', async () => {
    expectProblem(await get(`/api/v1/findings/${'-'.repeat(36)}/history`), 400, 'VALIDATION_FAILED')
  })

  it('bounds numbers compared with int4 columns and offsets, and reads only plainly written numbers', async () => {
    expectProblem(await get('/public/rounds/2026-01/revisions/2147483648', null), 400, 'VALIDATION_FAILED')
    expectProblem(await get('/public/rounds/2026-01/revisions/2147483647', null), 404, 'NOT_FOUND')
    expectProblem(await get('/api/v1/rounds/2026-01/report/json?revision=2147483648'), 400, 'VALIDATION_FAILED')
    for (const revision of ['1.5', 'true', '0x1', '', '1e0', '-0']) expectProblem(await get(`/public/rounds/2026-01/revisions/${revision}`, null), 400)
    expect((await get(`/api/v1/rounds/${ROUND}/findings?offset=99999999999999999999`)).statusCode).toBe(400)
    expectProblem(await get(`/api/v1/rounds/${ROUND}/findings?limit=1.5`), 400, 'VALIDATION_FAILED')
    expectProblem(await get(`/api/v1/rounds/${ROUND}/ranking?credibility=1`), 400, 'VALIDATION_FAILED')
    expect((await get(`/api/v1/rounds/${ROUND}/findings?limit=2&offset=0`)).json<{ items: unknown[] }>().items).toHaveLength(2)
  })

  it('reads codes as the round file writes them: Chinese and dashes pass, spaces, "@" and control characters do not', async () => {
    expectProblem(await get(`/api/v1/rounds/${encodeURIComponent('二〇二六-01')}`), 404, 'NOT_FOUND')
    for (const code of ['a%20b', 'a@b', 'a%01b', 'x'.repeat(65)]) expectProblem(await get(`/api/v1/rounds/${code}`), 400, 'VALIDATION_FAILED')
    expectProblem(await get(`/api/v1/photos/${'0'.repeat(63)}g`), 400, 'VALIDATION_FAILED')
    expectProblem(await get(`/api/v1/photos/${'A'.repeat(64)}`), 404, 'NOT_FOUND')
  })

  it('answers undecodable percent-encoding and NUL in the query string with a problem', async () => {
    for (const url of ['/api/v1/rounds/%ff', '/public/rounds/%ED%A0%80', '/public/rounds/%C0%80']) expectProblem(await get(url, null), 400, 'BAD_URL')
    expectProblem(await get(`/api/v1/rounds/${ROUND}?x=a%00`), 400, 'VALIDATION_FAILED')
    expectProblem(await get(`/api/v1/rounds/${ROUND}?%00=1`), 400, 'VALIDATION_FAILED')
    expectProblem(await get(`/public/rounds/${'x'.repeat(10_000)}`, null), 414, 'BAD_URL')
  })

  it('refuses NUL and lone surrogates anywhere in a JSON body, naming the field, and stores nothing', async () => {
    const users = async () => (await get('/api/v1/users')).json<unknown[]>().length
    const before = await users()
    expect(expectProblem(await send('POST', '/api/v1/users', JSON.stringify({ name: 'a\u0000b', role: 'evaluator' })), 400, 'VALIDATION_FAILED').errors).toEqual([
      { path: 'name', message: expect.stringMatching(/NUL/) },
    ])
    expect(expectProblem(await send('POST', '/api/v1/users', JSON.stringify({ name: '单位', role: 'unit', unit: 'x\u0000' })), 400).errors?.[0]?.path).toBe('unit')
    expect(expectProblem(await send('POST', '/api/v1/users', '{"name":"\\ud800","role":"evaluator"}'), 400).errors?.[0]?.message).toMatch(/lone surrogate/)
    expectProblem(await send('POST', '/api/v1/users', '{"name":"x","role":"evaluator","\\u0000":1}'), 400)
    // Every such text is listed, as the record validator lists every problem.
    const both = expectProblem(await send('POST', '/api/v1/users', '{"name":"a\\u0000","role":"unit","unit":"\\udc00"}'), 400)
    expect(both.errors?.map((e) => e.path)).toEqual(['name', 'unit'])
    expect(expectProblem(await send('POST', `/api/v1/rounds/${ROUND}/records`, JSON.stringify({ externalScores: [{ unit: 'a', component: 'survey', value: '9\u00000' }] })), 400).errors?.[0]?.path).toBe(
      'externalScores[0].value',
    )
    expect(await users()).toBe(before)
    // Escaped text that only looks like an escape, and emoji, are text like any other.
    expect((await send('POST', '/api/v1/users', JSON.stringify({ name: '\\u0000 测评员😀', role: 'evaluator' }))).statusCode).toBe(201)
  })

  it('limits the text fields of bodies that are not record batches', async () => {
    expectProblem(await send('POST', '/api/v1/users', JSON.stringify({ name: 'x'.repeat(101), role: 'evaluator' })), 400, 'VALIDATION_FAILED')
    expectProblem(await send('POST', '/api/v1/users', JSON.stringify({ name: '单位', role: 'unit', unit: 'a b' })), 400, 'VALIDATION_FAILED')
    expectProblem(await send('POST', `/api/v1/rounds/${ROUND}/correct`, JSON.stringify({ reason: 'x'.repeat(2001) })), 400, 'VALIDATION_FAILED')
    const round = sampleFixture('sample-2026-01.yaml').replace(/^code: .*$/m, 'code: "edge-2"')
    const long = expectProblem(await send('POST', '/api/v1/rounds', round.replace(/^name: .*$/m, `name: ${'长'.repeat(201)}`), 'application/yaml'), 400)
    expect(long.errors).toEqual([expect.objectContaining({ path: 'name', message: expect.stringMatching(/at most 200/) })])
  })

  it('refuses NUL, lone surrogates and alias bombs in round files and indicator sets, with the line', async () => {
    const round = sampleFixture('sample-2026-01.yaml').replace(/^code: .*$/m, 'code: "edge-3"')
    const nul = expectProblem(await send('POST', '/api/v1/rounds', round.replace(/^name: .*$/m, 'name: "第1次\\0测评"'), 'application/yaml'), 400, 'VALIDATION_FAILED')
    expect(nul.errors).toEqual([{ path: '', message: expect.stringMatching(/NUL/), line: 3 }])
    expectProblem(await send('POST', '/api/v1/rounds', round.replace(/^name: .*$/m, 'name: "\\uD800"'), 'application/yaml'), 400, 'VALIDATION_FAILED')
    expectProblem(await send('POST', '/api/v1/rounds', round.replace(/^code: .*$/m, 'code: "a\\u0001b"'), 'application/yaml'), 400, 'VALIDATION_FAILED')
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n')
    for (const url of ['/api/v1/rounds', '/api/v1/indicator-sets']) expect(expectProblem(await send('POST', url, bomb, 'application/yaml'), 400).errors?.[0]?.message).toMatch(/alias/i)
    expectProblem(await send('POST', '/api/v1/indicator-sets', 'code: "x"\nversion: "1"\nname: "a\\0"\ncomponents: []', 'application/yaml'), 400, 'INDICATOR_SET_INVALID')
  })

  it('answers a malformed multipart upload with 400', async () => {
    for (const url of ['/api/v1/photos', `/api/v1/rounds/${ROUND}/import`]) {
      expectProblem(await send('POST', url, Buffer.from('{"a":1}'), 'multipart/form-data'), 400, 'VALIDATION_FAILED')
      expectProblem(await send('POST', url, Buffer.from('--x\r\nContent-Disposition: form-data; name="file"; filename="f.png"\r\n\r\n\x89PNG'), 'multipart/form-data; boundary=x'), 400)
    }
  })

  it('logs no stack for client errors', async () => {
    log.clear()
    const answers = [
      await get('/public/rounds/%00', null),
      await get('/public/rounds/%ff', null),
      await get(`/api/v1/rounds/${ROUND}/findings?offset=99999999999999999999`),
      await send('POST', '/api/v1/users', '{"name":'),
      await send('POST', '/api/v1/photos', Buffer.from('x'), 'multipart/form-data'),
    ]
    expect(answers.map((a) => a.statusCode)).toEqual([400, 400, 400, 400, 400])
    const lines = log.lines()
    expect(lines.filter((l) => l.msg === 'request completed').length).toBeGreaterThanOrEqual(4)
    expect(lines.filter(hasStack)).toEqual([])
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([])
  })
})

describe(`database errors that reach the error handler (${engineName})`, () => {
  let mini: FastifyInstance
  const miniLog = memoryLog()
  beforeAll(async () => {
    mini = Fastify({ logger: { level: 'info', stream: miniLog.stream } })
    await mini.register(errors)
    const db = database.handle.db
    mini.get('/int4', async () => db.execute(sql`select ${'2147483648'}::int4 as n`))
    mini.get('/nul', async () => db.execute(sql`select ${'a\u0000b'}::text as t`))
    mini.get('/uuid', async () => db.execute(sql`select ${'-'.repeat(36)}::uuid as u`))
    mini.get('/date', async () => db.execute(sql`select ${'2026-13-45'}::date as d`))
    mini.get('/unique', async () => {
      await db.insert(units).values({ code: 'edge-twice', name: '重复' }).onConflictDoNothing()
      return db.insert(units).values({ code: 'edge-twice', name: '重复' })
    })
    mini.get('/bug', async () => {
      throw new Error('a bug')
    })
    await mini.ready()
  })
  afterAll(async () => mini?.close())

  it('answers a value the database refuses as data with 400 INVALID_VALUE, logged at warn without a stack', async () => {
    for (const [url, state] of [
      ['/int4', '22003'],
      ['/nul', '22021'],
      ['/uuid', '22P02'],
      ['/date', '22008'],
    ] as const) {
      miniLog.clear()
      const res = await mini.inject({ method: 'GET', url })
      expectProblem(res, 400, 'INVALID_VALUE')
      const warned = miniLog.lines().filter((l) => l.level === 40)
      expect(warned, url).toEqual([expect.objectContaining({ sqlState: state })])
      expect(miniLog.lines().filter(hasStack)).toEqual([])
    }
  })

  it('answers a unique violation with 409 CONFLICT, logged at warn without a stack', async () => {
    miniLog.clear()
    expectProblem(await mini.inject({ method: 'GET', url: '/unique' }), 409, 'CONFLICT')
    expect(miniLog.lines().filter((l) => l.level === 40)).toEqual([expect.objectContaining({ sqlState: '23505' })])
    expect(miniLog.lines().filter(hasStack)).toEqual([])
  })

  it('still answers a bug with 500 and logs its stack', async () => {
    miniLog.clear()
    const res = await mini.inject({ method: 'GET', url: '/bug' })
    expectProblem(res, 500, 'INTERNAL')
    expect(res.body).not.toContain('a bug')
    const errorsLogged = miniLog.lines().filter((l) => l.level === 50)
    expect(errorsLogged).toHaveLength(1)
    expect(hasStack(errorsLogged[0]!)).toBe(true)
  })
})
