/**
 * Consequence rules of one group (SPEC §4.4): money transfers, red and black lists,
 * self-criticism duties and escalation. Pure; money is counted in whole fen (BigInt), so a
 * group's transfers always balance to the fen.
 *
 * Transfers, rule by rule:
 *   - fewer ranked units than minGroupSize → withheld;
 *   - P = units the payer selector picks, Q = the payee selector's ({rank: k}: rank = k;
 *     {fromBottom: k}: bottom = k; first = {rank: 1}; last = {fromBottom: 1});
 *   - P or Q empty (e.g. {rank: 2} when two units tie for first) → withheld;
 *   - a unit in both P and Q (e.g. everyone tied) → withheld, nobody pays itself;
 *   - ties "skip": |P| > 1 or |Q| > 1 → withheld;
 *   - ties "split": the amount A moves in full over all |P| × |Q| pairs, ordered by payer code
 *     then payee code; each pair gets ⌊A / n⌋ fen and the first A mod n pairs one fen more.
 *     e.g. 200,000.00 yuan over 9 pairs = 20,000,000 fen: 2,222,222 fen each, the first two
 *     pairs 2,222,223 → 22,222.23 + 22,222.23 + 7 × 22,222.22 = 200,000.00.
 *     Pairs that would get 0 fen (A < n fen) are left out; the rows still sum to A.
 *   - requireMargin (SPEC §5, the indifference margin δ of the rules): the units the rule selects
 *     (payers and payees) must hold their place by at least δ of the published total against the
 *     unit just above them and the unit just below them in the ranking, where there is one; a
 *     gap < δ withholds the rule, a gap of exactly δ does not. For last → first that is: the last
 *     at least δ below the next unit up, the first at least δ above the next unit down.
 *     e.g. δ = 0.50, 宿松县 88.10, next up 太湖县 88.42: gap 0.32 < 0.50 → withheld,
 *     "indifference margin 0.50: susong is 0.32 below taihu". No δ set → withheld (the rule
 *     cannot be checked; a round file refuses this).
 * Indifference (when δ is set): the single last unit's gap to the unit just above it and the
 * single first unit's to the unit just below, published totals, tied = gap < δ; null when
 * several units tie at that end or fewer than two are ranked.
 * Lists: red {top: N} = rank ≤ N, {min: x} = published total ≥ x; black {bottom: M} =
 * bottom ≤ M, {below: x} = published total < x; so every unit tied at the boundary is in
 * (并列则共同纳入). Self-criticism {bottom: M} likewise. Escalation: a black-listed unit's
 * consecutive count = its streak over the previous published rounds + 1, and its action the
 * count-th entry of the escalation list (the last entry once the list is exhausted).
 */
import { dec } from '../decimal.js'
import type { Consequences, GroupResult, Indifference, IndifferenceGap, Selector, Transfer, UnitHistory, Withheld } from './types.js'

export interface Placed {
  unit: string
  name: string
  head: string | null
  rank: number
  bottom: number
  published: string
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export function describeSelector(s: Selector): string {
  if (s === 'first') return 'first place'
  if (s === 'last') return 'last place'
  return 'rank' in s ? `rank ${s.rank}` : `place ${s.fromBottom} from the bottom`
}

export function select(units: readonly Placed[], s: Selector): Placed[] {
  if (s === 'first') return units.filter((u) => u.rank === 1)
  if (s === 'last') return units.filter((u) => u.bottom === 1)
  return 'rank' in s ? units.filter((u) => u.rank === s.rank) : units.filter((u) => u.bottom === s.fromBottom)
}

/** Yuan text with up to 2 decimals → fen. */
export function toFen(amount: string): bigint {
  const d = dec(amount).times(100)
  if (!d.isInteger()) throw new RangeError(`amount ${amount} has more than 2 decimals`)
  return BigInt(d.toFixed(0))
}

export function fenToYuan(fen: bigint): string {
  const negative = fen < 0n
  const abs = negative ? -fen : fen
  const yuan = abs / 100n
  const cents = (abs % 100n).toString().padStart(2, '0')
  return `${negative ? '-' : ''}${yuan.toString()}.${cents}`
}

export function splitAmount(amount: string, pairs: number): bigint[] {
  const total = toFen(amount)
  const n = BigInt(pairs)
  const base = total / n
  const leftover = Number(total - base * n)
  return Array.from({ length: pairs }, (_, i) => base + (i < leftover ? 1n : 0n))
}

/** The units in ranking order: rank, then unit code (as scoreGroup lists them). */
function inRankOrder(units: readonly Placed[]): Placed[] {
  return [...units].sort((a, b) => a.rank - b.rank || byCode(a.unit, b.unit))
}

/**
 * Where the units a selector picked (one place, so adjacent in ranking order) are closer than δ
 * to the unit just above or just below them: "susong is 0.32 below taihu". Several tied units
 * are named together ("a, b are 0.32 below c"); a gap already reported (payer next to payee) is
 * not repeated.
 */
function marginShortfalls(ordered: readonly Placed[], chosen: readonly Placed[], delta: string, reported: Set<string>): string[] {
  const at = new Map(ordered.map((u, i) => [u.unit, i]))
  const indexes = chosen.map((u) => at.get(u.unit) ?? -1).filter((i) => i >= 0)
  if (indexes.length === 0) return []
  const top = ordered[Math.min(...indexes)]!
  const bottom = ordered[Math.max(...indexes)]!
  const codes = [...chosen].map((u) => u.unit).sort(byCode)
  const who = `${codes.join(', ')} ${codes.length > 1 ? 'are' : 'is'}`
  const out: string[] = []
  const check = (neighbour: Placed | undefined, gap: (n: Placed) => string, side: 'below' | 'above'): void => {
    if (!neighbour) return
    const key = [...codes, neighbour.unit].sort(byCode).join('\u0000')
    const g = gap(neighbour)
    if (!dec(g).lessThan(delta) || reported.has(key)) return
    reported.add(key)
    out.push(`${who} ${g} ${side} ${neighbour.unit}`)
  }
  check(ordered[Math.min(...indexes) - 1], (n) => dec(n.published).minus(top.published).toFixed(2), 'below')
  check(ordered[Math.max(...indexes) + 1], (n) => dec(bottom.published).minus(n.published).toFixed(2), 'above')
  return out
}

/** The single last and first units' published gaps to their neighbours, against δ. */
export function indifferenceOf(units: readonly Placed[], delta: string): Indifference {
  const ordered = inRankOrder(units)
  const n = ordered.length
  const gapOf = (unit: Placed, next: Placed, gap: string): IndifferenceGap => ({ unit: unit.unit, next: next.unit, gap, tied: dec(gap).lessThan(delta) })
  const last = ordered[n - 1]
  const aboveLast = ordered[n - 2]
  const first = ordered[0]
  const belowFirst = ordered[1]
  const singleLast = last !== undefined && aboveLast !== undefined && aboveLast.bottom !== 1
  const singleFirst = first !== undefined && belowFirst !== undefined && belowFirst.rank !== 1
  return {
    margin: dec(delta).toFixed(2),
    last: singleLast ? gapOf(last, aboveLast, dec(aboveLast.published).minus(last.published).toFixed(2)) : null,
    first: singleFirst ? gapOf(first, belowFirst, dec(first.published).minus(belowFirst.published).toFixed(2)) : null,
  }
}

export function applyTransfers(units: readonly Placed[], rules: Consequences): { transfers: Transfer[]; withheld: Withheld[] } {
  const transfers: Transfer[] = []
  const withheld: Withheld[] = []
  rules.transfers.forEach((rule, index) => {
    const hold = (reason: string): void => void withheld.push({ rule: index, reason })
    if (units.length < rules.minGroupSize) return hold(`the group has ${units.length} ranked unit(s), fewer than minGroupSize ${rules.minGroupSize}`)
    const payers = select(units, rule.payer).sort((a, b) => byCode(a.unit, b.unit))
    const payees = select(units, rule.payee).sort((a, b) => byCode(a.unit, b.unit))
    if (payers.length === 0) return hold(`no unit holds ${describeSelector(rule.payer)} (payer)`)
    if (payees.length === 0) return hold(`no unit holds ${describeSelector(rule.payee)} (payee)`)
    const both = payers.filter((p) => payees.some((q) => q.unit === p.unit))
    if (both.length > 0) return hold(`${both.map((u) => u.unit).join(', ')} would be both payer and payee; no unit pays itself`)
    if (rule.ties === 'skip' && (payers.length > 1 || payees.length > 1))
      return hold(`tie: ${payers.length} payer(s) and ${payees.length} payee(s), and the rule skips ties`)
    if (rule.requireMargin) {
      const delta = rules.indifference
      if (delta === undefined) return hold('the rule requires the indifference margin, but none is set')
      const ordered = inRankOrder(units)
      const reported = new Set<string>()
      const short = [...marginShortfalls(ordered, payers, delta, reported), ...marginShortfalls(ordered, payees, delta, reported)]
      if (short.length > 0) return hold(`indifference margin ${dec(delta).toFixed(2)}: ${short.join('; ')}`)
    }
    const pairs = payers.flatMap((p) => payees.map((q) => ({ payer: p.unit, payee: q.unit })))
    splitAmount(rule.amount, pairs.length).forEach((fen, i) => {
      if (fen > 0n) transfers.push({ ...pairs[i]!, amount: fenToYuan(fen), rule: index })
    })
  })
  return { transfers, withheld }
}

export function applyConsequences(
  units: readonly Placed[],
  rules: Consequences,
  history: Record<string, UnitHistory>,
): Pick<GroupResult, 'transfers' | 'withheld' | 'lists' | 'selfCriticism' | 'selfCriticismDuties' | 'escalation' | 'indifference'> {
  const { transfers, withheld } = applyTransfers(units, rules)
  const red = rules.lists.red
  const black = rules.lists.black
  const redUnits = !red ? [] : 'top' in red ? units.filter((u) => u.rank <= red.top) : units.filter((u) => dec(u.published).greaterThanOrEqualTo(red.min))
  const blackUnits = !black ? [] : 'bottom' in black ? units.filter((u) => u.bottom <= black.bottom) : units.filter((u) => dec(u.published).lessThan(black.below))
  const critics = rules.selfCriticism ? units.filter((u) => u.bottom <= rules.selfCriticism!.bottom) : []
  const escalation =
    rules.escalation.length === 0
      ? []
      : blackUnits.map((u) => {
          const consecutive = (history[u.unit]?.blackListStreak ?? 0) + 1
          return { unit: u.unit, name: u.name, consecutive, action: rules.escalation[Math.min(consecutive, rules.escalation.length) - 1] ?? null }
        })
  return {
    transfers,
    withheld,
    lists: { red: redUnits.map((u) => u.unit), black: blackUnits.map((u) => u.unit) },
    selfCriticism: critics.map((u) => u.unit),
    selfCriticismDuties: critics.map((u) => ({ unit: u.unit, name: u.name, head: u.head })),
    escalation,
    ...(rules.indifference === undefined ? {} : { indifference: indifferenceOf(units, rules.indifference) }),
  }
}
