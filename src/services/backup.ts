/**
 * Backup and restore of either engine (README, "Backup and restore"), and the checks a restored
 * database must pass before it replaces the live one:
 *
 * - every publication: the stored SHA-256 matches the snapshot text, the text is the canonical
 *   JSON of its own content, and the audit log's round.publish entry records that hash for that
 *   round and revision;
 * - the audit chain, whole: every entry's hash recomputes and links to the one before;
 * - the ledger: every publication's postings sum to zero.
 *
 * A restore goes into a staging place (a new PostgreSQL database on the same server, or a
 * directory beside the embedded one), is brought up to this version's migrations there, checked,
 * and only then put in place of the target. A damaged file or a failed check leaves the target
 * as it was.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Config } from '../config.js'
import { canonicalJson, sha256Hex } from '../domain/canonical-json.js'
import { DomainError, isDomainError, type Issue } from '../domain/errors.js'
import {
  backupKind,
  createStagingDatabase,
  databaseName,
  databaseUrl,
  dropDatabase,
  extractPgliteBackup,
  pgDumpStream,
  pgDumpToFile,
  pgliteBackupStream,
  pgRestore,
  siblingPath,
  swapDataDir,
  swapDatabases,
} from '../db/backup.js'
import { openDatabase, type DatabaseHandle, type Queryable } from '../db/client.js'
import { migrationState } from '../db/migration-state.js'
import { grantedRoles, grantServerRole } from '../db/privileges.js'
import { verifyAuditChain } from '../db/queries/audit.js'
import { ledgerEntryCount, publicationHeads, publicationText, publishEntries, tablesWithRows, unbalancedPublications } from '../db/queries/integrity.js'

export interface IntegrityReport {
  publications: number
  auditEntries: number
  ledgerEntries: number
}

/** Checks published data and the audit chain; throws BACKUP_CHECK_FAILED listing every defect. */
export async function checkIntegrity(db: Queryable): Promise<IntegrityReport> {
  const issues: Issue[] = []
  const recorded = new Set((await publishEntries(db)).map((e) => `${e.round}\u0000${e.revision ?? ''}\u0000${e.hash ?? ''}`))
  const heads = await publicationHeads(db)
  for (const p of heads) {
    const where = `publication ${p.round} revision ${p.revision}`
    const text = await publicationText(db, p.id)
    if (sha256Hex(text) !== p.hash) {
      issues.push({ path: where, message: 'its snapshot text does not match its SHA-256' })
      continue
    }
    let canonical = false
    try {
      canonical = canonicalJson(JSON.parse(text)) === text
    } catch {
      canonical = false
    }
    if (!canonical) issues.push({ path: where, message: 'its snapshot is not canonical JSON' })
    if (!recorded.has(`${p.round}\u0000${p.revision}\u0000${p.hash}`)) issues.push({ path: where, message: 'no round.publish entry of the audit log records this hash' })
  }
  const chain = await verifyAuditChain(db)
  if (chain.brokenAt !== null) issues.push({ path: `audit log entry #${chain.brokenAt}`, message: `${chain.reason ?? 'does not verify'} (${chain.checked - 1} entries before it verify)` })
  for (const u of await unbalancedPublications(db)) issues.push({ path: `ledger of publication #${u.id}`, message: `its postings sum to ${u.sum}, not 0` })
  if (issues.length > 0) throw new DomainError('BACKUP_CHECK_FAILED', `${issues.length} check(s) failed`, issues)
  return { publications: heads.length, auditEntries: chain.checked, ledgerEntries: await ledgerEntryCount(db) }
}

export interface BackupSummary {
  engine: 'postgres' | 'pglite'
  /** What was backed up, for messages. */
  source: string
  file: string
  bytes: number
  seconds: number
}

function dataDirExists(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, 'PG_VERSION'))
}

/** Opens the embedded database for a backup or a restore check, explaining a running server in backup terms. */
async function openEmbedded(config: Config, purpose: 'backup' | 'restore'): Promise<DatabaseHandle> {
  try {
    return await openDatabase({ databaseUrl: null, dataDir: config.dataDir, migrate: false })
  } catch (error) {
    if (isDomainError(error) && error.code === 'DATA_DIR_BUSY') {
      const how =
        purpose === 'backup'
          ? 'Back up the running server through its API instead: curl --fail -H "Authorization: Bearer <admin token>" -o <file> http://<host>:<port>/api/v1/admin/backup'
          : 'Stop the server first; a restore replaces the database under it'
      throw new DomainError('DATA_DIR_BUSY', `${error.message.replace(/ Stop it first.*$/, '')} ${how}`)
    }
    throw error
  }
}

/** A backup file, written beside its name and renamed into place when complete. */
export async function backupDatabase(config: Config, file: string): Promise<BackupSummary> {
  const started = performance.now()
  const partial = `${file}.partial-${process.pid}`
  let source: string
  try {
    if (config.databaseUrl) {
      source = `PostgreSQL database ${databaseName(config.databaseUrl)}`
      await pgDumpToFile(config.databaseUrl, partial)
    } else {
      if (!dataDirExists(config.dataDir)) throw new DomainError('NOT_FOUND', `there is no embedded database in ${config.dataDir} (CIVINDEX_DATA)`)
      source = `embedded database in ${config.dataDir}`
      const handle = await openEmbedded(config, 'backup')
      try {
        await pipeline(await pgliteBackupStream(handle, config.storageDir), fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }))
      } finally {
        await handle.close()
      }
    }
    const fd = fs.openSync(partial, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(partial, file)
  } catch (error) {
    fs.rmSync(partial, { force: true })
    throw error
  }
  return { engine: config.databaseUrl ? 'postgres' : 'pglite', source, file, bytes: fs.statSync(file).size, seconds: (performance.now() - started) / 1000 }
}

/** A backup of the database the server holds, as a stream (GET /api/v1/admin/backup). */
export async function backupStream(handle: DatabaseHandle, config: Config): Promise<{ stream: Readable; fileName: string }> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  if (handle.engine === 'postgres') {
    if (!config.databaseUrl) throw new Error('a PostgreSQL handle without DATABASE_URL')
    return { stream: await pgDumpStream(config.databaseUrl), fileName: `civindex-${databaseName(config.databaseUrl)}-${stamp}.pgdump` }
  }
  return { stream: await pgliteBackupStream(handle, config.storageDir), fileName: `civindex-embedded-${stamp}.tar.gz` }
}

export interface RestoreOptions {
  /** Replace a database that holds data. */
  force?: boolean
  progress?: (line: string) => void
}

export interface RestoreSummary {
  engine: 'postgres' | 'pglite'
  target: string
  integrity: IntegrityReport
  /** Migrations of this version the backup lacked, applied before the checks. */
  migrated: string[]
  /** Server roles whose privileges were granted again on the restored database. */
  regranted: string[]
  seconds: number
}

function refuseNonEmpty(target: string, tables: string[]): DomainError {
  const list = tables.length > 6 ? `${tables.slice(0, 6).join(', ')} and ${tables.length - 6} more` : tables.join(', ')
  return new DomainError('DATABASE_NOT_EMPTY', `${target} holds data (rows in ${list}); restoring would replace all of it. Nothing was changed. Add --force to replace it (back it up first)`)
}

/** Migrates a staged restore and checks it; returns what it applied and found. */
async function prepareStaged(open: (migrate: boolean) => Promise<DatabaseHandle>, file: string): Promise<{ migrated: string[]; integrity: IntegrityReport; handle: DatabaseHandle }> {
  const bare = await open(false)
  let pending: string[]
  try {
    const state = await migrationState(bare.db)
    if (state.applied === 0) throw new DomainError('BACKUP_INVALID', `${file} does not hold a civindex database (it has no civindex migrations)`)
    pending = state.pending
  } finally {
    await bare.close()
  }
  const handle = await open(true)
  try {
    return { migrated: pending, integrity: await checkIntegrity(handle.db), handle }
  } catch (error) {
    await handle.close()
    throw error
  }
}

export async function restoreDatabase(config: Config, file: string, options: RestoreOptions = {}): Promise<RestoreSummary> {
  const started = performance.now()
  const progress = options.progress ?? (() => undefined)
  const kind = backupKind(file)
  if (kind === 'unknown') throw new DomainError('BACKUP_INVALID', `${file} is not a civindex backup (neither pg_dump's custom format nor an embedded-database backup)`)

  if (config.databaseUrl) {
    const url = config.databaseUrl
    if (kind !== 'postgres') throw new DomainError('BACKUP_INVALID', `${file} is a backup of an embedded database: restore it with DATABASE_URL unset and CIVINDEX_DATA naming the directory`)
    const target = `the PostgreSQL database ${databaseName(url)}`
    const current = await openDatabase({ databaseUrl: url, dataDir: '', migrate: false })
    let roles: string[]
    try {
      const tables = await tablesWithRows(current.db)
      if (tables.length > 0 && !options.force) throw refuseNonEmpty(target, tables)
      roles = await grantedRoles(current.db)
    } finally {
      await current.close()
    }
    progress(`restoring ${file} into a new database beside ${databaseName(url)} …`)
    const staging = await createStagingDatabase(url)
    try {
      await pgRestore(databaseUrl(url, staging), file)
      progress('restored; checking …')
      const staged = await prepareStaged((migrate) => openDatabase({ databaseUrl: databaseUrl(url, staging), dataDir: '', migrate }), file)
      const regranted: string[] = []
      try {
        for (const role of roles) {
          await grantServerRole(staged.handle.db, role)
          regranted.push(role)
        }
      } finally {
        await staged.handle.close()
      }
      progress(`checked; putting it in place of ${databaseName(url)} …`)
      await swapDatabases(url, staging)
      return { engine: 'postgres', target, integrity: staged.integrity, migrated: staged.migrated, regranted, seconds: (performance.now() - started) / 1000 }
    } catch (error) {
      await dropDatabase(url, staging).catch(() => undefined)
      throw error
    }
  }

  if (kind !== 'pglite') throw new DomainError('BACKUP_INVALID', `${file} is a pg_dump backup of a PostgreSQL database: restore it with DATABASE_URL set`)
  const target = `the embedded database in ${config.dataDir}`
  if (dataDirExists(config.dataDir)) {
    const current = await openEmbedded(config, 'restore')
    try {
      const tables = await tablesWithRows(current.db)
      if (tables.length > 0 && !options.force) throw refuseNonEmpty(target, tables)
    } finally {
      await current.close()
    }
  }
  const staging = siblingPath(config.dataDir, 'restore')
  try {
    progress(`restoring ${file} into ${staging} …`)
    await extractPgliteBackup(file, staging)
    progress('restored; checking …')
    const staged = await prepareStaged((migrate) => openDatabase({ databaseUrl: null, dataDir: staging, migrate }), file)
    await staged.handle.close()
    swapDataDir(staging, config.dataDir)
    return { engine: 'pglite', target, integrity: staged.integrity, migrated: staged.migrated, regranted: [], seconds: (performance.now() - started) / 1000 }
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw error
  }
}
