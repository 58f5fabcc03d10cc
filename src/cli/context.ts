/** What every CLI command shares: the acting user, output lines and a database for the command's duration. */
import os from 'node:os'
import type { Config } from '../config.js'
import { openDatabase, type DatabaseHandle } from '../db/client.js'
import type { Actor } from '../db/queries/audit.js'

export const cliActor = (): Actor => ({ id: null, name: `cli:${os.userInfo().username}` })
export const out = (line: string): void => void process.stdout.write(`${line}\n`)
export const err = (line: string): void => void process.stderr.write(`${line}\n`)

export async function withDatabase<T>(config: Config, fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    return await fn(handle)
  } finally {
    await handle.close()
  }
}
