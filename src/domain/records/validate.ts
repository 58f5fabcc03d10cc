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
const SHA256 = /^[0-9a-f]{64}$/
const FIELDS: Record<(typeof KINDS)[number], string[]> = {
  visits: ['id', 'point', 'at', 'evaluator', 'note', 'lat', 'lng'],
  findings: ['id', 'visit', 'standard', 'count', 'deduction', 'note', 'evaluator', 'at', 'photos', 'lat', 'lng'],
  externalScores: ['unit', 'component', 'value'],
  measures: ['unit', 'standard', 'value'],
  directScores: ['unit', 'standard', 'value', 'note'],
}

const FIELD_SETS = Object.fromEntries(KINDS.map((k) => [k, new Set(FIELDS[k])])) as Record<(typeof KINDS)[number], Set<string>>

type Obj = Record<string, unknown>
/** `findings[3].count`; built only for an issue, not for every record. */
const pathOf = (kind: string, i: number, field: string): string => `${kind}[${i}].${field}`
/** Ids as stored: trimmed, lower case (a canonical UUID is returned as it is, without copying). */
const idText = (v: string): string => (readUuid(v) ? v : v.trim().toLowerCase())
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
  if (typeof v !== 'string') return null
  const text = v.trim()
  return text === '' ? null : text
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

/**
 * Checks `data` (one batch, or one chunk of a larger import when `state` is shared between the
 * chunks; issue paths then index the chunk's own lists).
 */
export function validateRecords(data: unknown, ctx: RecordContext, state: RecordState = batchState()): { records: CleanRecords; issues: Issue[] } {
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
    const known = FIELD_SETS[kind]
    // Parsed JSON has only own, enumerable keys: for…in reads them without a key array.
    for (const k in r) if (!known.has(k)) add(`${kind}[${i}].${k}`, `unknown field "${k}"`)
    return true
  }
  /** Free text, trimmed; PostgreSQL text cannot hold U+0000, so it is refused here. */
  const text = (kind: (typeof KINDS)[number], i: number, field: string, v: unknown): string | null => {
    const t = optionalText(v)
    if (t === null || !t.includes('\u0000')) return t
    add(pathOf(kind, i, field), 'must not contain the NUL character (U+0000)')
    return null
  }
  const coordinate = (path: string, v: unknown): string | null => {
    if (v === undefined || v === null) return null
    const t = decimalText(v)
    if (t === null) add(path, 'must be a decimal coordinate')
    return t
  }

  const batchVisits = state.visits
  list('visits').forEach((r, i) => {
    if (!fieldsOk('visits', i, r)) return
    const before = issues.length
    const id = typeof r.id === 'string' ? idText(r.id) : ''
    if (!readUuid(id)) add(pathOf('visits', i, 'id'), 'must be a UUID generated by the client')
    else if (batchVisits.has(id)) add(pathOf('visits', i, 'id'), `visit ${id} appears twice in this ${state.scope}`)
    const point = typeof r.point === 'string' ? ctx.points.get(r.point) : undefined
    if (typeof r.point !== 'string') add(pathOf('visits', i, 'point'), 'is required')
    else if (!point) add(pathOf('visits', i, 'point'), `unknown point "${r.point}" (not in the registry, or its unit is not in this round)`)
    const time = parseTime(r.at)
    if (time === null)
      add(pathOf('visits', i, 'at'), r.at === undefined ? 'is required (e.g. 2017-08-03T09:10:00+08:00)' : `${shown(r.at)} is not a date-time with offset, e.g. 2017-08-03T09:10:00+08:00`)
    const lat = r.lat === undefined || r.lat === null ? null : coordinate(pathOf('visits', i, 'lat'), r.lat)
    const lng = r.lng === undefined || r.lng === null ? null : coordinate(pathOf('visits', i, 'lng'), r.lng)
    const evaluator = text('visits', i, 'evaluator', r.evaluator)
    const note = text('visits', i, 'note', r.note)
    if (issues.length > before || !point || !time) return
    batchVisits.set(id, { pointType: point.type, unitId: point.unitId })
    records.visits.push({ id, pointId: point.id, unitId: point.unitId, pointType: point.type, at: time, evaluator, note, lat, lng })
  })

  const batchFindings = state.findings
  list('findings').forEach((r, i) => {
    if (!fieldsOk('findings', i, r)) return
    const before = issues.length
    const id = typeof r.id === 'string' ? idText(r.id) : ''
    if (!readUuid(id)) add(pathOf('findings', i, 'id'), 'must be a UUID generated by the client')
    else if (batchFindings.has(id)) add(pathOf('findings', i, 'id'), `finding ${id} appears twice in this ${state.scope}`)
    const visitId = typeof r.visit === 'string' ? idText(r.visit) : ''
    const visit = batchVisits.get(visitId) ?? ctx.storedVisits.get(visitId)
    if (!visit)
      add(pathOf('findings', i, 'visit'), r.visit === undefined ? 'is required' : `unknown visit ${shown(r.visit)} (neither in this ${state.scope} nor stored for this round)`)
    const standard = typeof r.standard === 'string' ? ctx.standards.get(r.standard) : undefined
    if (typeof r.standard !== 'string') add(pathOf('findings', i, 'standard'), 'is required')
    else if (!standard) add(pathOf('findings', i, 'standard'), `unknown standard "${r.standard}"`)
    else if (standard.kind === 'measure' || standard.kind === 'direct')
      add(pathOf('findings', i, 'standard'), `standard ${r.standard} is a ${standard.kind} standard, scored per unit, not from findings`)
    else if (visit && !standard.pointTypes.includes(visit.pointType))
      add(pathOf('findings', i, 'standard'), `standard ${r.standard} does not apply to point type ${visit.pointType} (it applies to ${standard.pointTypes.join(', ')})`)
    let count = 1
    if (r.count !== undefined) {
      const n = typeof r.count === 'string' && /^\d+$/.test(r.count.trim()) ? Number(r.count.trim()) : r.count
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) add(pathOf('findings', i, 'count'), `must be a whole number of 1 or more (got ${JSON.stringify(r.count)})`)
      else count = n
    }
    let deduction: string | null = null
    if (r.deduction !== undefined && r.deduction !== null) {
      deduction = decimalText(r.deduction)
      if (deduction === null) add(pathOf('findings', i, 'deduction'), 'must be a decimal number')
      else if (dec(deduction).isNegative()) add(pathOf('findings', i, 'deduction'), 'must not be negative')
      else deduction = canonical(deduction)
    }
    const photos: string[] = []
    if (r.photos !== undefined) {
      if (!Array.isArray(r.photos)) add(pathOf('findings', i, 'photos'), 'must be a list of photo hashes')
      else
        r.photos.forEach((p, j) => {
          const h = typeof p === 'string' ? p.trim().toLowerCase() : ''
          if (!SHA256.test(h)) add(pathOf('findings', i, `photos[${j}]`), 'must be the SHA-256 (64 hex digits) of an uploaded photo')
          else if (!ctx.photos.has(h)) add(pathOf('findings', i, `photos[${j}]`), `no uploaded photo ${h}; upload it first`)
          else photos.push(h)
        })
    }
    const time = r.at === undefined ? null : parseTime(r.at)
    if (r.at !== undefined && time === null) add(pathOf('findings', i, 'at'), 'is not a date-time with offset')
    const note = text('findings', i, 'note', r.note)
    const evaluator = text('findings', i, 'evaluator', r.evaluator)
    if (issues.length > before || !visit || !standard) return
    batchFindings.add(id)
    records.findings.push({ id, visitId, unitId: visit.unitId, standardId: standard.id, count, deduction, note, evaluator, at: time, photos })
  })

  const unitOf = (path: string, v: unknown): number | null => {
    const id = typeof v === 'string' ? ctx.units.get(v) : undefined
    if (id === undefined) add(path, v === undefined ? 'is required' : `unit ${shown(v)} is not in this round`)
    return id ?? null
  }

  const seenExternal = state.externalScores
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
    if (seenExternal.has(key)) add(at, `a second score for unit ${String(r.unit)} and component ${String(r.component)} in this ${state.scope}`)
    seenExternal.add(key)
    if (unitId !== null && source === 'external' && value !== null && !dec(value).isNegative() && !dec(value).greaterThan(100) && dec(value).decimalPlaces() <= 4)
      records.externalScores.push({ unitId, component: r.component as string, value: canonical(value) })
  })

  const perUnit = (kind: 'measures' | 'directScores'): void => {
    const seen = state[kind]
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
      if (seen.has(key)) add(at, `a second value for unit ${String(r.unit)} and standard ${String(r.standard)} in this ${state.scope}`)
      seen.add(key)
      const note = kind === 'directScores' ? text(kind, i, 'note', r.note) : null
      if (issues.length > before || unitId === null || !standard || value === null) return
      if (kind === 'measures') records.measures.push({ unitId, standardId: standard.id, value: canonical(value) })
      else records.directScores.push({ unitId, standardId: standard.id, value: canonical(value), note })
    })
  }
  perUnit('measures')
  perUnit('directScores')
  return { records, issues }
}

/** The 128 bits of the UUID last parsed by readUuid, as four 32-bit words. */
const WORDS = new Uint32Array(4)
/**
 * The last two texts parsed into WORDS, and whether each was a UUID: validating a finding looks
 * up its own id and its visit's id, each more than once.
 */
let lastText: string | null = null
let lastOk = false
let otherText: string | null = null
let otherOk = false
const OTHER_WORDS = new Uint32Array(4)

const HEX = new Int8Array(128).fill(-1)
for (let c = 0; c < 10; c++) HEX[48 + c] = c
for (let c = 0; c < 6; c++) HEX[97 + c] = 10 + c

/** The value of the hex digits of `text` from `start` to `end`, after `word`; -1 on anything else. */
function hexRun(text: string, start: number, end: number, word: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    const d = c < 128 ? HEX[c]! : -1
    if (d < 0) return -1
    word = word * 16 + d
  }
  return word
}

/** Reads a canonical UUID (lowercase, with dashes) into `out` at `at`; false for anything else. */
export function readUuid(id: string, out: Uint32Array = WORDS, at = 0): boolean {
  if (out !== WORDS || at !== 0) return parseUuid(id, out, at)
  if (id === lastText) return lastOk
  if (id === otherText) {
    // Swap the two: WORDS takes the other's words.
    const text = lastText
    const ok = lastOk
    lastText = otherText
    lastOk = otherOk
    otherText = text
    otherOk = ok
    for (let k = 0; k < 4; k++) {
      const w = WORDS[k]!
      WORDS[k] = OTHER_WORDS[k]!
      OTHER_WORDS[k] = w
    }
    return lastOk
  }
  OTHER_WORDS.set(WORDS)
  otherText = lastText
  otherOk = lastOk
  lastText = id
  lastOk = parseUuid(id, WORDS, 0)
  return lastOk
}

function parseUuid(id: string, out: Uint32Array, at: number): boolean {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return false
  const w0 = hexRun(id, 0, 8, 0)
  const w1a = w0 < 0 ? -1 : hexRun(id, 9, 13, 0)
  const w1 = w1a < 0 ? -1 : hexRun(id, 14, 18, w1a)
  const w2a = w1 < 0 ? -1 : hexRun(id, 19, 23, 0)
  const w2 = w2a < 0 ? -1 : hexRun(id, 24, 28, w2a)
  const w3 = w2 < 0 ? -1 : hexRun(id, 28, 36, 0)
  if (w3 < 0) return false
  out[at] = w0
  out[at + 1] = w1
  out[at + 2] = w2
  out[at + 3] = w3
  return true
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

/** The canonical text of the UUID stored as four words in `words` at `at`. */
export function uuidText(words: Uint32Array, at: number): string {
  let out = ''
  for (let k = 0; k < 4; k++) {
    const w = words[at + k]!
    out += HEX_BYTE[w >>> 24]! + HEX_BYTE[(w >>> 16) & 0xff]!
    if (k === 1 || k === 2) out += '-'
    out += HEX_BYTE[(w >>> 8) & 0xff]! + HEX_BYTE[w & 0xff]!
    if (k === 0 || k === 1) out += '-'
  }
  // One flat string, not a tree of the pieces it was built from.
  return Buffer.from(out, 'latin1').toString('latin1')
}

/**
 * A map from UUIDs to non-negative integers in typed arrays: 20 bytes a slot where a string key
 * in a Map costs about a hundred, which matters at a million ids. Open addressing with linear
 * probing, kept at most half full. Only canonical UUIDs (see readUuid) go in; any other text is
 * never found.
 */
export class UuidTable {
  private words: Uint32Array
  private values: Int32Array
  private mask: number
  private count = 0

  constructor(capacity = 1024) {
    let size = 16
    while (size < capacity * 2) size *= 2
    this.words = new Uint32Array(size * 4)
    this.values = new Int32Array(size).fill(-1)
    this.mask = size - 1
  }

  get size(): number {
    return this.count
  }

  /** The value stored for `id`, or -1. */
  get(id: string): number {
    if (!readUuid(id)) return -1
    const slot = this.find()
    return this.values[slot]!
  }

  /** Stores `value` (≥ 0) for `id`; false when `id` is no canonical UUID. */
  set(id: string, value: number): boolean {
    if (!readUuid(id)) return false
    const slot = this.find()
    if (this.values[slot]! < 0) {
      this.words.set(WORDS, slot * 4)
      this.count++
    }
    this.values[slot] = value
    if (this.count * 2 > this.mask + 1) this.grow()
    return true
  }

  /** The slot of the UUID in WORDS: where it is, or the empty slot where it belongs. */
  private find(): number {
    const w0 = WORDS[0]!
    const w1 = WORDS[1]!
    const w2 = WORDS[2]!
    const w3 = WORDS[3]!
    let h = (Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77) ^ Math.imul(w2, 0xc2b2ae3d) ^ Math.imul(w3, 0x27d4eb2f)) | 0
    h ^= h >>> 16
    h = Math.imul(h, 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
    const { words, values, mask } = this
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      if (values[slot]! < 0) return slot
      const at = slot * 4
      if (words[at] === w0 && words[at + 1] === w1 && words[at + 2] === w2 && words[at + 3] === w3) return slot
    }
  }

  private grow(): void {
    lastText = null // WORDS is used below for other ids
    otherText = null
    const { words, values } = this
    const size = (this.mask + 1) * 2
    this.words = new Uint32Array(size * 4)
    this.values = new Int32Array(size).fill(-1)
    this.mask = size - 1
    for (let slot = 0; slot < values.length; slot++) {
      if (values[slot]! < 0) continue
      const at = slot * 4
      WORDS[0] = words[at]!
      WORDS[1] = words[at + 1]!
      WORDS[2] = words[at + 2]!
      WORDS[3] = words[at + 3]!
      const to = this.find()
      this.words.set(WORDS, to * 4)
      this.values[to] = values[slot]!
    }
  }
}

/** A set of UUIDs, compactly (see UuidTable). */
export class UuidSet {
  private readonly table = new UuidTable(1 << 15)
  get size(): number {
    return this.table.size
  }
  has(id: string): boolean {
    return this.table.get(id) >= 0
  }
  add(id: string): this {
    this.table.set(id, 0)
    return this
  }
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
