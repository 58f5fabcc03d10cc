/**
 * Replicates: B joint draws of the ranked units' true totals of a group (posterior.ts), with each
 * draw's ranks and bottoms, and the figures read from them (SPEC §5).
 *
 * Per unit (i in the nominal ranking order):
 *   total90 = [q(0.05), q(0.95)] of the drawn totals (unrounded, then published as text)
 *   rank90  = [⌊q(0.05)⌋, ⌈q(0.95)⌉] of the drawn ranks
 *   pFirst  = #{draws with rank 1} / B,  pLast = #{draws with bottom 1} / B
 * Ties count for every tied unit, as the `first` and `last` selectors of the consequence rules
 * pick every tied unit (drawn totals tie only where no visit-based part varies).
 * Margins: for the last unit L and the unit N just above it in the nominal ranking,
 *   margin = N.total − L.total (published totals), margin90 from the draws' N.total − L.total;
 *   a statistical tie when the published margin90 contains 0. For first: F and the unit S just
 *   below it, F.total − S.total, likewise.
 */
import type { MarginCredibility, RankedUnit, UnitCredibility } from '../scoring/types.js'
import { dec } from '../decimal.js'
import type { Workspace } from './fast-score.js'
import type { GroupModel } from './model.js'
import { interval90, probability, rankInterval90, score2, sortedValues } from './figures.js'
import type { RankInput } from './rank.js'

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
