/**
 * GET /metrics (issue #13): Prometheus text format with requests counted under their route
 * pattern (never the raw path), the records-per-batch histogram, the credibility worker pool's
 * gauges and the database gauge; answered to loopback clients only unless a token is configured,
 * and absent when switched off. Several apps in one process keep their own registries.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import { loadConfig } from '../../src/config.js'
import { buildApp } from '../../src/http/app.js'
import { credibilityPool } from '../../src/services/credibility-pool.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName, tempDir } from '../helpers/db.js'
import { loadSampleRound, SAMPLE_ROUND, sampleData } from '../helpers/sample-round.js'

let t: TestApp
const others: FastifyInstance[] = []
beforeAll(async () => {
  t = await createTestApp()
  await loadSampleRound(t.database.handle.db, { data: false })
})
afterAll(async () => {
  for (const app of others) await app.close()
  await t?.close()
})

const scrape = async (app: FastifyInstance = t.app): Promise<string> => {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  expect(res.statusCode, res.body).toBe(200)
  return res.body
}

/** The value of one sample: `name{labels} value`, labels written as Prometheus writes them. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const head = labels === '' ? `${name} ` : `${name}{${labels}} `
  const line = text.split('\n').find((l) => l.startsWith(head))
  return line === undefined ? undefined : Number(line.slice(head.length))
}

async function otherApp(env: Record<string, string>): Promise<FastifyInstance> {
  const app = await buildApp({ config: loadConfig({ CIVINDEX_DATA: tempDir(), LOG_LEVEL: 'silent', CIVINDEX_SEED_SETS: '0', ...env }), database: t.database.handle, logger: false })
  others.push(app)
  return app
}

async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 30_000) throw new Error('gave up waiting')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('GET /metrics', () => {
  it('answers in the Prometheus text format, counting requests under their route pattern', async () => {
    const random = randomBytes(8).toString('hex')
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/rounds/r-${random}`, headers: bearer(t.tokens.admin) })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/rounds/r-${random}` })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'GET', url: `/no-such-route/${random}` })).statusCode).toBe(404)

    const res = await t.app.inject({ method: 'GET', url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = res.body
    expect(text).toContain('# TYPE http_request_duration_seconds histogram')
    expect(sample(text, 'http_request_duration_seconds_count', 'method="GET",route="/api/v1/rounds/:code",status_code="404"')).toBe(1)
    expect(sample(text, 'http_request_duration_seconds_count', 'method="GET",route="/api/v1/rounds/:code",status_code="401"')).toBe(1)
    expect(sample(text, 'http_request_duration_seconds_count', 'method="GET",route="__unmatched__",status_code="404"')).toBe(1)
    // Latency buckets, and no trace of the raw paths.
    expect(sample(text, 'http_request_duration_seconds_bucket', 'le="60",method="GET",route="/api/v1/rounds/:code",status_code="404"')).toBe(1)
    expect(text).not.toContain(random)
    // The process's own metrics (event-loop lag among them) come along.
    expect(text).toContain('nodejs_eventloop_lag_seconds')
  })

  it('observes the records per batch of POST /api/v1/rounds/:code/records', async () => {
    const before = await scrape()
    expect(sample(before, 'civindex_records_per_batch_count')).toBe(0)
    const visits = sampleData().visits!.slice(0, 3)
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${SAMPLE_ROUND}/records`, headers: bearer(t.tokens.evaluator), payload: { visits } })
    expect(res.statusCode, res.body).toBe(200)
    const text = await scrape()
    expect(sample(text, 'civindex_records_per_batch_count')).toBe(1)
    expect(sample(text, 'civindex_records_per_batch_sum')).toBe(3)
    expect(sample(text, 'civindex_records_per_batch_bucket', 'le="1"')).toBe(0)
    expect(sample(text, 'civindex_records_per_batch_bucket', 'le="10"')).toBe(1)
  })

  it('shows the credibility workers busy while an analysis runs, and the queue', async () => {
    const idle = await scrape()
    expect(sample(idle, 'civindex_credibility_queue_length')).toBe(0)
    expect(sample(idle, 'civindex_credibility_workers_busy')).toBe(0)
    expect(sample(idle, 'civindex_credibility_workers_max')).toBe(credibilityPool().stats().size)

    let done = false
    const pending = t.app
      .inject({ method: 'GET', url: `/api/v1/rounds/${SAMPLE_ROUND}/ranking?credibility=true&replicates=10000`, headers: bearer(t.tokens.admin) })
      .then((res) => {
        done = true
        return res
      })
    await until(() => credibilityPool().stats().busy > 0 || done)
    const during = await scrape()
    expect(done).toBe(false)
    expect(sample(during, 'civindex_credibility_workers_busy')).toBe(1)
    expect(sample(during, 'civindex_credibility_queue_length')).toBe(0)
    expect((await pending).statusCode).toBe(200)
    expect(sample(await scrape(), 'civindex_credibility_workers_busy')).toBe(0)
  })

  it('shows the database statements in flight (and the open connections on PostgreSQL)', async () => {
    const inFlight = async (): Promise<number | undefined> => sample(await scrape(), 'civindex_db_in_flight', `engine="${engineName}"`)
    expect(await inFlight()).toBe(0)
    // A transaction held open counts while it lasts, and no longer.
    let release = (): void => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    let opened = false
    const transaction = t.database.handle.db.transaction(async (tx) => {
      await tx.execute(sql`select 1`)
      opened = true
      await held
    })
    await until(() => opened)
    expect(await inFlight()).toBe(1)
    release()
    await transaction
    expect(await inFlight()).toBe(0)
    const text = await scrape()
    if (engineName === 'postgres') expect(sample(text, 'civindex_db_connections_open')).toBeGreaterThanOrEqual(1)
    else expect(sample(text, 'civindex_db_connections_open')).toBeUndefined()
  })

  it('answers loopback clients only without a token, and asks for the token when one is set', async () => {
    const remote = await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' })
    expect(remote.statusCode).toBe(403)
    expect(remote.json()).toMatchObject({ code: 'FORBIDDEN' })
    expect((await t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' })).statusCode).toBe(200)

    const token = 'scrape-token-0123456789'
    const guarded = await otherApp({ CIVINDEX_METRICS_TOKEN: token })
    expect((await guarded.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401)
    expect((await guarded.inject({ method: 'GET', url: '/metrics', headers: bearer('scrape-token-wrong-6789') })).statusCode).toBe(401)
    const ok = await guarded.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3', headers: bearer(token) })
    expect(ok.statusCode).toBe(200)
    // Its own registry: the first app's requests are not counted here.
    expect(sample(ok.body, 'civindex_records_per_batch_count')).toBe(0)
    expect(ok.body).not.toContain('route="/api/v1/rounds/:code"')

    const off = await otherApp({ CIVINDEX_METRICS: '0' })
    expect((await off.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404)
  })
})
