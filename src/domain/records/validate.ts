/**
 * Checks a batch of the five record kinds of SPEC §6.1 against a round, reporting every bad
 * record with its index, field and reason (`findings[3].standard: …`). A batch is all or
 * nothing, so nothing is stored unless this returns no issues.
 *
 * Rules: ids of visits and findings are client-generated UUIDs (a retried submission is then
 * recognised); a visit's point must belong to a unit of the round; a finding's standard must be
 * scored at visits (deduct, check, gate) and apply to its visit's point type; count is a whole
 * number ≥ 1 (default 1); deduction, measure values and direct scores are decimals ≥ 0; a
 * direct score may not exceed the standard's points; an external score is 0–100 with at most 4
 * decimals and belongs to an external component. Numbers may be written as JSON numbers, but
 * decimal text ("0.5") is the exact form.
 */
import { dec, canonical, isDecimalText } from '../decimal.js'
import type { Issue } from '../errors.js'
import type { RuleKind } from '../indicator-set/schema.js'

export interface RecordContext {
  standards: Map<string, { id: number; kind: RuleKind; points: string; pointTypes: string[] }>
  components: Map<string, 'findings' | 'external'>
  /** Points of the round's units, by code. */
  points: Map<string, { id: number; type: string; unitId: number }>
  units: Map<string, number>
  /** Visits already stored for this round, by id (for findings not in the batch). */
  storedVisits: Map<string, { pointType: string; unitId: number }>
  /** Stored photo hashes among those referenced. */
  photos: Set<string>
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

export interface FindingRecord {
  id: string
  visitId: string
  unitId: number
  standardId: number
  count: number
  deduction: string | null
  note: string | null
  evaluator: string | null
  at: Date | null
  photos: string[]
}

export interface CleanRecords {
  visits: VisitRecord[]
  findings: FindingRecord[]
  externalScores: { unitId: number; component: string; value: string }[]
  measures: { unitId: number; standardId: number; value: string }[]
  directScores: { unitId: number; standardId: number; value: string; note: string | null }[]
}

const KINDS = ['visits', 'findings', 'externalScores', 'measures', 'directScores'] as const
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const SHA256 = /^[0-9a-f]{64}$/
const FIELDS: Record<(typeof KINDS)[number], string[]> = {
  visits: ['id', 'point', 'at', 'evaluator', 'note', 'lat', 'lng'],
  findings: ['id', 'visit', 'standard', 'count', 'deduction', 'note', 'evaluator', 'at', 'photos', 'lat', 'lng'],
  externalScores: ['unit', 'component', 'value'],
  measures: ['unit', 'standard', 'value'],
  directScores: ['unit', 'standard', 'value', 'note'],
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
/** A value as written, for messages. */
const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? 'nothing')

/** Decimal text from a string or a JSON number; null when it is neither. */
function decimalText(v: unknown): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null
  if (typeof v === 'string' && isDecimalText(v.trim())) return v.trim()
  return null
}

function optionalText(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null
}

/** Whether year-month-day names a day of the calendar (2026-02-30 does not). */
function realDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)
  if (!m) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
}

/** ISO 8601 date-time with offset, or a date alone (taken as 00:00 China time). */
export function parseTime(v: unknown): Date | null {
  if (typeof v !== 'string') return null
  const text = v.trim()
  if (!realDate(text)) return null
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = new Date(`${text}T00:00:00+08:00`)
    return Number.isNaN(d.getTime()) ? null : d
  }
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null
  const d = new Date(text.replace(' ', 'T'))
  return Number.isNaN(d.getTime()) ? null : d
}

export function validateRecords(data: unknown, ctx: RecordContext): { records: CleanRecords; issues: Issue[] } {
  const issues: Issue[] = []
  const add = (path: string, message: string): void => void issues.push({ path, message })
  const records: CleanRecords = { visits: [], findings: [], externalScores: [], measures: [], directScores: [] }
  if (!isObj(data)) {
    add('', 'the data must be an object with visits, findings, externalScores, measures and/or directScores')
    return { records, issues }
  }
  for (const key of Object.keys(data)) if (!(KINDS as readonly string[]).includes(key)) add(key, `unknown record kind "${key}" (expected ${KINDS.join(', ')})`)
  const list = (kind: (typeof KINDS)[number]): unknown[] => {
    const v = data[kind]
    if (v === undefined) return []
    if (!Array.isArray(v)) {
      add(kind, 'must be a list')
      return []
    }
    return v
  }
  const fieldsOk = (kind: (typeof KINDS)[number], i: number, r: unknown): r is Obj => {
    if (!isObj(r)) {
      add(`${kind}[${i}]`, 'must be an object')
      return false
    }
    for (const k of Object.keys(r)) if (!FIELDS[kind].includes(k)) add(`${kind}[${i}].${k}`, `unknown field "${k}"`)
    return true
  }
  const coordinate = (path: string, v: unknown): string | null => {
    if (v === undefined || v === null) return null
    const t = decimalText(v)
    if (t === null) add(path, 'must be a decimal coordinate')
    return t
  }

  const batchVisits = new Map<string, { pointType: string; unitId: number }>()
  list('visits').forEach((r, i) => {
    if (!fieldsOk('visits', i, r)) return
    const at = `visits[${i}]`
    const before = issues.length
    const id = typeof r.id === 'string' ? r.id.trim().toLowerCase() : ''
    if (!UUID.test(id)) add(`${at}.id`, 'must be a UUID generated by the client')
    else if (batchVisits.has(id)) add(`${at}.id`, `visit ${id} appears twice in this batch`)
    const point = typeof r.point === 'string' ? ctx.points.get(r.point) : undefined
    if (typeof r.point !== 'string') add(`${at}.point`, 'is required')
    else if (!point) add(`${at}.point`, `unknown point "${r.point}" (not in the registry, or its unit is not in this round)`)
    const time = parseTime(r.at)
    if (time === null) add(`${at}.at`, r.at === undefined ? 'is required (e.g. 2017-08-03T09:10:00+08:00)' : `${shown(r.at)} is not a date-time with offset, e.g. 2017-08-03T09:10:00+08:00`)
    const lat = coordinate(`${at}.lat`, r.lat)
    const lng = coordinate(`${at}.lng`, r.lng)
    if (issues.length > before || !point || !time) return
    batchVisits.set(id, { pointType: point.type, unitId: point.unitId })
    records.visits.push({ id, pointId: point.id, unitId: point.unitId, pointType: point.type, at: time, evaluator: optionalText(r.evaluator), note: optionalText(r.note), lat, lng })
  })

  const batchFindings = new Set<string>()
  list('findings').forEach((r, i) => {
    if (!fieldsOk('findings', i, r)) return
    const at = `findings[${i}]`
    const before = issues.length
    const id = typeof r.id === 'string' ? r.id.trim().toLowerCase() : ''
    if (!UUID.test(id)) add(`${at}.id`, 'must be a UUID generated by the client')
    else if (batchFindings.has(id)) add(`${at}.id`, `finding ${id} appears twice in this batch`)
    const visitId = typeof r.visit === 'string' ? r.visit.trim().toLowerCase() : ''
    const visit = batchVisits.get(visitId) ?? ctx.storedVisits.get(visitId)
    if (!visit) add(`${at}.visit`, r.visit === undefined ? 'is required' : `unknown visit ${shown(r.visit)} (neither in this batch nor stored for this round)`)
    const standard = typeof r.standard === 'string' ? ctx.standards.get(r.standard) : undefined
    if (typeof r.standard !== 'string') add(`${at}.standard`, 'is required')
    else if (!standard) add(`${at}.standard`, `unknown standard "${r.standard}"`)
    else if (standard.kind === 'measure' || standard.kind === 'direct')
      add(`${at}.standard`, `standard ${r.standard} is a ${standard.kind} standard, scored per unit, not from findings`)
    else if (visit && !standard.pointTypes.includes(visit.pointType))
      add(`${at}.standard`, `standard ${r.standard} does not apply to point type ${visit.pointType} (it applies to ${standard.pointTypes.join(', ')})`)
    let count = 1
    if (r.count !== undefined) {
      const n = typeof r.count === 'string' && /^\d+$/.test(r.count.trim()) ? Number(r.count.trim()) : r.count
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) add(`${at}.count`, `must be a whole number of 1 or more (got ${JSON.stringify(r.count)})`)
      else count = n
    }
    let deduction: string | null = null
    if (r.deduction !== undefined && r.deduction !== null) {
      deduction = decimalText(r.deduction)
      if (deduction === null) add(`${at}.deduction`, 'must be a decimal number')
      else if (dec(deduction).isNegative()) add(`${at}.deduction`, 'must not be negative')
      else deduction = canonical(deduction)
    }
    const photos: string[] = []
    if (r.photos !== undefined) {
      if (!Array.isArray(r.photos)) add(`${at}.photos`, 'must be a list of photo hashes')
      else
        r.photos.forEach((p, j) => {
          const h = typeof p === 'string' ? p.trim().toLowerCase() : ''
          if (!SHA256.test(h)) add(`${at}.photos[${j}]`, 'must be the SHA-256 (64 hex digits) of an uploaded photo')
          else if (!ctx.photos.has(h)) add(`${at}.photos[${j}]`, `no uploaded photo ${h}; upload it first`)
          else photos.push(h)
        })
    }
    const time = r.at === undefined ? null : parseTime(r.at)
    if (r.at !== undefined && time === null) add(`${at}.at`, 'is not a date-time with offset')
    if (issues.length > before || !visit || !standard) return
    batchFindings.add(id)
    records.findings.push({ id, visitId, unitId: visit.unitId, standardId: standard.id, count, deduction, note: optionalText(r.note), evaluator: optionalText(r.evaluator), at: time, photos })
  })

  const unitOf = (path: string, v: unknown): number | null => {
    const id = typeof v === 'string' ? ctx.units.get(v) : undefined
    if (id === undefined) add(path, v === undefined ? 'is required' : `unit ${shown(v)} is not in this round`)
    return id ?? null
  }

  const seenExternal = new Set<string>()
  list('externalScores').forEach((r, i) => {
    if (!fieldsOk('externalScores', i, r)) return
    const at = `externalScores[${i}]`
    const unitId = unitOf(`${at}.unit`, r.unit)
    const source = typeof r.component === 'string' ? ctx.components.get(r.component) : undefined
    if (source === undefined) add(`${at}.component`, `unknown component "${String(r.component)}"`)
    else if (source !== 'external') add(`${at}.component`, `component ${String(r.component)} is computed from standards; only external components take supplied scores`)
    const value = decimalText(r.value)
    if (value === null) add(`${at}.value`, 'must be a score from 0 to 100')
    else if (dec(value).isNegative() || dec(value).greaterThan(100)) add(`${at}.value`, `must be from 0 to 100 (got ${value})`)
    else if (dec(value).decimalPlaces() > 4) add(`${at}.value`, 'has more than 4 decimals')
    const key = `${String(r.unit)}\u0000${String(r.component)}`
    if (seenExternal.has(key)) add(at, `a second score for unit ${String(r.unit)} and component ${String(r.component)} in this batch`)
    seenExternal.add(key)
    if (unitId !== null && source === 'external' && value !== null && !dec(value).isNegative() && !dec(value).greaterThan(100) && dec(value).decimalPlaces() <= 4)
      records.externalScores.push({ unitId, component: r.component as string, value: canonical(value) })
  })

  const perUnit = (kind: 'measures' | 'directScores'): void => {
    const seen = new Set<string>()
    list(kind).forEach((r, i) => {
      if (!fieldsOk(kind, i, r)) return
      const at = `${kind}[${i}]`
      const before = issues.length
      const unitId = unitOf(`${at}.unit`, r.unit)
      const want = kind === 'measures' ? 'measure' : 'direct'
      const standard = typeof r.standard === 'string' ? ctx.standards.get(r.standard) : undefined
      if (!standard) add(`${at}.standard`, `unknown standard "${String(r.standard)}"`)
      else if (standard.kind !== want) add(`${at}.standard`, `standard ${String(r.standard)} is a ${standard.kind} standard, not ${want}`)
      const value = decimalText(r.value)
      if (value === null) add(`${at}.value`, 'must be a decimal number')
      else if (dec(value).isNegative()) add(`${at}.value`, 'must not be negative')
      else if (kind === 'directScores' && standard && dec(value).greaterThan(standard.points))
        add(`${at}.value`, `${value} is more than the standard's ${standard.points} points`)
      const key = `${String(r.unit)}\u0000${String(r.standard)}`
      if (seen.has(key)) add(at, `a second value for unit ${String(r.unit)} and standard ${String(r.standard)} in this batch`)
      seen.add(key)
      if (issues.length > before || unitId === null || !standard || value === null) return
      if (kind === 'measures') records.measures.push({ unitId, standardId: standard.id, value: canonical(value) })
      else records.directScores.push({ unitId, standardId: standard.id, value: canonical(value), note: optionalText(r.note) })
    })
  }
  perUnit('measures')
  perUnit('directScores')
  return { records, issues }
}
