/**
 * Ranking inside a group (SPEC §4.3). Units are ordered by the published (rounded) total,
 * higher first; equal published totals tie, unless tiebreak keys separate them, applied in
 * order. Competition ranking: rank(u) = 1 + #{units strictly ahead}, so two units tied for
 * first are both 1 and the next is 3 (1, 1, 3), shown as 并列. bottom(u) = 1 + #{units strictly
 * behind}: the last place has bottom 1. Display order: rank, then unit code.
 */
import { snap, type Decimal } from '../decimal.js'
import type { TiebreakKey } from './types.js'

export interface Rankable {
  unit: string
  published: Decimal
  exactTotal: Decimal
  exactComponents: Record<string, Decimal | undefined>
  findings: number
  visits: number
}

export interface Position {
  rank: number
  bottom: number
  tied: boolean
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Compares two units by published total and the tiebreak keys: negative when a is ahead. */
export function compareUnits(a: Rankable, b: Rankable, keys: readonly TiebreakKey[]): number {
  const byTotal = b.published.comparedTo(a.published)
  if (byTotal !== 0) return byTotal
  for (const key of keys) {
    let c = 0
    if (key === 'total') c = snap(b.exactTotal).comparedTo(snap(a.exactTotal))
    else if (key === 'findings') c = a.findings - b.findings
    else if (key === 'visits') c = b.visits - a.visits
    else if (key.startsWith('component:')) {
      const code = key.slice('component:'.length)
      const x = a.exactComponents[code]
      const y = b.exactComponents[code]
      // A unit without the component's value is behind one that has it.
      c = x === undefined && y === undefined ? 0 : x === undefined ? 1 : y === undefined ? -1 : snap(y).comparedTo(snap(x))
    }
    if (c !== 0) return c
  }
  return 0
}

export function rankUnits<T extends Rankable>(units: readonly T[], keys: readonly TiebreakKey[]): (T & Position)[] {
  const ordered = [...units].sort((a, b) => compareUnits(a, b, keys) || byCode(a.unit, b.unit))
  return ordered.map((u) => {
    let ahead = 0
    let behind = 0
    let equal = 0
    for (const other of ordered) {
      if (other === u) continue
      const c = compareUnits(other, u, keys)
      if (c < 0) ahead++
      else if (c > 0) behind++
      else equal++
    }
    return { ...u, rank: ahead + 1, bottom: behind + 1, tied: equal > 0 }
  })
}
