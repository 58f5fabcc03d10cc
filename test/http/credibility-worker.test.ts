/**
 * Issue #13, one request stalling the server: the replicates of the credibility analysis are
 * bounded (ranking and publication refuse more than MAX_REPLICATES with 400 before any work), and
 * the analysis runs in a worker thread, so /healthz is answered while a long analysis is under
 * way (asserted as order: the health answer arrives before the ranking's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_REPLICATES } from '../../src/domain/credibility/index.js'
import { credibilityPool } from '../../src/services/credibility-pool.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { loadSampleRound, SAMPLE_ROUND } from '../helpers/sample-round.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
  await loadSampleRound(t.database.handle.db)
})
afterAll(async () => t?.close())

const ranking = (query: string) => t.app.inject({ method: 'GET', url: `/api/v1/rounds/${SAMPLE_ROUND}/ranking?${query}`, headers: bearer(t.tokens.admin) })

/** Waits, a few milliseconds at a time, until `done()` holds (at most 30 s). */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 30_000) throw new Error('gave up waiting')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('credibility analysis off the event loop', () => {
  it('refuses more replicates than MAX_REPLICATES, on the ranking and on publication, with 400', async () => {
    expect(MAX_REPLICATES).toBe(10_000)
    const res = await ranking(`credibility=true&replicates=${MAX_REPLICATES + 1}`)
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/)
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: expect.stringContaining('replicates') as unknown }] })

    const publish = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${SAMPLE_ROUND}/publish`, headers: bearer(t.tokens.admin), payload: { replicates: 100_000 } })
    expect(publish.statusCode).toBe(400)
    expect(publish.json()).toMatchObject({ code: 'VALIDATION_FAILED' })
  })

  it('answers /healthz while an analysis of MAX_REPLICATES replicates runs', async () => {
    let rankingDone = false
    const pending = ranking(`credibility=true&replicates=${MAX_REPLICATES}`).then((res) => {
      rankingDone = true
      return res
    })
    // The analysis has reached the worker pool (or, run on the event loop, has already finished).
    await until(() => credibilityPool().stats().busy > 0 || rankingDone)
    expect(rankingDone, 'the ranking finished before its analysis was seen running: it ran on the event loop').toBe(false)

    const health = await t.app.inject({ method: 'GET', url: '/healthz' })
    expect(health.statusCode).toBe(200)
    expect(rankingDone, '/healthz waited for the analysis').toBe(false)

    const res = await pending
    expect(res.statusCode).toBe(200)
    const body = res.json<{ groups: { credibility: { replicates: number } }[] }>()
    expect(body.groups.map((g) => g.credibility.replicates)).toEqual(body.groups.map(() => MAX_REPLICATES))
    expect(credibilityPool().stats()).toMatchObject({ busy: 0, queued: 0 })
  })
})
