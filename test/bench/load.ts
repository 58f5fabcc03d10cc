/**
 * `npm run bench load`: several `civindex serve` processes on one PostgreSQL database, as behind
 * one address. Writers post batches of findings with their visits (10 new visits of 5 findings,
 * as a device sends a visit with its findings), round robin over the servers, while readers read
 * the round's ranking (a preview during fieldwork: computed from the findings each time). Every
 * request is timed from the client; every answer must be 200.
 *
 * BENCH_LOAD_SECONDS (60), BENCH_LOAD_SERVERS (4), BENCH_LOAD_WRITERS (50), BENCH_LOAD_READERS
 * (5), BENCH_LOAD_FINDINGS per batch (50). Requests go out with Node's fetch (undici, kept-alive
 * connections).
 */
import { randomUUID } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { openDatabase } from '../../src/db/client.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { createUser } from '../../src/services/users.js'
import { createPostgresDatabase } from '../helpers/db.js'
import { killChildren } from '../helpers/process.js'
import { startServer, stopServers, type Server } from '../helpers/servers.js'
import { generateRound } from './generate.js'

const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 60)
const SERVERS = Number(process.env.BENCH_LOAD_SERVERS ?? 4)
const WRITERS = Number(process.env.BENCH_LOAD_WRITERS ?? 50)
const READERS = Number(process.env.BENCH_LOAD_READERS ?? 5)
const FINDINGS = Number(process.env.BENCH_LOAD_FINDINGS ?? 50)
const PER_VISIT = 5

/** The q-quantile of ascending values (nearest rank). */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

function summary(label: string, latencies: number[], errors: number, seconds: number): string {
  const sorted = [...latencies].sort((a, b) => a - b)
  const ms = (q: number) => `${quantile(sorted, q).toFixed(1)} ms`
  return `${label}: ${latencies.length} requests (${(latencies.length / seconds).toFixed(1)}/s), ${errors} errors, latency p50 ${ms(0.5)}, p95 ${ms(0.95)}, p99 ${ms(0.99)}`
}

export async function run(): Promise<void> {
  const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const pg = await createPostgresDatabase(base)
  const servers: Server[] = []
  try {
    // The round, its indicator set and users, stored directly; the servers then find a migrated
    // database with users (no first administrator) and do not load the bundled sets.
    const handle = await openDatabase({ databaseUrl: pg.url, dataDir: '' })
    let code: string
    let points: { code: string; type: string }[]
    const standardsOf = new Map<string, string[]>()
    let writer: string
    let reader: string
    try {
      code = await generateRound(handle.db, { units: 60, groups: 3, standards: 200, visits: 0, findings: 0 })
      points = await queryRows<{ code: string; type: string }>(
        handle.db,
        sql`select p.code, p.point_type as type from points p join round_members m on m.unit_id = p.unit_id join rounds r on r.id = m.round_id where r.code = ${code}`,
      )
      for (const s of await queryRows<{ code: string; point_types: string[] }>(handle.db, sql`select code, point_types from indicator_nodes where kind = 'standard'`))
        for (const t of s.point_types) (standardsOf.get(t) ?? standardsOf.set(t, []).get(t)!).push(s.code)
      writer = (await createUser(handle.db, { name: '基准测评员', role: 'evaluator' }, { id: null, name: 'bench' })).token
      reader = (await createUser(handle.db, { name: '基准领导', role: 'leader' }, { id: null, name: 'bench' })).token
    } finally {
      await handle.close()
    }
    for (let i = 0; i < SERVERS; i++) servers.push(await startServer({ DATABASE_URL: pg.url, CIVINDEX_SEED_SETS: '0' }))

    let next = 0
    const target = (): string => servers[next++ % servers.length]!.base
    const batch = (): string => {
      const visits = []
      const findings = []
      for (let v = 0; v < FINDINGS / PER_VISIT; v++) {
        const point = points[Math.floor(Math.random() * points.length)]!
        const options = standardsOf.get(point.type)!
        const visit = randomUUID()
        visits.push({ id: visit, point: point.code, at: '2026-01-12T10:00:00+08:00', evaluator: 'e01' })
        for (let f = 0; f < PER_VISIT; f++)
          findings.push({ id: randomUUID(), visit, standard: options[Math.floor(Math.random() * options.length)]!, count: 1 + (f % 3), note: '南门处地面存在垃圾' })
      }
      return JSON.stringify({ visits, findings })
    }

    const writes: number[] = []
    const reads: number[] = []
    const failures: string[] = []
    let writeErrors = 0
    let readErrors = 0
    const fail = (what: string): void => {
      if (failures.length < 5) failures.push(what)
    }
    const start = performance.now()
    const end = start + SECONDS * 1000
    const writers = Array.from({ length: WRITERS }, async () => {
      while (performance.now() < end) {
        const body = batch()
        const sent = performance.now()
        try {
          const res = await fetch(`${target()}/api/v1/rounds/${code}/records`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body })
          const text = await res.text()
          if (res.status === 200) writes.push(performance.now() - sent)
          else {
            writeErrors++
            fail(`batch: ${res.status} ${text.slice(0, 300)}`)
          }
        } catch (error) {
          writeErrors++
          fail(`batch: ${String(error)}`)
        }
      }
    })
    const readers = Array.from({ length: READERS }, async () => {
      while (performance.now() < end) {
        const sent = performance.now()
        try {
          const res = await fetch(`${target()}/api/v1/rounds/${code}/ranking`, { headers: { authorization: `Bearer ${reader}` } })
          const text = await res.text()
          if (res.status === 200) reads.push(performance.now() - sent)
          else {
            readErrors++
            fail(`ranking: ${res.status} ${text.slice(0, 300)}`)
          }
        } catch (error) {
          readErrors++
          fail(`ranking: ${String(error)}`)
        }
      }
    })
    await Promise.all([...writers, ...readers])
    const seconds = (performance.now() - start) / 1000

    const check = await openDatabase({ databaseUrl: pg.url, dataDir: '', migrate: false })
    let stored: number
    try {
      const [row] = await queryRows<{ n: unknown }>(check.db, sql`select count(*) as n from findings`)
      stored = toCount(row!.n)
    } finally {
      await check.close()
    }
    console.log(`${SERVERS} servers on one PostgreSQL database, ${WRITERS} writers (batches of ${FINDINGS} findings with their ${FINDINGS / PER_VISIT} visits) and ${READERS} ranking readers, round robin, ${seconds.toFixed(1)} s`)
    console.log(summary('batches ', writes, writeErrors, seconds))
    console.log(summary('rankings', reads, readErrors, seconds))
    console.log(`findings stored: ${stored} (${Math.round(stored / seconds)}/s), expected ${writes.length * FINDINGS}`)
    for (const f of failures) console.log(`  ${f}`)
    if (writeErrors + readErrors > 0) throw new Error(`${writeErrors + readErrors} requests failed`)
    if (stored !== writes.length * FINDINGS) throw new Error(`the database holds ${stored} findings; the answered batches sent ${writes.length * FINDINGS}`)
  } finally {
    await stopServers(servers).catch(() => undefined)
    await killChildren()
    await pg.dropDatabase()
  }
}
