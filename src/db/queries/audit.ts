import { desc, sql } from 'drizzle-orm'
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
 * and the change commit together. The advisory lock keeps concurrent writers from forking the
 * chain (both reading the same previous hash).
 */
export async function appendAudit(tx: Queryable, actor: Actor, entry: AuditEntry): Promise<void> {
  // Sent together (one round trip); the second statement starts, and takes its snapshot, only
  // once the first has the lock.
  const [, [last]] = await Promise.all([tx.execute(sql`select pg_advisory_xact_lock(726355)`), tx.select({ hash: auditLog.hash }).from(auditLog).orderBy(desc(auditLog.id)).limit(1)])
  const prevHash = last?.hash ?? null
  const at = new Date()
  const body = { at: at.toISOString(), actor: actor.name, actorId: actor.id, ...entry }
  const hash = sha256Hex(`${prevHash ?? ''}\n${canonicalJson(body)}`)
  await tx.insert(auditLog).values({ at, actorId: actor.id, actor: actor.name, ...entry, prevHash, hash })
}

/**
 * Recomputes the chain from the first entry. Returns null when every hash matches, or the id
 * of the first entry whose hash or link does not (an edit made behind the trigger's back).
 */
export async function verifyAuditChain(db: Queryable): Promise<{ checked: number; brokenAt: number | null }> {
  const rows = await db.select().from(auditLog).orderBy(auditLog.id)
  let prev: string | null = null
  for (const row of rows) {
    const body = { at: row.at.toISOString(), actor: row.actor, actorId: row.actorId, action: row.action, entity: row.entity, entityKey: row.entityKey, details: row.details }
    const expected = sha256Hex(`${prev ?? ''}\n${canonicalJson(body)}`)
    if (row.prevHash !== prev || row.hash !== expected) return { checked: rows.length, brokenAt: row.id }
    prev = row.hash
  }
  return { checked: rows.length, brokenAt: null }
}
