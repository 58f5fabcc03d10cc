/**
 * Publication over HTTP: publish and correct are the office's (admin), documents download for
 * office and leaders, and the public page needs no token but shows only published revisions.
 * Every test makes its own round (test/helpers/factories.ts), so the tests run alone and in any order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../../src/domain/canonical-json.js'
import { publishRound } from '../../src/services/publication.js'
import { transitionRound } from '../../src/services/rounds.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName } from '../helpers/db.js'
import { createSampleRound, type SampleRound } from '../helpers/factories.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => t?.close())

const actor = { id: null, name: 'test' }
const get = (url: string, token?: string) => t.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} })
const post = (url: string, token: string, payload: Record<string, unknown> = {}) => t.app.inject({ method: 'POST', url, headers: bearer(token), payload })

/** The sample round with its records, fieldwork closed. */
async function reviewedRound(): Promise<SampleRound> {
  const round = await createSampleRound(t.database.handle.db)
  await transitionRound(t.database.handle.db, round.code, 'close', actor)
  return round
}

/** The sample round published once (revision 1). */
async function publishedRound(): Promise<SampleRound> {
  const round = await reviewedRound()
  await publishRound(t.database.handle.db, round.code, actor, { replicates: 200 })
  return round
}

describe(`publication over HTTP (${engineName})`, () => {
  it('keeps an unpublished round off the public page and out of the documents', async () => {
    const { code } = await createSampleRound(t.database.handle.db)
    expect((await get(`/public/rounds/${code}`)).statusCode).toBe(404)
    expect((await get('/public/rounds/no-such-round')).statusCode).toBe(404)
    expect((await get(`/api/v1/rounds/${code}/report/pdf`, t.tokens.leader)).statusCode).toBe(404)
    // Publishing needs the review state.
    const early = await post(`/api/v1/rounds/${code}/publish`, t.tokens.admin)
    expect(early.statusCode).toBe(409)
  })

  it('publishes for the office only, then serves every format with the snapshot hash', async () => {
    const { code } = await reviewedRound()
    expect((await post(`/api/v1/rounds/${code}/publish`, t.tokens.leader)).statusCode).toBe(403)
    const res = await post(`/api/v1/rounds/${code}/publish`, t.tokens.admin, { replicates: 200 })
    expect(res.statusCode).toBe(200)
    const published = res.json<{ revision: number; hash: string }>()
    expect(published.revision).toBe(1)

    const json = await get(`/api/v1/rounds/${code}/report/json`, t.tokens.leader)
    expect(json.statusCode).toBe(200)
    expect(sha256Hex(json.body)).toBe(published.hash)
    for (const [format, type, magic] of [
      ['pdf', /application\/pdf/, '%PDF'],
      ['xlsx', /spreadsheetml/, 'PK'],
      ['html', /text\/html/, '<!'],
    ] as const) {
      const doc = await get(`/api/v1/rounds/${code}/report/${format}`, t.tokens.admin)
      expect(doc.statusCode, format).toBe(200)
      expect(doc.headers['content-type']).toMatch(type)
      expect(doc.headers['x-snapshot-sha256']).toBe(published.hash)
      expect(doc.rawPayload.subarray(0, magic.length).toString().toUpperCase()).toBe(magic.toUpperCase())
    }
    expect((await get(`/api/v1/rounds/${code}/report/docx`, t.tokens.admin)).statusCode).toBe(404)
    expect((await get(`/api/v1/rounds/${code}/report/pdf`, t.tokens.evaluator)).statusCode).toBe(403)
  })

  it('serves the public page without a token, with every ranked unit and the hash', async () => {
    const { code } = await publishedRound()
    const page = await get(`/public/rounds/${code}`)
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/text\/html/)
    for (const name of ['甲区', '乙区', '丙区']) expect(page.body).toContain(name)
    expect(page.body).toContain(page.headers['x-snapshot-sha256'] as string)
    expect((await get(`/public/rounds/${code}/revisions/2`)).statusCode).toBe(404)
  })

  it('refuses writes to the published round, corrects with a reason and publishes revision 2', async () => {
    const { code } = await publishedRound()
    const write = await post(`/api/v1/rounds/${code}/records`, t.tokens.admin, { externalScores: [{ unit: 'a', component: 'survey', value: '50' }] })
    expect(write.statusCode).toBe(409)
    expect((await post(`/api/v1/rounds/${code}/correct`, t.tokens.admin, {})).statusCode).toBe(400)
    const correct = await post(`/api/v1/rounds/${code}/correct`, t.tokens.admin, { reason: '甲区问卷调查得分有误' })
    expect(correct.statusCode).toBe(200)
    expect((await post(`/api/v1/rounds/${code}/records`, t.tokens.admin, { externalScores: [{ unit: 'a', component: 'survey', value: '50' }] })).statusCode).toBe(200)
    const second = await post(`/api/v1/rounds/${code}/publish`, t.tokens.admin, { replicates: 200 })
    expect(second.json()).toMatchObject({ revision: 2, reason: '甲区问卷调查得分有误' })
    const list = await get(`/api/v1/rounds/${code}/publications`, t.tokens.reviewer)
    expect(list.json<{ revision: number }[]>().map((p) => p.revision)).toEqual([1, 2])
    // Both revisions stay public and downloadable, each with its own hash.
    const one = await get(`/public/rounds/${code}/revisions/1`)
    const two = await get(`/public/rounds/${code}`)
    expect(one.statusCode).toBe(200)
    expect(one.headers['x-snapshot-sha256']).not.toBe(two.headers['x-snapshot-sha256'])
    expect(two.body).toContain('甲区问卷调查得分有误')
    const old = await get(`/api/v1/rounds/${code}/report/json?revision=1`, t.tokens.leader)
    expect(sha256Hex(old.body)).toBe(one.headers['x-snapshot-sha256'])
  })
})
