import { and, eq, inArray, sql } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { directScores, externalScores, findings, indicatorNodes, measures, photos, points, roundMembers, units, visits } from '../schema/index.js'
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

export async function visitsByIds(db: Queryable, _roundId: number, ids: string[]) {
  if (ids.length === 0) return []
  const out: { id: string; pointType: string; unitId: number; contentHash: string; roundId: number }[] = []
  for (let i = 0; i < ids.length; i += 5000) {
    out.push(
      ...(await db
        .select({ id: visits.id, pointType: visits.pointType, unitId: visits.unitId, contentHash: visits.contentHash, roundId: visits.roundId })
        .from(visits)
        .where(inArray(visits.id, ids.slice(i, i + 5000)))),
    )
  }
  return out
}

export async function findingHashesByIds(db: Queryable, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (let i = 0; i < ids.length; i += 5000) {
    const rows = await db.select({ id: findings.id, hash: findings.contentHash }).from(findings).where(inArray(findings.id, ids.slice(i, i + 5000)))
    for (const r of rows) out.set(r.id, r.hash)
  }
  return out
}

export async function existingPhotos(db: Queryable, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set()
  const rows = await db.select({ hash: photos.hash }).from(photos).where(inArray(photos.hash, hashes))
  return new Set(rows.map((r) => r.hash))
}

const CHUNK = 1000

export async function insertRecords(
  tx: Queryable,
  roundId: number,
  records: CleanRecords,
  hashes: { visits: Map<string, string>; findings: Map<string, string> },
  createdBy: number | null,
): Promise<void> {
  for (let i = 0; i < records.visits.length; i += CHUNK) {
    await tx.insert(visits).values(
      records.visits.slice(i, i + CHUNK).map((v) => ({ ...v, roundId, contentHash: hashes.visits.get(v.id)!, createdBy })),
    )
  }
  for (let i = 0; i < records.findings.length; i += CHUNK) {
    await tx.insert(findings).values(
      records.findings.slice(i, i + CHUNK).map((f) => ({ ...f, roundId, contentHash: hashes.findings.get(f.id)!, createdBy })),
    )
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
}
