/**
 * Backups of either engine, and restoring one into a staging place that replaces the live
 * database only after it has been checked (src/services/backup.ts holds the checks).
 *
 * PostgreSQL: pg_dump's custom format (`pg_dump -Fc`), restored by pg_restore into a new
 * database on the same server in one transaction; the new database then takes the old one's
 * name (ALTER DATABASE … RENAME, which PostgreSQL allows only while nobody is connected).
 *
 * Embedded PGlite: a gzipped tar of the data directory with a manifest entry first. PGlite's own
 * `dumpDataDir()` builds the whole tarball in memory, and would read the photos stored under
 * the data directory (the default CIVINDEX_STORAGE) into it too; so instead the data files are
 * copied aside while PGlite's transaction lock is held (no statement or transaction runs, and
 * PGlite has no background processes: the files are at rest, a crash-consistent image that
 * PostgreSQL recovers on open), after a CHECKPOINT so there is little to recover. The lock is held
 * for the local copy only; compressing and sending the copy happens after. The lock file and
 * the photo directory stay out. Restoring extracts into a sibling directory, which replaces
 * the data directory once checked.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import postgres from 'postgres'
import { DomainError } from '../domain/errors.js'
import { PROJECT_ROOT } from '../paths.js'
import type { DatabaseHandle } from './client.js'
import { acquireDataDirLock } from './lock.js'
import { ensureTemplate } from './template.js'
import { END_OF_ARCHIVE, padding, tarHeader, TarFormatError, TarReader, tarTree } from './tar.js'

export const MANIFEST_NAME = 'civindex-backup.json'
const DATA_PREFIX = 'data'
const LOCK_NAME = 'civindex.lock'

export interface PgliteManifest {
  format: 'civindex-backup'
  version: 1
  engine: 'pglite'
  pglite: string
  createdAt: string
}

export type BackupKind = 'postgres' | 'pglite' | 'unknown'

/** What a backup file is, from its first bytes: pg_dump's custom format starts "PGDMP", ours is gzip. */
export function backupKind(file: string): BackupKind {
  let fd: number
  try {
    fd = fs.openSync(file, 'r')
  } catch (error) {
    throw new DomainError('BACKUP_INVALID', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  try {
    const head = Buffer.alloc(5)
    const n = fs.readSync(fd, head, 0, 5, 0)
    if (n === 5 && head.toString('latin1') === 'PGDMP') return 'postgres'
    if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'pglite'
    return 'unknown'
  } finally {
    fs.closeSync(fd)
  }
}

function pgliteVersion(): string {
  const pkg = path.join(PROJECT_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')
  return fs.existsSync(pkg) ? (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version : 'unknown'
}

/** The first path component under `dataDir` of a directory inside it (the photo store, by default), or null. */
export function insideDataDir(dataDir: string, dir: string): string | null {
  const relative = path.relative(path.resolve(dataDir), path.resolve(dir))
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null
  return relative.split(path.sep)[0] ?? null
}

/** Copies a directory tree; files several at a time, each a reflink where the file system offers one. */
async function copyTree(from: string, to: string, skip: (relative: string) => boolean): Promise<void> {
  const files: string[] = []
  const walk = (relative: string): void => {
    fs.mkdirSync(path.join(to, relative), { recursive: true, mode: 0o700 })
    for (const entry of fs.readdirSync(path.join(from, relative), { withFileTypes: true })) {
      const rel = relative === '' ? entry.name : path.join(relative, entry.name)
      if (skip(rel)) continue
      if (entry.isDirectory()) walk(rel)
      else if (entry.isFile()) files.push(rel)
    }
  }
  walk('')
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const rel = files[next++]!
      await fs.promises.copyFile(path.join(from, rel), path.join(to, rel), fs.constants.COPYFILE_FICLONE)
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
}

/**
 * A PGlite backup as a gzip stream, consistent while the database is in use: see the module
 * comment. The staging copy is removed once the stream has been read or destroyed.
 */
export async function pgliteBackupStream(handle: DatabaseHandle, storageDir: string): Promise<Readable> {
  const client = handle.pglite
  if (!client) throw new Error('pgliteBackupStream needs the embedded database')
  const dataDir = handle.location
  const photos = insideDataDir(dataDir, storageDir)
  const skip = (relative: string): boolean => relative === LOCK_NAME || (photos !== null && relative === photos)
  await client.query('CHECKPOINT')
  const staging = fs.mkdtempSync(path.join(path.dirname(path.resolve(dataDir)), `.${path.basename(dataDir)}.backup-`))
  try {
    await client._runExclusiveTransaction(() => copyTree(dataDir, staging, skip))
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw error
  }
  const manifest: PgliteManifest = { format: 'civindex-backup', version: 1, engine: 'pglite', pglite: pgliteVersion(), createdAt: new Date().toISOString() }
  const parts = async function* (): AsyncGenerator<Buffer> {
    try {
      const text = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)
      yield tarHeader(MANIFEST_NAME, 'file', text.length, 0o600, new Date())
      yield text
      yield padding(text.length)
      yield* tarTree(staging, DATA_PREFIX, () => false)
      yield END_OF_ARCHIVE
    } finally {
      fs.rmSync(staging, { recursive: true, force: true })
    }
  }
  const gzip = zlib.createGzip({ level: 1 })
  const source = Readable.from(parts())
  source.on('error', (error) => gzip.destroy(error))
  gzip.on('close', () => source.destroy())
  return source.pipe(gzip)
}

/**
 * Extracts a PGlite backup into `dir` (which must not exist): the manifest is checked first, then
 * every entry lands under `dir`; a damaged or cut-short file stops with BACKUP_INVALID.
 */
export async function extractPgliteBackup(file: string, dir: string): Promise<PgliteManifest> {
  let manifest: PgliteManifest | null = null
  let first = true
  const reader = new TarReader((entry) => {
    if (first) {
      first = false
      if (entry.name !== MANIFEST_NAME || entry.kind !== 'file' || entry.size > 65_536) throw new TarFormatError('it does not start with a civindex manifest: not a civindex backup')
      return {
        collect: (data: Buffer) => {
          const parsed = JSON.parse(data.toString('utf8')) as Partial<PgliteManifest>
          if (parsed.format !== 'civindex-backup' || parsed.engine !== 'pglite') throw new TarFormatError('its manifest is not that of an embedded-database backup')
          manifest = parsed as PgliteManifest
        },
      }
    }
    if (entry.name !== DATA_PREFIX && !entry.name.startsWith(`${DATA_PREFIX}/`)) throw new TarFormatError(`unexpected entry ${entry.name}`)
    const target = path.join(dir, entry.name.slice(DATA_PREFIX.length))
    return entry.kind === 'directory' ? { directory: target } : { file: target }
  })
  try {
    await pipeline(fs.createReadStream(file), zlib.createGunzip(), reader)
  } catch (error) {
    const message = error instanceof TarFormatError || error instanceof SyntaxError ? error.message : ((error as NodeJS.ErrnoException).code ?? '') === 'Z_BUF_ERROR' ? 'the file is cut short' : (error as Error).message
    throw new DomainError('BACKUP_INVALID', `${file} is damaged or not a civindex backup: ${message}`)
  }
  if (!manifest) throw new DomainError('BACKUP_INVALID', `${file} has no manifest: not a civindex backup`)
  const versionFile = path.join(dir, 'PG_VERSION')
  if (!fs.existsSync(versionFile)) throw new DomainError('BACKUP_INVALID', `${file} holds no database directory (PG_VERSION is missing)`)
  const theirs = fs.readFileSync(versionFile, 'utf8').trim()
  const ours = fs.readFileSync(path.join(await ensureTemplate(), 'PG_VERSION'), 'utf8').trim()
  if (theirs !== ours) {
    throw new DomainError('BACKUP_INVALID', `${file} holds a PostgreSQL ${theirs} database (PGlite ${(manifest as PgliteManifest).pglite}); this civindex embeds PostgreSQL ${ours}: restore it with the civindex version that made it`)
  }
  return manifest
}

/** A sibling path of `dir` for staging (same file system, so a rename swaps it in). */
export function siblingPath(dir: string, label: string): string {
  const resolved = path.resolve(dir)
  return path.join(path.dirname(resolved), `.${path.basename(resolved)}.${label}-${process.pid}-${randomBytes(4).toString('hex')}`)
}

/**
 * Puts the checked staging directory in place of the data directory, holding the data
 * directory's lock (a server that starts meanwhile is refused) and locking the staging directory
 * before it moves, so the directory is never unlocked between the two. What the old directory
 * held besides the database (the photo store, by default) moves into the new one.
 */
export function swapDataDir(staging: string, dataDir: string): void {
  const target = path.resolve(dataDir)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const exists = fs.existsSync(target)
  const targetLock = exists ? acquireDataDirLock(target) : null
  const stagingLock = acquireDataDirLock(staging)
  const replaced = siblingPath(target, 'replaced')
  try {
    if (exists) fs.renameSync(target, replaced)
    try {
      fs.renameSync(staging, target)
    } catch (error) {
      if (exists) fs.renameSync(replaced, target)
      throw error
    }
    if (exists) {
      const restored = new Set(fs.readdirSync(target))
      for (const name of fs.readdirSync(replaced)) {
        if (name !== LOCK_NAME && !restored.has(name)) fs.renameSync(path.join(replaced, name), path.join(target, name))
      }
      fs.rmSync(replaced, { recursive: true, force: true })
    }
  } finally {
    stagingLock.release()
    // The lock file at the data directory's path is now the one that came with the staging copy.
    if (targetLock) targetLock.release()
    else fs.rmSync(path.join(target, LOCK_NAME), { force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

interface Connection {
  /** The URL without its password (the password goes to the tools through PGPASSWORD). */
  url: string
  env: NodeJS.ProcessEnv
  database: string
}

function connection(url: string, database?: string): Connection {
  const u = new URL(url)
  const password = decodeURIComponent(u.password)
  u.password = ''
  if (database !== undefined) u.pathname = `/${encodeURIComponent(database)}`
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (password) env.PGPASSWORD = password
  return { url: u.toString(), env, database: decodeURIComponent(u.pathname.replace(/^\//, '')) || (u.username ? decodeURIComponent(u.username) : 'postgres') }
}

/** A URL for another database on the same server. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${encodeURIComponent(database)}`
  return u.toString()
}

export function databaseName(url: string): string {
  return connection(url).database
}

const TOOL_HINT =
  'install the PostgreSQL client tools of the same major version as the server or newer ' +
  '(Debian/Ubuntu: apt-get install postgresql-client; RHEL/Rocky: dnf install postgresql; Windows: the EDB installer’s "Command Line Tools"), ' +
  'and make sure they are on PATH'

interface ToolRun {
  stdout: Readable
  finished: Promise<void>
}

/** Runs a PostgreSQL client tool; `finished` rejects with its stderr when it fails. */
function runTool(tool: 'pg_dump' | 'pg_restore', args: string[], env: NodeJS.ProcessEnv): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 64_000) stderr += chunk
    })
    const finished = new Promise<void>((done, fail) => {
      child.on('close', (code, signal) => {
        if (code === 0) return done()
        const detail = stderr.trim().split('\n').slice(0, 8).join('\n  ') || `exit ${code ?? signal}`
        const error = /permission denied/i.test(stderr)
          ? new DomainError('DATABASE_PRIVILEGES', `${tool} was refused: ${detail}`)
          : Object.assign(new Error(`${tool} failed: ${detail}`), { stderr })
        fail(error)
      })
    })
    finished.catch(() => undefined)
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new DomainError('BACKUP_TOOL_MISSING', `${tool} was not found: ${TOOL_HINT}`) : error)
    })
    child.once('spawn', () => resolve({ stdout: child.stdout, finished }))
  })
}

/**
 * pg_dump's custom format as a stream. It resolves once pg_dump has written its first bytes, so
 * a refusal (a wrong password, a server newer than the tool) is an error the caller can still
 * report instead of a cut-off download; a failure later destroys the stream.
 */
export async function pgDumpStream(url: string): Promise<Readable> {
  const c = connection(url)
  const run = await runTool('pg_dump', ['--format=custom', `--dbname=${c.url}`], c.env)
  const out = new PassThrough()
  await new Promise<void>((resolve, reject) => {
    run.stdout.once('readable', () => resolve())
    run.finished.then(
      () => resolve(),
      (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
    )
  })
  run.stdout.pipe(out)
  run.finished.catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))))
  return out
}

/** pg_dump -Fc into a file. */
export async function pgDumpToFile(url: string, file: string): Promise<void> {
  const c = connection(url)
  const run = await runTool('pg_dump', ['--format=custom', `--file=${file}`, `--dbname=${c.url}`], c.env)
  run.stdout.resume()
  await run.finished
}

/** pg_restore into a database in one transaction: all of the file or nothing. */
export async function pgRestore(url: string, file: string): Promise<void> {
  const c = connection(url)
  const run = await runTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', `--dbname=${c.url}`, file], c.env)
  run.stdout.resume()
  try {
    await run.finished
  } catch (error) {
    if (error instanceof DomainError) throw error
    throw new DomainError('BACKUP_INVALID', `${file} could not be restored (nothing was changed): ${(error as Error).message}`)
  }
}

async function withAdmin<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined, connection: { application_name: 'civindex restore' } })
  try {
    return await fn(sql)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** Creates an empty database next to the one of `url`, for a restore; returns its name. */
export async function createStagingDatabase(url: string): Promise<string> {
  const base = databaseName(url).replace(/[^A-Za-z0-9_]/g, '_').slice(0, 36)
  const name = `${base}_restore_${randomBytes(4).toString('hex')}`
  await withAdmin(url, async (sql) => {
    try {
      await sql.unsafe(`create database ${quoteIdent(name)}`)
    } catch (error) {
      if ((error as { code?: string }).code === '42501') {
        throw new DomainError('DATABASE_PRIVILEGES', 'restoring needs a role that may create databases (it restores into a new one first, then puts it in place): ALTER ROLE … CREATEDB for the owner role')
      }
      throw error
    }
  })
  return name
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  await withAdmin(url, (sql) => sql.unsafe(`drop database if exists ${quoteIdent(name)}`))
}

/**
 * The staging database takes the target's name. Connected to the staging database, the target is
 * renamed aside; connected to that, the staging database takes the name; the old one is dropped.
 * PostgreSQL refuses to rename a database anyone is connected to: a running server must stop first.
 */
export async function swapDatabases(url: string, staging: string): Promise<void> {
  const target = databaseName(url)
  const aside = `${target.slice(0, 40)}_replaced_${randomBytes(4).toString('hex')}`
  await withAdmin(databaseUrl(url, staging), async (sql) => {
    const [row] = await sql<{ n: string }[]>`select count(*)::text as n from pg_stat_activity where datname = ${target}`
    const sessions = Number(row?.n ?? 0)
    const busy = (): DomainError =>
      new DomainError(
        'DATA_DIR_BUSY',
        `${sessions || 'some'} session(s) are connected to the database ${target} (a running civindex server?). Stop the server and other clients, then restore again; nothing was changed`,
      )
    if (sessions > 0) throw busy()
    try {
      await sql.unsafe(`alter database ${quoteIdent(target)} rename to ${quoteIdent(aside)}`)
    } catch (error) {
      const code = (error as { code?: string }).code
      if (code === '55006') throw busy()
      if (code === '42501') throw new DomainError('DATABASE_PRIVILEGES', `the role may not rename the database ${target}: restore as its owner (with CREATEDB)`)
      throw error
    }
  })
  try {
    await withAdmin(databaseUrl(url, aside), (sql) => sql.unsafe(`alter database ${quoteIdent(staging)} rename to ${quoteIdent(target)}`))
  } catch (error) {
    await withAdmin(databaseUrl(url, staging), (sql) => sql.unsafe(`alter database ${quoteIdent(aside)} rename to ${quoteIdent(target)}`))
    throw error
  }
  await withAdmin(url, (sql) => sql.unsafe(`drop database ${quoteIdent(aside)}`))
}
