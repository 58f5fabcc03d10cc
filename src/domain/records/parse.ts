/**
 * The edge of data entry: a batch of the five record kinds of SPEC §6.1, as it arrives (parsed
 * JSON of the API or a JSON file, a chunk of workbook rows, a corrected finding), read once into
 * typed records against the bounds of src/domain/records/bounds.ts. Everything that can be said
 * of a record without the round is said here: shapes, types, UUID syntax, number ranges and
 * decimals, text length and characters, time syntax. What needs the round (codes that exist,
 * standards that apply, a visit's unit, times inside the period, ids seen twice) is
 * resolveRecords' work (validate.ts), on the records read here; nobody walks the raw batch again.
 *
 * A record with a problem is kept, marked not ok, with whatever of it could be read, so that the
 * round checks still report its other problems: a batch is refused with every problem listed.
 */
import { canonical, dec, isDecimalText } from '../decimal.js'
import { DomainError, type Issue } from '../errors.js'
import { recordTextProblem } from '../text.js'
import { readUuid } from '../uuid.js'
import { RECORD_BOUNDS as B } from './bounds.js'

export const RECORD_KINDS = ['visits', 'findings', 'externalScores', 'measures', 'directScores'] as const
export type RecordKind = (typeof RECORD_KINDS)[number]

interface Parsed {
  /** Position in the batch's list of its kind: issue paths name it (`findings[3].count`). */
  index: number
  /** No problem was found in reading it. */
  ok: boolean
  /** The problems found in reading it, in field order. */
  issues: Issue[] | null
}

export interface ParsedVisit extends Parsed {
  id: string | null
  point: string | null
  at: Date | null
  evaluator: string | null
  note: string | null
  lat: string | null
  lng: string | null
}

/** What a finding says, as stored: the same read and resolved. */
export interface FindingContent {
  count: number
  deduction: string | null
  note: string | null
  evaluator: string | null
  at: Date | null
  photos: string[]
}

/**
 * A finding as read. It becomes the clean record itself once resolved (resolveRecords fills in
 * unitId and standardId, 0 until then): a batch of thousands allocates each finding once.
 */
export interface ParsedFinding extends Parsed, FindingContent {
  id: string | null
  visitId: string | null
  standard: string | null
  unitId: number
  standardId: number
  lat: string | null
  lng: string | null
}

/** An external score (key = component), a measure or a direct score (key = standard). */
export interface ParsedUnitValue extends Parsed {
  unit: string | null
  key: string | null
  value: string | null
  note: string | null
}

export interface ParsedBatch {
  visits: ParsedVisit[]
  findings: ParsedFinding[]
  externalScores: ParsedUnitValue[]
  measures: ParsedUnitValue[]
  directScores: ParsedUnitValue[]
  /** Problems of the batch as a whole (not an object, an unknown kind, a kind that is no list). */
  issues: Issue[]
  /** Records in all lists. */
  size: number
  /** Visit ids the batch names, each once: its findings' visits and its own visits (retries). */
  visitIds: string[]
  /** Photo hashes its findings name. */
  photos: Set<string>
}

export interface ParseOptions {
  /** Refuse (413, BATCH_TOO_LARGE) a batch of more records than this, before reading any. */
  maxRecords?: number
}

const FIELDS: Record<RecordKind, ReadonlySet<string>> = {
  visits: new Set(['id', 'point', 'at', 'evaluator', 'note', 'lat', 'lng']),
  findings: new Set(['id', 'visit', 'standard', 'count', 'deduction', 'note', 'evaluator', 'at', 'photos', 'lat', 'lng']),
  externalScores: new Set(['unit', 'component', 'value']),
  measures: new Set(['unit', 'standard', 'value']),
  directScores: new Set(['unit', 'standard', 'value', 'note']),
}
const SHA256 = /^[0-9a-f]{64}$/

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
/**
 * A value as written, for messages: text and plain values as they are, cut short (a message
 * never carries a megabyte back); a list or an object only named, since writing it out could
 * take as long, or nest as deep, as the client made it.
 */
export function shown(v: unknown): string {
  let text: string
  if (typeof v === 'string') text = v
  else if (v === null || typeof v === 'number' || typeof v === 'boolean') text = String(v)
  else if (Array.isArray(v)) text = 'a list'
  else if (typeof v === 'object') text = 'an object'
  else text = 'nothing'
  return text.length > 80 ? `${text.slice(0, 77)}…` : text
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
  if (typeof v !== 'string' || v.length > 40) return null
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

/** Decimal text of a string or JSON number, or null when it is neither. */
function decimalText(v: unknown): string | null {
  // A JSON number as JavaScript writes it: 1e21 is "1e+21", no decimal text, and refused.
  if (typeof v === 'number') {
    const text = String(v)
    return isDecimalText(text) ? text : null
  }
  if (typeof v === 'string' && v.length <= 64) {
    const t = v.trim()
    if (isDecimalText(t)) return t
  }
  return null
}

/** Digits before and after the point of plain decimal text, without leading and trailing zeros. */
function digits(text: string): { integer: number; fraction: number; negative: boolean } {
  const negative = text.startsWith('-')
  const body = text.replace(/^[+-]/, '')
  const dot = body.indexOf('.')
  const integer = (dot < 0 ? body : body.slice(0, dot)).replace(/^0+/, '').length
  const fraction = dot < 0 ? 0 : body.slice(dot + 1).replace(/0+$/, '').length
  return { integer, fraction, negative }
}

/**
 * Reads one batch. Throws BATCH_TOO_LARGE before reading when `maxRecords` is given and
 * exceeded; every other problem is an issue in the result.
 */
export function parseRecords(data: unknown, options: ParseOptions = {}): ParsedBatch {
  const batch: ParsedBatch = { visits: [], findings: [], externalScores: [], measures: [], directScores: [], issues: [], size: 0, visitIds: [], photos: new Set() }
  if (!isObj(data)) {
    batch.issues.push({ path: '', message: 'the data must be an object with visits, findings, externalScores, measures and/or directScores' })
    return batch
  }
  const lists: Partial<Record<RecordKind, unknown[]>> = {}
  for (const key in data) {
    if (!(RECORD_KINDS as readonly string[]).includes(key)) {
      batch.issues.push({ path: shown(key), message: `unknown record kind "${shown(key)}" (expected ${RECORD_KINDS.join(', ')})` })
      continue
    }
    const v = data[key]
    if (v === undefined || v === null) continue
    if (!Array.isArray(v)) batch.issues.push({ path: key, message: 'must be a list' })
    else {
      lists[key as RecordKind] = v
      batch.size += v.length
    }
  }
  if (options.maxRecords !== undefined && batch.size > options.maxRecords)
    throw new DomainError(
      'BATCH_TOO_LARGE',
      `the batch holds ${batch.size} records; at most ${options.maxRecords} are taken per request (split it, or import a file with civindex import)`,
    )

  const seenVisitIds = new Set<string>()
  const nameVisit = (id: string | null): void => {
    if (id !== null && !seenVisitIds.has(id)) {
      seenVisitIds.add(id)
      batch.visitIds.push(id)
    }
  }
  const readers = {
    visits: new RecordReader('visits'),
    findings: new RecordReader('findings'),
    externalScores: new RecordReader('externalScores'),
    measures: new RecordReader('measures'),
    directScores: new RecordReader('directScores'),
  }
  lists.visits?.forEach((r, i) => {
    const v = readVisit(readers.visits.at(i), r, i)
    batch.visits.push(v)
    nameVisit(v.id)
  })
  let lastVisit: string | null = null
  lists.findings?.forEach((r, i) => {
    const f = readFinding(readers.findings.at(i), r, i)
    batch.findings.push(f)
    // A visit's findings usually come one after another.
    if (f.visitId !== lastVisit) nameVisit((lastVisit = f.visitId))
    for (const p of f.photos) batch.photos.add(p)
  })
  lists.externalScores?.forEach((r, i) => batch.externalScores.push(readUnitValue(readers.externalScores.at(i), r, i)))
  lists.measures?.forEach((r, i) => batch.measures.push(readUnitValue(readers.measures.at(i), r, i)))
  lists.directScores?.forEach((r, i) => batch.directScores.push(readUnitValue(readers.directScores.at(i), r, i)))
  return batch
}

/** Reads the fields of records of one kind, one at a time, collecting each one's problems with their paths. */
class RecordReader {
  issues: Issue[] | null = null
  index = 0
  constructor(readonly kind: RecordKind) {}

  /** Starts on the record at `index`. */
  at(index: number): this {
    this.index = index
    this.issues = null
    return this
  }

  add(field: string, message: string): void {
    ;(this.issues ??= []).push({ path: field === '' ? `${this.kind}[${this.index}]` : `${this.kind}[${this.index}].${field}`, message })
  }

  /** Marks `record` with the problems found in reading it. */
  finish<T extends Parsed>(record: T): T {
    record.issues = this.issues
    record.ok = this.issues === null
    return record
  }

  fail(field: string, message: string): null {
    this.add(field, message)
    return null
  }

  /** The record's fields, or null (with an issue) when it is no object; unknown fields are issues. */
  open(r: unknown): Obj | null {
    if (!isObj(r)) {
      this.add('', 'must be an object')
      return null
    }
    const known = FIELDS[this.kind]
    // Parsed JSON has only own, enumerable keys: for…in reads them without a key array.
    for (const k in r) if (!known.has(k)) this.add(shown(k), `unknown field "${shown(k)}"`)
    return r
  }

  uuid(field: string, v: unknown): string | null {
    if (typeof v === 'string' && v.length <= 64) {
      if (readUuid(v)) return v
      const id = v.trim().toLowerCase()
      if (readUuid(id)) return id
    }
    this.add(field, v === undefined ? 'is required: a UUID generated by the client' : `must be a UUID generated by the client (got ${shown(v)})`)
    return null
  }

  /** A code naming a point, standard, unit or component, taken as written. */
  code(field: string, v: unknown): string | null {
    if (v === undefined || v === null) return this.fail(field, 'is required')
    if (typeof v !== 'string') return this.fail(field, `must be a code (text), got ${shown(v)}`)
    if (v.length > B.codeLength) return this.fail(field, `is longer than ${B.codeLength} characters`)
    const bad = recordTextProblem(v)
    if (bad !== null) return this.fail(field, bad)
    return v
  }

  /** Optional free text, trimmed (empty = none); numbers are taken as their text. */
  text(field: string, v: unknown, max: number): string | null {
    if (v === undefined || v === null) return null
    if (typeof v !== 'string' && typeof v !== 'number') return this.fail(field, `must be text, got ${shown(v)}`)
    const text = String(v).trim()
    if (text === '') return null
    if (text.length > max) return this.fail(field, `is ${text.length} characters long; at most ${max} are allowed`)
    const bad = recordTextProblem(text)
    if (bad !== null) return this.fail(field, bad)
    return text
  }

  /** A non-negative decimal within the bounds, canonical ("2.50" → "2.5"). */
  decimal(field: string, v: unknown, maxFraction: number = B.decimalFractionDigits): string | null {
    if (v === undefined || v === null) return this.fail(field, 'is required')
    const text = decimalText(v)
    if (text === null) return this.fail(field, `${shown(v)} is not a decimal number (write it as text, e.g. "0.5")`)
    const d = digits(text)
    if (d.negative && (d.integer > 0 || d.fraction > 0)) return this.fail(field, 'must not be negative')
    if (d.integer > B.decimalIntegerDigits) return this.fail(field, `${shown(text)} is too large (at most ${B.decimalIntegerDigits} digits before the point)`)
    if (d.fraction > maxFraction) return this.fail(field, `has more than ${maxFraction} decimals`)
    return canonical(text)
  }

  time(field: string, v: unknown, required: boolean): Date | null {
    if (v === undefined || v === null) {
      if (required) this.add(field, 'is required (e.g. 2017-08-03T09:10:00+08:00)')
      return null
    }
    const at = parseTime(v)
    if (at === null) return this.fail(field, `${shown(v)} is not a date-time with offset, e.g. 2017-08-03T09:10:00+08:00`)
    const year = new Date(at.getTime() + 8 * 3600 * 1000).getUTCFullYear()
    if (year < B.minYear || year > B.maxYear) return this.fail(field, `${shown(v)} is outside the years ${B.minYear}–${B.maxYear}`)
    return at
  }

  coordinate(field: string, v: unknown, limit: 90 | 180): string | null {
    if (v === undefined || v === null) return null
    const text = decimalText(v)
    if (text === null) return this.fail(field, 'must be a decimal coordinate (WGS-84 degrees)')
    const d = digits(text)
    if (d.fraction > B.coordinateDecimals) return this.fail(field, `has more than ${B.coordinateDecimals} decimals`)
    const magnitude = d.integer > 3 ? Infinity : Math.abs(Number(text))
    if (magnitude > limit) return this.fail(field, `must be from -${limit} to ${limit}`)
    // As written: the text is part of the visit's content hash, which a retry must match.
    return text
  }
}

function readVisit(read: RecordReader, r: unknown, index: number): ParsedVisit {
  const o = read.open(r)
  if (o === null) return { index, ok: false, issues: read.issues, id: null, point: null, at: null, evaluator: null, note: null, lat: null, lng: null }
  const visit: ParsedVisit = {
    index,
    ok: false,
    issues: null,
    id: read.uuid('id', o.id),
    point: read.code('point', o.point),
    at: read.time('at', o.at, true),
    evaluator: read.text('evaluator', o.evaluator, B.nameLength),
    note: read.text('note', o.note, B.noteLength),
    lat: read.coordinate('lat', o.lat, 90),
    lng: read.coordinate('lng', o.lng, 180),
  }
  return read.finish(visit)
}

function readFinding(read: RecordReader, r: unknown, index: number): ParsedFinding {
  const o = read.open(r)
  if (o === null)
    return { index, ok: false, issues: read.issues, id: null, visitId: null, standard: null, unitId: 0, standardId: 0, count: 1, deduction: null, note: null, evaluator: null, at: null, photos: [], lat: null, lng: null }
  const id = read.uuid('id', o.id)
  const visitId = read.uuid('visit', o.visit)
  const standard = read.code('standard', o.standard)
  let count = 1
  if (o.count !== undefined && o.count !== null) {
    const n = typeof o.count === 'string' && /^\s*\d{1,12}\s*$/.test(o.count) ? Number(o.count.trim()) : o.count
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > B.maxCount)
      read.add('count', `must be a whole number from 1 to ${B.maxCount} (got ${shown(o.count)})`)
    else count = n
  }
  const deduction = o.deduction === undefined || o.deduction === null ? null : read.decimal('deduction', o.deduction)
  const photos: string[] = []
  if (o.photos !== undefined && o.photos !== null) {
    if (!Array.isArray(o.photos)) read.add('photos', 'must be a list of photo hashes')
    else if (o.photos.length > B.photosPerFinding) read.add('photos', `holds ${o.photos.length} photos; at most ${B.photosPerFinding} a finding`)
    else
      o.photos.forEach((p, j) => {
        const h = typeof p === 'string' && p.length <= 80 ? p.trim().toLowerCase() : ''
        if (!SHA256.test(h)) read.add(`photos[${j}]`, 'must be the SHA-256 (64 hex digits) of an uploaded photo')
        else photos.push(h)
      })
  }
  const finding: ParsedFinding = {
    index,
    ok: false,
    issues: null,
    id,
    visitId,
    standard,
    unitId: 0,
    standardId: 0,
    count,
    deduction,
    note: read.text('note', o.note, B.noteLength),
    evaluator: read.text('evaluator', o.evaluator, B.nameLength),
    at: read.time('at', o.at, false),
    photos,
    lat: read.coordinate('lat', o.lat, 90),
    lng: read.coordinate('lng', o.lng, 180),
  }
  return read.finish(finding)
}

function readUnitValue(read: RecordReader, r: unknown, index: number): ParsedUnitValue {
  const kind = read.kind
  const o = read.open(r)
  if (o === null) return { index, ok: false, issues: read.issues, unit: null, key: null, value: null, note: null }
  const unit = read.code('unit', o.unit)
  const key = kind === 'externalScores' ? read.code('component', o.component) : read.code('standard', o.standard)
  let value: string | null
  if (kind === 'externalScores') {
    value = read.decimal('value', o.value, B.externalScoreDecimals)
    if (value !== null && dec(value).greaterThan(100)) {
      read.add('value', `must be from 0 to 100 (got ${value})`)
      value = null
    }
  } else value = read.decimal('value', o.value)
  const note = kind === 'directScores' ? read.text('note', o.note, B.noteLength) : null
  return read.finish({ index, ok: false, issues: null, unit, key, value, note })
}
