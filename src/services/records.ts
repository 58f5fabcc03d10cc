/**
 * Data in: a batch of visits, findings, external scores, measures and direct scores for one
 * round, all or nothing. Retrying a batch is safe: a visit or finding whose id is already
 * stored with the same content is skipped; the same id with different content is a conflict
 * (409) naming the id. Per-unit values (external, measure, direct) are replaced by a re-import.
 *
 * Two ways in share the checks and the storing: importRecords takes one batch (the JSON API),
 * ChunkedImport takes a large import chunk by chunk inside one transaction (a workbook). Both
 * load the round once (loadRoundContext), check with validateRecords, hash the records
 * (hashRecords) and store them with storeRecords.
 */
import { sha256Hex } from '../domain/canonical-json.js'
import { DomainError, type Issue } from '../domain/errors.js'
import type { IndicatorSet } from '../domain/indicator-set/model.js'
import { periodWindow } from '../domain/records/bounds.js'
import type { ParsedBatch } from '../domain/records/parse.js'
import {
  VisitTable,
  fileState,
  resolveRecords,
  type CleanRecords,
  type FindingRecord,
  type RecordContext,
  type VisitInfo,
  type VisitRecord,
} from '../domain/records/validate.js'
import type { Database, Queryable } from '../db/client.js'
import { appendAudit, type Actor } from '../db/queries/audit.js'
import { findSetDefinition } from '../db/queries/indicator-sets.js'
import {
  clashingFindings,
  clashingVisits,
  existingPhotos,
  insertRecords,
  foreignKeyViolation,
  roundUnitsAndPoints,
  standardsOfSet,
  visitsByIds,
  type RecordHashes,
} from '../db/queries/records.js'
import { findRoundForEntry, roundStatusForShare } from '../db/queries/rounds.js'
import { assertAccepts, type RoundStatus } from '../domain/round/lifecycle.js'
import { visitCache } from './visit-cache.js'

export interface ImportSummary {
  round: string
  visits: { added: number; unchanged: number }
  findings: { added: number; unchanged: number }
  externalScores: number
  measures: number
  directScores: number
}

/** Whether JSON.stringify would escape something in `v`: a quote, a backslash, a control character or a surrogate. */
function needsEscape(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i)
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return true
  }
  return false
}
/** JSON of a string or null; most text needs no escaping, and then no JSON.stringify. */
const field = (v: string | null): string => (v === null ? 'null' : needsEscape(v) ? JSON.stringify(v) : `"${v}"`)

/**
 * Content hashes that tell a retry (same id, same content) from a clash. Each field is written
 * as JSON in a fixed order, so no value can run into the next; this is several times faster
 * than canonical JSON of an object, which matters at thousands of records a batch. The format
 * is stored with every record: changing it would make every retry a clash.
 */
export function visitHash(roundId: number, v: VisitRecord): string {
  return sha256Hex(`v1|${roundId}|${v.pointId}|${v.at.toISOString()}|${field(v.evaluator)}|${field(v.note)}|${field(v.lat)}|${field(v.lng)}`)
}

export function findingHash(f: FindingRecord): string {
  return sha256Hex(
    `f1|${f.visitId}|${f.standardId}|${f.count}|${field(f.deduction)}|${field(f.note)}|${field(f.evaluator)}|${field(f.at?.toISOString() ?? null)}|${f.photos.join(',')}`,
  )
}

/**
 * What validation needs of a round's indicator set. Sets are immutable once stored (their id
 * names one content; civindex only adds sets), so this is read once per database and set, not
 * once per batch: again only when the sets counter read with the round (migration 0016) shows
 * that a stored set was changed or removed, by hand, since.
 */
interface SetContext {
  standards: RecordContext['standards']
  components: RecordContext['components']
}
const setContexts = new WeakMap<Database, Map<number, { version: string; context: Promise<SetContext> }>>()

function setContext(db: Database, setId: number, version: string): Promise<SetContext> {
  const perDb = setContexts.get(db) ?? setContexts.set(db, new Map()).get(db)!
  const cached = perDb.get(setId)
  if (cached?.version === version) return cached.context
  const context = (async () => {
    const set = (await findSetDefinition(db, setId)) as IndicatorSet
    const standards = await standardsOfSet(db, setId)
    return { standards: new Map(standards.map((s) => [s.code, s])), components: new Map(set.components.map((c) => [c.code, c.source])) }
  })()
  const entry = { version, context }
  context.catch(() => perDb.get(setId) === entry && perDb.delete(setId))
  perDb.set(setId, entry)
  return context
}

/** A round as the checks need it: its row, and validateRecords' context short of the lookups of one batch. */
export interface RoundContext {
  code: string
  round: { id: number; status: RoundStatus }
  base: Omit<RecordContext, 'storedVisits' | 'photos'>
  /** The stored visits' counter as read with the round (see visit-cache.ts). */
  visitsVersion: string
}

type RoundMembers = Pick<RecordContext, 'points' | 'units'>
/**
 * Units and points of rounds, as last read, with the stamp they were read under: a batch reads
 * the round row and the stamp, not a few thousand points, unless something changed. The stamp is
 * a counter that every change of points, units or round members moves in its own transaction
 * (migration 0016), on whichever server or by hand, so the members are read again at the first
 * batch after the change commits.
 */
const memberCaches = new WeakMap<Database, Map<number, { stamp: string; members: RoundMembers }>>()
const MEMBER_ROUNDS = 32

async function roundMembersOf(db: Database, roundId: number, stamp: string): Promise<RoundMembers> {
  const perDb = memberCaches.get(db) ?? memberCaches.set(db, new Map()).get(db)!
  const cached = perDb.get(roundId)
  if (cached?.stamp === stamp) return cached.members
  const { units, points } = await roundUnitsAndPoints(db, roundId)
  const members = { points: new Map(points.map((p) => [p.code, p])), units: new Map(units.map((u) => [u.code, u.id])) }
  perDb.delete(roundId)
  perDb.set(roundId, { stamp, members })
  if (perDb.size > MEMBER_ROUNDS) perDb.delete(perDb.keys().next().value!)
  return members
}

/** Loads the round (NOT_FOUND when there is none), its set's standards and its units and points. */
export async function loadRoundContext(db: Database, roundCode: string): Promise<RoundContext> {
  const round = await findRoundForEntry(db, roundCode)
  if (!round) throw new DomainError('NOT_FOUND', `no round ${roundCode}`)
  const { standards, components } = await setContext(db, round.indicatorSetId, round.setsVersion)
  const window = periodWindow({ from: round.periodFrom, to: round.periodTo })
  return {
    code: roundCode,
    round: { id: round.id, status: round.status },
    base: { standards, components, window, ...(await roundMembersOf(db, round.id, round.stamp)) },
    visitsVersion: round.visitsVersion,
  }
}

/** Content hashes of validated records, in the records' order. */
export function hashRecords(roundId: number, records: CleanRecords): RecordHashes {
  const visits = new Array<string>(records.visits.length)
  for (let i = 0; i < visits.length; i++) visits[i] = visitHash(roundId, records.visits[i]!)
  const findings = new Array<string>(records.findings.length)
  for (let i = 0; i < findings.length; i++) findings[i] = findingHash(records.findings[i]!)
  return { visits, findings }
}

/** Ids stored before with other content than the records give them. */
export interface Clashes {
  visits: Set<string>
  findings: Set<string>
}

/** Clashes as issues on the records' paths (`visits[3].id`), in the records' order. */
export function clashIssues(records: CleanRecords, clashes: Clashes): Issue[] {
  const issues: Issue[] = []
  if (clashes.visits.size > 0) records.visits.forEach((v, i) => clashes.visits.has(v.id) && issues.push(clash('visit', i, v.id)))
  if (clashes.findings.size > 0) records.findings.forEach((f, i) => clashes.findings.has(f.id) && issues.push(clash('finding', i, f.id)))
  return issues
}

/** The records whose ids are stored with other content, found without storing anything. */
export async function findClashes(q: Queryable, records: CleanRecords, hashes: RecordHashes): Promise<Clashes> {
  return {
    visits: await clashingVisits(q, records.visits.map((v) => v.id), hashes.visits),
    findings: await clashingFindings(q, records.findings.map((f) => f.id), hashes.findings),
  }
}

/**
 * Stores validated records inside `tx`. An id stored before (a retry, or a concurrent batch
 * that got there first) is left as it is; the ones stored with other content come back as
 * clashes, and the caller undoes the transaction. Returns the visits and findings added.
 */
export async function storeRecords(
  tx: Queryable,
  roundId: number,
  records: CleanRecords,
  hashes: RecordHashes,
  createdBy: number | null,
): Promise<{ added: { visits: number; findings: number }; clashes: Clashes }> {
  const added = await insertRecords(tx, roundId, records, hashes, createdBy)
  // Only when some rows were there already: are they the same records?
  const clashes: Clashes = {
    visits: added.visits < records.visits.length ? await clashingVisits(tx, records.visits.map((v) => v.id), hashes.visits) : new Set(),
    findings: added.findings < records.findings.length ? await clashingFindings(tx, records.findings.map((f) => f.id), hashes.findings) : new Set(),
  }
  return { added, clashes }
}

const clash = (kind: 'visit' | 'finding', index: number, id: string): Issue => ({ path: `${kind}s[${index}].id`, message: `${kind} ${id} is already recorded with different content` })

const conflictError = (issues: Issue[]): DomainError => new DomainError('CONFLICT', `${issues.length} record(s) reuse an id with different content; nothing was stored`, issues)

/** Stores one batch read at the edge by parseRecords (its reading problems are reported with the round's). */
export async function importRecords(db: Database, roundCode: string, batch: ParsedBatch, actor: Actor): Promise<ImportSummary> {
  // One lookup serves both needs: visits the findings refer to, and the batch's own visit ids
  // (already stored = a retry or a clash). It needs nothing of the round, so the two are read
  // at the same time; a round that turns out not to take the batch only wasted a read.
  const cache = visitCache(db)
  const context = loadRoundContext(db, roundCode)
  const visitsVersion = context.then((c) => c.visitsVersion)
  // An unknown round rejects both; Promise.all takes up `context`, and forBatch may not have
  // awaited `visitsVersion` yet: unhandled for that moment, it would end the process.
  visitsVersion.catch(() => undefined)
  const [ctx, named] = await Promise.all([context, cache.forBatch(db, batch.visitIds, roundCode, visitsVersion)])
  const round = ctx.round
  const fieldEntry = batch.visits.length > 0 || batch.findings.length > 0
  if (fieldEntry) assertAccepts(roundCode, round.status, 'field-entry')
  if (batch.externalScores.length > 0 || batch.measures.length > 0 || batch.directScores.length > 0) assertAccepts(roundCode, round.status, 'unit-values')
  const { records, issues } = resolveRecords(batch, {
    ...ctx.base,
    storedVisits: {
      get(id) {
        const visit = named.get(id)
        return visit?.roundId === round.id ? visit : undefined
      },
    },
    photos: batch.photos.size > 0 ? await existingPhotos(db, [...batch.photos]) : new Set(),
  })
  if (issues.length > 0) throw new DomainError('VALIDATION_FAILED', `${issues.length} problem(s) in the records; nothing was stored`, issues)
  const hashes = hashRecords(round.id, records)

  // Visits already stored are known from the lookup above: a retry is skipped, a clash refused.
  // Stored findings are found by the insert itself (a taken id sends the rows in again with ON
  // CONFLICT DO NOTHING), which saves a lookup per batch on the common path of new findings.
  const fresh: CleanRecords = { ...records, visits: [] }
  const freshHashes: RecordHashes = { visits: [], findings: hashes.findings }
  const visitClashes = new Set<string>()
  records.visits.forEach((v, i) => {
    const stored = named.get(v.id)?.contentHash
    if (stored === undefined) {
      fresh.visits.push(v)
      freshHashes.visits.push(hashes.visits[i]!)
    } else if (stored !== hashes.visits[i]) visitClashes.add(v.id)
  })
  if (visitClashes.size > 0) {
    const findingClashes = await clashingFindings(db, records.findings.map((f) => f.id), hashes.findings)
    throw conflictError(clashIssues(records, { visits: visitClashes, findings: findingClashes }))
  }

  let added = { visits: 0, findings: 0 }
  try {
    await db.transaction(async (tx) => {
      // The state checked above must still hold when the rows land: a concurrent close waits.
      const status = await roundStatusForShare(tx, round.id)
      assertAccepts(roundCode, status, fieldEntry ? 'field-entry' : 'unit-values')
      const stored = await storeRecords(tx, round.id, fresh, freshHashes, actor.id)
      // Other content under a stored id undoes the whole batch.
      const clashes = clashIssues(records, stored.clashes)
      if (clashes.length > 0) throw conflictError(clashes)
      added = stored.added
      await appendAudit(tx, actor, {
        action: 'records.import',
        entity: 'round',
        entityKey: roundCode,
        details: { visits: added.visits, findings: added.findings, externalScores: records.externalScores.length, measures: records.measures.length, directScores: records.directScores.length },
      })
    })
  } catch (error) {
    // The database's reference check disagrees with the visits remembered (one removed by hand):
    // they are read anew, and the batch sent again is checked against what is stored.
    const violation = foreignKeyViolation(error)
    if (!violation) throw error
    cache.clear()
    throw new DomainError('CONFLICT', 'data the batch refers to changed while the batch was stored; nothing was stored, send the batch again', [
      { path: '', message: violation.message },
    ])
  }
  // Committed: the batch's visits are stored as sent.
  fresh.visits.forEach((v, i) => cache.remember({ id: v.id, roundId: round.id, unitId: v.unitId, pointType: v.pointType, contentHash: freshHashes.visits[i]! }, ctx.visitsVersion))
  return {
    round: roundCode,
    visits: { added: added.visits, unchanged: records.visits.length - added.visits },
    findings: { added: added.findings, unchanged: records.findings.length - added.findings },
    externalScores: records.externalScores.length,
    measures: records.measures.length,
    directScores: records.directScores.length,
  }
}

/** Problems found in a chunk, with paths into the chunk's own lists (`findings[3].standard`). */
export type ChunkReport = (issues: Issue[], kind: 'invalid' | 'clash') => void

/**
 * One import taken chunk by chunk inside one transaction that the caller opened (a workbook of
 * any size): each chunk is checked against the round and against the chunks before it (an id
 * seen twice in the import is an error; a finding may refer to a visit of an earlier chunk),
 * then stored while the caller reads the next one. Once the caller has a problem, the chunks
 * after are still checked, clashes included, so every problem is reported, but no longer
 * stored, and the caller rolls the transaction back. A retried import stores nothing new and
 * counts every visit and finding as unchanged.
 *
 * What is kept between chunks is small: the ids seen and the stored visits met, in typed arrays.
 */
export class ChunkedImport {
  private readonly state = fileState()
  /** Stored visits of the round that findings referred to, so each is looked up once. */
  private readonly storedVisits = new VisitTable()
  private readonly counts = { visits: 0, findings: 0, externalScores: 0, measures: 0, directScores: 0 }
  private readonly added = { visits: 0, findings: 0 }
  /** The store of the last chunk taken (or its look for clashes). */
  private storing: Promise<void> = Promise.resolve()

  /** `status` is the round's state as read (FOR SHARE) in the transaction `tx`. */
  constructor(
    private readonly tx: Queryable,
    private readonly ctx: RoundContext,
    private readonly status: RoundStatus,
    private readonly createdBy: number | null,
  ) {
    // Nothing at all can be stored outside these states; an empty import is refused there too.
    assertAccepts(ctx.code, status, 'unit-values')
  }

  /**
   * Checks a chunk of records of one kind, then has it stored after the chunk before, or, when
   * `store()` says no at that point, only looked at for clashes. Resolves once the chunk is
   * checked and the chunk before it stored, while this one is being stored: the caller reads
   * on meanwhile. Problems go to `report`: those of the checks before this resolves, clashes
   * when found. A failure of the store before is thrown here.
   */
  async take(batch: ParsedBatch, report: ChunkReport, store: () => boolean): Promise<void> {
    if (batch.visits.length > 0 || batch.findings.length > 0) assertAccepts(this.ctx.code, this.status, 'field-entry')
    await this.lookUpVisits(batch.findings)
    const { records, issues } = resolveRecords(
      batch,
      { ...this.ctx.base, storedVisits: this.storedVisits, photos: batch.photos.size > 0 ? await existingPhotos(this.tx, [...batch.photos]) : new Set() },
      this.state,
    )
    this.counts.visits += records.visits.length
    this.counts.findings += records.findings.length
    this.counts.externalScores += records.externalScores.length
    this.counts.measures += records.measures.length
    this.counts.directScores += records.directScores.length
    if (issues.length > 0) report(issues, 'invalid')
    const hashes = hashRecords(this.ctx.round.id, records)
    await this.storing
    const storing = (async () => {
      let clashes: Clashes
      if (store() && issues.length === 0) {
        const stored = await storeRecords(this.tx, this.ctx.round.id, records, hashes, this.createdBy)
        this.added.visits += stored.added.visits
        this.added.findings += stored.added.findings
        clashes = stored.clashes
      } else clashes = await findClashes(this.tx, records, hashes)
      const found = clashIssues(records, clashes)
      if (found.length > 0) report(found, 'clash')
    })()
    // A failure is taken up by the next take(), by settle() or by finish().
    storing.catch(() => undefined)
    this.storing = storing
  }

  /** Waits until the last chunk taken is stored; throws its failure. */
  async settle(): Promise<void> {
    await this.storing
  }

  /** Stored visits that findings refer to and that are neither in the import nor met before. */
  private async lookUpVisits(findings: ParsedBatch['findings']): Promise<void> {
    const wanted = new Set<string>()
    for (const f of findings) if (f.visitId !== null && !this.storedVisits.has(f.visitId) && !this.state.visits.has(f.visitId)) wanted.add(f.visitId)
    if (wanted.size === 0) return
    for (const v of await visitsByIds(this.tx, [...wanted])) if (v.roundId === this.ctx.round.id) this.storedVisits.set(v.id, v satisfies VisitInfo)
  }

  /** Records the import in the audit log, once every chunk is stored. */
  async finish(actor: Actor): Promise<ImportSummary> {
    await this.settle()
    const { counts, added } = this
    await appendAudit(this.tx, actor, {
      action: 'records.import',
      entity: 'round',
      entityKey: this.ctx.code,
      details: { visits: added.visits, findings: added.findings, externalScores: counts.externalScores, measures: counts.measures, directScores: counts.directScores },
    })
    return {
      round: this.ctx.code,
      visits: { added: added.visits, unchanged: counts.visits - added.visits },
      findings: { added: added.findings, unchanged: counts.findings - added.findings },
      externalScores: counts.externalScores,
      measures: counts.measures,
      directScores: counts.directScores,
    }
  }
}
