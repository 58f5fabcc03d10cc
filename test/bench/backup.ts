/**
 * Budget (issue #13): `civindex db backup` and `civindex db restore` of a PostgreSQL database
 * holding 1,000,000 findings (200 units, 40,000 visits, one published round) each within 2× the
 * plain tools on the same database in the same run: `pg_dump -Fc` and `pg_restore` into an empty
 * database. The commands run as child processes, as an administrator runs them (their start-up
 * included); the restore includes what the plain tool does not do: a staging database, the checks
 * (publications, the whole audit chain, the ledger) and the swap. Each pair is timed in turn,
 * twice, each keeping its better run.
 *
 * Then the embedded database (PGlite): its backup and restore, against `tar -czf` and `tar -xzf`
 * of the same data directory. BENCH_BACKUP_FINDINGS (default 1,000,000) scales the PostgreSQL
 * data, BENCH_BACKUP_PGLITE_FINDINGS (default the same) the embedded; BENCH_SKIP_PGLITE or
 * BENCH_ONLY_PGLITE run one engine.
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { sql } from 'drizzle-orm'
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js'
import { pgliteBackupStream } from '../../src/db/backup.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { publishRound } from '../../src/services/publication.js'
import { transitionRound } from '../../src/services/rounds.js'
import { createPostgresDatabase } from '../helpers/db.js'
import { BIN, childEnv, ROOT } from '../helpers/process.js'
import { countRows, generateRound } from './generate.js'

const FINDINGS = Number(process.env.BENCH_BACKUP_FINDINGS ?? 1_000_000)
const PGLITE_FINDINGS = Number(process.env.BENCH_BACKUP_PGLITE_FINDINGS ?? FINDINGS)
const REPEAT = 2
const actor = { id: null, name: 'bench' }

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${stderr}`))))
  })
}

const civindex = (args: string[], env: Record<string, string>): Promise<number> => timed(process.execPath, [BIN, ...args], childEnv(env))
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`

/** The bench round, closed and published (few replicates: the analysis is not what is measured). */
async function publishedBenchRound(handle: DatabaseHandle, findings: number, label: string): Promise<void> {
  const t0 = performance.now()
  const code = await generateRound(handle.db, { units: 200, groups: 4, standards: 500, visits: 40_000, findings })
  await transitionRound(handle.db, code, 'close', actor)
  await publishRound(handle.db, code, actor, { replicates: 20, weightRuns: 10 })
  console.log(`${label}: ${await countRows(handle.db, 'visits')} visits, ${await countRows(handle.db, 'findings')} findings, round published, in ${seconds(performance.now() - t0)}`)
}

async function postgresFigures(base: string): Promise<void> {
  const source = await createPostgresDatabase(base)
  const scratch: { dropDatabase(): Promise<void> }[] = [source]
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civindex-bench-backup-'))
  try {
    const handle = await openDatabase({ databaseUrl: source.url, dataDir: '' })
    try {
      await publishedBenchRound(handle, FINDINGS, 'PostgreSQL')
      const [size] = await queryRows<{ bytes: unknown }>(handle.db, sql`select pg_database_size(current_database()) as bytes`)
      console.log(`PostgreSQL: database size ${mib(toCount(size!.bytes))}`)
    } finally {
      await handle.close()
    }
    const plainFile = path.join(dir, 'plain.dump')
    const oursFile = path.join(dir, 'ours.dump')
    const best = { plainDump: Infinity, oursDump: Infinity, plainRestore: Infinity, oursRestore: Infinity }
    for (let i = 0; i < REPEAT; i++) {
      best.plainDump = Math.min(best.plainDump, await timed('pg_dump', ['--format=custom', `--file=${plainFile}`, `--dbname=${source.url}`]))
      fs.rmSync(oursFile, { force: true })
      best.oursDump = Math.min(best.oursDump, await civindex(['db', 'backup', oursFile], { DATABASE_URL: source.url }))
      const plainTarget = await createPostgresDatabase(base)
      scratch.push(plainTarget)
      best.plainRestore = Math.min(best.plainRestore, await timed('pg_restore', [`--dbname=${plainTarget.url}`, plainFile]))
      const oursTarget = await createPostgresDatabase(base)
      scratch.push(oursTarget)
      best.oursRestore = Math.min(best.oursRestore, await civindex(['db', 'restore', oursFile], { DATABASE_URL: oursTarget.url }))
    }
    console.log(`PostgreSQL: files: pg_dump -Fc ${mib(fs.statSync(plainFile).size)}, civindex db backup ${mib(fs.statSync(oursFile).size)}`)
    console.log(`PostgreSQL: backup:  pg_dump -Fc ${seconds(best.plainDump)}, civindex db backup ${seconds(best.oursDump)}: ratio ${(best.oursDump / best.plainDump).toFixed(2)}× (budget 2×)`)
    console.log(
      `PostgreSQL: restore: pg_restore ${seconds(best.plainRestore)}, civindex db restore (staging database, checks, swap) ${seconds(best.oursRestore)}: ratio ${(best.oursRestore / best.plainRestore).toFixed(2)}× (budget 2×)`,
    )
  } finally {
    for (const db of scratch) await db.dropDatabase().catch(() => undefined)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function pgliteFigures(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civindex-bench-backup-'))
  const dataDir = path.join(dir, 'data')
  try {
    const handle = await openDatabase({ databaseUrl: null, dataDir })
    try {
      await publishedBenchRound(handle, PGLITE_FINDINGS, 'PGlite')
    } finally {
      await handle.close()
    }
    const dirBytes = Number(execFileSync('du', ['-sb', dataDir], { encoding: 'utf8' }).split('\t')[0])
    console.log(`PGlite: data directory ${mib(dirBytes)}`)
    const tarFile = path.join(dir, 'plain.tar.gz')
    const oursFile = path.join(dir, 'ours.backup')
    const best = { tar: Infinity, ours: Infinity, untar: Infinity, restore: Infinity }
    for (let i = 0; i < REPEAT; i++) {
      best.tar = Math.min(best.tar, await timed('tar', ['-C', dir, '-czf', tarFile, 'data']))
      fs.rmSync(oursFile, { force: true })
      best.ours = Math.min(best.ours, await civindex(['db', 'backup', oursFile], { CIVINDEX_DATA: dataDir }))
      const untarDir = path.join(dir, `untar-${i}`)
      fs.mkdirSync(untarDir)
      best.untar = Math.min(best.untar, await timed('tar', ['-C', untarDir, '-xzf', tarFile]))
      fs.rmSync(untarDir, { recursive: true, force: true })
      const target = path.join(dir, `restored-${i}`)
      best.restore = Math.min(best.restore, await civindex(['db', 'restore', oursFile], { CIVINDEX_DATA: target }))
      fs.rmSync(target, { recursive: true, force: true })
    }
    // What a running server pauses for: the copy of the data files under the database's lock.
    const live = await openDatabase({ databaseUrl: null, dataDir, migrate: false })
    try {
      const t0 = performance.now()
      const stream = await pgliteBackupStream(live, path.join(dataDir, 'photos'))
      const locked = performance.now() - t0
      await pipeline(stream, fs.createWriteStream('/dev/null'))
      console.log(`PGlite: backup of an open database (GET /api/v1/admin/backup): lock held for the copy ${seconds(locked)}, then compressed and sent in ${seconds(performance.now() - t0 - locked)}`)
    } finally {
      await live.close()
    }
    console.log(`PGlite (${PGLITE_FINDINGS} findings): files: tar -czf ${mib(fs.statSync(tarFile).size)}, civindex db backup ${mib(fs.statSync(oursFile).size)}`)
    console.log(`PGlite: backup:  tar -czf ${seconds(best.tar)}, civindex db backup ${seconds(best.ours)}: ratio ${(best.ours / best.tar).toFixed(2)}×`)
    console.log(`PGlite: restore: tar -xzf ${seconds(best.untar)}, civindex db restore (extract, open, migrations, checks, swap) ${seconds(best.restore)}: ratio ${(best.restore / best.untar).toFixed(2)}×`)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export async function run(): Promise<void> {
  if (!process.env.BENCH_ONLY_PGLITE) await postgresFigures(process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
  if (!process.env.BENCH_SKIP_PGLITE) await pgliteFigures()
}

