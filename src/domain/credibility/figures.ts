/**
 * How the credibility figures are computed from replicates and written as text.
 *
 * Quantiles: simple-statistics quantileSorted, linear interpolation between order statistics
 * (R type 7, numpy's default): q(p) = x₍ₖ₎ + f × (x₍ₖ₊₁₎ − x₍ₖ₎) with k + f = (B − 1) × p,
 * 0-based. A 90% interval is [q(0.05), q(0.95)].
 * Rank intervals are widened to whole ranks: [⌊q(0.05)⌋, ⌈q(0.95)⌉].
 * Scores computed in floats are snapped to 9 decimals, then rounded half up (四舍五入) to 2
 * decimals as published scores are, so float noise never flips an x.xx5.
 * Probabilities are shares of replicates, count / B, rounded half up to 3 decimals.
 */
import { quantileSorted } from 'simple-statistics'
import { Decimal } from '../decimal.js'

export const QUANTILE_METHOD = 'linear interpolation between order statistics (R type 7, simple-statistics quantileSorted)'

/** Ascending copy of the values, as the plain array simple-statistics takes. */
export function sortedValues(values: ArrayLike<number>): number[] {
  return Array.from(values).sort((a, b) => a - b)
}

/** [q(0.05), q(0.95)] of sorted values. */
export function interval90(sorted: readonly number[]): [number, number] {
  return [quantileSorted(sorted, 0.05), quantileSorted(sorted, 0.95)]
}

/** A float score as published text: 2 decimals, half up (e.g. 88.36499999999999 → "88.37"). */
export function score2(value: number): string {
  return new Decimal(value.toFixed(9)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2)
}

/** count / total as a probability with 3 decimals, half up. */
export function probability(count: number, total: number): string {
  return total === 0 ? '0.000' : new Decimal(count).dividedBy(total).toDecimalPlaces(3, Decimal.ROUND_HALF_UP).toFixed(3)
}

/** [⌊q(0.05)⌋, ⌈q(0.95)⌉] of ranks. */
export function rankInterval90(ranks: ArrayLike<number>): [number, number] {
  const [lo, hi] = interval90(sortedValues(ranks))
  return [Math.floor(lo), Math.ceil(hi)]
}
