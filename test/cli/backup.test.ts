/**
 * Backup and restore (issue #13; README, "Backup and restore"), driven through the real command
 * on the engine under test: a database with a published round is backed up, restored into a
 * fresh one, and verifies (snapshot hashes, audit chain, identical ranking); a database holding
 * data is replaced only with --force; a cut-short, damaged or foreign file and a backup whose
 * publication was altered are refused with the target left as it was; a running server is
 * backed up over HTTP and cannot be restored over.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/db/client.js'
import { verifyAuditChain } from '../../src/db/queries/audit.js'
import { queryRows } from '../../src/db/sql.js'
import { getPublication, publicationList, publishRound } from '../../src/services/publication.js'
import { transitionRound } from '../../src/services/rounds.js'
import { computeRanking } from '../../src/services/scoring.js'
import { createTestDatabase, engineName, TEST_DATABASE_URL, tempDir, type TestDatabase } from '../helpers/db.js'
import { createSampleRound } from '../helpers/factories.js'
import { freshChildDatabase, killChildren, runCli, startCli, type ChildDatabase, type RunResult } from '../helpers/process.js'

const TIMEOUT = 120_000
const actor = { id: null, name: 'test' }
const work = tempDir('civindex-backup-files-')
const cleanups: (() => Promise<void>)[] = []

afterEach(async () => killChildren())
afterAll(async () => {
  await killChildren()
  for (const cleanup of cleanups) await cleanup()
  fs.rmSync(work, { recursive: true, force: true })
})

const show = (r: RunResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`

async function target(): Promise<ChildDatabase> {
  const db = await freshChildDatabase()
  cleanups.push(() => db.drop())
  return db
}

interface Source {
  db: TestDatabase
  env: Record<string, string>
  round: string
  ranking: string
  publications: { revision: number; hash: string }[]
  auditEntries: number
}

/** A database with one published round, closed so the command can open it (the embedded database is one process at a time). */
async function publishedSource(): Promise<Source> {
  const db = await createTestDatabase()
  cleanups.push(() => db.drop())
  const round = await createSampleRound(db.handle.db)
  await transitionRound(db.handle.db, round.code, 'close', actor)
  await publishRound(db.handle.db, round.code, actor, { replicates: 50, weightRuns: 20 })
  const source: Source = {
    db,
    env: db.env,
    round: round.code,
    ranking: JSON.stringify(await computeRanking(db.handle.db, round.code)),
    publications: (await publicationList(db.handle.db, round.code)).map((p) => ({ revision: p.revision, hash: p.hash })),
    auditEntries: (await verifyAuditChain(db.handle.db)).checked,
  }
  if (!TEST_DATABASE_URL) await db.handle.close()
  return source
}

/** What a restored (or untouched) database holds, read in this process. */
async function contents(env: Record<string, string>, round: string) {
  const handle = await openDatabase({ databaseUrl: env.DATABASE_URL ?? null, dataDir: env.CIVINDEX_DATA ?? '', migrate: false })
  try {
    const publications = (await publicationList(handle.db, round)).map((p) => ({ revision: p.revision, hash: p.hash }))
    const stored = await getPublication(handle.db, round)
    return { publications, storedHash: stored.hash, chain: await verifyAuditChain(handle.db), ranking: JSON.stringify(await computeRanking(handle.db, round)) }
  } finally {
    await handle.close()
  }
}

/** Whether the target holds no civindex data at all (no tables, or empty ones). */
async function isEmpty(db: ChildDatabase): Promise<boolean> {
  if (db.dataDir) return !fs.existsSync(path.join(db.dataDir, 'PG_VERSION'))
  const sql = postgres(db.env.DATABASE_URL!, { max: 1, onnotice: () => undefined })
  try {
    const rows = await sql`select 1 from pg_tables where schemaname = 'public'`
    return rows.length === 0
  } finally {
    await sql.end()
  }
}

/** Leftovers of a failed restore: staging directories beside the data directory, or staging databases. */
async function leftovers(db: ChildDatabase): Promise<string[]> {
  if (db.dataDir) return fs.readdirSync(path.dirname(db.dataDir)).filter((n) => n.includes('.restore-') || n.includes('.replaced-'))
  const sql = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => undefined })
  try {
    const name = new URL(db.env.DATABASE_URL!).pathname.slice(1)
    return (await sql<{ datname: string }[]>`select datname from pg_database where datname like ${`${name.slice(0, 36)}_re%`}`).map((r) => r.datname)
  } finally {
    await sql.end()
  }
}

let source: Source
let backup: string

beforeAll(async () => {
  source = await publishedSource()
  backup = path.join(work, `published.${engineName}.backup`)
}, TIMEOUT)

describe(`db backup and db restore (${engineName})`, () => {
  it(
    'restores a published round into a fresh database: snapshot hashes, audit chain and ranking identical',
    async () => {
      const made = await runCli(['db', 'backup', backup], source.env, TIMEOUT)
      expect(made.code, show(made)).toBe(0)
      expect(made.stdout).toMatch(/: backup of the (PostgreSQL database|embedded database)/)
      expect(fs.readdirSync(work).filter((n) => n.includes('.partial-'))).toEqual([])

      // A database just migrated holds no data yet: no --force needed.
      const fresh = await target()
      expect((await runCli(['db', 'migrate'], fresh.env, TIMEOUT)).code).toBe(0)
      const restored = await runCli(['db', 'restore', backup], fresh.env, TIMEOUT)
      expect(restored.code, show(restored)).toBe(0)
      expect(restored.stdout).toContain('1 publication(s): each snapshot matches its SHA-256, is canonical JSON, and is the one the audit log recorded at publication')
      expect(restored.stdout).toContain(`audit chain of ${source.auditEntries} entries intact`)

      const after = await contents(fresh.env, source.round)
      expect(after.publications).toEqual(source.publications)
      expect(after.storedHash).toBe(source.publications[0]!.hash)
      expect(after.chain).toEqual({ checked: source.auditEntries, brokenAt: null, reason: null })
      expect(after.ranking).toBe(source.ranking)
      expect(await leftovers(fresh)).toEqual([])

      // It now holds data: replaced only when forced.
      const again = await runCli(['db', 'restore', backup], fresh.env, TIMEOUT)
      expect(again.code, show(again)).toBe(1)
      expect(again.stderr).toMatch(/holds data \(rows in .*audit_log.*\); restoring would replace all of it\. Nothing was changed\. Add --force/)
      const forced = await runCli(['db', 'restore', '--force', backup], fresh.env, TIMEOUT)
      expect(forced.code, show(forced)).toBe(0)
      expect((await contents(fresh.env, source.round)).ranking).toBe(source.ranking)
    },
    TIMEOUT * 2,
  )

  it.runIf(TEST_DATABASE_URL)(
    'says what to install when pg_dump is missing',
    async () => {
      const r = await runCli(['db', 'backup', path.join(work, 'no-tools.backup')], { ...source.env, PATH: path.join(work, 'no-such-dir') }, TIMEOUT)
      expect(r.code, show(r)).toBe(1)
      expect(r.stderr).toMatch(/pg_dump was not found: install the PostgreSQL client tools of the same major version as the server or newer \(Debian\/Ubuntu: apt-get install postgresql-client/)
      expect(fs.readdirSync(work).filter((n) => n.startsWith('no-tools'))).toEqual([])
    },
    TIMEOUT,
  )

  it(
    'refuses a cut-short, damaged or foreign file and leaves the target as it was',
    async () => {
      expect(fs.existsSync(backup)).toBe(true)
      const bytes = fs.readFileSync(backup)
      const cut = path.join(work, 'cut.backup')
      fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
      const damaged = path.join(work, 'damaged.backup')
      const flipped = Buffer.from(bytes)
      for (let i = Math.floor(flipped.length * 0.5); i < flipped.length * 0.5 + 64; i++) flipped[i] = flipped[i]! ^ 0x5a
      fs.writeFileSync(damaged, flipped)
      const foreign = path.join(work, 'foreign.backup')
      fs.writeFileSync(foreign, 'name,total\n甲区,90.00\n')

      // Into a database holding data, forced: it keeps its data.
      const kept = await target()
      expect((await runCli(['db', 'restore', backup], kept.env, TIMEOUT)).code).toBe(0)
      for (const file of [cut, damaged]) {
        const r = await runCli(['db', 'restore', '--force', file], kept.env, TIMEOUT)
        expect(r.code, show(r)).toBe(1)
        expect(r.stderr).toMatch(/damaged or not a civindex backup|could not be restored \(nothing was changed\)/)
        const still = await contents(kept.env, source.round)
        expect(still.publications).toEqual(source.publications)
        expect(still.chain.brokenAt).toBeNull()
        expect(await leftovers(kept)).toEqual([])
      }
      // Into an empty one: it stays empty.
      const empty = await target()
      for (const file of [cut, foreign]) {
        const r = await runCli(['db', 'restore', file], empty.env, TIMEOUT)
        expect(r.code, show(r)).toBe(1)
        expect(r.stderr).toMatch(file === foreign ? /is not a civindex backup/ : /damaged or not a civindex backup|could not be restored/)
        expect(await isEmpty(empty)).toBe(true)
        expect(await leftovers(empty)).toEqual([])
      }
    },
    TIMEOUT * 2,
  )

  it(
    'refuses a backup in which a publication was altered, naming it',
    async () => {
      const forged = await publishedSource()
      // Rewrite the snapshot and its hash together (only a table owner could: the trigger is disabled);
      // the text and hash agree, but the audit log recorded another hash at publication.
      const handle = TEST_DATABASE_URL ? forged.db.handle : await openDatabase({ databaseUrl: null, dataDir: forged.env.CIVINDEX_DATA!, migrate: false })
      try {
        await handle.db.execute(sql`alter table publications disable trigger publications_append_only`)
        await handle.db.execute(sql`update publications set snapshot_text = replace(snapshot_text, '"revision":1', '"revision":1,"x":1'), hash = encode(sha256(convert_to(replace(snapshot_text, '"revision":1', '"revision":1,"x":1'), 'UTF8')), 'hex')`)
        await handle.db.execute(sql`alter table publications enable trigger publications_append_only`)
        const [changed] = await queryRows<{ hash: string }>(handle.db, sql`select hash from publications`)
        expect(changed!.hash).not.toBe(forged.publications[0]!.hash)
      } finally {
        if (!TEST_DATABASE_URL) await handle.close()
      }
      const file = path.join(work, 'forged.backup')
      expect((await runCli(['db', 'backup', file], forged.env, TIMEOUT)).code).toBe(0)
      const fresh = await target()
      const r = await runCli(['db', 'restore', file], fresh.env, TIMEOUT)
      expect(r.code, show(r)).toBe(1)
      expect(r.stderr).toContain(`publication ${forged.round} revision 1: no round.publish entry of the audit log records this hash`)
      expect(await isEmpty(fresh)).toBe(true)
      expect(await leftovers(fresh)).toEqual([])
    },
    TIMEOUT * 2,
  )

  it(
    'backs up a running server over HTTP, and refuses to restore over it',
    async () => {
      const live = await target()
      const server = startCli(['serve'], { ...live.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', CIVINDEX_SEED_SETS: '0' })
      const base = (await server.waitForStdout(/"address":"(http:\/\/[^"]+)"/, 60_000))[1]!
      const token = (await server.waitForStdout(/token: (civ_\S+)/, 60_000))[1]!
      const auth = { authorization: `Bearer ${token}` }

      const cli = await runCli(['db', 'backup', path.join(work, 'cli-live.backup')], live.env, TIMEOUT)
      if (live.dataDir) {
        expect(cli.code, show(cli)).toBe(1)
        expect(cli.stderr).toMatch(/in use by process \d+.*\/api\/v1\/admin\/backup/)
      } else {
        expect(cli.code, show(cli)).toBe(0) // pg_dump reads a consistent snapshot while the server runs
      }

      // The server keeps answering writes while the backup is taken.
      const [res, user] = await Promise.all([
        fetch(`${base}/api/v1/admin/backup`, { headers: auth }),
        fetch(`${base}/api/v1/users`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: '备份时创建', role: 'leader' }) }),
      ])
      expect(res.status).toBe(200)
      expect(user.status).toBe(201)
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="civindex-/)
      const file = path.join(work, `http.${engineName}.backup`)
      fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()))
      if (live.dataDir) {
        const names = execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).split('\n')
        expect(names[0]).toBe('civindex-backup.json')
        expect(names).toContain('data/PG_VERSION')
        expect(names.some((n) => n.endsWith('civindex.lock'))).toBe(false)
      }

      const over = await runCli(['db', 'restore', '--force', file], live.env, TIMEOUT)
      expect(over.code, show(over)).toBe(1)
      expect(over.stderr).toMatch(live.dataDir ? /in use by process \d+.*Stop the server first/ : /session\(s\) are connected to the database .*Stop the server/)
      expect((await fetch(`${base}/readyz`)).status).toBe(200)

      const fresh = await target()
      const restored = await runCli(['db', 'restore', file], fresh.env, TIMEOUT)
      expect(restored.code, show(restored)).toBe(0)
      expect(restored.stdout).toMatch(/no publications to check\n {2}audit chain of \d+ entries intact/)
    },
    TIMEOUT * 2,
  )
})
