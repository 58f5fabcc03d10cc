/**
 * Checks a batch of the five record kinds of SPEC §6.1 against a round, reporting every bad
 * record with its index, field and reason (`findings[3].standard: …`). A batch is all or
 * nothing, so nothing is stored unless this returns no issues. The records come read by
 * parseRecords (parse.ts: shapes, types and bounds); this adds what needs the round.
 *
 * Rules: ids of visits and findings are unique in the batch (and across the chunks of one
 * file); a visit's point must belong to a unit of the round; a finding's visit must be in the
 * batch or stored for the round; its standard must be scored at visits (deduct, check, gate) and
 * apply to its visit's point type; a direct score may not exceed the standard's points (a
 * deduction may: the visit's score floors at 0); visit and finding times lie in the round's
 * period (bounds.ts); photos are uploaded first; an external score belongs to an external
 * component; one value per unit and component or standard.
 */
import { dec } from '../decimal.js'
import type { Issue } from '../errors.js'
import type { RuleKind } from '../indicator-set/schema.js'
import { UuidSet, UuidTable } from '../uuid.js'
import { RECORD_BOUNDS, inWindow, type TimeWindow } from './bounds.js'
import { parseRecords, type FindingContent, type ParsedBatch, type ParsedFinding, type RecordKind } from './parse.js'

export { parseTime } from './parse.js'

/** What a visit lends its findings: the point type (which standards apply) and the unit. */
export interface VisitInfo {
  pointType: string
  unitId: number
}

export interface RecordContext {
  standards: Map<string, { id: number; kind: RuleKind; points: string; pointTypes: string[] }>
  components: Map<string, 'findings' | 'external'>
  /** Points of the round's units, by code. */
  points: Map<string, { id: number; type: string; unitId: number }>
  units: Map<string, number>
  /** Visits already stored for this round, by id (for findings not in the batch). */
  storedVisits: { get(id: string): VisitInfo | undefined }
  /** Stored photo hashes among those referenced. */
  photos: Set<string>
  /** The times the round accepts (its period with the tolerance); unset: any time read. */
  window?: TimeWindow
}

/**
 * What validation remembers while it checks one batch, and between the chunks of one import
 * read in parts (a workbook), so that the parts are checked as one batch: the ids seen (a second
 * occurrence is an error), the visits accepted so far (findings may refer to them), and the
 * per-unit keys seen (one value per unit and component or standard).
 */
export interface RecordState {
  /** The batch as messages name it: "visit … appears twice in this batch". */
  scope: string
  visits: { has(id: string): boolean; get(id: string): VisitInfo | undefined; set(id: string, visit: VisitInfo): unknown }
  findings: { has(id: string): boolean; add(id: string): unknown }
  externalScores: Set<string>
  measures: Set<string>
  directScores: Set<string>
}

/** The state of one JSON batch: plain maps, the fastest for a few thousand records. */
export function batchState(): RecordState {
  return { scope: 'batch', visits: new Map(), findings: new Set(), externalScores: new Set(), measures: new Set(), directScores: new Set() }
}

/** The state of a whole file read in chunks: ids kept in typed arrays (see UuidTable). */
export function fileState(): RecordState {
  return { scope: 'file', visits: new VisitTable(), findings: new UuidSet(), externalScores: new Set(), measures: new Set(), directScores: new Set() }
}

export interface VisitRecord {
  id: string
  pointId: number
  unitId: number
  pointType: string
  at: Date
  evaluator: string | null
  note: string | null
  lat: string | null
  lng: string | null
}

export interface FindingRecord extends FindingContent {
  id: string
  visitId: string
  unitId: number
  standardId: number
}

export interface CleanRecords {
  visits: VisitRecord[]
  findings: FindingRecord[]
  externalScores: { unitId: number; component: string; value: string }[]
  measures: { unitId: number; standardId: number; value: string }[]
  directScores: { unitId: number; standardId: number; value: string; note: string | null }[]
}

/** `findings[3].count`; built only for an issue, not for every record. */
const pathOf = (kind: string, i: number, field: string): string => `${kind}[${i}].${field}`

/** Field positions, so that a record's problems read in the order of its fields. */
const FIELD_ORDER: Record<RecordKind, string[]> = {
  visits: ['id', 'point', 'at', 'lat', 'lng', 'evaluator', 'note'],
  findings: ['id', 'visit', 'standard', 'count', 'deduction', 'photos', 'at', 'note', 'evaluator', 'lat', 'lng'],
  externalScores: ['unit', 'component', 'value'],
  measures: ['unit', 'standard', 'value'],
  directScores: ['unit', 'standard', 'value', 'note'],
}

/** Puts the problems of one record (issues[from…]) in its field order; the record's own come first. */
function inFieldOrder(issues: Issue[], from: number, kind: RecordKind): void {
  if (issues.length - from < 2) return
  const order = FIELD_ORDER[kind]
  const rank = (path: string): number => {
    const field = /^[^.]+\.([A-Za-z]+)/.exec(path)?.[1]
    const at = field === undefined ? -1 : order.indexOf(field)
    return field === undefined ? -1 : at < 0 ? order.length : at
  }
  const mine = issues.splice(from).map((issue, i) => ({ issue, i, rank: rank(issue.path) }))
  mine.sort((a, b) => a.rank - b.rank || a.i - b.i)
  for (const m of mine) issues.push(m.issue)
}

/**
 * Checks `data` (one batch, or one chunk of a larger import when `state` is shared between the
 * chunks; issue paths then index the chunk's own lists): parseRecords then resolveRecords.
 */
export function validateRecords(data: unknown, ctx: RecordContext, state: RecordState = batchState()): { records: CleanRecords; issues: Issue[] } {
  return resolveRecords(parseRecords(data), ctx, state)
}

/**
 * Checks records read by parseRecords against the round, and gives the clean records when there
 * is no problem at all. Each record's problems are listed in its place: those of reading it
 * first, then those against the round.
 */
export function resolveRecords(batch: ParsedBatch, ctx: RecordContext, state: RecordState = batchState()): { records: CleanRecords; issues: Issue[] } {
  const issues: Issue[] = [...batch.issues]
  const add = (path: string, message: string): void => void issues.push({ path, message })
  const records: CleanRecords = { visits: [], findings: [], externalScores: [], measures: [], directScores: [] }
  const window = ctx.window
  const outside = (at: Date): string =>
    `${at.toISOString()} is outside the round's period ${window!.period.from} – ${window!.period.to} (China time, with ${RECORD_BOUNDS.periodToleranceDays} day's tolerance)`

  const batchVisits = state.visits
  for (const v of batch.visits) {
    const i = v.index
    const start = issues.length
    if (v.issues !== null) issues.push(...v.issues)
    const before = issues.length
    if (v.id !== null && batchVisits.has(v.id)) add(pathOf('visits', i, 'id'), `visit ${v.id} appears twice in this ${state.scope}`)
    const point = v.point === null ? undefined : ctx.points.get(v.point)
    if (v.point !== null && !point) add(pathOf('visits', i, 'point'), `unknown point "${v.point}" (not in the registry, or its unit is not in this round)`)
    if (v.at !== null && window && !inWindow(window, v.at)) add(pathOf('visits', i, 'at'), outside(v.at))
    inFieldOrder(issues, start, 'visits')
    if (!v.ok || issues.length > before || !point) continue
    batchVisits.set(v.id!, { pointType: point.type, unitId: point.unitId })
    records.visits.push({ id: v.id!, pointId: point.id, unitId: point.unitId, pointType: point.type, at: v.at!, evaluator: v.evaluator, note: v.note, lat: v.lat, lng: v.lng })
  }

  const batchFindings = state.findings
  for (const f of batch.findings) {
    const i = f.index
    const start = issues.length
    if (f.issues !== null) issues.push(...f.issues)
    const before = issues.length
    if (f.id !== null && batchFindings.has(f.id)) add(pathOf('findings', i, 'id'), `finding ${f.id} appears twice in this ${state.scope}`)
    const visit = f.visitId === null ? undefined : (batchVisits.get(f.visitId) ?? ctx.storedVisits.get(f.visitId))
    if (f.visitId !== null && !visit) add(pathOf('findings', i, 'visit'), `unknown visit ${f.visitId} (neither in this ${state.scope} nor stored for this round)`)
    const standard = f.standard === null ? undefined : ctx.standards.get(f.standard)
    if (f.standard === null) {
      // Reported when read.
    } else if (!standard) add(pathOf('findings', i, 'standard'), `unknown standard "${f.standard}"`)
    else if (standard.kind === 'measure' || standard.kind === 'direct')
      add(pathOf('findings', i, 'standard'), `standard ${f.standard} is a ${standard.kind} standard, scored per unit, not from findings`)
    else if (visit && !standard.pointTypes.includes(visit.pointType))
      add(pathOf('findings', i, 'standard'), `standard ${f.standard} does not apply to point type ${visit.pointType} (it applies to ${standard.pointTypes.join(', ')})`)
    for (let j = 0; j < f.photos.length; j++)
      if (!ctx.photos.has(f.photos[j]!)) add(pathOf('findings', i, `photos[${j}]`), `no uploaded photo ${f.photos[j]}; upload it first`)
    if (f.at !== null && window && !inWindow(window, f.at)) add(pathOf('findings', i, 'at'), outside(f.at))
    inFieldOrder(issues, start, 'findings')
    if (!f.ok || issues.length > before || !visit || !standard) continue
    batchFindings.add(f.id!)
    f.unitId = visit.unitId
    f.standardId = standard.id
    // Read without a problem: its id and visit are there.
    records.findings.push(f as ParsedFinding & FindingRecord)
  }

  const unitOf = (path: string, code: string | null): number | null => {
    if (code === null) return null
    const id = ctx.units.get(code)
    if (id === undefined) add(path, `unit ${code} is not in this round`)
    return id ?? null
  }

  for (const r of batch.externalScores) {
    const at = `externalScores[${r.index}]`
    const start = issues.length
    if (r.issues !== null) issues.push(...r.issues)
    const before = issues.length
    const unitId = unitOf(`${at}.unit`, r.unit)
    const source = r.key === null ? undefined : ctx.components.get(r.key)
    if (r.key !== null && source === undefined) add(`${at}.component`, `unknown component "${r.key}"`)
    else if (source === 'findings') add(`${at}.component`, `component ${r.key} is computed from standards; only external components take supplied scores`)
    if (r.unit !== null && r.key !== null) {
      const key = `${r.unit}\u0000${r.key}`
      if (state.externalScores.has(key)) add(at, `a second score for unit ${r.unit} and component ${r.key} in this ${state.scope}`)
      state.externalScores.add(key)
    }
    inFieldOrder(issues, start, 'externalScores')
    if (r.ok && issues.length === before && unitId !== null && source === 'external') records.externalScores.push({ unitId, component: r.key!, value: r.value! })
  }

  for (const kind of ['measures', 'directScores'] as const) {
    const seen = state[kind]
    const want = kind === 'measures' ? 'measure' : 'direct'
    for (const r of batch[kind]) {
      const at = `${kind}[${r.index}]`
      const start = issues.length
      if (r.issues !== null) issues.push(...r.issues)
      const before = issues.length
      const unitId = unitOf(`${at}.unit`, r.unit)
      const standard = r.key === null ? undefined : ctx.standards.get(r.key)
      if (r.key !== null && !standard) add(`${at}.standard`, `unknown standard "${r.key}"`)
      else if (standard && standard.kind !== want) add(`${at}.standard`, `standard ${r.key} is a ${standard.kind} standard, not ${want}`)
      if (kind === 'directScores' && standard && r.value !== null && dec(r.value).greaterThan(standard.points))
        add(`${at}.value`, `${r.value} is more than the standard's ${standard.points} points`)
      if (r.unit !== null && r.key !== null) {
        const key = `${r.unit}\u0000${r.key}`
        if (seen.has(key)) add(at, `a second value for unit ${r.unit} and standard ${r.key} in this ${state.scope}`)
        seen.add(key)
      }
      inFieldOrder(issues, start, kind)
      if (!r.ok || issues.length > before || unitId === null || !standard) continue
      if (kind === 'measures') records.measures.push({ unitId, standardId: standard.id, value: r.value! })
      else records.directScores.push({ unitId, standardId: standard.id, value: r.value!, note: r.note })
    }
  }
  return { records, issues }
}

/** Visits by id, compactly: the few distinct (point type, unit) pairs are kept once. */
export class VisitTable {
  private readonly table = new UuidTable()
  private readonly infos: VisitInfo[] = []
  private readonly infoIndex = new Map<string, number>()
  get size(): number {
    return this.table.size
  }
  has(id: string): boolean {
    return this.table.get(id) >= 0
  }
  get(id: string): VisitInfo | undefined {
    const i = this.table.get(id)
    return i < 0 ? undefined : this.infos[i]
  }
  set(id: string, visit: VisitInfo): this {
    const key = `${visit.unitId}\u0000${visit.pointType}`
    let i = this.infoIndex.get(key)
    if (i === undefined) {
      i = this.infos.length
      this.infos.push({ pointType: visit.pointType, unitId: visit.unitId })
      this.infoIndex.set(key, i)
    }
    this.table.set(id, i)
    return this
  }
}
