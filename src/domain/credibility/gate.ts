/**
 * The confidence gate of a transfer rule (SPEC §5, TransferRule.minConfidence).
 *
 * For a rule with minConfidence m that moved money, every unit that pays under it must hold the
 * payer's position, and every unit that receives must hold the payee's position, in at least a
 * share m of the bootstrap replicates:
 *   last / {fromBottom: 1} → P(last) = share of replicates with bottom 1
 *   first / {rank: 1}      → P(first) = share with rank 1
 *   {fromBottom: k}        → P(place k from the bottom) = share with bottom = k
 *   {rank: k}              → P(rank k) = share with rank = k
 * (ties count for every tied unit, as the selectors pick every tied unit). When any of them is
 * below m, all the rule's transfer rows are moved to `withheld`, with a reason giving each
 * failing unit's figure, e.g. "confidence gate: P(last) of daguan is 0.620 (620 of 1000
 * replicates) < 0.9". The comparison is exact: count < m × B.
 * The payer on the last place must also pass the robustness check (index.ts, worstPointCheck):
 * P(last) with its most damaging point dropped must reach m as well, so that a single bad point
 * cannot make a unit pay.
 */
import { dec } from '../decimal.js'
import type { Consequences, GroupResult, Selector } from '../scoring/types.js'
import type { Replicates } from './replicates.js'
import { countWhere } from './replicates.js'
import { probability } from './figures.js'

/** The selector picks the last place: `last` or `{ fromBottom: 1 }`. */
export function isLastSelector(selector: Selector): boolean {
  return selector === 'last' || (typeof selector === 'object' && 'fromBottom' in selector && selector.fromBottom === 1)
}

export function probabilityLabel(selector: Selector): string {
  if (selector === 'last' || isLastSelector(selector)) return 'P(last)'
  if (selector === 'first' || (typeof selector === 'object' && 'rank' in selector && selector.rank === 1)) return 'P(first)'
  return 'rank' in selector ? `P(rank ${selector.rank})` : `P(place ${selector.fromBottom} from the bottom)`
}

/** Replicates in which ranked unit i holds the selector's position. */
export function holdCount(runs: Replicates, i: number, selector: Selector): number {
  if (selector === 'first') return countWhere(runs.ranks, runs, i, (r) => r === 1)
  if (selector === 'last') return countWhere(runs.bottoms, runs, i, (b) => b === 1)
  if ('rank' in selector) return countWhere(runs.ranks, runs, i, (r) => r === selector.rank)
  return countWhere(runs.bottoms, runs, i, (b) => b === selector.fromBottom)
}

export function applyConfidenceGate(
  group: Pick<GroupResult, 'ranking' | 'transfers' | 'withheld'>,
  rules: Consequences,
  runs: Replicates,
  robustLast?: { unit: number; count: number },
): Pick<GroupResult, 'transfers' | 'withheld'> {
  const index = new Map(group.ranking.map((u, i) => [u.unit, i]))
  const transfers = [...group.transfers]
  const withheld = [...group.withheld]
  rules.transfers.forEach((rule, r) => {
    if (rule.minConfidence === undefined) return
    const rows = transfers.filter((t) => t.rule === r)
    if (rows.length === 0) return
    const failing: string[] = []
    const check = (units: string[], selector: Selector): void => {
      for (const unit of [...new Set(units)]) {
        const i = index.get(unit)
        const count = i === undefined ? 0 : holdCount(runs, i, selector)
        if (dec(count).lessThan(dec(rule.minConfidence!).times(runs.replicates)))
          failing.push(`${probabilityLabel(selector)} of ${unit} is ${probability(count, runs.replicates)} (${count} of ${runs.replicates} replicates) < ${rule.minConfidence}`)
        else if (robustLast && i === robustLast.unit && isLastSelector(selector) && dec(robustLast.count).lessThan(dec(rule.minConfidence!).times(runs.replicates)))
          failing.push(`P(last) of ${unit} without its most damaging point is ${probability(robustLast.count, runs.replicates)} (${robustLast.count} of ${runs.replicates} replicates) < ${rule.minConfidence}`)
      }
    }
    check(rows.map((t) => t.payer), rule.payer)
    check(rows.map((t) => t.payee), rule.payee)
    if (failing.length === 0) return
    for (const row of rows) transfers.splice(transfers.indexOf(row), 1)
    withheld.push({ rule: r, reason: `confidence gate: ${failing.join('; ')}` })
  })
  return { transfers, withheld: withheld.sort((a, b) => a.rule - b.rule) }
}
