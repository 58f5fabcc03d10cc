import { count, desc, gt, sql } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { auditLog } from '../schema/index.js'
import { canonicalJson, sha256Hex } from '../../domain/canonical-json.js'

export interface Actor {
  id: number | null
  name: string
}

export interface AuditEntry {
  action: string
  entity: string
  entityKey: string
  details: Record<string, unknown>
}

/**
 * Appends to the hash chain. Call inside the transaction that makes the change, so the entry
 * and the change commit together. The database function (migration 0011) takes the advisory
 * lock that keeps concurrent writers from forking the chain (both reading the same previous
 * hash), reads the head and inserts, in one round trip: the lock, held until commit, is held
 * for as short a time as the commit allows.
 */
export async function appendAudit(tx: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  const at = new Date().toISOString()
  const body = canonicalJson({ at, actor: actor.name, actorId: actor.id, ...entry })
  await tx.execute(
    sql`select civindex_append_audit(${at}::timestamptz, ${actor.id}::integer, ${actor.name}, ${entry.action}, ${entry.entity}, ${entry.entityKey}, ${JSON.stringify(entry.details)}::jsonb, ${body})`,
  )
}

type AuditRow = typeof auditLog.$inferSelect

/** Where and why the chain fails: the first entry that does not verify. */
export interface ChainCheck {
  /** Entries read and checked. */
  checked: number
  /** Id of the first entry that does not verify; null when all do. */
  brokenAt: number | null
  reason: string | null
}

/** The hash an entry must carry: SHA-256 over its predecessor's hash, a newline and its canonical JSON (as migration 0011 computes it). */
function expectedHash(row: AuditRow, prev: string | null): string {
  const body = { at: row.at.toISOString(), actor: row.actor, actorId: row.actorId, action: row.action, entity: row.entity, entityKey: row.entityKey, details: row.details }
  return sha256Hex(`${prev ?? ''}\n${canonicalJson(body)}`)
}

/** Why `row` does not follow an entry whose hash is `prev` (null: it is the first), or null when it does. */
function defect(row: AuditRow, prev: string | null, prevId: number | null): string | null {
  if (row.prevHash !== prev) return prevId === null ? 'the first entry names a predecessor' : `it does not link to the entry before it (#${prevId})`
  if (row.hash !== expectedHash(row, prev)) return 'its hash does not match its content'
  return null
}

const PAGE = 5_000

/**
 * Recomputes the chain from the first entry, a page at a time. Reports the first entry whose
 * hash or link does not verify (an edit made behind the trigger's back), with the reason.
 */
export async function verifyAuditChain(db: Queryable): Promise<ChainCheck> {
  let prev: string | null = null
  let prevId: number | null = null
  let checked = 0
  for (;;) {
    const rows: AuditRow[] = await db
      .select()
      .from(auditLog)
      .where(prevId === null ? undefined : gt(auditLog.id, prevId))
      .orderBy(auditLog.id)
      .limit(PAGE)
    for (const row of rows) {
      checked++
      const reason = defect(row, prev, prevId)
      if (reason) return { checked, brokenAt: row.id, reason }
      prev = row.hash
      prevId = row.id
    }
    if (rows.length < PAGE) return { checked, brokenAt: null, reason: null }
  }
}

/**
 * The cheap check of the chain's head, for readiness probes: the last `depth` entries each
 * recompute and link to the one before (the entry before them is read for its hash only; when
 * the whole chain is that short, the first entry must name no predecessor). The whole chain is
 * `civindex audit verify`.
 */
export async function verifyAuditHead(db: Queryable, depth = 3): Promise<ChainCheck> {
  const rows = (await db.select().from(auditLog).orderBy(desc(auditLog.id)).limit(depth + 1)).reverse()
  const whole = rows.length <= depth
  let checked = 0
  for (let i = whole ? 0 : 1; i < rows.length; i++) {
    const row = rows[i]!
    const before = i === 0 ? null : rows[i - 1]!
    checked++
    const reason = defect(row, before?.hash ?? null, before?.id ?? null)
    if (reason) return { checked, brokenAt: row.id, reason }
  }
  return { checked, brokenAt: null, reason: null }
}

/** Entries in the chain. */
export async function auditEntryCount(db: Queryable): Promise<number> {
  const [row] = await db.select({ n: count() }).from(auditLog)
  return row?.n ?? 0
}
