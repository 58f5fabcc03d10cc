/**
 * Prometheus metrics at GET /metrics, for the IT staff's Prometheus (README, Configuration).
 *
 * - http_request_duration_seconds{method, route, status_code}: a histogram per route pattern
 *   (fastify-metrics), so `/api/v1/rounds/<anything>` is one series whatever the client puts in
 *   the path; requests that match no route share route="__unmatched__". Its _count is the
 *   request counter.
 * - civindex_records_per_batch: records per POST /api/v1/rounds/:code/records batch that passed
 *   authentication (refused ones too: a client sending oversized batches shows here).
 * - civindex_credibility_*: the credibility worker pool (queued jobs, busy workers, the most
 *   workers, jobs refused because the pool was full).
 * - civindex_db_in_flight{engine}, civindex_db_connections_open: src/db/activity.ts.
 * - process_* and nodejs_* (prom-client's defaults, event-loop lag among them): one registry for
 *   the process, collected once, served with every app's own.
 *
 * Each app has its own registry: tests build several apps in one process, and prom-client's
 * global registry refuses a metric name twice.
 *
 * Access: with CIVINDEX_METRICS_TOKEN set, a request needs `Authorization: Bearer <token>`; without
 * it, only clients on the loopback interface are answered (403 otherwise). CIVINDEX_METRICS=0
 * removes the route.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import fastifyMetricsModule from 'fastify-metrics'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { FastifyRequest } from 'fastify'
import { DomainError } from '../../domain/errors.js'
import { credibilityPool } from '../../services/credibility-pool.js'

// fastify-metrics is CommonJS with `exports.default`: Node's import gives the exports object, while
// vitest hands over the plugin itself.
const fastifyMetrics = (fastifyMetricsModule.default as typeof fastifyMetricsModule.default | undefined) ?? (fastifyMetricsModule as unknown as typeof fastifyMetricsModule.default)

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const BATCH_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000]
const RECORDS_ROUTE = '/api/v1/rounds/:code/records'
const RECORD_KINDS = ['visits', 'findings', 'externalScores', 'measures', 'directScores'] as const

let processRegistry: Registry | null = null

/** Process-wide metrics (CPU, memory, event-loop lag, GC): one set per process, however many apps. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.')
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

function recordsInBatch(body: unknown): number {
  if (typeof body !== 'object' || body === null) return 0
  const record = body as Record<string, unknown>
  return RECORD_KINDS.reduce((n, kind) => n + (Array.isArray(record[kind]) ? record[kind].length : 0), 0)
}

export default fp(
  async (app) => {
    const registry = new Registry()

    await app.register(fastifyMetrics, {
      endpoint: null,
      defaultMetrics: { enabled: false },
      routeMetrics: {
        enabled: { histogram: true, summary: false },
        registeredRoutesOnly: false,
        invalidRouteGroup: '__unmatched__',
        overrides: {
          histogram: { buckets: LATENCY_BUCKETS, registers: [registry] },
          // Built even when disabled; kept out of every registry.
          summary: { registers: [] },
        },
      },
    })

    const batches = new Histogram({ name: 'civindex_records_per_batch', help: 'Records per batch posted to POST /api/v1/rounds/:code/records', buckets: BATCH_BUCKETS, registers: [registry] })
    app.addHook('preHandler', async (request) => {
      if (request.method === 'POST' && request.routeOptions.url === RECORDS_ROUTE) batches.observe(recordsInBatch(request.body))
    })

    const pool = (): ReturnType<ReturnType<typeof credibilityPool>['stats']> => credibilityPool().stats()
    new Gauge({
      name: 'civindex_credibility_queue_length',
      help: 'Credibility analyses waiting for a worker',
      registers: [registry],
      collect() {
        this.set(pool().queued)
      },
    })
    new Gauge({
      name: 'civindex_credibility_workers_busy',
      help: 'Credibility workers running an analysis',
      registers: [registry],
      collect() {
        this.set(pool().busy)
      },
    })
    new Gauge({
      name: 'civindex_credibility_workers_max',
      help: 'The most credibility workers this process runs at once',
      registers: [registry],
      collect() {
        this.set(pool().size)
      },
    })
    new Counter({
      name: 'civindex_credibility_refused_total',
      help: 'Credibility analyses refused (503 CREDIBILITY_BUSY) because the workers were busy and the queue full',
      registers: [registry],
      collect() {
        this.reset()
        this.inc(pool().refused)
      },
    })
    new Gauge({
      name: 'civindex_db_in_flight',
      help: 'Database statements and transactions started and not finished (waiting or running)',
      labelNames: ['engine'],
      registers: [registry],
      collect() {
        this.set({ engine: app.database.engine }, app.database.activity.inFlight)
      },
    })
    if (app.database.activity.connections !== null)
      new Gauge({
        name: 'civindex_db_connections_open',
        help: 'Connections open to PostgreSQL (the pool holds at most 10)',
        registers: [registry],
        collect() {
          this.set(app.database.activity.connections ?? 0)
        },
      })

    if (!app.config.metrics) return
    const token = app.config.metricsToken
    const guard = async (request: FastifyRequest): Promise<void> => {
      if (token === null) {
        if (!isLoopback(request.ip))
          throw new DomainError('FORBIDDEN', 'metrics are served to clients on this machine only; set CIVINDEX_METRICS_TOKEN to scrape them from another address')
        return
      }
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
      if (!match?.[1] || !timingSafeEqual(digest(match[1]), digest(token))) throw new DomainError('UNAUTHORIZED', 'send "Authorization: Bearer <CIVINDEX_METRICS_TOKEN>"')
    }

    app.get(
      '/metrics',
      {
        config: { access: 'public', disableMetrics: true },
        logLevel: 'warn',
        schema: { hide: true },
        onRequest: guard,
      },
      async (_request, reply) => {
        const merged = Registry.merge([registry, processMetrics()])
        return reply.type(merged.contentType).send(await merged.metrics())
      },
    )
  },
  { name: 'metrics', dependencies: ['config', 'database', 'errors'] },
)
