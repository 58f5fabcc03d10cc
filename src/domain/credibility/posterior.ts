/**
 * Draws of the units' true totals given what the round saw (SPEC §5): the replicates every
 * credibility figure is read from (intervals, P(first), P(last), margins, the gate).
 *
 * Model (design.ts for the sampling part). For the ranked units u = 1 … n of a group,
 *   T̂_u | θ_u, V_u  ~  N(θ_u, V_u)      the published total around the true one, V_u from the
 *                                       pooled variance components and the unit's design
 *   θ_u | μ, τ       ~  N(μ, τ²)        the group's units are exchangeable a priori
 *   p(μ) ∝ 1,  p(τ) ∝ 1 / (1 + (τ/A)²) on (0, τ_max]: half-Cauchy with A = 2 × the sample standard
 *                                       deviation of the group's totals (Gelman 2006, for few groups)
 * and, for the components, SS/σ² ~ χ²_df (the standard reference posterior of a variance,
 * σ² = SS/χ²_df), with the between-points mean square drawn the same way and the within part
 * subtracted (design.ts, item 3; the Box & Tiao treatment of the nested layout).
 *
 * One draw b (B of them, B = replicates):
 *   1. per point type: σ²_w = SS_w/χ²_{df_w}, MS_b = SS_b/χ²_{df_b}, σ²_b = max(0, MS_b − σ²_w C_w/df_b)
 *      (or the fallbacks of design.ts, drawn the same way from their own SS and df);
 *   2. V_u = Σ_h ℓ_uh σ²_b,h (Σ_p w_p² − 1/M_uh) + σ²_w,h / n_uh, ℓ_uh the level factor (design.ts, 2b);
 *   3. τ from p(τ | T̂, V) ∝ p(τ) Π_u (V_u+τ²)^(−½) × W^(−½) × exp(−½ Σ_u (T̂_u − μ̂)²/(V_u+τ²)),
 *      W = Σ_u 1/(V_u+τ²), μ̂ = Σ_u T̂_u/(V_u+τ²) / W (BDA3 eq. 5.21), on a grid of G = 80 cells
 *      over (0, τ_max], uniform inside the drawn cell; τ_max = 2 × the range of T̂ + 3 × the
 *      largest √V̂_u (the likelihood is flat far beyond the observed spread);
 *   4. μ ~ N(μ̂, 1/W); θ_u ~ N((T̂_u/V_u + μ/τ²)/(1/V_u + 1/τ²), 1/(1/V_u + 1/τ²)) (θ_u = T̂_u when V_u = 0).
 * Ranks, bottoms and totals of each draw are those of θ (competition ranks; equal within 1e-9).
 *
 * The prior on τ. The observed spread of six totals already contains their sampling noise, so
 * every plausible τ lies below it; a half-Cauchy with twice that scale is flat there and only
 * tames the implausibly large τ that a uniform prior lets in with six units — large τ means
 * little shrinkage and an overstated P(last). Measured on the clustered simulation
 * (test/domain/credibility-clustered.test.ts, 600 rounds of 1–3 points × 1–2 visits): with the
 * uniform prior, units given P(last) ≈ 0.57 were last 47% of the time; with this prior 59%.
 *
 * Why this answers the three flaws of resampling visits:
 *   - a stratum with one visit or one point has the group's pooled variance, not zero;
 *   - visits at one point are alike: σ²_b is paid once per point, however often it is visited;
 *   - the selection of the last place: the unit that looks worst is, on average, one whose
 *     sampling error went against it; the exchangeable prior pulls each T̂_u towards the group's
 *     mean by V_u/(V_u + τ²), most where the data are thinnest, and the joint draws of θ give
 *     P(last) for the unit that is truly lowest, not for the one that merely looks it
 *     (empirical-Bayes ranking; Laird & Louis 1989). With six units τ is itself uncertain, so it
 *     is integrated over, as are the variance components (few degrees of freedom make the
 *     draws of θ heavy-tailed, as a t distribution would, instead of a normal quantile).
 * Reproducible: one random stream per group, seeded with the round code (random.ts).
 */
import type { GroupModel } from './model.js'
import { componentEstimate, componentSource, type ComponentSource, type GroupDesign, type TypeStatistics } from './design.js'
import type { Replicates } from './replicates.js'
import { EQUAL_WITHIN } from './rank.js'
import type { RandomSource } from './random.js'

export const TAU_GRID = 80
/** Scale of the half-Cauchy prior on τ, in units of the observed spread of the totals (header). */
export const TAU_SCALE = 2

/** Sample standard deviation of the totals (n − 1; 0 for fewer than two). */
function spreadOf(totals: Float64Array): number {
  const n = totals.length
  if (n < 2) return 0
  let mean = 0
  for (const t of totals) mean += t / n
  let ss = 0
  for (const t of totals) ss += (t - mean) ** 2
  return Math.sqrt(ss / (n - 1))
}

/** A standard normal variate (Box–Muller, one of the pair). */
export function normal(random: RandomSource): number {
  let u = random()
  while (u === 0) u = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** Gamma(shape, 1) variate (Marsaglia & Tsang 2000; shape < 1 by the u^(1/shape) boost). */
export function gamma(random: RandomSource, shape: number): number {
  if (shape < 1) {
    let u = random()
    while (u === 0) u = random()
    return gamma(random, shape + 1) * u ** (1 / shape)
  }
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = normal(random)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = random()
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
  }
}

/** χ²_df variate. */
export function chiSquare(random: RandomSource, df: number): number {
  return 2 * gamma(random, df / 2)
}

/** A draw of σ² = SS / χ²_df (0 when nothing was seen). */
function drawVariance(random: RandomSource, ss: number, df: number): number {
  if (df <= 0 || !(ss > 0)) return 0
  return ss / chiSquare(random, df)
}

export interface PosteriorSummary {
  /** Per ranked unit: √V̂_u at the components' point estimates. */
  standardError: Float64Array
  /** Posterior median of τ (the spread of true totals in the group). */
  spread: number
  components: { pointType: string; between: number; within: number; dfBetween: number; dfWithin: number; source: ComponentSource }[]
}

interface TypeDraw {
  between: number
  within: number
  correction: boolean
  /** The conservative fallback of design.ts: `between` is the spread of all the type's visits. */
  conservative?: boolean
}

/** The group-wide fallback statistics: all visits' y around their mean. */
function allVisits(design: GroupDesign): { ss: number; df: number } {
  let n = 0
  let sum = 0
  for (const y of design.y) {
    if (y !== y) continue
    n++
    sum += y
  }
  if (n < 2) return { ss: 0, df: 0 }
  const mean = sum / n
  let ss = 0
  for (const y of design.y) if (y === y) ss += (y - mean) ** 2
  return { ss, df: n - 1 }
}

function drawType(random: RandomSource, s: TypeStatistics, all: { ss: number; df: number }): TypeDraw {
  const source = componentSource(s)
  if (source === 'estimated') {
    const within = drawVariance(random, s.ssWithin, s.dfWithin)
    const meanSquare = drawVariance(random, s.ssBetween, s.dfBetween)
    return { between: Math.max(0, meanSquare - (within * s.cWithin) / s.dfBetween), within, correction: true }
  }
  if (source === 'no-repeat-visits') return { between: drawVariance(random, s.ssBetween, s.dfBetween), within: 0, correction: false }
  const fallback = s.dfAll > 0 ? { ss: s.ssAll, df: s.dfAll } : all
  return { between: drawVariance(random, fallback.ss, fallback.df), within: drawVariance(random, s.ssWithin, s.dfWithin), correction: false, conservative: true }
}

/** V_u of every ranked unit for the given per-type components (header, step 2). */
export function unitVariances(design: GroupDesign, n: number, types: readonly TypeDraw[], out = new Float64Array(n)): Float64Array {
  out.fill(0)
  for (const st of design.strata) {
    const t = types[st.type]!
    if (t.conservative) {
      // A stratum that visited every registered point has no error between points, only between
      // visits: the pooled visit-to-visit variance when some point was seen twice, else the fallback per visit.
      const census = st.registered !== null && st.points >= st.registered
      if (census) out[st.unit]! += (t.within > 0 ? st.withinScale * t.within : t.between) / st.visits
      else out[st.unit]! += st.betweenScale * t.between * st.weightSquares
      continue
    }
    out[st.unit]! += st.betweenScale * t.between * (st.weightSquares - (t.correction ? st.inverseRegistry : 0)) + (st.withinScale * t.within) / st.visits
  }
  return out
}

/** Point estimates of the components of every type (for the summary and the plan). */
export function componentEstimates(design: GroupDesign, statistics: readonly TypeStatistics[]): TypeDraw[] {
  const all = allVisits(design)
  return statistics.map((s) => componentEstimate(s, all))
}

/**
 * B draws of θ for the model's ranked units (header). `totals` are the nominal unrounded totals
 * T̂ in ranked order; `statistics` the per-type statistics (the group's, pooled with the series').
 */
export function posteriorDraws(
  model: GroupModel,
  design: GroupDesign,
  statistics: readonly TypeStatistics[],
  totals: Float64Array,
  replicates: number,
  random: RandomSource,
): { runs: Replicates; summary: PosteriorSummary } {
  const n = model.ranked.length
  const runs: Replicates = { replicates, n, totals: new Float64Array(replicates * n), ranks: new Int32Array(replicates * n), bottoms: new Int32Array(replicates * n) }
  const estimates = componentEstimates(design, statistics)
  const pointV = unitVariances(design, n, estimates)
  const summary: PosteriorSummary = {
    standardError: pointV.map(Math.sqrt),
    spread: 0,
    components: statistics.map((s, t) => ({
      pointType: s.pointType,
      between: Math.sqrt(estimates[t]!.between),
      within: Math.sqrt(estimates[t]!.within),
      dfBetween: s.dfBetween,
      dfWithin: s.dfWithin,
      source: componentSource(s),
    })),
  }
  if (n === 0) return { runs, summary }

  let lo = Infinity
  let hi = -Infinity
  let maxV = 0
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, totals[i]!)
    hi = Math.max(hi, totals[i]!)
    maxV = Math.max(maxV, pointV[i]!)
  }
  const scale = TAU_SCALE * spreadOf(totals) || 1
  const tauMax = 2 * (hi - lo) + 3 * Math.sqrt(maxV) + 1e-6
  const cell = tauMax / TAU_GRID
  const all = allVisits(design)
  const V = new Float64Array(n)
  const logp = new Float64Array(TAU_GRID)
  const taus = new Float64Array(replicates)
  const order = Array.from({ length: n }, (_, i) => i)

  /** W and μ̂ at τ². */
  const pooledMean = (tau2: number): { w: number; mean: number } => {
    let w = 0
    let sum = 0
    for (let i = 0; i < n; i++) {
      const s = V[i]! + tau2
      w += 1 / s
      sum += totals[i]! / s
    }
    return { w, mean: sum / w }
  }

  for (let b = 0; b < replicates; b++) {
    const types = statistics.map((s) => drawType(random, s, all))
    unitVariances(design, n, types, V)

    // τ on the grid (step 3).
    let best = -Infinity
    for (let g = 0; g < TAU_GRID; g++) {
      const tau = (g + 0.5) * cell
      const tau2 = tau * tau
      const { w, mean } = pooledMean(tau2)
      let value = -0.5 * Math.log(w)
      for (let i = 0; i < n; i++) {
        const s = V[i]! + tau2
        value -= 0.5 * Math.log(s) + (0.5 * (totals[i]! - mean) ** 2) / s
      }
      value -= Math.log(1 + (tau / scale) ** 2)
      logp[g] = value
      if (value > best) best = value
    }
    let mass = 0
    for (let g = 0; g < TAU_GRID; g++) mass += Math.exp(logp[g]! - best)
    let pick = random() * mass
    let g = 0
    for (; g < TAU_GRID - 1; g++) {
      pick -= Math.exp(logp[g]! - best)
      if (pick <= 0) break
    }
    const tau = (g + random()) * cell || cell * 1e-3
    taus[b] = tau
    const tau2 = tau * tau

    // μ and θ (step 4).
    const { w, mean } = pooledMean(tau2)
    const mu = mean + normal(random) / Math.sqrt(w)
    const base = b * n
    for (let i = 0; i < n; i++) {
      const v = V[i]!
      if (!(v > 0)) {
        runs.totals[base + i] = totals[i]!
        continue
      }
      const precision = 1 / v + 1 / tau2
      runs.totals[base + i] = (totals[i]! / v + mu / tau2) / precision + normal(random) / Math.sqrt(precision)
    }
    rankDraw(runs, base, n, order)
  }
  const sorted = Array.from(taus).sort((a, b) => a - b)
  summary.spread = sorted[Math.floor((sorted.length - 1) / 2)]!
  return { runs, summary }
}

/** Competition ranks and bottoms of draw `base` (higher total first; equal within 1e-9). */
function rankDraw(runs: Replicates, base: number, n: number, order: number[]): void {
  const t = runs.totals
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => t[base + b]! - t[base + a]! || a - b)
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && Math.abs(t[base + order[j]!]! - t[base + order[j + 1]!]!) <= EQUAL_WITHIN) j++
    for (let k = i; k <= j; k++) {
      runs.ranks[base + order[k]!] = i + 1
      runs.bottoms[base + order[k]!] = n - j
    }
    i = j + 1
  }
}
