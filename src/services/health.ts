/**
 * Readiness (GET /readyz): the database answers, it has every migration of this version, and
 * the head of the audit chain is consistent (its last entries recompute and link; the whole
 * chain is `civindex audit verify`). Liveness (GET /healthz) needs none of this.
 */
import { sql } from 'drizzle-orm'
import { DomainError } from '../domain/errors.js'
import type { Queryable } from '../db/client.js'
import { migrationState } from '../db/migration-state.js'
import { verifyAuditHead } from '../db/queries/audit.js'

export interface Readiness {
  status: 'ok'
  database: 'ok'
  migrations: 'current'
  audit: 'consistent'
}

export async function readiness(db: Queryable): Promise<Readiness> {
  try {
    await db.execute(sql`select 1`)
  } catch (error) {
    throw new DomainError('DATABASE_UNAVAILABLE', `the database does not answer: ${error instanceof Error ? error.message : String(error)}`)
  }
  const state = await migrationState(db)
  if (state.pending.length > 0) {
    throw new DomainError('MIGRATIONS_PENDING', `the database lacks ${state.pending.length} migration(s) of this version (${state.pending.join(', ')}): run \`civindex db migrate\` as the owner role`)
  }
  const head = await verifyAuditHead(db)
  if (head.brokenAt !== null) {
    throw new DomainError('AUDIT_CHAIN_BROKEN', `audit log entry #${head.brokenAt}: ${head.reason ?? 'does not verify'}; run \`civindex audit verify\` for the whole chain`)
  }
  return { status: 'ok', database: 'ok', migrations: 'current', audit: 'consistent' }
}
