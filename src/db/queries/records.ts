import { and, eq, inArray, sql } from 'drizzle-orm'
import { pgArray } from '../arrays.js'
import { queryRows, toCount } from '../sql.js'
import type { Queryable } from '../client.js'
import { directScores, externalScores, indicatorNodes, measures, photos, points, roundMembers, units } from '../schema/index.js'
import type { CleanRecords } from '../../domain/records/validate.js'
import type { RuleKind } from '../../domain/indicator-set/schema.js'

export async function standardsOfSet(db: Queryable, setId: number): Promise<{ id: number; code: string; kind: RuleKind; points: string; pointTypes: string[] }[]> {
  const rows = await db
    .select({ id: indicatorNodes.id, code: indicatorNodes.code, kind: indicatorNodes.ruleKind, points: indicatorNodes.points, pointTypes: indicatorNodes.pointTypes })
    .from(indicatorNodes)
    .where(and(eq(indicatorNodes.setId, setId), eq(indicatorNodes.kind, 'standard')))
  return rows.map((r) => ({ ...r, kind: r.kind as RuleKind }))
}

/** The round's units and the registry points they own. */
export async function roundUnitsAndPoints(db: Queryable, roundId: number) {
  const memberUnits = await db
    .select({ id: units.id, code: units.code })
    .from(roundMembers)
    .innerJoin(units, eq(units.id, roundMembers.unitId))
    .where(eq(roundMembers.roundId, roundId))
  const pointRows = await db
    .select({ id: points.id, code: points.code, type: points.pointType, unitId: points.unitId })
    .from(points)
    .innerJoin(roundMembers, and(eq(roundMembers.unitId, points.unitId), eq(roundMembers.roundId, roundId)))
  return { units: memberUnits, points: pointRows }
}

export async function visitsByIds(db: Queryable, ids: string[]) {
  if (ids.length === 0) return []
  const rows = await queryRows<{ id: string; point_type: string; unit_id: unknown; content_hash: string; round_id: unknown }>(
    db,
    sql`select id, point_type, unit_id, content_hash, round_id from visits where id = any(${pgArray(ids)}::uuid[])`,
  )
  return rows.map((r) => ({ id: r.id, pointType: r.point_type, unitId: toCount(r.unit_id), contentHash: r.content_hash, roundId: toCount(r.round_id) }))
}

export async function findingHashesByIds(db: Queryable, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await queryRows<{ id: string; content_hash: string }>(db, sql`select id, content_hash from findings where id = any(${pgArray(ids)}::uuid[])`)
  return new Map(rows.map((r) => [r.id, r.content_hash]))
}

export async function existingPhotos(db: Queryable, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set()
  const rows = await db.select({ hash: photos.hash }).from(photos).where(inArray(photos.hash, hashes))
  return new Set(rows.map((r) => r.hash))
}

/** Rows per statement: one array parameter per column, so the limit is memory, not parameters. */
const CHUNK = 20_000

export async function insertRecords(
  tx: Queryable,
  roundId: number,
  records: CleanRecords,
  hashes: { visits: Map<string, string>; findings: Map<string, string> },
  createdBy: number | null,
): Promise<{ visits: Set<string>; findings: Set<string> }> {
  // ON CONFLICT DO NOTHING: a concurrent batch may have stored the same id since we looked;
  // the caller compares those rows' content instead of failing on the key.
  const inserted = { visits: new Set<string>(), findings: new Set<string>() }
  for (let i = 0; i < records.visits.length; i += CHUNK) {
    const part = records.visits.slice(i, i + CHUNK)
    const rows = await queryRows<{ id: string }>(tx, sql`
      insert into visits (id, round_id, point_id, unit_id, point_type, at, evaluator, note, lat, lng, content_hash, created_by)
      select v.id, ${roundId}, v.point_id, v.unit_id, v.point_type, v.at, v.evaluator, v.note, v.lat, v.lng, v.content_hash, ${createdBy}
      from unnest(${pgArray(part.map((v) => v.id))}::uuid[], ${pgArray(part.map((v) => v.pointId))}::int[], ${pgArray(part.map((v) => v.unitId))}::int[],
                  ${pgArray(part.map((v) => v.pointType))}::text[], ${pgArray(part.map((v) => v.at.toISOString()))}::timestamptz[],
                  ${pgArray(part.map((v) => v.evaluator))}::text[], ${pgArray(part.map((v) => v.note))}::text[],
                  ${pgArray(part.map((v) => v.lat))}::numeric[], ${pgArray(part.map((v) => v.lng))}::numeric[],
                  ${pgArray(part.map((v) => hashes.visits.get(v.id)!))}::text[])
           as v(id, point_id, unit_id, point_type, at, evaluator, note, lat, lng, content_hash)
      on conflict (id) do nothing
      returning id`)
    for (const r of rows) inserted.visits.add(r.id)
  }
  for (let i = 0; i < records.findings.length; i += CHUNK) {
    const part = records.findings.slice(i, i + CHUNK)
    const rows = await queryRows<{ id: string }>(tx, sql`
      insert into findings (id, round_id, visit_id, unit_id, standard_id, count, deduction, note, evaluator, at, photos, content_hash, created_by)
      select f.id, ${roundId}, f.visit_id, f.unit_id, f.standard_id, f.count, f.deduction, f.note, f.evaluator, f.at,
             coalesce(string_to_array(f.photos, ','), '{}'), f.content_hash, ${createdBy}
      from unnest(${pgArray(part.map((f) => f.id))}::uuid[], ${pgArray(part.map((f) => f.visitId))}::uuid[], ${pgArray(part.map((f) => f.unitId))}::int[],
                  ${pgArray(part.map((f) => f.standardId))}::int[], ${pgArray(part.map((f) => f.count))}::int[], ${pgArray(part.map((f) => f.deduction))}::numeric[],
                  ${pgArray(part.map((f) => f.note))}::text[], ${pgArray(part.map((f) => f.evaluator))}::text[],
                  ${pgArray(part.map((f) => f.at?.toISOString() ?? null))}::timestamptz[],
                  ${pgArray(part.map((f) => (f.photos.length > 0 ? f.photos.join(',') : null)))}::text[],
                  ${pgArray(part.map((f) => hashes.findings.get(f.id)!))}::text[])
           as f(id, visit_id, unit_id, standard_id, count, deduction, note, evaluator, at, photos, content_hash)
      on conflict (id) do nothing
      returning id`)
    for (const r of rows) inserted.findings.add(r.id)
  }
  if (records.externalScores.length > 0)
    await tx
      .insert(externalScores)
      .values(records.externalScores.map((e) => ({ ...e, roundId, enteredBy: createdBy })))
      .onConflictDoUpdate({ target: [externalScores.roundId, externalScores.unitId, externalScores.component], set: { value: sql`excluded.value`, enteredBy: sql`excluded.entered_by`, enteredAt: sql`now()` } })
  if (records.measures.length > 0)
    await tx
      .insert(measures)
      .values(records.measures.map((m) => ({ ...m, roundId, enteredBy: createdBy })))
      .onConflictDoUpdate({ target: [measures.roundId, measures.unitId, measures.standardId], set: { value: sql`excluded.value`, enteredBy: sql`excluded.entered_by`, enteredAt: sql`now()` } })
  if (records.directScores.length > 0)
    await tx
      .insert(directScores)
      .values(records.directScores.map((d) => ({ ...d, roundId, enteredBy: createdBy })))
      .onConflictDoUpdate({
        target: [directScores.roundId, directScores.unitId, directScores.standardId],
        set: { value: sql`excluded.value`, note: sql`excluded.note`, enteredBy: sql`excluded.entered_by`, enteredAt: sql`now()` },
      })
  return inserted
}
