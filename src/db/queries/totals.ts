/**
 * Building and dropping a round's per-visit totals (visit_standard_totals).
 *
 * During fieldwork, findings arrive in batches of thousands; maintaining the grouped totals per
 * statement would double the cost of every batch. So the totals are built once, in one grouped
 * statement, when fieldwork closes, and the triggers of migration 0003 (restricted by 0007 to
 * rounds with `totals_ready`) keep them exact through review decisions and corrections from
 * then on. Reopening fieldwork drops them again. The caller holds the round's row lock, which
 * every finding write waits for (it reads the round's state FOR SHARE), so no batch can slip
 * between the build and the flag.
 */
import { sql } from 'drizzle-orm'
import type { Queryable } from '../client.js'

export async function buildRoundTotals(tx: Queryable, roundId: number): Promise<void> {
  await tx.execute(sql`delete from visit_standard_totals where round_id = ${roundId}`)
  await tx.execute(sql`
    insert into visit_standard_totals (round_id, unit_id, standard_id, visit_id, findings, deduction, points, excess)
    select d.round_id, d.unit_id, d.standard_id, d.visit_id, d.n, d.ded, s.points, nullif(greatest(0, d.ded - s.points), 0)
    from (
      select f.round_id, f.unit_id, f.standard_id, f.visit_id, sum(f.count) as n,
             sum(coalesce(f.deduction, coalesce((s.rule->>'per')::numeric, 0) * f.count)) as ded
      from findings f
      join indicator_nodes s on s.id = f.standard_id
      where f.round_id = ${roundId} and f.status <> 'rejected'
      group by f.round_id, f.unit_id, f.standard_id, f.visit_id
    ) d
    join indicator_nodes s on s.id = d.standard_id
    where d.n <> 0 or d.ded <> 0`)
  await tx.execute(sql`update rounds set totals_ready = true where id = ${roundId}`)
  // Fresh statistics for the bulk-written rows, so scoring plans on them at once. Through a
  // function running as the table's owner (migration 0015): the server's role may own nothing.
  await tx.execute(sql`select civindex_analyze_visit_totals()`)
}

export async function dropRoundTotals(tx: Queryable, roundId: number): Promise<void> {
  await tx.execute(sql`update rounds set totals_ready = false where id = ${roundId}`)
  await tx.execute(sql`delete from visit_standard_totals where round_id = ${roundId}`)
}
