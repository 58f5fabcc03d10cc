/**
 * Stratified bootstrap of a group (SPEC §5). One replicate: inside every stratum (a unit's
 * visits of one point type, n of them) draw n visits with replacement (drawStratum), re-score
 * every unit of the group with the frozen rules (fast-score.ts), re-rank the ranked units
 * (rank.ts). External components, measures and direct scores are not visit-based and stay as
 * recorded. B replicates give, per unit, the distribution of its total and of its place.
 *
 * Per unit (i in the nominal ranking order):
 *   total90 = [q(0.05), q(0.95)] of the replicate totals (unrounded, then published as text)
 *   rank90  = [⌊q(0.05)⌋, ⌈q(0.95)⌉] of the replicate ranks
 *   pFirst  = #{replicates with rank 1} / B,  pLast = #{replicates with bottom 1} / B
 * Ties count for every tied unit, as the `first` and `last` selectors of the consequence rules
 * pick every tied unit: two units tied for last in a replicate both count as last there, so the
 * group's P(last) sum to 1 only when no replicate has a tie at the bottom.
 * Margins: for the last unit L and the unit N just above it in the nominal ranking,
 *   margin = N.total − L.total (published totals), margin90 from the replicates' unrounded
 *   N.total − L.total; a statistical tie when the published margin90 contains 0.
 * For first: F and the unit S just below it, F.total − S.total, likewise.
 */
import type { MarginCredibility, RankedUnit, UnitCredibility } from '../scoring/types.js'
import { dec } from '../decimal.js'
import { scoreReplicate, workspace, type Workspace } from './fast-score.js'
import type { GroupModel } from './model.js'
import { interval90, probability, rankInterval90, score2, sortedValues } from './figures.js'
import { drawStratum, type RandomSource } from './random.js'
import { ranker, type RankInput } from './rank.js'

/** B replicates of n ranked units, replicate-major: value of unit i in replicate b at b × n + i. */
export interface Replicates {
  replicates: number
  n: number
  totals: Float64Array
  ranks: Int32Array
  bottoms: Int32Array
}

/** The ranking input of the units scored in `ws`, in the model's ranked order. */
export function rankInputOf(model: GroupModel, ws: Workspace): RankInput {
  const { ranked, rowVisits } = model
  const C = model.weights.length
  return {
    n: ranked.length,
    total: (i) => ws.total[ranked[i]!]!,
    raw: (i, c) => ws.raw[ranked[i]! * C + c]!,
    findings: (i) => ws.rowFindings[ranked[i]!]!,
    visits: (i) => rowVisits[ranked[i]!]!,
  }
}

export function bootstrapGroup(model: GroupModel, replicates: number, random: RandomSource): Replicates {
  const n = model.ranked.length
  const out: Replicates = { replicates, n, totals: new Float64Array(replicates * n), ranks: new Int32Array(replicates * n), bottoms: new Int32Array(replicates * n) }
  if (n === 0) return out
  const ws = workspace(model)
  const weights = new Int32Array(model.visits)
  const rank = ranker(n, model.tiebreak)
  const input = rankInputOf(model, ws)
  const { strata, ranked } = model
  for (let b = 0; b < replicates; b++) {
    weights.fill(0)
    for (let k = 0; k < strata.length; k += 2) drawStratum(random, weights, strata[k]!, strata[k + 1]! - strata[k]!)
    scoreReplicate(model, weights, ws)
    for (let i = 0; i < n; i++) out.totals[b * n + i] = ws.total[ranked[i]!]!
    rank(input, out.ranks, out.bottoms, b * n)
  }
  return out
}

/** Unit i's values over the replicates. */
export function column<T extends Float64Array | Int32Array>(values: T, runs: { n: number }, i: number): number[] {
  const out: number[] = []
  for (let k = i; k < values.length; k += runs.n) out.push(values[k]!)
  return out
}

/** How many replicates satisfy `test` for unit i. */
export function countWhere(values: Int32Array, runs: { n: number }, i: number, test: (v: number) => boolean): number {
  let count = 0
  for (let k = i; k < values.length; k += runs.n) if (test(values[k]!)) count++
  return count
}

export function unitFigures(runs: Replicates, i: number): Pick<UnitCredibility, 'total90' | 'rank90' | 'pFirst' | 'pLast'> {
  const [lo, hi] = interval90(sortedValues(column(runs.totals, runs, i)))
  return {
    total90: [score2(lo), score2(hi)],
    rank90: rankInterval90(column(runs.ranks, runs, i)),
    pFirst: probability(countWhere(runs.ranks, runs, i, (r) => r === 1), runs.replicates),
    pLast: probability(countWhere(runs.bottoms, runs, i, (b) => b === 1), runs.replicates),
  }
}

/** The margin between ranked units `behind` and `ahead` (indices in the nominal ranking), ahead − behind. */
export function marginFigures(runs: Replicates, ranking: readonly RankedUnit[], unit: number, next: number, end: 'first' | 'last'): MarginCredibility {
  const [ahead, behind] = end === 'last' ? [next, unit] : [unit, next]
  const diffs: number[] = []
  for (let b = 0; b < runs.replicates; b++) diffs.push(runs.totals[b * runs.n + ahead]! - runs.totals[b * runs.n + behind]!)
  const [lo, hi] = interval90(sortedValues(diffs))
  const margin90: [string, string] = [score2(lo), score2(hi)]
  return {
    unit: ranking[unit]!.unit,
    next: ranking[next]!.unit,
    margin: dec(ranking[ahead]!.total).minus(ranking[behind]!.total).toFixed(2),
    margin90,
    statisticalTie: dec(margin90[0]).lessThanOrEqualTo(0) && dec(margin90[1]).greaterThanOrEqualTo(0),
  }
}
