import { sql } from 'drizzle-orm'
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
