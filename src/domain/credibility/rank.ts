/**
 * Ranking a replicate inside its group, as ranking.ts ranks the nominal result: by published
 * total (rounded half up to 2 decimals), higher first, then the round's tiebreak keys in order;
 * competition ranks, rank = 1 + #{units ahead}, bottom = 1 + #{units behind}.
 *
 * In floats, two values within 1e-9 of each other count as equal (the Decimal path compares
 * values snapped to 40 digits; float noise is ~1e-13 on scores up to 100). For the same reason
 * the published total is ⌊100 × total + 0.5 + 10⁻⁷⌋ cents: a total that is exactly x.xx5 but
 * computed as x.xx4999…9 still rounds up, as round2 does.
 */
import type { TiebreakRule } from './model.js'

export const EQUAL_WITHIN = 1e-9

/** Published total in cents (half up), robust to float noise below 1e-9. */
export function publishedCents(total: number): number {
  return Math.floor(total * 100 + 0.5 + 1e-7)
}

/** What the ranking of one replicate needs, indexed by ranked unit i (0 … n − 1). */
export interface RankInput {
  n: number
  total: (i: number) => number
  /** raw_c of unit i (NaN = missing), for `component:` keys. */
  raw: (i: number, component: number) => number
  findings: (i: number) => number
  visits: (i: number) => number
}

function compareDesc(x: number, y: number): number {
  return Math.abs(x - y) <= EQUAL_WITHIN ? 0 : y > x ? 1 : -1
}

/** A reusable ranker for groups of n units: no allocation per call. */
export function ranker(n: number, keys: readonly TiebreakRule[]): (input: RankInput, rank: Int32Array, bottom: Int32Array, offset: number) => void {
  const cents = new Float64Array(n)
  const order: number[] = Array.from({ length: n }, (_, i) => i)
  let current: RankInput | null = null

  const compare = (a: number, b: number): number => {
    const c = cents[b]! - cents[a]!
    if (c !== 0) return c
    const u = current!
    for (const key of keys) {
      let d = 0
      if (key.kind === 'total') d = compareDesc(u.total(a), u.total(b))
      else if (key.kind === 'findings') d = u.findings(a) - u.findings(b)
      else if (key.kind === 'visits') d = u.visits(b) - u.visits(a)
      else if (key.index >= 0) {
        const x = u.raw(a, key.index)
        const y = u.raw(b, key.index)
        // A unit without the component's value is behind one that has it (ranking.ts).
        d = x !== x && y !== y ? 0 : x !== x ? 1 : y !== y ? -1 : compareDesc(x, y)
      }
      if (d !== 0) return d
    }
    return 0
  }

  return (input, rank, bottom, offset) => {
    current = input
    for (let i = 0; i < n; i++) {
      cents[i] = publishedCents(input.total(i))
      order[i] = i
    }
    order.sort((a, b) => compare(a, b) || a - b)
    let i = 0
    while (i < n) {
      let j = i
      while (j + 1 < n && compare(order[j]!, order[j + 1]!) === 0) j++
      for (let k = i; k <= j; k++) {
        rank[offset + order[k]!] = i + 1
        bottom[offset + order[k]!] = n - j
      }
      i = j + 1
    }
    current = null
  }
}
