/**
 * A fresh database per test file: a PGlite directory in a temp folder by default, or a new
 * PostgreSQL database (created here, dropped afterwards) when TEST_DATABASE_URL is set. Tests
 * never rely on leftovers or shared data.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js'

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? null
export const engineName = TEST_DATABASE_URL ? 'postgres' : 'pglite'

export interface TestDatabase {
  handle: DatabaseHandle
  /** For child processes: DATABASE_URL (PostgreSQL) or CIVINDEX_DATA (PGlite). */
  env: Record<string, string>
  /** Closes the handle and removes the data. */
  drop(): Promise<void>
}

export function tempDir(prefix = 'civindex-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** Creates an empty PostgreSQL database and returns its URL. */
export async function createPostgresDatabase(baseUrl: string): Promise<{ url: string; dropDatabase(): Promise<void> }> {
  const name = `civindex_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  const admin = postgres(baseUrl, { max: 1, onnotice: () => undefined })
  await admin.unsafe(`create database ${name}`)
  await admin.end()
  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async dropDatabase() {
      const again = postgres(baseUrl, { max: 1, onnotice: () => undefined })
      await again.unsafe(`drop database if exists ${name} with (force)`)
      await again.end()
    },
  }
}

export async function createTestDatabase(options: { open?: boolean } = {}): Promise<TestDatabase> {
  if (TEST_DATABASE_URL) {
    const created = await createPostgresDatabase(TEST_DATABASE_URL)
    const handle = await openDatabase({ databaseUrl: created.url, dataDir: '' })
    return {
      handle,
      env: { DATABASE_URL: created.url },
      async drop() {
        await handle.close()
        await created.dropDatabase()
      },
    }
  }
  const dir = tempDir()
  const dataDir = path.join(dir, 'data')
  const handle = await openDatabase({ databaseUrl: null, dataDir })
  if (options.open === false) await handle.close()
  return {
    handle,
    env: { CIVINDEX_DATA: dataDir },
    async drop() {
      await handle.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
