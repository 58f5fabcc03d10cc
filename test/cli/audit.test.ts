/**
 * `civindex audit verify` (SPEC §7): recomputes the whole audit chain, and exits 1 naming the
 * first entry that does not verify when one was changed behind the trigger's back.
 */
import { sql } from 'drizzle-orm'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js'
import { appendAudit } from '../../src/db/queries/audit.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { createTestDatabase, engineName, TEST_DATABASE_URL, type TestDatabase } from '../helpers/db.js'
import { killChildren, runCli } from '../helpers/process.js'

const TIMEOUT = 60_000
let t: TestDatabase | null = null
afterEach(async () => killChildren())
afterAll(async () => t?.drop())

/** The test's database, opened in this process for the duration of `fn` (the embedded one is one process at a time). */
async function withOpen<T>(fn: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  if (TEST_DATABASE_URL) return fn(t!.handle)
  const handle = await openDatabase({ databaseUrl: null, dataDir: t!.env.CIVINDEX_DATA!, migrate: false })
  try {
    return await fn(handle)
  } finally {
    await handle.close()
  }
}

describe(`civindex audit verify (${engineName})`, () => {
  it(
    'reports an intact chain, then names the first entry whose content was changed',
    async () => {
      t = await createTestDatabase({ open: false })
      await withOpen(async ({ db }) => {
        for (let i = 0; i < 5; i++) await appendAudit(db, { id: null, name: 'test' }, { action: 'test.entry', entity: 'thing', entityKey: String(i), details: { i } })
      })
      const intact = await runCli(['audit', 'verify'], t.env)
      expect(intact.code, intact.stderr).toBe(0)
      expect(intact.stdout).toBe("audit chain of 5 entries intact: every entry's hash recomputes and links to the entry before it\n")

      const third = await withOpen(async ({ db }) => {
        const [row] = await queryRows<{ id: unknown }>(db, sql`select id from audit_log where entity_key = '2'`)
        const id = toCount(row!.id)
        await db.execute(sql`alter table audit_log disable trigger audit_log_append_only`)
        await db.execute(sql`update audit_log set details = '{"i": 20}'::jsonb where id = ${id}`)
        await db.execute(sql`alter table audit_log enable trigger audit_log_append_only`)
        return id
      })
      const broken = await runCli(['audit', 'verify'], t.env)
      expect(broken.code).toBe(1)
      expect(broken.stdout).toBe('')
      expect(broken.stderr).toContain(`audit chain broken at entry #${third}: its hash does not match its content (the 2 entries before it verify; 5 entries in all)`)
    },
    TIMEOUT,
  )
})
