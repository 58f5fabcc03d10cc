/**
 * Reads a group's visit samples into flat typed arrays, once per analysis: each visit's
 * findings merged per standard (a standard listed twice at one visit is summed; unknown
 * standard codes are left out, as buildRoundInput leaves them out), and the visits put in a
 * canonical order — by unit (the group's order), then point type code, then content — so the
 * figures do not depend on the order in which the visits were read (PGlite or PostgreSQL,
 * import order).
 *
 * Content order: each visit gets two order-independent 32-bit hashes (sums of mixed hashes of
 * its (standard, findings, D_v) entries), visits sort by them, and in the astronomically rare
 * case of equal hashes by their entries compared one by one. Visits with equal content are
 * interchangeable, so any order among them gives the same figures.
 */
import { DomainError } from '../errors.js'
import type { UnitInput } from '../scoring/types.js'
import { fmix32 } from './random.js'
import type { RoundSamples } from './sample.js'

export interface VisitTable {
  visits: number
  /** Row (index in the group's units) of each visit. */
  row: Int32Array
  /** Visit v's entries are start[v] … start[v + 1] − 1. */
  start: Int32Array
  standard: Int32Array
  findings: Int32Array
  deduction: Float64Array
  /** Strata as [start, end) pairs of visit indices: one per (unit, point type) with visits. */
  strata: Int32Array
  rowVisits: Int32Array
  /** Point of each visit: index into pointCodes (the codes in code order). */
  point: Int32Array
  pointCodes: string[]
  /** Point type of each stratum: index into typeCodes (the codes in code order). */
  strataType: Int32Array
  typeCodes: string[]
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)


const bits = new Float64Array(1)
const words = new Uint32Array(bits.buffer)

function entryHash(standard: number, findings: number, deduction: number): number {
  bits[0] = deduction
  return fmix32(Math.imul(standard + 1, 0x9e3779b1) ^ fmix32(findings ^ 0x27d4eb2f) ^ fmix32(words[0]!) ^ fmix32((words[1]! + 0x165667b1) >>> 0))
}

/** The visits of the group's units, in read order, merged per standard. */
function readInOrder(units: readonly UnitInput[], samples: RoundSamples, standardIndex: ReadonlyMap<string, number>, standards: number) {
  let total = 0
  let bound = 0
  for (const unit of units)
    for (const visit of samples[unit.code] ?? []) {
      total++
      bound += visit.standards.length
    }
  const read = {
    total,
    row: new Int32Array(total),
    type: new Array<string>(total),
    point: new Array<string>(total),
    start: new Int32Array(total + 1),
    standard: new Int32Array(bound),
    findings: new Int32Array(bound),
    deduction: new Float64Array(bound),
    hashA: new Uint32Array(total),
    hashB: new Uint32Array(total),
  }
  const seenAt = new Int32Array(standards).fill(-1)
  const position = new Int32Array(standards)
  let g = 0
  let e = 0
  units.forEach((unit, r) => {
    for (const visit of samples[unit.code] ?? []) {
      read.row[g] = r
      read.type[g] = visit.pointType
      read.point[g] = visit.point
      read.start[g] = e
      for (const f of visit.standards) {
        const d = Number(f.deduction)
        if (!Number.isFinite(d) || d < 0 || !Number.isInteger(f.findings) || f.findings < 0)
          throw new DomainError('CONFLICT', `a visit sample of unit ${unit.code} has an invalid entry for standard ${f.code} (findings ${f.findings}, deduction ${f.deduction})`)
        const s = standardIndex.get(f.code)
        if (s === undefined) continue
        if (seenAt[s] === g) {
          read.findings[position[s]!]! += f.findings
          read.deduction[position[s]!]! += d
          continue
        }
        seenAt[s] = g
        position[s] = e
        read.standard[e] = s
        read.findings[e] = f.findings
        read.deduction[e] = d
        e++
      }
      let a = 0
      let b = 0
      for (let k = read.start[g]!; k < e; k++) {
        const h = entryHash(read.standard[k]!, read.findings[k]!, read.deduction[k]!)
        a = (a + fmix32(h ^ 0x1b873593)) >>> 0
        b = (b + fmix32((h + 0xe6546b64) >>> 0)) >>> 0
      }
      read.hashA[g] = a
      read.hashB[g] = b
      g++
    }
  })
  read.start[total] = e
  return read
}

type ReadVisits = ReturnType<typeof readInOrder>

/** Entries of visit g sorted by standard, compared one by one (only on a hash collision). */
function compareContent(read: ReadVisits, x: number, y: number): number {
  const entries = (g: number): number[] =>
    Array.from({ length: read.start[g + 1]! - read.start[g]! }, (_, i) => read.start[g]! + i).sort((p, q) => read.standard[p]! - read.standard[q]!)
  const ex = entries(x)
  const ey = entries(y)
  for (let i = 0; i < Math.min(ex.length, ey.length); i++) {
    const p = ex[i]!
    const q = ey[i]!
    const c = read.standard[p]! - read.standard[q]! || read.findings[p]! - read.findings[q]! || read.deduction[p]! - read.deduction[q]!
    if (c !== 0) return c
  }
  return ex.length - ey.length
}

/**
 * Insertion sort of the entries start … end − 1 by standard: a visit's terms then land on
 * increasing addresses of its unit's row, which the accumulation loop reads faster.
 */
function sortByStandard(t: Pick<VisitTable, 'standard' | 'findings' | 'deduction'>, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const s = t.standard[i]!
    const f = t.findings[i]!
    const d = t.deduction[i]!
    let j = i - 1
    while (j >= start && t.standard[j]! > s) {
      t.standard[j + 1] = t.standard[j]!
      t.findings[j + 1] = t.findings[j]!
      t.deduction[j + 1] = t.deduction[j]!
      j--
    }
    t.standard[j + 1] = s
    t.findings[j + 1] = f
    t.deduction[j + 1] = d
  }
}

/**
 * Reads and orders the visits of `units` (a group). Throws CONFLICT when a unit's samples do not
 * match its visit counts by point type, or an entry is not a count and a deduction.
 */
export function readVisits(units: readonly UnitInput[], samples: RoundSamples, standardIndex: ReadonlyMap<string, number>, standards: number): VisitTable {
  const read = readInOrder(units, samples, standardIndex, standards)
  const order: number[] = []
  const strata: number[] = []
  const strataTypes: string[] = []
  const rowVisits = new Int32Array(units.length)
  let first = 0
  units.forEach((unit, r) => {
    const byType = new Map<string, number[]>()
    for (let g = first; g < read.total && read.row[g] === r; g++) {
      const list = byType.get(read.type[g]!) ?? []
      list.push(g)
      byType.set(read.type[g]!, list)
      first = g + 1
    }
    for (const type of new Set([...byType.keys(), ...Object.keys(unit.visitsByPointType)])) {
      const sampled = byType.get(type)?.length ?? 0
      const counted = unit.visitsByPointType[type] ?? 0
      if (sampled !== counted)
        throw new DomainError('CONFLICT', `unit ${unit.code} has ${counted} visit(s) of point type ${type} but ${sampled} visit sample(s); the samples must come from the same data as the scores`)
    }
    for (const [type, list] of [...byType.entries()].sort((a, b) => byCode(a[0], b[0]))) {
      list.sort((x, y) => read.hashA[x]! - read.hashA[y]! || read.hashB[x]! - read.hashB[y]! || compareContent(read, x, y))
      strata.push(order.length, order.length + list.length)
      strataTypes.push(type)
      for (const g of list) order.push(g)
      rowVisits[r]! += list.length
    }
  })

  const table: VisitTable = {
    visits: read.total,
    row: new Int32Array(read.total),
    start: new Int32Array(read.total + 1),
    standard: new Int32Array(read.start[read.total]!),
    findings: new Int32Array(read.start[read.total]!),
    deduction: new Float64Array(read.start[read.total]!),
    strata: Int32Array.from(strata),
    rowVisits,
    point: new Int32Array(read.total),
    pointCodes: [...new Set(read.point)].sort(byCode),
    strataType: new Int32Array(strataTypes.length),
    typeCodes: [...new Set(strataTypes)].sort(byCode),
  }
  const typeIndex = new Map(table.typeCodes.map((code, i) => [code, i]))
  strataTypes.forEach((type, k) => (table.strataType[k] = typeIndex.get(type)!))
  const pointIndex = new Map(table.pointCodes.map((code, i) => [code, i]))
  let e = 0
  order.forEach((g, v) => {
    table.row[v] = read.row[g]!
    table.point[v] = pointIndex.get(read.point[g]!)!
    table.start[v] = e
    const from = read.start[g]!
    const to = read.start[g + 1]!
    table.standard.set(read.standard.subarray(from, to), e)
    table.findings.set(read.findings.subarray(from, to), e)
    table.deduction.set(read.deduction.subarray(from, to), e)
    sortByStandard(table, e, e + to - from)
    e += to - from
  })
  table.start[read.total] = e
  return table
}
