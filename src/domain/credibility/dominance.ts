/**
 * Is the last unit last whatever the weights? And how much does each indicator weigh?
 *
 * Dominance. The last unit L is compared with every other ranked unit U of its group on every
 * component weighted above 0 (raw_c) and on every top-level indicator of those components
 * (its score rate 100 × S_t / P_t, see sensitivity.ts; an indicator with no applicable standard
 * for either unit is not compared). L "beats" U on an item where L's value is higher by more
 * than 1e-9. When L beats nobody anywhere, every other unit is at least as good on every item,
 * so no choice of component weights, and no re-weighting of indicators inside a component, can
 * lift L above anyone: dominated = true. (Exact when both units have the same points at stake
 * per indicator, which peer-mean always gives; under `exclude` with different N/A standards the
 * indicators' shares differ between the two units and the statement holds per indicator.)
 * Otherwise `beats` lists, per unit L is ahead of somewhere, the items.
 *
 * Effective weights: the share of the total that each top-level indicator t carries when every
 * standard applies, Σ_c w_c × P_{t,c} / P_c (P = points of the set's standards of component c,
 * and of those under t), and each external component's weight, 4 decimals half up, with the
 * group's weights. They sum to 1 up to that rounding (findings components without standards
 * carry nothing).
 *
 * Item names: a top-level indicator by its code (or "<code>/<component>" when its standards lie
 * in more than one component), a component as "component:<code>".
 */
import { Decimal, dec } from '../decimal.js'
import { effectiveWeights as groupWeights } from '../scoring/score-round.js'
import type { GroupCredibility, GroupInput, RoundInput } from '../scoring/types.js'
import type { Workspace } from './fast-score.js'
import type { GroupModel } from './model.js'
import { EQUAL_WITHIN } from './rank.js'
import { partSums } from './sensitivity.js'

/** Names of the model's parts (see the header). */
export function partNames(model: Pick<GroupModel, 'parts' | 'componentCodes'>): string[] {
  const perTop = new Map<string, number>()
  for (const p of model.parts) perTop.set(p.top, (perTop.get(p.top) ?? 0) + 1)
  return model.parts.map((p) => (perTop.get(p.top) === 1 ? p.top : `${p.top}/${model.componentCodes[p.component]}`))
}

/** Dominance of ranked unit `last` (index in the nominal ranking), from the nominal scores. */
export function dominance(model: GroupModel, nominal: Workspace, last: number): NonNullable<GroupCredibility['dominance']> {
  const n = model.ranked.length
  const C = model.weights.length
  const Pn = model.parts.length
  const sums = partSums(model, nominal)
  const names = partNames(model)
  const rate = (i: number, p: number): number => {
    const points = sums.points[i * Pn + p]!
    return points === 0 ? NaN : (100 * sums.score[i * Pn + p]!) / points
  }
  const ahead = (x: number, y: number): boolean => x === x && y === y && x > y + EQUAL_WITHIN
  const beats: { unit: string; on: string[] }[] = []
  for (let i = 0; i < n; i++) {
    if (i === last) continue
    const on: string[] = []
    for (let c = 0; c < C; c++) {
      if (model.weights[c] === 0) continue
      if (ahead(nominal.raw[model.ranked[last]! * C + c]!, nominal.raw[model.ranked[i]! * C + c]!)) on.push(`component:${model.componentCodes[c]}`)
    }
    for (let p = 0; p < Pn; p++) {
      if (model.weights[model.parts[p]!.component] === 0) continue
      if (ahead(rate(last, p), rate(i, p))) on.push(names[p]!)
    }
    if (on.length > 0) beats.push({ unit: model.rankedCodes[i]!, on })
  }
  return { unit: model.rankedCodes[last]!, dominated: beats.length === 0, beats }
}

/** Effective weights of the group's top-level indicators and external components (exact decimals). */
export function effectiveIndicatorWeights(input: RoundInput, group: GroupInput, model: Pick<GroupModel, 'parts' | 'componentCodes'>): Record<string, string> {
  const weights = groupWeights(input.components, group)
  const names = partNames(model)
  const partIndex = new Map(model.parts.map((p, i) => [`${model.componentCodes[p.component]}\u0000${p.top}`, i]))
  const componentPoints = new Map<string, Decimal>()
  const partPoints = model.parts.map(() => new Decimal(0))
  for (const s of input.standards) {
    const p = partIndex.get(`${s.component}\u0000${s.topCode}`)
    if (p === undefined) continue
    partPoints[p] = partPoints[p]!.plus(s.points)
    componentPoints.set(s.component, (componentPoints.get(s.component) ?? new Decimal(0)).plus(s.points))
  }
  const out: Record<string, string> = {}
  model.parts.forEach((p, i) => {
    const code = model.componentCodes[p.component]!
    const total = componentPoints.get(code) ?? new Decimal(0)
    const share = total.isZero() ? new Decimal(0) : dec(weights[code] ?? '0').times(partPoints[i]!).dividedBy(total)
    out[names[i]!] = share.toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toFixed(4)
  })
  for (const c of input.components)
    if (c.source === 'external') out[`component:${c.code}`] = dec(weights[c.code] ?? '0').toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toFixed(4)
  return out
}
