/**
 * A group compiled for the credibility analysis: its frozen rules (points, rule kinds,
 * components, weights, N/A pattern, measure and direct scores) and its visits' evidence in flat
 * typed arrays, built once per analysis; plus the precomputed parts of the fast path. What the
 * arrays mean, and the algebra of the fast path, is written in fast-score.ts.
 */
import { DomainError } from '../errors.js'
import { effectiveWeights } from '../scoring/score-round.js'
import { applicableVisits, standardScore } from '../scoring/standard-score.js'
import type { GroupInput, RankedUnit, RoundInput } from '../scoring/types.js'
import type { RoundSamples } from './sample.js'
import { readVisits } from './visits.js'

export const DEDUCT_POINT = 0
export const DEDUCT_UNIT = 1
export const CHECK = 2
export const GATE = 3
/** measure and direct: not visit-based, fixed across replicates. */
export const FIXED = 4

export type TiebreakRule = { kind: 'total' } | { kind: 'findings' } | { kind: 'visits' } | { kind: 'component'; index: number }

/** Terms added per visit: visit v's are start[v] … start[v + 1] − 1, value added to cell. */
export interface VisitTerms {
  start: Int32Array
  cell: Int32Array
  value: Float64Array
}

/** One group's frozen rules and evidence. Rows are every unit of the group, in input order. */
export interface GroupModel {
  code: string
  rowCodes: string[]
  /** Row of each ranked unit, in the nominal ranking order (index i below means ranked[i]). */
  ranked: Int32Array
  rankedCodes: string[]
  standardCodes: string[]
  points: Float64Array
  kind: Uint8Array
  /** Findings component of each standard; −1 when it belongs to none (an external component's code). */
  componentOf: Int32Array
  /** (component, top-level indicator) part of each standard, −1 as above. */
  partOf: Int32Array
  parts: { component: number; top: string }[]
  componentCodes: string[]
  /** Component weights of the group (its override or the set's). */
  weights: Float64Array
  external: Uint8Array
  /** rows × components: supplied external scores, NaN when missing or not external. */
  externalRaw: Float64Array
  /** rows × standards: |V| of visit-based standards (0 = N/A). */
  applicable: Int32Array
  /** rows × standards: measure and direct scores, NaN = N/A. */
  fixed: Float64Array
  visits: number
  visitRow: Int32Array
  /** Σ count of the visit's findings (any standard of the set), for the `findings` tiebreak. */
  visitFindings: Int32Array
  /** Dense path: a_v of every visit-based standard, cell = row × standards + standard. */
  terms: VisitTerms
  /** Strata as [start, end) pairs of visit indices: one per (unit, point type) with visits. */
  strata: Int32Array
  /** Point type of stratum k (strata[2k], strata[2k + 1]): index into typeCodes. */
  strataType: Int32Array
  typeCodes: string[]
  /** Point visited at each visit: index into pointCodes. */
  visitPoint: Int32Array
  pointCodes: string[]
  /** Visits of each row, for the `visits` tiebreak. */
  rowVisits: Int32Array
  /** Row r's visits are rowStart[r] … rowStart[r + 1] − 1 (visits are ordered by row). */
  rowStart: Int32Array
  peerMean: boolean
  tiebreak: TiebreakRule[]
  fast: FastPath
}

/** The fast path's precomputed parts (see the header). */
export interface FastPath {
  /** Standards scored cell by cell in replicates. */
  cellwise: Int32Array
  /** a_v of the cellwise standards only, on compact cells row × |cellwise| + j. */
  terms: VisitTerms
  /** Indices of the findings components. */
  findingsComponents: Int32Array
  /** components × visits: L_vc at c × visits + v. */
  linear: Float64Array
  /** rows × components: K_c, Σ points and the number of own (not N/A) standards. */
  base: Float64Array
  possible: Float64Array
  own: Int32Array
}

function kindOf(rule: RoundInput['standards'][number]['rule']): number {
  switch (rule.kind) {
    case 'deduct':
      return rule.scope === 'unit' ? DEDUCT_UNIT : DEDUCT_POINT
    case 'check':
      return CHECK
    case 'gate':
      return GATE
    default:
      return FIXED
  }
}

function parseTiebreak(keys: readonly string[], componentCodes: readonly string[]): TiebreakRule[] {
  return keys.flatMap((key): TiebreakRule[] => {
    if (key === 'total' || key === 'findings' || key === 'visits') return [{ kind: key }]
    if (key.startsWith('component:')) return [{ kind: 'component', index: componentCodes.indexOf(key.slice('component:'.length)) }]
    return [] // unknown keys never separate units (ranking.ts)
  })
}

type Compiled = Omit<GroupModel, 'fast'>

/** Terms of the selected standards from the visit table: a_v per kind (see the header). */
function visitTerms(model: Pick<Compiled, 'kind' | 'points'>, table: ReturnType<typeof readVisits>, S: number, keep: (s: number) => boolean): VisitTerms {
  const start = new Int32Array(table.visits + 1)
  const cell = new Int32Array(table.standard.length)
  const value = new Float64Array(table.standard.length)
  let e = 0
  for (let v = 0; v < table.visits; v++) {
    start[v] = e
    for (let k = table.start[v]!; k < table.start[v + 1]!; k++) {
      const s = table.standard[k]!
      const kind = model.kind[s]!
      if (kind === FIXED || !keep(s)) continue
      const d = table.deduction[k]!
      cell[e] = table.row[v]! * S + s
      value[e] = kind === DEDUCT_POINT ? Math.min(model.points[s]!, d) : kind === DEDUCT_UNIT ? d : 1
      e++
    }
  }
  start[table.visits] = e
  return { start, cell: cell.slice(0, e), value: value.slice(0, e) }
}

/** The fast path's parts (see the header). */
function fastPath(m: Compiled): FastPath {
  const S = m.points.length
  const C = m.weights.length
  const rows = m.rowCodes.length
  const present = (r: number, s: number): boolean => (m.kind[s] === FIXED ? m.fixed[r * S + s] === m.fixed[r * S + s] : m.applicable[r * S + s]! > 0)

  // Peer means exist where some unit of the group has the standard; fixed ones never move.
  const peerDefined = new Uint8Array(S)
  const peerFixed = new Float64Array(S)
  const cellwise: number[] = []
  for (let s = 0; s < S; s++) {
    let count = 0
    let sum = 0
    for (let r = 0; r < rows; r++) {
      if (!present(r, s)) continue
      count++
      if (m.kind[s] === FIXED) sum += m.fixed[r * S + s]!
    }
    peerDefined[s] = count > 0 ? 1 : 0
    peerFixed[s] = count > 0 ? sum / count : NaN
    const nonLinear = m.kind[s] === DEDUCT_UNIT || m.kind[s] === GATE
    const mixed = m.peerMean && count > 0 && count < rows
    if (m.kind[s] !== FIXED && (nonLinear || mixed)) cellwise.push(s)
  }
  const isCellwise = new Uint8Array(S)
  for (const s of cellwise) isCellwise[s] = 1

  const base = new Float64Array(rows * C)
  const possible = new Float64Array(rows * C)
  const own = new Int32Array(rows * C)
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < S; s++) {
      const c = m.componentOf[s]!
      if (c < 0) continue
      const cell = r * C + c
      if (present(r, s)) {
        own[cell]!++
        possible[cell]! += m.points[s]!
        if (m.kind[s] === FIXED) base[cell]! += m.fixed[r * S + s]!
        else if (!isCellwise[s]) base[cell]! += m.points[s]!
      } else if (m.peerMean && peerDefined[s]) {
        possible[cell]! += m.points[s]!
        if (m.kind[s] === FIXED) base[cell]! += peerFixed[s]!
      }
    }
  }

  // L_vc = Σ k_s a_vs over the visit's linear standards of component c, stored c × visits + v.
  const linear = new Float64Array(m.visits * C)
  const { start, cell, value } = m.terms
  for (let v = 0; v < m.visits; v++) {
    for (let e = start[v]!; e < start[v + 1]!; e++) {
      const s = cell[e]! % S
      const c = m.componentOf[s]!
      if (c < 0 || isCellwise[s]) continue
      const V = m.applicable[cell[e]!]!
      if (V === 0) continue
      linear[c * m.visits + v]! += (m.kind[s] === CHECK ? m.points[s]! / V : 1 / V) * value[e]!
    }
  }

  const findingsComponents = Int32Array.from(Array.from(m.external).flatMap((x, c) => (x ? [] : [c])))
  return { cellwise: Int32Array.from(cellwise), terms: cellwiseTerms(m, cellwise), findingsComponents, linear, base, possible, own }
}

/** The cellwise standards' terms, on compact cells row × |cellwise| + j (a small, cache-friendly array). */
function cellwiseTerms(m: Compiled, cellwise: readonly number[]): VisitTerms {
  const S = m.points.length
  const position = new Int32Array(S).fill(-1)
  cellwise.forEach((s, j) => (position[s] = j))
  const { start, cell, value } = m.terms
  const outStart = new Int32Array(m.visits + 1)
  const outCell: number[] = []
  const outValue: number[] = []
  for (let v = 0; v < m.visits; v++) {
    outStart[v] = outCell.length
    for (let e = start[v]!; e < start[v + 1]!; e++) {
      const j = position[cell[e]! % S]!
      if (j < 0) continue
      outCell.push(m.visitRow[v]! * cellwise.length + j)
      outValue.push(value[e]!)
    }
  }
  outStart[m.visits] = outCell.length
  return { start: outStart, cell: Int32Array.from(outCell), value: Float64Array.from(outValue) }
}

function rowStarts(rowVisits: Int32Array): Int32Array {
  const out = new Int32Array(rowVisits.length + 1)
  for (let r = 0; r < rowVisits.length; r++) out[r + 1] = out[r]! + rowVisits[r]!
  return out
}

/**
 * Compiles one group. `ranking` is the group's nominal ranking (scoreRound's), whose order the
 * ranked indices follow; `samples` holds every unit's visits by unit code.
 * Throws CONFLICT when the samples disagree with the visit counts of the input.
 */
export function compileGroup(input: RoundInput, group: GroupInput, ranking: readonly RankedUnit[], samples: RoundSamples): GroupModel {
  const units = group.units
  const rows = units.length
  const S = input.standards.length
  const standardIndex = new Map(input.standards.map((s, i) => [s.code, i]))
  const components = input.components
  const componentCodes = components.map((c) => c.code)
  const findingsComponent = new Map(components.flatMap((c, i) => (c.source === 'findings' ? [[c.code, i] as const] : [])))
  const groupWeights = effectiveWeights(components, group)

  const points = new Float64Array(S)
  const kind = new Uint8Array(S)
  const componentOf = new Int32Array(S)
  const partOf = new Int32Array(S)
  const parts: { component: number; top: string }[] = []
  const partIndex = new Map<string, number>()
  input.standards.forEach((s, i) => {
    points[i] = Number(s.points)
    kind[i] = kindOf(s.rule)
    const c = findingsComponent.get(s.component) ?? -1
    componentOf[i] = c
    if (c < 0) {
      partOf[i] = -1
      return
    }
    const key = `${c}\u0000${s.topCode}`
    let p = partIndex.get(key)
    if (p === undefined) {
      p = parts.length
      parts.push({ component: c, top: s.topCode })
      partIndex.set(key, p)
    }
    partOf[i] = p
  })

  const C = components.length
  const external = new Uint8Array(C)
  const weights = new Float64Array(C)
  components.forEach((c, i) => {
    external[i] = c.source === 'external' ? 1 : 0
    weights[i] = Number(groupWeights[c.code] ?? '0')
  })
  const externalRaw = new Float64Array(rows * C).fill(NaN)
  const applicable = new Int32Array(rows * S)
  const fixed = new Float64Array(rows * S).fill(NaN)
  units.forEach((unit, r) => {
    components.forEach((c, ci) => {
      const v = unit.external[c.code]
      if (c.source === 'external' && v !== undefined) externalRaw[r * C + ci] = Number(v)
    })
    input.standards.forEach((s, si) => {
      if (kind[si] === FIXED) {
        const score = standardScore(s, unit)
        fixed[r * S + si] = score === null ? NaN : Number(score.toString())
      } else applicable[r * S + si] = applicableVisits(s, unit)
    })
  })

  const table = readVisits(units, samples, standardIndex, S)
  const visitFindings = new Int32Array(table.visits)
  for (let v = 0; v < table.visits; v++) for (let k = table.start[v]!; k < table.start[v + 1]!; k++) visitFindings[v]! += table.findings[k]!

  const rowOf = new Map(units.map((u, r) => [u.code, r]))
  const ranked = Int32Array.from(ranking, (u) => {
    const r = rowOf.get(u.unit)
    if (r === undefined) throw new DomainError('CONFLICT', `ranked unit ${u.unit} is not a unit of group ${group.code}`)
    return r
  })

  const compiled: Compiled = {
    code: group.code,
    rowCodes: units.map((u) => u.code),
    ranked,
    rankedCodes: ranking.map((u) => u.unit),
    standardCodes: input.standards.map((s) => s.code),
    points,
    kind,
    componentOf,
    partOf,
    parts,
    componentCodes,
    weights,
    external,
    externalRaw,
    applicable,
    fixed,
    visits: table.visits,
    visitRow: table.row,
    visitFindings,
    terms: visitTerms({ kind, points }, table, S, () => true),
    strata: table.strata,
    strataType: table.strataType,
    typeCodes: table.typeCodes,
    visitPoint: table.point,
    pointCodes: table.pointCodes,
    rowVisits: table.rowVisits,
    rowStart: rowStarts(table.rowVisits),
    peerMean: input.naPolicy === 'peer-mean',
    tiebreak: parseTiebreak(input.tiebreak, componentCodes),
  }
  return { ...compiled, fast: fastPath(compiled) }
}
