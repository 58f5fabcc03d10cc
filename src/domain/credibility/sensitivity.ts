/**
 * Weight sensitivity (SPEC §5): how much a unit's place owes to the chosen weights.
 *
 * The total of a unit is Σ_c w_c × raw_c, and a findings component's raw value is a points-
 * weighted mean over its top-level indicators t:
 *   raw_c = 100 × Σ_t S_t / Σ_t P_t
 * with S_t, P_t the unit's summed scores and points of t's standards in c (after the N/A
 * policy, peer means included), so indicator t's share of c is P_t / Σ P.
 * One run draws a factor f_t ~ U[1 − spread, 1 + spread] per top-level indicator and g_c per
 * component, independently, and re-scores the observed data (no resampling) with
 *   raw'_c = 100 × Σ_t f_t S_t / Σ_t f_t P_t         (shares f_t P_t, renormalised)
 *   w'_c   = w_c g_c / Σ_k w_k g_k                    (weights renormalised to sum 1)
 *   total' = Σ_c w'_c raw'_c
 * External components keep their supplied raw value (their weight is perturbed); a component
 * weighted 0 stays 0. Units are re-ranked as in rank.ts. N runs (500 by default) give each
 * unit's median rank (simple-statistics median, type 7: may end in .5) and its 5–95% rank
 * range, and the share of runs in which a unit that is last nominally is still last.
 */
import { medianSorted } from 'simple-statistics'
import type { Workspace } from './fast-score.js'
import type { GroupModel } from './model.js'
import { rankInterval90, sortedValues } from './figures.js'
import type { RandomSource } from './random.js'
import { ranker } from './rank.js'

/** Per ranked unit i and part p (a component's share of a top-level indicator): S and P. */
export interface PartSums {
  score: Float64Array
  points: Float64Array
}

/** S_t and P_t of every ranked unit and part from a scored workspace (the nominal scores). */
export function partSums(model: GroupModel, ws: Workspace): PartSums {
  const n = model.ranked.length
  const Pn = model.parts.length
  const S = model.points.length
  const out: PartSums = { score: new Float64Array(n * Pn), points: new Float64Array(n * Pn) }
  for (let i = 0; i < n; i++) {
    const r = model.ranked[i]!
    for (let s = 0; s < S; s++) {
      const p = model.partOf[s]!
      if (p < 0) continue
      let x = ws.score[r * S + s]!
      if (x !== x && model.peerMean) x = ws.peer[s]!
      if (x !== x) continue
      out.score[i * Pn + p]! += x
      out.points[i * Pn + p]! += model.points[s]!
    }
  }
  return out
}

export interface WeightRuns {
  runs: number
  n: number
  ranks: Int32Array
  bottoms: Int32Array
}

/**
 * `nominal` is the workspace scored with every visit weight 1; `spread` the half-width of the
 * factors (0.25 = ±25%).
 */
export function weightRuns(model: GroupModel, nominal: Workspace, runs: number, spread: number, random: RandomSource): WeightRuns {
  const n = model.ranked.length
  const out: WeightRuns = { runs, n, ranks: new Int32Array(runs * n), bottoms: new Int32Array(runs * n) }
  if (n === 0) return out
  const C = model.weights.length
  const parts = model.parts
  const tops = [...new Set(parts.map((p) => p.top))]
  const topOfPart = Int32Array.from(parts, (p) => tops.indexOf(p.top))
  const sums = partSums(model, nominal)
  const f = new Float64Array(tops.length)
  const g = new Float64Array(C)
  const scored = new Float64Array(C)
  const possible = new Float64Array(C)
  const raw = new Float64Array(n * C)
  const total = new Float64Array(n)
  const rank = ranker(n, model.tiebreak)
  const factor = (): number => 1 - spread + 2 * spread * random()
  const input = {
    n,
    total: (i: number) => total[i]!,
    raw: (i: number, c: number) => raw[i * C + c]!,
    findings: (i: number) => nominal.rowFindings[model.ranked[i]!]!,
    visits: (i: number) => model.rowVisits[model.ranked[i]!]!,
  }

  for (let run = 0; run < runs; run++) {
    for (let t = 0; t < f.length; t++) f[t] = factor()
    let weightSum = 0
    for (let c = 0; c < C; c++) {
      g[c] = factor()
      weightSum += model.weights[c]! * g[c]!
    }
    for (let i = 0; i < n; i++) {
      const r = model.ranked[i]!
      scored.fill(0)
      possible.fill(0)
      for (let p = 0; p < parts.length; p++) {
        const c = parts[p]!.component
        const ft = f[topOfPart[p]!]!
        scored[c]! += ft * sums.score[i * parts.length + p]!
        possible[c]! += ft * sums.points[i * parts.length + p]!
      }
      let t = 0
      for (let c = 0; c < C; c++) {
        const nominalRaw = nominal.raw[r * C + c]!
        const x = model.external[c] || nominalRaw !== nominalRaw ? nominalRaw : (100 * scored[c]!) / possible[c]!
        raw[i * C + c] = x
        if (model.weights[c] !== 0 && x === x) t += ((model.weights[c]! * g[c]!) / weightSum) * x
      }
      total[i] = t
    }
    rank(input, out.ranks, out.bottoms, run * n)
  }
  return out
}

/** Median rank and 5–95% rank range of ranked unit i. */
export function unitSensitivity(runs: WeightRuns, i: number): { medianRank: number; rankRange90: [number, number] } {
  const ranks: number[] = []
  for (let k = i; k < runs.ranks.length; k += runs.n) ranks.push(runs.ranks[k]!)
  return { medianRank: medianSorted(sortedValues(ranks)), rankRange90: rankInterval90(ranks) }
}

/** Runs in which one of `lastUnits` (ranked indices of the units last nominally) is still last. */
export function lastStaysLastCount(runs: WeightRuns, lastUnits: readonly number[]): number {
  let count = 0
  for (let run = 0; run < runs.runs; run++) if (lastUnits.some((i) => runs.bottoms[run * runs.n + i] === 1)) count++
  return count
}
