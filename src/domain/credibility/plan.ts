/**
 * Plan before a round (SPEC §5): how many points of each type each unit needs so that a true
 * margin Δ at the bottom is resolved — the confidence gate at level c opens — with probability
 * π (the power), from the variance components of an earlier round (design.ts) or a stated prior.
 *
 * Per point type h, at k visits per point, the variance of one point's mean on the scale of the
 * total is S²_h = λ² σ²_b,h + √λ σ²_w,h / k at the loss level λ of the units at the bottom
 * (PlanInput.level), so a unit sampling m_h of its M_uh registered points has
 *     V_u(m) = Σ_h S²_h / m_h − σ²_b,h / M_uh            (design.ts, item 2, with w_p = 1/m_h)
 * (no finite-population term where the components could not be told apart). For a fixed number
 * of points m, V is smallest with m_h ∝ S_h (Neyman allocation, W_h S_h with the stratum weights
 * W_h already in the scale of y); points are whole, at least one per type, at most M_uh.
 *
 * When is Δ resolved? The two units at the bottom differ by d̂ ~ N(Δ, 2V). The analysis shrinks
 * towards the group with B = V/(V + τ²) (posterior.ts; τ the spread of true totals in the basis
 * round), so its P(last) ≈ Φ(√(1 − B) d̂ / √(2V)), and the gate opens when that reaches c:
 * d̂ ≥ z_c √(2V) / √(1 − B). It does so with probability π when
 *     Δ ≥ √(2V) (z_π + z_c / √(1 − B)).
 * The largest V meeting this (found by bisection; the left side grows with V) is the target;
 * the plan is the fewest points per unit, Neyman-allocated, whose V_u reaches it. A unit whose
 * every registered point would not reach it is reported: Δ cannot be resolved with the
 * registry's points at k visits per point (and the standard error it can reach is given).
 * The normal approximation ignores the other units, which only lower P(last), and the check
 * that no single point carries the last place; the simulation of the plan measures what it
 * delivers (test/domain/credibility-plan.test.ts).
 */
import { probit } from 'simple-statistics'
import { DomainError } from '../errors.js'
import { componentEstimate, type TypeStatistics } from './design.js'
import { score2 } from './figures.js'

export interface PlanRequest {
  /** Δ, points of the total (> 0). */
  margin: number
  /** c, the gate's level (default 0.9). */
  confidence: number
  /** π, the probability that the gate opens when the true margin is Δ (default 0.8). */
  power: number
  /** k, visits per point (default 1). */
  visitsPerPoint: number
}

/** A stated prior: per point type, standard deviations on the scale of the total (points per visit). */
export interface StatedPrior {
  pointTypes: Record<string, { betweenPoints: string; withinPoint: string }>
  /** τ: the spread of true totals in a group (points of the total); none = no shrinkage allowance. */
  spread?: string
}

export interface PlanUnitInput {
  unit: string
  name: string
  /** Registered points by point type. */
  registry: Record<string, number>
}

export interface PlanInput {
  round: string
  basis: { kind: 'round'; round: string } | { kind: 'prior' }
  statistics: TypeStatistics[]
  /** τ of the basis (median over its groups), null = unknown. */
  spread: number | null
  /**
   * Loss level λ of the unit at the bottom relative to its group (design.ts, 2b; the median
   * over the basis's groups of the mean over the strata of their lowest unit, not shrunk, at
   * least 1): the
   * units the margin is about vary more than the typical one. Default 1.
   */
  level?: number
  groups: { code: string; name: string; units: PlanUnitInput[] }[]
}

export interface RoundPlan {
  round: string
  basis: PlanInput['basis']
  margin: string
  confidence: string
  power: string
  visitsPerPoint: number
  /** Per point type: the components used (standard deviations) and the Neyman share of points. */
  pointTypes: { pointType: string; betweenPoints: string; withinPoint: string; share: string }[]
  /** The standard error of a unit's total the plan aims at. */
  standardError: string
  groups: {
    group: string
    name: string
    units: { unit: string; name: string; points: { pointType: string; needed: number; registered: number }[]; standardError: string; resolvable: boolean }[]
  }[]
  /** Every unit of every group reaches the target. */
  resolvable: boolean
}

/** TypeStatistics equivalent to a stated prior (treated as known: many degrees of freedom). */
export function priorStatistics(prior: StatedPrior): TypeStatistics[] {
  const DF = 1000
  return Object.entries(prior.pointTypes)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([pointType, sd]) => {
      const within = Number(sd.withinPoint) ** 2
      const between = Number(sd.betweenPoints) ** 2
      // One visit per point: E[SS_b/df_b] = σ²_b + σ²_w with C_w = df_b.
      return { pointType, ssWithin: within * DF, dfWithin: DF, ssBetween: (between + within) * DF, dfBetween: DF, cWithin: DF, ssAll: 0, dfAll: 0 }
    })
}

function readRequest(request: PlanRequest): void {
  const bad = (what: string): never => {
    throw new DomainError('VALIDATION_FAILED', `plan: ${what}`)
  }
  if (!(request.margin > 0) || !Number.isFinite(request.margin) || request.margin > 100) bad(`the margin must be more than 0 and at most 100 points (got ${request.margin})`)
  if (!(request.confidence > 0.5 && request.confidence < 1)) bad(`the confidence must be more than 0.5 and less than 1 (got ${request.confidence})`)
  if (!(request.power > 0.5 && request.power < 1)) bad(`the power must be more than 0.5 and less than 1 (got ${request.power})`)
  if (!Number.isInteger(request.visitsPerPoint) || request.visitsPerPoint < 1 || request.visitsPerPoint > 10) bad(`visits per point must be a whole number from 1 to 10 (got ${request.visitsPerPoint})`)
}

/** The largest V with √(2V)(z_π + z_c/√(1 − B)) ≤ Δ (header). */
export function targetVariance(margin: number, confidence: number, power: number, spread: number | null): number {
  const zc = probit(confidence)
  const zp = probit(power)
  const needed = (v: number): number => {
    const shrink = spread === null || spread <= 0 ? 1 : 1 - v / (v + spread * spread)
    return Math.sqrt(2 * v) * (zp + zc / Math.sqrt(Math.max(shrink, 1e-12)))
  }
  let lo = 0
  let hi = margin * margin
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2
    if (needed(mid) <= margin) lo = mid
    else hi = mid
  }
  return lo
}

interface TypeSpread {
  pointType: string
  /** S²_h at k visits per point. */
  pointVariance: number
  between: number
  correction: boolean
}

/** V_u for points m_h (header). */
function unitVariance(types: readonly TypeSpread[], points: readonly number[], registry: readonly number[]): number {
  let v = 0
  types.forEach((t, h) => {
    if (registry[h]! === 0) return
    v += t.pointVariance / points[h]! - (t.correction ? t.between / registry[h]! : 0)
  })
  return v
}

/** Neyman allocation of `total` points over the types, whole, ≥ 1, ≤ registry (header). */
function allocate(types: readonly TypeSpread[], registry: readonly number[], total: number): number[] {
  const points = registry.map((r): number => (r > 0 ? 1 : 0))
  let left = total - points.reduce((a, b) => a + b, 0)
  // Largest marginal reduction S²_h (1/m − 1/(m+1)) first: the integer form of m_h ∝ S_h.
  while (left > 0) {
    let best = -1
    let gain = 0
    types.forEach((t, h) => {
      if (points[h]! === 0 || points[h]! >= registry[h]!) return
      const g = t.pointVariance / points[h]! - t.pointVariance / (points[h]! + 1)
      if (g > gain) {
        gain = g
        best = h
      }
    })
    if (best < 0) break
    points[best]!++
    left--
  }
  return points
}

export function planRound(input: PlanInput, request: PlanRequest): RoundPlan {
  readRequest(request)
  const level = Math.max(1, input.level ?? 1)
  if (input.statistics.length === 0) throw new DomainError('VALIDATION_FAILED', 'plan: the basis has no point type with visits to learn the sampling error from')
  const types: TypeSpread[] = input.statistics.map((s) => {
    const c = componentEstimate(s, { ss: 0, df: 0 })
    const between = c.between * level * level
    return { pointType: s.pointType, pointVariance: between + (c.within * Math.sqrt(level)) / request.visitsPerPoint, between, correction: c.correction }
  })
  const target = targetVariance(request.margin, request.confidence, request.power, input.spread)
  const spreadSum = types.reduce((a, t) => a + Math.sqrt(t.pointVariance), 0)
  let resolvable = true
  const groups = input.groups.map((g) => ({
    group: g.code,
    name: g.name,
    units: g.units.map((u) => {
      const registry = types.map((t) => u.registry[t.pointType] ?? 0)
      const max = registry.reduce((a, b) => a + b, 0)
      let points = allocate(types, registry, max)
      let v = unitVariance(types, points, registry)
      const ok = v <= target
      if (ok) {
        // The fewest points that reach the target.
        for (let total = registry.filter((r) => r > 0).length; total <= max; total++) {
          const trial = allocate(types, registry, total)
          const tv = unitVariance(types, trial, registry)
          if (tv <= target) {
            points = trial
            v = tv
            break
          }
        }
      }
      if (!ok) resolvable = false
      return {
        unit: u.unit,
        name: u.name,
        points: types.flatMap((t, h) => (registry[h]! > 0 ? [{ pointType: t.pointType, needed: points[h]!, registered: registry[h]! }] : [])),
        standardError: score2(Math.sqrt(Math.max(0, v))),
        resolvable: ok,
      }
    }),
  }))
  return {
    round: input.round,
    basis: input.basis,
    margin: score2(request.margin),
    confidence: request.confidence.toFixed(3),
    power: request.power.toFixed(3),
    visitsPerPoint: request.visitsPerPoint,
    pointTypes: types.map((t, h) => ({
      pointType: t.pointType,
      betweenPoints: score2(Math.sqrt(t.between)),
      withinPoint: score2(Math.sqrt(Math.max(0, (t.pointVariance - t.between) * request.visitsPerPoint))),
      share: spreadSum > 0 ? (Math.sqrt(types[h]!.pointVariance) / spreadSum).toFixed(3) : '0.000',
    })),
    standardError: score2(Math.sqrt(target)),
    groups,
    resolvable,
  }
}
