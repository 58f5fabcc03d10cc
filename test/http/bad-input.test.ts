/**
 * Bad input over HTTP never crashes anything: broken or truncated JSON, bodies of the wrong type
 * or size, batches over the cap, oversized or foreign uploads. Each gets a clear problem+json
 * answer, the server keeps answering, and nothing of the refused input is stored. Every test
 * posts to a round of its own (test/helpers/factories.ts) and counts only that round's rows.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_BATCH } from '../../src/http/routes/rounds.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName } from '../helpers/db.js'
import { createSampleRound, roundRowCounts } from '../helpers/factories.js'

const BODY_LIMIT = 2 * 1024 * 1024
let t: TestApp
beforeAll(async () => {
  t = await createTestApp({ CIVINDEX_BODY_LIMIT: String(BODY_LIMIT) })
})
afterAll(async () => t?.close())

/** A round in fieldwork without records, a good batch for it with fresh ids, and ways to post and count. */
async function freshRound() {
  const round = await createSampleRound(t.database.handle.db, { data: false })
  const visit = randomUUID()
  const finding = () => ({ id: randomUUID(), visit, standard: '01-01-01', count: 1, note: '占道经营' })
  return {
    code: round.code,
    finding,
    goodBatch: { visits: [{ id: visit, point: 'P1', at: '2026-01-10T10:00:00+08:00', evaluator: 'e01' }], findings: [finding()] },
    post: (payload: string | Buffer, contentType = 'application/json') =>
      t.app.inject({ method: 'POST', url: `/api/v1/rounds/${round.code}/records`, headers: { ...bearer(t.tokens.evaluator), 'content-type': contentType }, payload }),
    stored: async (): Promise<{ visits: number; findings: number }> => {
      const counts = await roundRowCounts(t.database.handle.db, round.code)
      return { visits: counts.visits, findings: counts.findings }
    },
  }
}

type Post = Awaited<ReturnType<typeof freshRound>>['post']

function expectProblem(res: Awaited<ReturnType<Post>>, status: number, detail?: RegExp): void {
  expect(res.statusCode).toBe(status)
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/)
  const body = res.json<{ status: number; title: string; detail?: string }>()
  expect(body.status).toBe(status)
  expect(body.title.length).toBeGreaterThan(0)
  if (detail) expect(body.detail).toMatch(detail)
}

describe(`bad input over HTTP (${engineName})`, () => {
  it('answers JSON cut off at any point with 400, storing nothing', async () => {
    const { goodBatch, post, stored } = await freshRound()
    const text = JSON.stringify(goodBatch)
    for (const cut of [1, 10, Math.floor(text.length / 2), text.length - 1]) expectProblem(await post(text.slice(0, cut)), 400)
    expectProblem(await post('{"visits": [,]}'), 400)
    expectProblem(await post(''), 400)
    expect(await stored()).toEqual({ visits: 0, findings: 0 })
  })

  it('answers a body that is not an object of record lists with 400', async () => {
    const { post, stored } = await freshRound()
    for (const body of ['[]', '"visits"', '42', 'null', '{"visits": "P1"}', '{"findings": {"id": 1}}']) {
      const res = await post(body)
      expectProblem(res, 400)
    }
    expect(await stored()).toEqual({ visits: 0, findings: 0 })
  })

  it('answers a body of another media type with 415', async () => {
    const { post } = await freshRound()
    expectProblem(await post('id,visit\n1,2\n', 'text/csv'), 415)
  })

  it(`refuses a batch of more than ${MAX_BATCH} records with 413 naming the cap, storing none of it`, async () => {
    const { finding, goodBatch, post, stored } = await freshRound()
    const findings = Array.from({ length: MAX_BATCH }, () => finding())
    const res = await post(JSON.stringify({ visits: goodBatch.visits, findings }))
    expectProblem(res, 413, new RegExp(`${MAX_BATCH + 1} records; at most ${MAX_BATCH}`))
    expect(await stored()).toEqual({ visits: 0, findings: 0 })
  })

  it('refuses a body over the configured limit with 413', async () => {
    const { finding, goodBatch, post, stored } = await freshRound()
    const notes = 'x'.repeat(BODY_LIMIT)
    expectProblem(await post(JSON.stringify({ ...goodBatch, findings: [{ ...finding(), note: notes }] })), 413)
    expect(await stored()).toEqual({ visits: 0, findings: 0 })
  })

  it('refuses an oversized workbook upload with 413 and a foreign file with 400', async () => {
    const { code, stored } = await freshRound()
    const boundary = '----civindex-bad'
    const upload = (file: Buffer) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/rounds/${code}/import`,
        headers: { ...bearer(t.tokens.evaluator), 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n`),
          file,
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]),
      })
    const big = await upload(Buffer.alloc(BODY_LIMIT + 1024, 0x50))
    expect(big.statusCode).toBe(413)
    const foreign = await upload(Buffer.from('%PDF-1.7 not a workbook'))
    expect(foreign.statusCode).toBe(400)
    expect(await stored()).toEqual({ visits: 0, findings: 0 })
  })

  it('keeps serving after all of it, and takes a good batch', async () => {
    const { goodBatch, post, stored } = await freshRound()
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
    const res = await post(JSON.stringify(goodBatch))
    expect(res.statusCode).toBe(200)
    expect(await stored()).toEqual({ visits: 1, findings: 1 })
  })
})
