/** Accepted settle plans (schema/plans.ts) and the visits recorded since their acceptance. */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { settlePlans, type SettlePlanStatus } from '../schema/index.js'
import { queryRows, toCount } from '../sql.js'

export interface SettlePlanRow {
  id: number
  roundId: number
  groupCode: string
  plan: unknown
  acceptedBy: number | null
  acceptedByName: string
  acceptedAt: Date
  status: SettlePlanStatus
  doneAt: Date | null
}

/** Closes the group's open plans (a newer recommendation replaces them); returns their ids. */
export async function closeOpenPlans(tx: Queryable, roundId: number, groupCode: string): Promise<number[]> {
  const rows = await tx
    .update(settlePlans)
    .set({ status: 'done', doneAt: sql`now()` })
    .where(and(eq(settlePlans.roundId, roundId), eq(settlePlans.groupCode, groupCode), eq(settlePlans.status, 'open')))
    .returning({ id: settlePlans.id })
  return rows.map((r) => r.id).sort((a, b) => a - b)
}

export async function insertSettlePlan(tx: Queryable, row: { roundId: number; groupCode: string; plan: unknown; acceptedBy: number | null; acceptedByName: string }): Promise<SettlePlanRow> {
  const [stored] = await tx.insert(settlePlans).values(row).returning()
  if (!stored) throw new Error('insert into settle_plans returned nothing')
  return stored
}

/** The round's plans, oldest first. */
export async function listSettlePlans(db: Queryable, roundId: number): Promise<SettlePlanRow[]> {
  return db.select().from(settlePlans).where(eq(settlePlans.roundId, roundId)).orderBy(asc(settlePlans.acceptedAt), asc(settlePlans.id))
}

/**
 * Visits of the plan's round recorded after it was accepted (their created_at, when the server
 * stored them, against its accepted_at at full precision), per unit, point type and point code.
 */
export async function visitsRecordedSince(db: Queryable, planId: number): Promise<{ unit: string; pointType: string; point: string; visits: number }[]> {
  const rows = await queryRows<{ unit: string; point_type: string; point: string; n: unknown }>(
    db,
    sql`select u.code as unit, v.point_type, p.code as point, count(*)::int as n
        from visits v
        join points p on p.id = v.point_id
        join units u on u.id = v.unit_id
        join settle_plans s on s.id = ${planId}
        where v.round_id = s.round_id and v.created_at > s.accepted_at
        group by u.code, v.point_type, p.code`,
  )
  return rows.map((r) => ({ unit: r.unit, pointType: r.point_type, point: r.point, visits: toCount(r.n) }))
}
