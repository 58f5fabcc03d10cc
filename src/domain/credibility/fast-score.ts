/**
 * The bootstrap's scorer: the frozen rules of SPEC §4.1–4.2, compiled once per group into typed
 * arrays and evaluated in binary floats for any vector of visit weights w (w_v = how often
 * visit v was drawn; all 1 = the data as observed). Decimal is far too slow for 1,000
 * replicates of 100,000 standard scores, and the figures it feeds are statistics (intervals,
 * shares of replicates), not published scores. With every weight 1 both paths below reproduce
 * scoreRound's unrounded totals to ~1e-12 (tested against the golden fixtures to 1e-9).
 *
 * Dense path (scoreDense: the nominal scores, and the reference). Per (unit, standard) cell,
 *   A = Σ_v w_v × a_v, where a_v = min(P, D_v)  (deduct, scope point: capped deductions)
 *                                  D_v          (deduct, scope unit: deductions)
 *                                  1            (check, gate: the visit has findings)
 * and the score mirrors standard-score.ts with |V| the applicable visits (a stratified resample
 * keeps every stratum's size, so |V| and the N/A pattern never change):
 *   deduct point (|V| × P − A) / |V|      deduct unit max(0, P − A)
 *   check        P × (|V| − A) / |V|      gate        A > 0 ? 0 : P
 *   measure, direct: fixed (computed once with the exact standardScore)
 * then the components as score-round.ts does (same N/A policies, peer means over every unit of
 * the group, ranked or not): raw_c = 100 × Σ score / Σ points, total = Σ_c w_c × raw_c.
 *
 * Fast path (scoreReplicate: every bootstrap replicate). Deduct scope point and check are
 * linear in A: score = P − k × A with k = 1/|V| (deduct) or P/|V| (check). So a unit's Σ score
 * over those standards of component c is
 *   Σ_s P_s − Σ_s k_s Σ_v w_v a_vs = K_c − Σ_v w_v L_vc,   L_vc = Σ_{s ∈ c} k_s a_vs
 * where L_vc is computed once per visit: one multiply-add per visit and component instead of
 * one per finding. Only the non-linear standards (deduct scope unit, gate) — and, under
 * peer-mean, the standards N/A for some units of the group but not all (their peer means move
 * with the replicate) — are accumulated and scored cell by cell. Measure and direct scores, and
 * their peer means, are folded into K_c. Σ points and the count of own standards per component
 * do not change between replicates.
 *
 * The group is compiled by model.ts; visits are read and put in a canonical order by visits.ts.
 */
import { DomainError } from '../errors.js'
import type { GroupInput, StandardEvidence } from '../scoring/types.js'
import { CHECK, DEDUCT_POINT, DEDUCT_UNIT, FIXED, type GroupModel, type VisitTerms } from './model.js'

/** Scratch arrays of one scorer, reused by every replicate (no allocation per replicate). */
export interface Workspace {
  acc: Float64Array
  /** Fast path: A of the cellwise cells, row × |cellwise| + j. */
  cellwiseAcc: Float64Array
  score: Float64Array
  peer: Float64Array
  peerCount: Int32Array
  rowFindings: Float64Array
  scored: Float64Array
  possible: Float64Array
  own: Int32Array
  /** rows × components: Σ_v w_v L_vc (fast path). */
  linear: Float64Array
  /** rows × components: raw_c of the replicate (ranked rows only), NaN = missing. */
  raw: Float64Array
  /** Unrounded total of each row (ranked rows only). */
  total: Float64Array
}

export function workspace(model: GroupModel): Workspace {
  const rows = model.rowCodes.length
  const S = model.points.length
  const C = model.weights.length
  return {
    acc: new Float64Array(rows * S),
    cellwiseAcc: new Float64Array(rows * model.fast.cellwise.length),
    score: new Float64Array(rows * S).fill(NaN),
    peer: new Float64Array(S),
    peerCount: new Int32Array(S),
    rowFindings: new Float64Array(rows),
    scored: new Float64Array(C),
    possible: new Float64Array(C),
    own: new Int32Array(C),
    linear: new Float64Array(rows * C),
    raw: new Float64Array(rows * C).fill(NaN),
    total: new Float64Array(rows).fill(NaN),
  }
}

/** Σ_v w_v × a_v into ws.acc over the given terms, and the weighted findings count per unit. */
function accumulate(model: GroupModel, terms: VisitTerms, weights: Int32Array, ws: Workspace): void {
  const { acc, rowFindings } = ws
  const { start, cell, value } = terms
  const { visitRow, visitFindings } = model
  rowFindings.fill(0)
  for (let v = 0; v < model.visits; v++) {
    const w = weights[v]!
    if (w === 0) continue
    rowFindings[visitRow[v]!]! += w * visitFindings[v]!
    const end = start[v + 1]!
    for (let e = start[v]!; e < end; e++) acc[cell[e]!]! += w * value[e]!
  }
}

/** The score of one cell from its A (standard-score.ts); NaN = N/A. */
function cellScore(model: GroupModel, cell: number, s: number, a: number): number {
  const k = model.kind[s]!
  if (k === FIXED) return model.fixed[cell]!
  const V = model.applicable[cell]!
  if (V === 0) return NaN
  const P = model.points[s]!
  return k === DEDUCT_POINT ? (P * V - a) / V : k === DEDUCT_UNIT ? Math.max(0, P - a) : k === CHECK ? (P * (V - a)) / V : a > 0 ? 0 : P
}

/** peer-mean: the mean of standard s over the group's units where it is not N/A (NaN if none). */
function peerMeanOf(model: GroupModel, ws: Workspace, s: number): number {
  const S = model.points.length
  const rows = model.rowCodes.length
  let sum = 0
  let count = 0
  for (let r = 0; r < rows; r++) {
    const x = ws.score[r * S + s]!
    if (x !== x) continue
    sum += x
    count++
  }
  return count === 0 ? NaN : sum / count
}

/** total = Σ_c w_c × raw_c of ranked row r, from ws.raw. */
function totalOf(model: GroupModel, ws: Workspace, r: number): number {
  const C = model.weights.length
  let t = 0
  for (let c = 0; c < C; c++) {
    const x = ws.raw[r * C + c]!
    if (x === x) t += model.weights[c]! * x
  }
  return t
}

/**
 * Dense path: every cell accumulated and scored, then the components as score-round.ts
 * composes them. Fills ws.score (every cell), ws.peer, ws.raw, ws.total (ranked rows) and
 * ws.rowFindings. Used for the nominal scores and as the reference of the fast path.
 */
export function scoreDense(model: GroupModel, weights: Int32Array, ws: Workspace): void {
  const S = model.points.length
  const C = model.weights.length
  const rows = model.rowCodes.length
  ws.acc.fill(0)
  accumulate(model, model.terms, weights, ws)
  for (let cell = 0; cell < rows * S; cell++) ws.score[cell] = cellScore(model, cell, cell % S, ws.acc[cell]!)
  if (model.peerMean) for (let s = 0; s < S; s++) ws.peer[s] = peerMeanOf(model, ws, s)
  const { scored, possible, own } = ws
  for (const r of model.ranked) {
    scored.fill(0)
    possible.fill(0)
    own.fill(0)
    for (let s = 0; s < S; s++) {
      const c = model.componentOf[s]!
      if (c < 0) continue
      let x = ws.score[r * S + s]!
      if (x === x) own[c]!++
      else if (model.peerMean) x = ws.peer[s]!
      if (x !== x) continue
      scored[c]! += x
      possible[c]! += model.points[s]!
    }
    for (let c = 0; c < C; c++)
      ws.raw[r * C + c] = model.external[c] ? model.externalRaw[r * C + c]! : own[c] === 0 || possible[c] === 0 ? NaN : (scored[c]! * 100) / possible[c]!
    ws.total[r] = totalOf(model, ws, r)
  }
}

/**
 * Fast path, one bootstrap replicate: `weights[v]` is how often visit v was drawn. Fills ws.raw,
 * ws.total (ranked rows) and ws.rowFindings; ws.score only for the cellwise standards.
 */
export function scoreReplicate(model: GroupModel, weights: Int32Array, ws: Workspace): void {
  const S = model.points.length
  const C = model.weights.length
  const rows = model.rowCodes.length
  const { cellwise, linear, findingsComponents, base, possible, own } = model.fast
  const { score, peer, scored } = ws
  const nCellwise = cellwise.length
  const nFindings = findingsComponents.length

  // Per unit: weighted findings and Σ_v w_v L_vc, as dot products over its visits.
  const { rowStart, visitFindings } = model
  const V = model.visits
  for (let r = 0; r < rows; r++) {
    const from = rowStart[r]!
    const to = rowStart[r + 1]!
    let f = 0
    for (let v = from; v < to; v++) f += weights[v]! * visitFindings[v]!
    ws.rowFindings[r] = f
    for (let i = 0; i < nFindings; i++) {
      const c = findingsComponents[i]!
      const offset = c * V
      let x = 0
      for (let v = from; v < to; v++) x += weights[v]! * linear[offset + v]!
      ws.linear[r * C + c] = x
    }
  }
  const cwAcc = ws.cellwiseAcc
  cwAcc.fill(0)
  // The cellwise terms.
  const { start, cell, value } = model.fast.terms
  for (let v = 0; v < V; v++) {
    const end = start[v + 1]!
    let e = start[v]!
    if (e === end) continue
    const w = weights[v]!
    if (w === 0) continue
    for (; e < end; e++) cwAcc[cell[e]!]! += w * value[e]!
  }

  for (let r = 0; r < rows; r++)
    for (let i = 0; i < nCellwise; i++) {
      const s = cellwise[i]!
      score[r * S + s] = cellScore(model, r * S + s, s, cwAcc[r * nCellwise + i]!)
    }
  if (model.peerMean) for (let i = 0; i < nCellwise; i++) peer[cellwise[i]!] = peerMeanOf(model, ws, cellwise[i]!)

  for (let k = 0; k < model.ranked.length; k++) {
    const r = model.ranked[k]!
    for (let i = 0; i < nFindings; i++) {
      const c = findingsComponents[i]!
      scored[c] = base[r * C + c]! - ws.linear[r * C + c]!
    }
    for (let i = 0; i < nCellwise; i++) {
      const s = cellwise[i]!
      const c = model.componentOf[s]!
      if (c < 0) continue
      let x = score[r * S + s]!
      if (x !== x && model.peerMean) x = peer[s]!
      if (x === x) scored[c]! += x
    }
    for (let c = 0; c < C; c++)
      ws.raw[r * C + c] = model.external[c] ? model.externalRaw[r * C + c]! : own[r * C + c] === 0 || possible[r * C + c] === 0 ? NaN : (scored[c]! * 100) / possible[r * C + c]!
    ws.total[r] = totalOf(model, ws, r)
  }
}

const NO_EVIDENCE: StandardEvidence = { visitsWithFindings: 0, findings: 0, deductions: '0', cappedDeductions: '0' }

/**
 * Guards the integration: the samples, summed with every weight 1, must give back each unit's
 * evidence (capped deductions, deductions, visits with findings, findings). Throws CONFLICT
 * naming the first unit and standard that disagree (e.g. findings rejected between two reads).
 */
export function checkAgainstEvidence(model: GroupModel, group: GroupInput): void {
  const ws = workspace(model)
  ws.acc.fill(0)
  accumulate(model, model.terms, new Int32Array(model.visits).fill(1), ws)
  const S = model.points.length
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b))
  group.units.forEach((unit, r) => {
    let findings = 0
    model.standardCodes.forEach((code, s) => {
      const ev = unit.evidence[code] ?? NO_EVIDENCE
      findings += ev.findings
      const k = model.kind[s]!
      if (k === FIXED) return
      const want = k === DEDUCT_POINT ? Number(ev.cappedDeductions) : k === DEDUCT_UNIT ? Number(ev.deductions) : ev.visitsWithFindings
      const got = ws.acc[r * S + s]!
      if (!close(got, want))
        throw new DomainError('CONFLICT', `the visit samples of unit ${unit.code} disagree with its evidence for standard ${code} (${got} against ${want}); the samples must come from the same data as the scores`)
    })
    if (!close(ws.rowFindings[r]!, findings))
      throw new DomainError('CONFLICT', `the visit samples of unit ${unit.code} hold ${ws.rowFindings[r]} finding(s), its evidence ${findings}`)
  })
}
