/**
 * Budget (issue 4): ingesting 200,000 findings through the batch API, in batches of 5,000 over
 * HTTP, on PostgreSQL, at ≥ 40% of the rows per second of a raw COPY of the same rows into a
 * scratch table, measured in the same run. Visits are generated first (not timed).
 */
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { sql } from 'drizzle-orm'
import { loadConfig } from '../../src/config.js'
import { openDatabase } from '../../src/db/client.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { buildApp } from '../../src/http/app.js'
import { createUser } from '../../src/services/users.js'
import { createPostgresDatabase } from '../helpers/db.js'
import { generateRound } from './generate.js'

const TOTAL = Number(process.env.BENCH_INGEST_ROWS ?? 200_000)
const BATCH = 5_000
const CONCURRENCY = Number(process.env.BENCH_INGEST_CLIENTS ?? 2)

export async function run(): Promise<void> {
  const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const pg = await createPostgresDatabase(base)
  const handle = await openDatabase({ databaseUrl: pg.url, dataDir: '' })
  try {
    const code = await generateRound(handle.db, { units: 200, groups: 4, standards: 500, visits: 40_000, findings: 0 })
    const visitRows = await queryRows<{ id: string; point_type: string; round_id: unknown; unit_id: unknown }>(handle.db, sql`select id, point_type, round_id, unit_id from visits`)
    const stdRows = await queryRows<{ id: unknown; code: string; point_types: string[] }>(handle.db, sql`select id, code, point_types from indicator_nodes where kind = 'standard'`)
    const byType = new Map<string, { id: number; code: string }[]>()
    for (const s of stdRows) for (const t of s.point_types) (byType.get(t) ?? byType.set(t, []).get(t)!).push({ id: toCount(s.id), code: s.code })

    const rows = Array.from({ length: TOTAL }, (_, i) => {
      const v = visitRows[(i * 7919) % visitRows.length]!
      const options = byType.get(v.point_type)!
      const s = options[(i * 31) % options.length]!
      return { id: randomUUID(), visit: v.id, standard: s.code, standardId: s.id, roundId: toCount(v.round_id), unitId: toCount(v.unit_id), count: 1 + (i % 3), note: '南门处地面存在垃圾' }
    })

    // Raw COPY of the same rows into a scratch table.
    await handle.db.execute(sql`create table scratch_findings (id uuid, round_id int, visit_id uuid, unit_id int, standard_id int, count int, deduction numeric, note text)`)
    const csv = rows.map((r) => `${r.id},${r.roundId},${r.visit},${r.unitId},${r.standardId},${r.count},,${r.note}\n`)
    const copyStart = performance.now()
    const writable = await handle.sql!`copy scratch_findings from stdin with (format csv)`.writable()
    await pipeline(Readable.from(csv), writable)
    const copySeconds = (performance.now() - copyStart) / 1000

    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', CIVINDEX_SEED_SETS: '0' }), database: handle, logger: false })
    const { token } = await createUser(handle.db, { name: '基准', role: 'evaluator' }, { id: null, name: 'bench' })
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    const batches: string[] = []
    for (let i = 0; i < rows.length; i += BATCH)
      batches.push(JSON.stringify({ findings: rows.slice(i, i + BATCH).map(({ id, visit, standard, count, note }) => ({ id, visit, standard, count, note })) }))
    let next = 0
    const apiStart = performance.now()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < batches.length) {
          const body = batches[next++]!
          const res = await fetch(`${address}/api/v1/rounds/${code}/records`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })
          if (res.status !== 200) throw new Error(`batch refused: ${res.status} ${(await res.text()).slice(0, 300)}`)
          await res.arrayBuffer()
        }
      }),
    )
    const apiSeconds = (performance.now() - apiStart) / 1000
    await app.close()
    const [stored] = await queryRows<{ n: unknown }>(handle.db, sql`select count(*) as n from findings`)
    const copyRate = TOTAL / copySeconds
    const apiRate = TOTAL / apiSeconds
    console.log(`raw COPY into a scratch table: ${TOTAL} rows in ${copySeconds.toFixed(2)} s = ${Math.round(copyRate)} rows/s`)
    console.log(`batch API (${BATCH} per request, ${CONCURRENCY} clients): ${toCount(stored!.n)} findings stored in ${apiSeconds.toFixed(2)} s = ${Math.round(apiRate)} rows/s`)
    console.log(`ratio API / COPY = ${((apiRate / copyRate) * 100).toFixed(0)}% (budget ≥ 40%)`)
  } finally {
    await handle.close()
    await pg.dropDatabase()
  }
}
