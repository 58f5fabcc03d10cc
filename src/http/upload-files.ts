/**
 * Temporary files of uploads (a workbook sent for import) live in `<CIVINDEX_STORAGE>/import-uploads`,
 * not in the system's temp folder: a request removes its own file on every path, and what a
 * crashed process left behind is swept at the next start (and again by imports, at most hourly).
 *
 * Several servers may share one storage directory (PostgreSQL deployments), so a sweep must not
 * remove a file another live server is still reading. A file is named
 * `upload-<scope>-<pid>-<random>.xlsx`, where scope is a hash of the host name and of the pid
 * namespace (containers on one host have their own pids). A sweep removes:
 * - a file of its own scope whose pid is no longer running (that process died mid-request);
 * - any file older than one hour (other hosts, pids reused after a reboot, unknown names): an
 *   upload is written and imported within minutes.
 * It never removes the files of its own process: those belong to requests still running.
 */
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { alive } from '../db/lock.js'

export const UPLOADS_DIR = 'import-uploads'
export const STALE_AFTER_MS = 60 * 60 * 1000

const NAME = /^upload-([0-9a-f]{12})-(\d+)-[0-9a-f]+\.[a-z]+$/

/** The host and pid namespace whose pids this process can check (`kill -0`). */
function processScope(): string {
  let namespace = ''
  try {
    namespace = fs.readlinkSync('/proc/self/ns/pid')
  } catch {
    // Not Linux: the host name alone.
  }
  return createHash('sha256').update(`${os.hostname()}\0${namespace}`).digest('hex').slice(0, 12)
}

export const PROCESS_SCOPE = processScope()

export function uploadsDir(storageDir: string): string {
  return path.join(storageDir, UPLOADS_DIR)
}

/** A fresh name in `dir` for an upload of this process. */
export function uploadFileName(dir: string, extension = 'xlsx', pid = process.pid, scope = PROCESS_SCOPE): string {
  return path.join(dir, `upload-${scope}-${pid}-${randomBytes(8).toString('hex')}.${extension}`)
}


/** Removes the files left by dead processes and stale ones; returns the names removed. */
export async function sweepUploads(dir: string, now: number = Date.now()): Promise<string[]> {
  let entries: fs.Dirent[]
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const removed: string[] = []
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const match = NAME.exec(entry.name)
    const pid = match ? Number(match[2]) : null
    const ours = match?.[1] === PROCESS_SCOPE
    if (ours && pid === process.pid) continue
    const file = path.join(dir, entry.name)
    let remove = ours && pid !== null && !alive(pid)
    if (!remove) {
      const stat = await fs.promises.stat(file).catch(() => null)
      remove = stat !== null && now - stat.mtimeMs > STALE_AFTER_MS
    }
    if (!remove) continue
    // Another server may sweep the same directory at the same time.
    await fs.promises.rm(file, { force: true })
    removed.push(entry.name)
  }
  return removed
}
