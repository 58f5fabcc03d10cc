/**
 * Budget (issue 3): scoring a round of 200 units in 4 groups, 500 standards, 40,000 visits and
 * 1,000,000 findings, end to end (round, set, evidence aggregation, composition, ranking,
 * consequences), within 3× one plain `SELECT unit_id, standard_id, count(*) … GROUP BY` over the
 * same findings table, measured in the same run; peak memory under 1 GB.
 *
 * Runs on PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default the local server; a
 * scratch database is created and dropped) and then on PGlite. BENCH_FINDINGS scales the data;
 * BENCH_SKIP_PGLITE or BENCH_ONLY_PGLITE run one engine.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js'
import { transitionRound } from '../../src/services/rounds.js'
import { computeRanking } from '../../src/services/scoring.js'
import { createPostgresDatabase } from '../helpers/db.js'
import { countRows, generateRound } from './generate.js'

const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000)
const SHAPE = { units: 200, groups: 4, standards: 500, visits: 40_000, findings: FINDINGS }
const REPEAT = 3

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

async function measure(label: string, handle: DatabaseHandle): Promise<void> {
  const t0 = performance.now()
  const code = await generateRound(handle.db, SHAPE)
  const visits = await countRows(handle.db, 'visits')
  const findings = await countRows(handle.db, 'findings')
  console.log(`${label}: generated ${visits} visits and ${findings} findings in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  // Scoring reads the per-visit totals, which closing fieldwork builds.
  const closeMs = await time(() => transitionRound(handle.db, code, 'close', { id: null, name: 'bench' }))
  console.log(`${label}: closing fieldwork built the per-visit totals in ${closeMs.toFixed(0)} ms`)

  const plain = () => handle.db.execute(sql`select unit_id, standard_id, count(*) from findings group by unit_id, standard_id`)
  await plain() // warm caches for both sides alike
  await computeRanking(handle.db, code)

  let peakRss = process.memoryUsage().rss
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss)
  }, 5)
  const baseline: number[] = []
  const scoring: number[] = []
  let ranked = 0
  for (let i = 0; i < REPEAT; i++) {
    baseline.push(await time(plain))
    scoring.push(
      await time(async () => {
        const result = await computeRanking(handle.db, code)
        ranked = result.groups.reduce((n, g) => n + g.ranking.length, 0)
      }),
    )
  }
  clearInterval(sampler)
  const b = median(baseline)
  const s = median(scoring)
  console.log(`${label}: plain GROUP BY unit, standard: ${b.toFixed(0)} ms (median of ${REPEAT})`)
  console.log(`${label}: score end to end: ${s.toFixed(0)} ms (median of ${REPEAT}; ${ranked} units ranked)`)
  console.log(`${label}: ratio score / GROUP BY = ${(s / b).toFixed(2)}× (budget 3×); peak RSS during scoring ${(peakRss / 2 ** 20).toFixed(0)} MiB (budget 1024)`)
}

export async function run(): Promise<void> {
  if (!process.env.BENCH_ONLY_PGLITE) {
    const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
    const pg = await createPostgresDatabase(base)
    const handle = await openDatabase({ databaseUrl: pg.url, dataDir: '' })
    try {
      await measure('PostgreSQL', handle)
    } finally {
      await handle.close()
      await pg.dropDatabase()
    }
  }
  if (process.env.BENCH_SKIP_PGLITE) return
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civindex-bench-'))
  const lite = await openDatabase({ databaseUrl: null, dataDir: path.join(dir, 'data') })
  try {
    await measure('PGlite', lite)
  } finally {
    await lite.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
