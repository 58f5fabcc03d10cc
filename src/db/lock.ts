/**
 * PGlite is a single-process database: two processes opening one data directory corrupt it.
 * A lock file holding the owner's pid makes the second one stop with a clear message (the CLI
 * cannot open the directory the running server holds). A lock left by a dead process is taken over.
 */
import fs from 'node:fs'
import path from 'node:path'
import { DomainError } from '../domain/errors.js'

const LOCK_NAME = 'civindex.lock'
const held = new Set<string>()

/** Whether a process of this host runs under `pid` (EPERM: it does, under another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function acquireDataDirLock(dataDir: string): { release(): void } {
  const file = path.join(dataDir, LOCK_NAME)
  if (held.has(file)) throw new DomainError('DATA_DIR_BUSY', `the embedded database in ${dataDir} is already open in this process`)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' })
      held.add(file)
      let released = false
      return {
        release() {
          if (released) return
          released = true
          held.delete(file)
          fs.rmSync(file, { force: true })
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10)
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new DomainError(
          'DATA_DIR_BUSY',
          `the embedded database in ${dataDir} is in use by process ${pid} (a running civindex server?). ` +
            'Stop it first, use its HTTP API instead, or point CIVINDEX_DATA at another directory.',
        )
      }
      fs.rmSync(file, { force: true }) // left behind by a process that is gone
    }
  }
  throw new DomainError('DATA_DIR_BUSY', `could not lock ${dataDir}`)
}

process.on('exit', () => {
  for (const file of held) fs.rmSync(file, { force: true })
})
