/**
 * Review and correction of findings.
 *
 * Review (round in `review`): a reviewer accepts or rejects a finding; a rejection needs a
 * reason; `reset` undoes a decision (back to pending). Rejected findings do not count: the
 * per-visit totals follow the status change. Every decision is kept in finding_reviews.
 * Editing (round in `fieldwork`): a change to count, deduction, note, standard or photos stores
 * the replaced content in finding_versions and bumps the version; nothing is overwritten
 * without a trace. History = versions + decisions, oldest first.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm'
import { DomainError } from '../domain/errors.js'
import { assertAccepts } from '../domain/round/lifecycle.js'
import { validateRecords } from '../domain/records/validate.js'
import { readUuid } from '../domain/uuid.js'
import type { Database } from '../db/client.js'
import { appendAudit, type Actor } from '../db/queries/audit.js'
import { existingPhotos, standardsOfSet } from '../db/queries/records.js'
import { roundStatusForShare } from '../db/queries/rounds.js'
import { findingReviews, findings, findingVersions, indicatorNodes, rounds, visits } from '../db/schema/index.js'
import { findingHash } from './records.js'

export type Decision = 'accept' | 'reject' | 'reset'

const STATUS_OF: Record<Decision, 'accepted' | 'rejected' | 'pending'> = { accept: 'accepted', reject: 'rejected', reset: 'pending' }

async function findingWithRound(db: Database, id: string) {
  if (!readUuid(id.toLowerCase())) throw new DomainError('NOT_FOUND', `no finding ${id}`)
  const [row] = await db
    .select({ finding: findings, roundCode: rounds.code, roundStatus: rounds.status, setId: rounds.indicatorSetId, standardCode: indicatorNodes.code, pointType: visits.pointType })
    .from(findings)
    .innerJoin(rounds, eq(rounds.id, findings.roundId))
    .innerJoin(indicatorNodes, eq(indicatorNodes.id, findings.standardId))
    .innerJoin(visits, eq(visits.id, findings.visitId))
    .where(eq(findings.id, id.toLowerCase()))
    .limit(1)
  if (!row) throw new DomainError('NOT_FOUND', `no finding ${id}`)
  return row
}

export async function reviewFinding(db: Database, id: string, decision: Decision, reason: string | null, actor: Actor) {
  const row = await findingWithRound(db, id)
  const why = reason?.trim() ?? ''
  if (decision === 'reject' && why === '') throw new DomainError('VALIDATION_FAILED', 'a rejection needs a reason', [{ path: 'reason', message: 'required when rejecting' }])
  return db.transaction(async (tx) => {
    assertAccepts(row.roundCode, await roundStatusForShare(tx, row.finding.roundId), 'review')
    const status = STATUS_OF[decision]
    await tx
      .update(findings)
      .set({ status, reviewReason: decision === 'reset' ? null : why || null, reviewedBy: actor.id, reviewedAt: new Date(), updatedAt: new Date() })
      .where(eq(findings.id, row.finding.id))
    await tx.insert(findingReviews).values({ findingId: row.finding.id, decision, reason: why || null, reviewerId: actor.id })
    await appendAudit(tx, actor, { action: `finding.${decision}`, entity: 'finding', entityKey: row.finding.id, details: { round: row.roundCode, reason: why || null } })
    return { id: row.finding.id, status }
  })
}

export interface FindingChange {
  standard?: string
  count?: number
  deduction?: string | null
  note?: string | null
  photos?: string[]
  reason?: string
}

export async function editFinding(db: Database, id: string, change: FindingChange, actor: Actor & { role?: string }) {
  const row = await findingWithRound(db, id)
  const f = row.finding
  if (actor.role === 'evaluator' && f.createdBy !== actor.id) throw new DomainError('FORBIDDEN', 'evaluators may edit only the findings they submitted')
  // The edited finding must pass the same checks as a new one.
  const candidate = {
    id: f.id,
    visit: f.visitId,
    standard: change.standard ?? row.standardCode,
    count: change.count ?? f.count,
    ...(change.deduction !== undefined ? (change.deduction === null ? {} : { deduction: change.deduction }) : f.deduction !== null ? { deduction: f.deduction } : {}),
    ...(change.note !== undefined ? (change.note === null ? {} : { note: change.note }) : f.note !== null ? { note: f.note } : {}),
    ...(f.evaluator !== null ? { evaluator: f.evaluator } : {}),
    ...(f.at !== null ? { at: f.at.toISOString() } : {}),
    photos: change.photos ?? f.photos,
  }
  const standards = await standardsOfSet(db, row.setId)
  const { records, issues } = validateRecords(
    { findings: [candidate] },
    {
      standards: new Map(standards.map((s) => [s.code, s])),
      components: new Map(),
      points: new Map(),
      units: new Map(),
      storedVisits: new Map([[f.visitId, { pointType: row.pointType, unitId: f.unitId }]]),
      photos: await existingPhotos(db, candidate.photos),
    },
  )
  if (issues.length > 0) throw new DomainError('VALIDATION_FAILED', `${issues.length} problem(s) in the change`, issues.map((i) => ({ ...i, path: i.path.replace(/^findings\[0\]\./, '') })))
  const next = records.findings[0]!
  const contentHash = findingHash(next)
  if (contentHash === f.contentHash) return { id: f.id, version: f.version, changed: false }
  return db.transaction(async (tx) => {
    assertAccepts(row.roundCode, await roundStatusForShare(tx, f.roundId), 'field-entry')
    // The version read above must still be the stored one: of corrections sent at the same
    // time, the first to update wins and the others are conflicts, never a second version n.
    const moved = await tx
      .update(findings)
      .set({ standardId: next.standardId, count: next.count, deduction: next.deduction, note: next.note, photos: next.photos, contentHash, version: f.version + 1, updatedAt: new Date() })
      .where(and(eq(findings.id, f.id), eq(findings.version, f.version)))
      .returning({ id: findings.id })
    if (moved.length === 0)
      throw new DomainError('CONFLICT', `finding ${f.id} was corrected by someone else meanwhile (it is no longer version ${f.version}); read it again and repeat the correction`)
    const previous = { standard: row.standardCode, count: f.count, deduction: f.deduction, note: f.note, photos: f.photos, contentHash: f.contentHash }
    await tx.insert(findingVersions).values({ findingId: f.id, version: f.version, data: previous, changedBy: actor.id, reason: change.reason?.trim() || null })
    await appendAudit(tx, actor, { action: 'finding.edit', entity: 'finding', entityKey: f.id, details: { round: row.roundCode, from: f.version, to: f.version + 1 } })
    return { id: f.id, version: f.version + 1, changed: true }
  })
}

export async function findingHistory(db: Database, id: string) {
  const row = await findingWithRound(db, id)
  const versions = await db.select().from(findingVersions).where(eq(findingVersions.findingId, row.finding.id)).orderBy(asc(findingVersions.version))
  const reviews = await db.select().from(findingReviews).where(eq(findingReviews.findingId, row.finding.id)).orderBy(asc(findingReviews.id))
  const f = row.finding
  return {
    id: f.id,
    round: row.roundCode,
    current: { version: f.version, standard: row.standardCode, count: f.count, deduction: f.deduction, note: f.note, photos: f.photos, status: f.status, reviewReason: f.reviewReason },
    versions: versions.map((v) => ({ version: v.version, ...(v.data as Record<string, unknown>), changedBy: v.changedBy, changedAt: v.changedAt.toISOString(), reason: v.reason })),
    reviews: reviews.map((r) => ({ decision: r.decision, reason: r.reason, reviewer: r.reviewerId, at: r.at.toISOString() })),
  }
}

/** Findings of a round, newest first; `createdBy` limits them to one submitter (an evaluator's own). */
export async function listFindings(db: Database, roundId: number, options: { createdBy?: number; limit: number; offset: number }) {
  const where = options.createdBy === undefined ? eq(findings.roundId, roundId) : and(eq(findings.roundId, roundId), eq(findings.createdBy, options.createdBy))
  const rows = await db
    .select({ id: findings.id, visit: findings.visitId, standard: indicatorNodes.code, count: findings.count, deduction: findings.deduction, note: findings.note, status: findings.status, version: findings.version, createdAt: findings.createdAt })
    .from(findings)
    .innerJoin(indicatorNodes, eq(indicatorNodes.id, findings.standardId))
    .where(where)
    .orderBy(desc(findings.createdAt), asc(findings.id))
    .limit(options.limit)
    .offset(options.offset)
  const [total] = await db.select({ n: sql<number>`count(*)::int` }).from(findings).where(where)
  return { total: Number(total?.n ?? 0), items: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) }
}
