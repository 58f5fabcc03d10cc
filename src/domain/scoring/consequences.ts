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
 * Lists: red {top: N} = rank ≤ N, {min: x} = published total ≥ x; black {bottom: M} =
 * bottom ≤ M, {below: x} = published total < x; so every unit tied at the boundary is in
 * (并列则共同纳入). Self-criticism {bottom: M} likewise. Escalation: a black-listed unit's
 * consecutive count = its streak over the previous published rounds + 1, and its action the
 * count-th entry of the escalation list (the last entry once the list is exhausted).
 */
import { dec } from '../decimal.js'
import type { Consequences, GroupResult, Selector, Transfer, UnitHistory, Withheld } from './types.js'

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
): Pick<GroupResult, 'transfers' | 'withheld' | 'lists' | 'selfCriticism' | 'selfCriticismDuties' | 'escalation'> {
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
  }
}
