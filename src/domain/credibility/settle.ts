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
 * Allocation: greedy, one visit at a time, to the (unit, point type) that most raises the
 * expected probability of correct selection below (a one-step-lookahead policy in the spirit of
 * the knowledge gradient for ranking and selection: Frazier, Powell & Dayanik 2008), among the
 * units that may be last (P(last) ≥ 0.5%). Visits go to point types the
 * unit already has (a new type would change which standards apply to it); the points are drawn
 * at random (seeded) from the registered points the round has not visited, so the extra visits
 * keep the sample random, and revisit the least-visited points when none is left — at most twice
 * in all per point.
 *
 * Expected probability of naming the truly last afterwards (preposterior analysis, normal
 * theory: the future posterior mean m'_u given the truth θ_u is
 *     m'_u | θ_u ~ N(m_u + ρ_u (θ_u − m_u), (s²_u − s'²_u)(1 − ρ_u)),  ρ_u = (s²_u − s'²_u)/s²_u):
 * over the posterior draws θ of the analysis, the share in which the unit lowest in m' is the
 * unit lowest in θ. N is the smallest number of visits for which that share reaches the target
 * (checked after each visit), up to 10 per ranked unit (at most 200); when even that does not
 * reach the target the plan says so (`reaches: false`). A stated N is taken as it is.
 */
import type { SettlePlan } from '../scoring/types.js'
import type { Replicates } from './bootstrap.js'
import type { GroupDesign, Registry, Stratum } from './design.js'
import { probability } from './figures.js'
import { normal, unitVariances } from './posterior.js'
import type { RandomSource } from './random.js'

/** The most extra visits a recommendation proposes: 10 per ranked unit, at most 200 (a stated N too). */
export const SETTLE_MAX_VISITS = 200
export const SETTLE_VISITS_PER_UNIT = 10
/** A point is visited at most twice in all: more visits at one point say ever less about the unit. */
export const SETTLE_VISITS_PER_POINT = 2

interface Candidate {
  unit: number
  stratum: number
}

export interface SettleInput {
  design: GroupDesign
  /** Components at their estimates, per type (componentEstimates). */
  components: { between: number; within: number; correction: boolean }[]
  runs: Replicates
  /** τ, the posterior median spread. */
  spread: number
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
function withExtraVisit(st: Stratum, counts: number[]): { st: Stratum; counts: number[] } | null {
  const next = [...counts]
  if (st.registered === null || next.length < st.registered) next.push(1)
  else {
    const least = Math.min(...next)
    if (least >= SETTLE_VISITS_PER_POINT) return null
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
function expectedCorrect(runs: Replicates, draws: number, mean: Float64Array, now: Float64Array, future: Float64Array, noise: Float64Array): number {
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
      const gain = Math.max(0, now[i]! - future[i]!)
      const rho = now[i]! > 0 ? gain / now[i]! : 0
      const next = mean[i]! + rho * (theta - mean[i]!) + Math.sqrt(gain * (1 - rho)) * noise[d * n + i]!
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

  const strata = design.strata.map((st) => ({ ...st }))
  const counts = strata.map((st) => st.drops.map((d) => d.visits))
  const added = new Int32Array(strata.length)
  const V = unitVariances({ ...design, strata }, n, input.components)
  // The draws' variance carries the uncertainty of the components as well; its ratio to the
  // normal-theory figure scales the variances after the visits alike.
  const inflation = Float64Array.from(V, (v, i) => (posterior(v) > 0 ? Math.max(1, variance[i]! / posterior(v)) : 1))
  const now = Float64Array.from(V, (v, i) => posterior(v) * inflation[i]!)
  const future = Float64Array.from(now)
  const unitVariance = (unit: number, trial: Stratum[]): number =>
    posterior(unitVariances({ ...design, strata: trial.filter((st) => st.unit === unit) }, n, input.components)[unit]!) * inflation[unit]!
  const draws = Math.min(SETTLE_DRAWS, runs.replicates)
  const noise = new Float64Array(draws * n)
  for (let k = 0; k < noise.length; k++) noise[k] = normal(random)
  // Only units that may be last need visits: P(last) of at least 0.5%.
  const mayBeLast = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    let count = 0
    for (let b = 0; b < runs.replicates; b++) if (runs.bottoms[b * n + i] === 1) count++
    mayBeLast[i] = count >= 0.005 * runs.replicates ? 1 : 0
  }
  const candidates: Candidate[] = strata.flatMap((st, k) => (mayBeLast[st.unit] ? [{ unit: st.unit, stratum: k }] : []))
  const limit = input.visits ?? Math.min(SETTLE_MAX_VISITS, SETTLE_VISITS_PER_UNIT * n)
  let expected = expectedCorrect(runs, draws, mean, now, future, noise)
  let visits = 0
  while (visits < limit && candidates.length > 0 && (input.visits !== undefined || expected < input.target)) {
    let choice = 0
    let choiceValue = -Infinity
    let choiceVariance = 0
    for (let c = 0; c < candidates.length; c++) {
      const { unit, stratum } = candidates[c]!
      const extra = withExtraVisit(strata[stratum]!, counts[stratum]!)
      if (!extra) continue
      const trial = strata.map((st, k) => (k === stratum ? extra.st : st))
      const saved = future[unit]!
      future[unit] = Math.min(saved, unitVariance(unit, trial))
      const value = expectedCorrect(runs, draws, mean, now, future, noise)
      if (value > choiceValue) {
        choiceValue = value
        choice = c
        choiceVariance = future[unit]!
      }
      future[unit] = saved
    }
    if (choiceValue === -Infinity) break
    const { unit, stratum } = candidates[choice]!
    const next = withExtraVisit(strata[stratum]!, counts[stratum]!)!
    strata[stratum] = next.st
    counts[stratum] = next.counts
    added[stratum]!++
    future[unit] = choiceVariance
    expected = choiceValue
    visits++
  }

  const extra: SettlePlan['extra'] = []
  strata.forEach((st, k) => {
    if (added[k] === 0) return
    const unit = input.units[st.unit]!
    const type = design.types[st.type]!
    const visits = new Map(input.visited.get(unit)?.get(type) ?? [])
    const registered = input.registry?.[unit]?.[type] ?? []
    const fresh = drawPoints(registered.filter((code) => !visits.has(code)).sort(), added[k]!, random)
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
