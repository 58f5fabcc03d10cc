/**
 * What would settle the last place (SPEC §5): when no unit is last with the target confidence,
 * which N extra visits — units, point types, registered points not yet visited — most raise the
 * probability of naming the truly last unit, and what that probability is to be expected after
 * them.
 *
 * The posterior of the true totals is summarised per unit by its mean m_u and variance
 * s²_u = 1/(1/V_u + 1/τ²) (posterior.ts, τ its median spread). An extra visit to unit u at a new
 * point of type h changes the stratum's design — n_uh + 1 visits, Σ_p w_p² = (Σ_p k_p² + 1)/(n_uh + 1)² —
 * and so V_u (the same formula, components at their estimates), hence the variance s'²_u the
 * posterior would have afterwards.
 *
 * Allocation over units: OCBA, the optimal computing budget allocation for selecting the best
 * (here the lowest) of several alternatives (Chen, Lin, Yücesan & Chick 2000): with b the unit
 * lowest in m, δ_i = m_i − m_b and σ_i the per-visit standard deviation (√(s²_i × n_i)), the
 * total visits of unit i are in the ratio N_i ∝ (σ_i/δ_i)² for i ≠ b and N_b = σ_b √(Σ N_i²/σ_i²):
 * units close to the bottom and noisy get the visits, units far from it none. Extra visits
 * bring each unit towards its share. Inside a unit, visits go one at a time to the point type
 * where they lower V_u most (Neyman allocation, in whole visits). Visits go to point types the
 * unit already has (a new type would change which standards apply to it); the points are drawn
 * at random (seeded) from the registered points the round has not visited, so the extra visits
 * keep the sample random, and revisit the least-visited points when none is left — up to one
 * visit more than the stratum's busiest point has had (at least two in all).
 *
 * Expected probability of naming the truly last afterwards (preposterior analysis). The total
 * published after the visits, T̂'_u, rests on the round's visits and the new ones, so its error
 * e'_u = T̂'_u − θ_u and today's e_u = T̂_u − θ_u are nested estimators' errors:
 * Cov(e_u, e'_u) = V'_u, and given θ_u (so e_u)
 *     e'_u | e_u ~ N((V'_u/V_u) e_u, V'_u − V'_u²/V_u),
 * with V_u, V'_u the sampling variances before and after (the components' estimates, scaled by
 * the ratio of the draws' spread to the normal figure, which carries the components'
 * uncertainty). Over the posterior draws θ of the analysis, the share in which the unit lowest in
 * T̂' is the unit lowest in θ. With no extra visit this is today's P(last) of the nominal last
 * unit. N is the smallest number of visits for which that share reaches the target (found by
 * doubling, then halving), up to 10 per ranked unit (at most 200); when even that does not
 * reach the target the plan says so (`reaches: false`). A stated N is taken as it is.
 */
import type { SettlePlan } from '../scoring/types.js'
import type { Replicates } from './replicates.js'
import type { GroupDesign, Registry, Stratum } from './design.js'
import { probability } from './figures.js'
import { normal, unitVariances } from './posterior.js'
import type { RandomSource } from './random.js'

/** The most extra visits a recommendation proposes: 10 per ranked unit, at most 200 (a stated N too). */
export const SETTLE_MAX_VISITS = 200
export const SETTLE_VISITS_PER_UNIT = 10
/**
 * Revisits stop at one more visit than the stratum's busiest point has had, and at least 2 in
 * all: more visits at one point say ever less about the unit.
 */
export const SETTLE_VISITS_PER_POINT = 2

export interface SettleInput {
  design: GroupDesign
  /** Components at their estimates, per type (componentEstimates). */
  components: { between: number; within: number; correction: boolean }[]
  runs: Replicates
  /** τ, the posterior median spread. */
  spread: number
  /** The nominal (published, unrounded) totals, in the runs' order. */
  totals: Float64Array
  /** Ranked unit codes, in the runs' order. */
  units: string[]
  /** Visited point codes per unit code and type (for choosing new points). */
  visited: Map<string, Map<string, Map<string, number>>>
  registry: Registry | undefined
  target: number
  /** Stated number of visits; undefined = the fewest that reach the target. */
  visits?: number
}

function meansAndVariances(runs: Replicates): { mean: Float64Array; variance: Float64Array } {
  const { n, replicates } = runs
  const mean = new Float64Array(n)
  const variance = new Float64Array(n)
  for (let b = 0; b < replicates; b++) for (let i = 0; i < n; i++) mean[i]! += runs.totals[b * n + i]! / replicates
  for (let b = 0; b < replicates; b++) for (let i = 0; i < n; i++) variance[i]! += (runs.totals[b * n + i]! - mean[i]!) ** 2 / Math.max(1, replicates - 1)
  return { mean, variance }
}

/**
 * A stratum after one more visit: at a registered point not yet visited while there is one (or
 * the registry is unknown), else at its least-visited point. `counts` are its visits per point.
 */
/** A stratum with the visits of its busiest point (the cap of revisits). */
type Planned = Stratum & { busiest: number }

function withExtraVisit(st: Planned, counts: number[]): { st: Planned; counts: number[] } | null {
  const next = [...counts]
  if (st.registered === null || next.length < st.registered) next.push(1)
  else {
    const least = Math.min(...next)
    if (least >= Math.max(SETTLE_VISITS_PER_POINT, st.busiest + 1)) return null
    next[next.indexOf(least)]!++
  }
  const visits = st.visits + 1
  const squares = next.reduce((a, k) => a + k * k, 0)
  return { st: { ...st, visits, points: next.length, weightSquares: squares / (visits * visits) }, counts: next }
}

/** Posterior draws the preposterior evaluation uses (common to every candidate). */
export const SETTLE_DRAWS = 400

/**
 * Preposterior share of draws in which the unit lowest afterwards is the truly lowest (header).
 * `noise` holds one standard normal per (draw, unit), shared by every candidate compared, so
 * that candidates differ only by their effect (common random numbers).
 */
function expectedCorrect(runs: Replicates, draws: number, totals: Float64Array, now: Float64Array, future: Float64Array, noise: Float64Array): number {
  const { n } = runs
  const step = runs.replicates / draws
  let correct = 0
  for (let d = 0; d < draws; d++) {
    const b = Math.floor(d * step)
    let lowestTrue = 0
    let lowestNext = 0
    let nextMin = Infinity
    for (let i = 0; i < n; i++) {
      const theta = runs.totals[b * n + i]!
      if (theta < runs.totals[b * n + lowestTrue]!) lowestTrue = i
      const ratio = now[i]! > 0 ? Math.min(1, future[i]! / now[i]!) : 1
      const error = (totals[i]! - theta) * ratio + Math.sqrt(Math.max(0, future[i]! - ratio * future[i]!)) * noise[d * n + i]!
      const next = theta + error
      if (next < nextMin) {
        nextMin = next
        lowestNext = i
      }
    }
    if (lowestNext === lowestTrue) correct++
  }
  return correct / draws
}

/** Draws `count` codes from `pool` without replacement (partial Fisher–Yates). */
function drawPoints(pool: string[], count: number, random: RandomSource): string[] {
  const list = [...pool]
  const out: string[] = []
  for (let k = 0; k < Math.min(count, list.length); k++) {
    const j = k + Math.floor(random() * (list.length - k))
    ;[list[k], list[j]] = [list[j]!, list[k]!]
    out.push(list[k]!)
  }
  return out
}

export function recommendVisits(input: SettleInput, random: RandomSource): SettlePlan {
  const { design, runs, spread } = input
  const n = runs.n
  const { mean, variance } = meansAndVariances(runs)
  const tau2 = spread > 0 ? spread * spread : Infinity
  const posterior = (v: number): number => (v > 0 ? 1 / (1 / v + 1 / tau2) : 0)

  const strata = design.strata.map((st) => ({ ...st, busiest: Math.max(...st.drops.map((d) => d.visits)) }))
  const counts = strata.map((st) => st.drops.map((d) => d.visits))
  const added = new Int32Array(strata.length)
  const V = unitVariances({ ...design, strata }, n, input.components)
  // The draws' variance carries the uncertainty of the components as well; its ratio to the
  // normal-theory figure scales the variances after the visits alike.
  const inflation = Float64Array.from(V, (v, i) => (posterior(v) > 0 ? Math.max(1, variance[i]! / posterior(v)) : 1))
  const now = Float64Array.from(V, (v, i) => v * inflation[i]!)
  const unitVariance = (unit: number, trial: Stratum[]): number => unitVariances({ ...design, strata: trial.filter((st) => st.unit === unit) }, n, input.components)[unit]! * inflation[unit]!
  const draws = Math.min(SETTLE_DRAWS, runs.replicates)
  const noise = new Float64Array(draws * n)
  for (let k = 0; k < noise.length; k++) noise[k] = normal(random)
  const unitVisits = new Float64Array(n)
  for (const st of strata) unitVisits[st.unit]! += st.visits
  let best = 0
  for (let i = 1; i < n; i++) if (mean[i]! < mean[best]!) best = i

  /** OCBA shares of the visits (header): N_i ∝ (σ_i/δ_i)², N_b = σ_b √(Σ N_i²/σ_i²). */
  const shares = (): Float64Array => {
    const sigma = Float64Array.from(now, (v, i) => Math.sqrt(Math.max(v, 1e-12) * Math.max(1, unitVisits[i]!)))
    const floor = 0.1 * Math.max(...Array.from(now, Math.sqrt))
    const r = new Float64Array(n)
    let sum = 0
    for (let i = 0; i < n; i++) {
      if (i === best) continue
      const delta = Math.max(mean[i]! - mean[best]!, floor, 1e-9)
      r[i] = (sigma[i]! / delta) ** 2
      sum += (r[i]! * r[i]!) / (sigma[i]! * sigma[i]!)
    }
    r[best] = sigma[best]! * Math.sqrt(sum)
    return r
  }
  const share = shares()
  const shareSum = share.reduce((a, b) => a + b, 0)

  /** The plan for N visits: OCBA over units, then, inside a unit, one visit at a time where it lowers V_u most. */
  const allocateVisits = (visits: number): { strata: Planned[]; counts: number[][]; added: Int32Array; future: Float64Array } => {
    const total = unitVisits.reduce((a, b) => a + b, 0) + visits
    const want = Float64Array.from(share, (x, i) => Math.max(0, (x / shareSum) * total - unitVisits[i]!))
    const wantSum = want.reduce((a, b) => a + b, 0)
    const perUnit = new Int32Array(n)
    const rest = Array.from(want, (w, i) => ({ i, exact: wantSum > 0 ? (w / wantSum) * visits : visits / n }))
    let given = 0
    for (const x of rest) {
      perUnit[x.i] = Math.floor(x.exact)
      given += perUnit[x.i]!
    }
    rest.sort((p, q) => q.exact - Math.floor(q.exact) - (p.exact - Math.floor(p.exact)) || p.i - q.i)
    for (let k = 0; given < visits && k < rest.length; k++, given++) perUnit[rest[k]!.i]!++
    const s2 = strata.map((st) => ({ ...st }))
    const c2 = counts.map((c) => [...c])
    const a2 = new Int32Array(strata.length)
    const f2 = Float64Array.from(now)
    for (let i = 0; i < n; i++) {
      for (let x = 0; x < perUnit[i]!; x++) {
        let choice = -1
        let choiceVariance = Infinity
        s2.forEach((st, k) => {
          if (st.unit !== i) return
          const extra = withExtraVisit(st, c2[k]!)
          if (!extra) return
          const v = unitVariance(i, s2.map((t, j) => (j === k ? extra.st : t)))
          if (v < choiceVariance) {
            choiceVariance = v
            choice = k
          }
        })
        if (choice < 0) break
        const next = withExtraVisit(s2[choice]!, c2[choice]!)!
        s2[choice] = next.st
        c2[choice] = next.counts
        a2[choice]!++
        f2[i] = Math.min(f2[i]!, choiceVariance)
      }
    }
    return { strata: s2, counts: c2, added: a2, future: f2 }
  }

  const limit = input.visits ?? Math.min(SETTLE_MAX_VISITS, SETTLE_VISITS_PER_UNIT * n)
  let visits = input.visits ?? 0
  let plan = allocateVisits(visits)
  let expected = expectedCorrect(runs, draws, input.totals, now, plan.future, noise)
  if (input.visits === undefined) {
    // The fewest visits that reach the target (expected grows with N; checked by doubling, then halving).
    let lo = 0
    let hi = 1
    while (hi < limit && expectedCorrect(runs, draws, input.totals, now, allocateVisits(hi).future, noise) < input.target) hi = Math.min(limit, hi * 2)
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      if (expectedCorrect(runs, draws, input.totals, now, allocateVisits(mid).future, noise) >= input.target) hi = mid
      else lo = mid
    }
    visits = hi
    plan = allocateVisits(visits)
    expected = expectedCorrect(runs, draws, input.totals, now, plan.future, noise)
  }
  strata.splice(0, strata.length, ...plan.strata)
  added.set(plan.added)
  visits = plan.added.reduce((a, b) => a + b, 0)

  const extra: SettlePlan['extra'] = []
  strata.forEach((st, k) => {
    if (added[k] === 0) return
    const unit = input.units[st.unit]!
    const type = design.types[st.type]!
    const visits = new Map(input.visited.get(unit)?.get(type) ?? [])
    const registered = input.registry?.[unit]?.[type] ?? []
    const fresh = drawPoints(registered.filter((code) => !visits.has(code)).sort((p, q) => (p < q ? -1 : p > q ? 1 : 0)), added[k]!, random)
    const chosen: string[] = []
    for (let x = 0; x < added[k]!; x++) {
      let code = fresh[x]
      if (code === undefined) {
        // The least-visited point, the first in code order among equals.
        code = [...visits.entries()].sort((p, q) => p[1] - q[1] || (p[0] < q[0] ? -1 : 1))[0]?.[0]
        if (code === undefined) break
      }
      visits.set(code, (visits.get(code) ?? 0) + 1)
      chosen.push(code)
    }
    extra.push({ unit, pointType: type, visits: added[k]!, points: chosen })
  })
  extra.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : a.pointType < b.pointType ? -1 : a.pointType > b.pointType ? 1 : 0))

  let lastCount = 0
  let lastUnit = 0
  for (let i = 0; i < n; i++) {
    let count = 0
    for (let b = 0; b < runs.replicates; b++) if (runs.bottoms[b * n + i] === 1) count++
    if (count > lastCount) {
      lastCount = count
      lastUnit = i
    }
  }
  return {
    target: input.target.toFixed(3),
    current: { unit: input.units[lastUnit]!, pLast: probability(lastCount, runs.replicates) },
    visits,
    expected: expected.toFixed(3),
    reaches: expected >= input.target,
    extra,
  }
}
