/**
 * Data in: a batch of visits, findings, external scores, measures and direct scores for one
 * round, all or nothing. Retrying a batch is safe: a visit or finding whose id is already
 * stored with the same content is skipped; the same id with different content is a conflict
 * (409) naming the id. Per-unit values (external, measure, direct) are replaced by a re-import.
 */
import { sha256Hex } from '../domain/canonical-json.js'
import { DomainError, type Issue } from '../domain/errors.js'
import type { IndicatorSet } from '../domain/indicator-set/model.js'
import { validateRecords, type CleanRecords, type FindingRecord, type VisitRecord } from '../domain/records/validate.js'
import type { Database, Queryable } from '../db/client.js'
import { appendAudit, type Actor } from '../db/queries/audit.js'
import { findSetDefinition } from '../db/queries/indicator-sets.js'
import { existingPhotos, findingHashesByIds, insertRecords, roundUnitsAndPoints, standardsOfSet, visitsByIds } from '../db/queries/records.js'
import { roundStatusForShare } from '../db/queries/rounds.js'
import { assertAccepts } from '../domain/round/lifecycle.js'
import { getRound } from './rounds.js'

export interface ImportSummary {
  round: string
  visits: { added: number; unchanged: number }
  findings: { added: number; unchanged: number }
  externalScores: number
  measures: number
  directScores: number
}

/**
 * Content hashes that tell a retry (same id, same content) from a clash. Each field is written
 * as JSON in a fixed order, so no value can run into the next; this is several times faster
 * than canonical JSON of an object, which matters at 5,000 records a batch.
 */
const field = (v: string | number | null): string => JSON.stringify(v)

export function visitHash(roundId: number, v: VisitRecord): string {
  return sha256Hex(`v1|${roundId}|${v.pointId}|${v.at.toISOString()}|${field(v.evaluator)}|${field(v.note)}|${field(v.lat)}|${field(v.lng)}`)
}

export function findingHash(f: FindingRecord): string {
  return sha256Hex(
    `f1|${f.visitId}|${f.standardId}|${f.count}|${field(f.deduction)}|${field(f.note)}|${field(f.evaluator)}|${field(f.at?.toISOString() ?? null)}|${f.photos.join(',')}`,
  )
}

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function hasAny(data: unknown, kind: string): boolean {
  const list = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[kind] : undefined
  return Array.isArray(list) && list.length > 0
}

function collect(data: unknown, kind: string, field: string): string[] {
  if (typeof data !== 'object' || data === null) return []
  const list = (data as Record<string, unknown>)[kind]
  if (!Array.isArray(list)) return []
  const out: string[] = []
  for (const r of list) {
    const v = typeof r === 'object' && r !== null ? (r as Record<string, unknown>)[field] : undefined
    if (typeof v === 'string') out.push(v.trim().toLowerCase())
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') out.push(x.trim().toLowerCase())
  }
  return out
}

/**
 * What validation needs of a round's indicator set. Sets are immutable once stored (their id
 * names one content), so this is read once per database and set, not once per batch.
 */
interface SetContext {
  set: IndicatorSet
  standards: Awaited<ReturnType<typeof standardsOfSet>>
}
const setContexts = new WeakMap<Database, Map<number, Promise<SetContext>>>()

function setContext(db: Database, setId: number): Promise<SetContext> {
  const perDb = setContexts.get(db) ?? setContexts.set(db, new Map()).get(db)!
  let context = perDb.get(setId)
  if (!context) {
    context = (async () => ({ set: (await findSetDefinition(db, setId)) as IndicatorSet, standards: await standardsOfSet(db, setId) }))()
    context.catch(() => perDb.delete(setId))
    perDb.set(setId, context)
  }
  return context
}

const clash = (kind: 'visit' | 'finding', index: number, id: string): Issue => ({ path: `${kind}s[${index}].id`, message: `${kind} ${id} is already recorded with different content` })

export async function importRecords(db: Database, roundCode: string, data: unknown, actor: Actor): Promise<ImportSummary> {
  const round = await getRound(db, roundCode)
  if (hasAny(data, 'visits') || hasAny(data, 'findings')) assertAccepts(roundCode, round.status, 'field-entry')
  if (hasAny(data, 'externalScores') || hasAny(data, 'measures') || hasAny(data, 'directScores')) assertAccepts(roundCode, round.status, 'unit-values')
  const { set, standards } = await setContext(db, round.indicatorSetId)
  const { units, points } = await roundUnitsAndPoints(db, round.id)
  // One lookup serves both needs: visits the findings refer to, and the batch's own visit ids
  // (already stored = a retry or a clash).
  // Malformed ids are left to the validator to report; they cannot name a stored visit.
  const ids = [...collect(data, 'findings', 'visit'), ...collect(data, 'visits', 'id')].filter((id) => UUID_SHAPE.test(id))
  const lookedUp = await visitsByIds(db, [...new Set(ids)])
  const { records, issues } = validateRecords(data, {
    standards: new Map(standards.map((s) => [s.code, s])),
    components: new Map(set.components.map((c) => [c.code, c.source])),
    points: new Map(points.map((p) => [p.code, p])),
    units: new Map(units.map((u) => [u.code, u.id])),
    storedVisits: new Map(lookedUp.filter((v) => v.roundId === round.id).map((v) => [v.id, v])),
    photos: await existingPhotos(db, [...new Set(collect(data, 'findings', 'photos'))]),
  })
  if (issues.length > 0) throw new DomainError('VALIDATION_FAILED', `${issues.length} problem(s) in the records; nothing was stored`, issues)

  const hashes = { visits: new Map(records.visits.map((v) => [v.id, visitHash(round.id, v)])), findings: new Map(records.findings.map((f) => [f.id, findingHash(f)])) }
  const visitIndex = new Map(records.visits.map((v, i) => [v.id, i]))
  const findingIndex = new Map(records.findings.map((f, i) => [f.id, i]))
  /** Ids among `findingIds` stored with other content than this batch's, as issues. */
  const findingClashes = async (q: Queryable, findingIds: string[]): Promise<Issue[]> => {
    const stored = await findingHashesByIds(q, findingIds)
    return findingIds.filter((id) => stored.has(id) && stored.get(id) !== hashes.findings.get(id)).map((id) => clash('finding', findingIndex.get(id)!, id))
  }

  // Visits already stored are known from the lookup above: a retry is skipped, a clash refused.
  // Stored findings are found by the insert itself (ON CONFLICT DO NOTHING), which saves a
  // lookup per batch on the common path of new findings.
  const storedVisitHashes = new Map(lookedUp.map((v) => [v.id, v.contentHash]))
  const fresh: CleanRecords = { ...records, visits: records.visits.filter((v) => !storedVisitHashes.has(v.id)) }
  const visitClashes = records.visits.filter((v) => storedVisitHashes.has(v.id) && storedVisitHashes.get(v.id) !== hashes.visits.get(v.id)).map((v) => clash('visit', visitIndex.get(v.id)!, v.id))
  if (visitClashes.length > 0) {
    const conflicts = [...visitClashes, ...(await findingClashes(db, records.findings.map((f) => f.id)))]
    throw new DomainError('CONFLICT', `${conflicts.length} record(s) reuse an id with different content; nothing was stored`, conflicts)
  }

  let added = { visits: 0, findings: 0 }
  await db.transaction(async (tx) => {
    // The state checked above must still hold when the rows land: a concurrent close waits.
    const status = await roundStatusForShare(tx, round.id)
    if (hasAny(data, 'visits') || hasAny(data, 'findings')) assertAccepts(roundCode, status, 'field-entry')
    else assertAccepts(roundCode, status, 'unit-values')
    const inserted = await insertRecords(tx, round.id, fresh, hashes, actor.id)
    // Rows stored before (a retry, or a concurrent batch that got there first): the same
    // content is a retry, other content a clash that undoes the whole batch.
    const racedVisits = fresh.visits.filter((v) => !inserted.visits.has(v.id)).map((v) => v.id)
    const racedFindings = fresh.findings.filter((f) => !inserted.findings.has(f.id)).map((f) => f.id)
    if (racedVisits.length > 0 || racedFindings.length > 0) {
      const storedVisits = new Map((await visitsByIds(tx, racedVisits)).map((v) => [v.id, v.contentHash]))
      const clashes = [
        ...racedVisits.filter((id) => storedVisits.get(id) !== hashes.visits.get(id)).map((id) => clash('visit', visitIndex.get(id)!, id)),
        ...(await findingClashes(tx, racedFindings)),
      ]
      if (clashes.length > 0) throw new DomainError('CONFLICT', `${clashes.length} record(s) reuse an id with different content; nothing was stored`, clashes)
    }
    added = { visits: inserted.visits.size, findings: inserted.findings.size }
    await appendAudit(tx, actor, {
      action: 'records.import',
      entity: 'round',
      entityKey: roundCode,
      details: { visits: inserted.visits.size, findings: inserted.findings.size, externalScores: records.externalScores.length, measures: records.measures.length, directScores: records.directScores.length },
    })
  })
  return {
    round: roundCode,
    visits: { added: added.visits, unchanged: records.visits.length - added.visits },
    findings: { added: added.findings, unchanged: records.findings.length - added.findings },
    externalScores: records.externalScores.length,
    measures: records.measures.length,
    directScores: records.directScores.length,
  }
}
