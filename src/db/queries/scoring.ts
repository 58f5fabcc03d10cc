/**
 * What scoring needs from the database, aggregated there: never a finding row per JS object.
 *
 * Evidence per (unit, standard), with D_v = Σ over visit v's findings of
 * (deduction ?? per × count), rejected findings left out:
 *   visitsWithFindings = #{v}, findings = Σ count, deductions = Σ_v D_v,
 *   capped = Σ_v min(points, D_v) = Σ_v D_v − Σ_v max(0, D_v − points).
 * evidenceByUnitStandard reads them from visit_standard_totals, which the database maintains
 * per (visit, standard) as findings are written (migration 0003); grouping a million findings
 * by visit at scoring time cost about ten times a plain GROUP BY (unit, standard).
 * evidenceFromFindings computes the same from the findings themselves: the reference the
 * totals are checked against.
 */
import { sql } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { queryRows, toCount } from '../sql.js'

export interface EvidenceRow {
  unitId: number
  standardId: number
  visitsWithFindings: number
  findings: number
  deductions: string
  capped: string
}

type EvidenceSqlRow = { unit_id: unknown; standard_id: unknown; visits_with_findings: unknown; findings: unknown; deductions: unknown; capped: unknown }

function toEvidence(rows: EvidenceSqlRow[]): EvidenceRow[] {
  return rows.map((r) => ({
    unitId: toCount(r.unit_id),
    standardId: toCount(r.standard_id),
    visitsWithFindings: toCount(r.visits_with_findings),
    findings: toCount(r.findings),
    deductions: String(r.deductions),
    capped: String(r.capped),
  }))
}

export async function evidenceByUnitStandard(db: Queryable, roundId: number): Promise<EvidenceRow[]> {
  return toEvidence(
    await queryRows<EvidenceSqlRow>(
      db,
      sql`select unit_id, standard_id, count(*)::int as visits_with_findings, sum(findings)::bigint as findings,
                 sum(deduction)::text as deductions, (sum(deduction) - coalesce(sum(excess), 0))::text as capped
          from visit_standard_totals
          where round_id = ${roundId}
          group by unit_id, standard_id`,
    ),
  )
}

export async function evidenceFromFindings(db: Queryable, roundId: number): Promise<EvidenceRow[]> {
  const rows = await queryRows<EvidenceSqlRow>(
    db,
    sql`
      with per_visit as (
        select f.unit_id, f.standard_id, f.visit_id,
               sum(f.count) as n,
               coalesce(sum(f.deduction), 0) as explicit,
               coalesce(sum(f.count) filter (where f.deduction is null), 0) as plain
        from findings f
        where f.round_id = ${roundId} and f.status <> 'rejected'
        group by f.unit_id, f.standard_id, f.visit_id
      )
      select pv.unit_id, pv.standard_id,
             count(*)::int as visits_with_findings,
             sum(pv.n)::bigint as findings,
             sum(pv.explicit + coalesce((s.rule->>'per')::numeric, 0) * pv.plain)::text as deductions,
             sum(least(s.points, pv.explicit + coalesce((s.rule->>'per')::numeric, 0) * pv.plain))::text as capped
      from per_visit pv
      join indicator_nodes s on s.id = pv.standard_id
      group by pv.unit_id, pv.standard_id`,
  )
  return toEvidence(rows)
}

export async function visitCounts(db: Queryable, roundId: number): Promise<{ unitId: number; pointType: string; visits: number }[]> {
  const rows = await queryRows<{ unit_id: unknown; point_type: string; n: unknown }>(
    db,
    sql`select unit_id, point_type, count(*)::int as n from visits where round_id = ${roundId} group by unit_id, point_type`,
  )
  return rows.map((r) => ({ unitId: toCount(r.unit_id), pointType: r.point_type, visits: toCount(r.n) }))
}

export async function unitValues(db: Queryable, roundId: number) {
  const external = await queryRows<{ unit_id: unknown; component: string; value: string }>(
    db,
    sql`select unit_id, component, value::text as value from external_scores where round_id = ${roundId}`,
  )
  const measured = await queryRows<{ unit_id: unknown; standard_id: unknown; value: string }>(
    db,
    sql`select unit_id, standard_id, value::text as value from measures where round_id = ${roundId}`,
  )
  const direct = await queryRows<{ unit_id: unknown; standard_id: unknown; value: string }>(
    db,
    sql`select unit_id, standard_id, value::text as value from direct_scores where round_id = ${roundId}`,
  )
  return {
    external: external.map((r) => ({ unitId: toCount(r.unit_id), component: r.component, value: r.value })),
    measures: measured.map((r) => ({ unitId: toCount(r.unit_id), standardId: toCount(r.standard_id), value: r.value })),
    direct: direct.map((r) => ({ unitId: toCount(r.unit_id), standardId: toCount(r.standard_id), value: r.value })),
  }
}

export async function roundGroupsWithMembers(db: Queryable, roundId: number) {
  const rows = await queryRows<{ group_code: string; group_name: string; weights: string | null; consequences: string | null; ordinal: unknown; unit_id: unknown; unit_code: string; unit_name: string; head: string | null }>(
    db,
    sql`select g.code as group_code, g.name as group_name, g.weights::text as weights, g.consequences::text as consequences, g.ordinal,
               u.id as unit_id, u.code as unit_code, u.name as unit_name, m.head
        from round_groups g
        join round_members m on m.group_id = g.id
        join units u on u.id = m.unit_id
        where g.round_id = ${roundId}
        order by g.ordinal, u.code`,
  )
  // jsonb is read as text: the two drivers decode raw json differently.
  return rows.map((r) => ({
    ...r,
    weights: r.weights === null ? null : (JSON.parse(r.weights) as Record<string, string> | null),
    consequences: r.consequences === null ? null : (JSON.parse(r.consequences) as unknown),
    ordinal: toCount(r.ordinal),
    unit_id: toCount(r.unit_id),
  }))
}

/**
 * Every visit of the round with its per-standard totals (findings that count), for the
 * credibility bootstrap: from visit_standard_totals once fieldwork has closed, else aggregated
 * from the findings. Visits come in id order; visits without findings have no standards.
 */
export async function visitEvidence(db: Queryable, roundId: number, totalsReady: boolean) {
  const visitRows = await queryRows<{ id: string; unit_id: unknown; point_type: string; point: string }>(
    db,
    sql`select v.id, v.unit_id, v.point_type, p.code as point from visits v join points p on p.id = v.point_id where v.round_id = ${roundId} order by v.id`,
  )
  const totals = await queryRows<{ visit_id: string; standard_id: unknown; findings: unknown; deduction: string }>(
    db,
    totalsReady
      ? sql`select visit_id, standard_id, findings, deduction::text as deduction from visit_standard_totals where round_id = ${roundId} and findings > 0`
      : sql`select f.visit_id, f.standard_id, sum(f.count)::bigint as findings,
                   sum(coalesce(f.deduction, coalesce((s.rule->>'per')::numeric, 0) * f.count))::text as deduction
            from findings f join indicator_nodes s on s.id = f.standard_id
            where f.round_id = ${roundId} and f.status <> 'rejected'
            group by f.visit_id, f.standard_id`,
  )
  return {
    visits: visitRows.map((v) => ({ id: v.id, unitId: toCount(v.unit_id), pointType: v.point_type, point: v.point })),
    totals: totals.map((t) => ({ visitId: t.visit_id, standardId: toCount(t.standard_id), findings: toCount(t.findings), deduction: t.deduction })),
  }
}

/**
 * The point registry of a round's units, the population of the design's first stage: every
 * active point of a unit of the round, under its unit and point type, and every point visited
 * in the round even if it has been deactivated since, under the unit and point type its visits
 * were recorded with (what the samples carry).
 */
export async function registryPoints(db: Queryable, roundId: number): Promise<{ unit: string; pointType: string; point: string }[]> {
  const rows = await queryRows<{ unit: string; point_type: string; point: string }>(
    db,
    sql`select u.code as unit, p.point_type, p.code as point
        from points p
        join round_members m on m.unit_id = p.unit_id and m.round_id = ${roundId}
        join units u on u.id = p.unit_id
        where p.active
        union
        select u.code as unit, v.point_type, p.code as point
        from (select distinct point_id, unit_id, point_type from visits where round_id = ${roundId}) v
        join points p on p.id = v.point_id
        join units u on u.id = v.unit_id`,
  )
  return rows.map((r) => ({ unit: r.unit, pointType: r.point_type, point: r.point }))
}

/** Whether any visit has been recorded in the round. */
export async function roundHasVisits(db: Queryable, roundId: number): Promise<boolean> {
  const rows = await queryRows<{ one: unknown }>(db, sql`select 1 as one from visits where round_id = ${roundId} limit 1`)
  return rows.length > 0
}
