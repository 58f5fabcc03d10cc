/**
 * The sampling design of a group and what its visits say about sampling error (SPEC §5).
 *
 * The design actually used: inside each unit, point type h is a stratum; points are sampled from
 * the unit's registered points of that type (M_uh of them, the registry), and each sampled point
 * p is visited k_p ≥ 1 times (n_uh = Σ_p k_p visits in the stratum). Visits at one point are alike
 * (the same market is dirty on Monday and on Thursday), so the second stage matters.
 *
 * 1. Each visit's share of the total (linearisation). For the linear rules (deduct scope point,
 *    check) the total is exactly
 *        T_u = K_u + Σ_v z_v,   z_v = −Σ_s  w_c × 100 / Π_uc × k_s × a_vs
 *    over the visit's standards s of findings component c, with Π_uc the component's Σ points
 *    (its N/A pattern included), a_vs = min(P_s, D_vs) and k_s = 1/|V_us| for deduct scope point,
 *    a_vs = 1 and k_s = P_s/|V_us| for check (fast-score.ts). The non-linear rules enter by their
 *    slope at the observed data: deduct scope unit contributes −D_vs while the standard still
 *    holds points (0 once it is exhausted, as one more finding would change nothing); gate is
 *    taken as the check it resembles (−P_s/|V_us| per visit with a finding), a first-order
 *    stand-in for "any finding costs everything". Under peer-mean, the move of a peer mean is
 *    left out. Measures, direct scores and external components do not vary.
 *
 * 2. One number per visit on a common scale. Inside stratum (u, h), y_v = n_uh × z_v: the loss
 *    of the total that the whole of point type h would cause if every visit were like v. Then the
 *    stratum's part of the total is the mean ȳ_uh = Σ_p (k_p/n_uh) ȳ_p, and the model is
 *        y_pj = μ_uh + α_p + ε_pj,   Var α = σ²_b,h (between points), Var ε = σ²_w,h (between
 *        visits at a point),
 *    with the components common to the group's units (pooled). The truth the interval aims at is
 *    the total with every registered point of the type visited without end, in which α is
 *    averaged over the M_uh registered points, so
 *        Var(ȳ_uh − truth) = σ²_b,h × (Σ_p w_p² − 1/M_uh) + σ²_w,h / n_uh,   w_p = k_p / n_uh
 *    (with w_p = 1/m it is the textbook (1 − m/M) σ²_b / m + σ²_w / (m k)), and the unit's
 *    sampling variance is V_u = Σ_h of that.
 *
 * 2b. Where there is more to find, points differ more. Between points the effect is
 *    multiplicative (a dirty market is dirtier in a worse-run district), so the spread between a
 *    unit's points grows with the square of its level of loss. The level of a stratum is its
 *    loss relative to the type's mean over the group's units, shrunk towards 1 with the weight of
 *    LEVEL_PRIOR_VISITS = 2 visits (few visits say little about it):
 *        λ_uh = (n_uh L_uh + 2 L̄_h) / ((n_uh + 2) L̄_h),   L_uh = −ȳ_uh (the stratum's loss).
 *    A stratum that looks clean (λ < 1) is credited with it only as far as its m points can
 *    show — it may simply have missed its bad points — so its factor is shrunk further towards 1
 *    with the weight of LEVEL_PRIOR_POINTS = 3 points:
 *        ℓ_uh = λ_uh²                                  when λ_uh ≥ 1,
 *        ℓ_uh = ((m λ_uh + 3) / (m + 3))²             when λ_uh < 1,
 *    and Var α_p = ℓ_uh σ²_b,h with σ²_b,h the between-points component of a typical stratum.
 *    Visit-to-visit noise at one point is pooled as it is (σ²_w,h for every stratum).
 *    The unit that looks worst — often one bad point in a small sample — gets the widest
 *    interval, which keeps P(last) honest at the bottom. Measured on the clustered simulation
 *    (test/domain/credibility-clustered.test.ts): without the level, rounds of 3 points × 1 visit
 *    per type opened a 0.9 gate wrongly in 2 of 11 rounds (one market with a cleanliness factor
 *    of 3 made a middling unit look 17 points worse than it was); scaling the visit-to-visit
 *    noise by λ as well left 20-visit rounds under-confident (units given P(last) ≈ 0.80 were
 *    last 91% of the time).
 *    So V_u = Σ_h ℓ_uh σ²_b,h (Σ_p w_p² − 1/M_uh) + σ²_w,h / n_uh, and the between-points sums
 *    of squares below divide each deviation by its stratum's ℓ.
 *
 * 3. Components by analysis of variance, pooled over the units of the group (the moments
 *    estimators of the nested one-way layout; Searle, Casella & McCulloch, Variance Components,
 *    ch. 3):
 *        within:  SS_w = Σ_points Σ_j (y_pj − ȳ_p)²,  df_w = Σ_points (k_p − 1),
 *                 E[SS_w / df_w] = σ²_w;
 *        between: SS_b = Σ_strata Σ_p (ȳ_p − ȳ̄)² / ℓ_uh over strata with m ≥ 2 points
 *                 (ȳ̄ the plain mean of the point means), df_b = Σ (m − 1),
 *                 C_w = Σ (m − 1)/m × Σ_p 1/k_p / ℓ_uh,
 *                 E[SS_b / df_b] = σ²_b + σ²_w × C_w / df_b.
 *    A stratum with one point or one visit has no spread of its own; it takes the pooled
 *    components, which is the point. Few degrees of freedom are respected by drawing the
 *    components from their posterior (posterior.ts), not by plugging in the estimates. Pooling
 *    with the previous round of the series was measured and left out of the analysis: it made
 *    P(last) over-confident (units given ≈ 0.57 were last 43% of the time); a plan (plan.ts)
 *    does learn its components from an earlier round (planBasis in index.ts, addStatistics).
 *    When no point was visited twice (df_w = 0) every k_p is 1, SS_b/df_b estimates σ²_b + σ²_w
 *    together, and the whole of it is treated as between points without the finite-population
 *    correction: never smaller than the true variance. When a component still cannot be
 *    estimated (df_b = 0: no unit saw two points of the type), the conservative fallback is the
 *    spread of all the group's visits of the type around the type's mean, unit differences
 *    included, again without the correction; with a single visit of the type in the group, the
 *    same over all the group's visits. A stratum that visited every registered point of the type
 *    (a census of the first stage, common for types with one or two points per unit) has no
 *    error between points at all: only σ²_w / n_uh, from the pooled visit-to-visit component when
 *    some point was seen twice, else the fallback per visit.
 */
import type { GroupModel } from './model.js'
import { CHECK, DEDUCT_POINT, DEDUCT_UNIT, GATE } from './model.js'

/** Weight, in visits, of the type's group mean in a stratum's loss level λ_uh (header, 2b). */
export const LEVEL_PRIOR_VISITS = 2
/** Weight, in points, of the level 1 in the between-points factor of a stratum that looks clean (header, 2b). */
export const LEVEL_PRIOR_POINTS = 3

/** Sums of squares of one point type, pooled over the group's units (and the series when given). */
export interface TypeStatistics {
  pointType: string
  ssWithin: number
  dfWithin: number
  ssBetween: number
  dfBetween: number
  /** C_w of the header: the weight of σ²_w in E[SS_b / df_b] × df_b. */
  cWithin: number
  /** Fallback: spread of the visits of the type around its mean (or all visits), df. */
  ssAll: number
  dfAll: number
}

/** How a type's components are read: estimated, or the conservative fallback. */
export type ComponentSource = 'estimated' | 'no-repeat-visits' | 'conservative'

export interface Stratum {
  /** Index into the model's ranked units. */
  unit: number
  type: number
  visits: number
  points: number
  /** Σ_p w_p². */
  weightSquares: number
  /** 1 / M_uh (0 when the registry is not known). */
  inverseRegistry: number
  registered: number | null
  /** ȳ_uh: the stratum's part of the total that varies with the sample. */
  mean: number
  /** λ_uh: the stratum's loss level relative to the type's mean over the group (shrunk). */
  level: number
  /** L_uh / L̄_h, not shrunk (what a plan assumes of the unit at the bottom). */
  rawLevel: number
  /** ℓ_uh: the factor of the between-points component (header, 2b). */
  betweenScale: number
  /** √λ_uh: the factor of the visit-to-visit component (header, 2b). */
  withinScale: number
  /**
   * Each visited point, and what the stratum's part of the total would be without it (item 4 of
   * the header): the mean y of the stratum's other visits, or, for a stratum of one point, the
   * mean y of the type's visits at the group's other units (the point taken as typical).
   */
  drops: { point: number; sum: number; visits: number; part: number }[]
}

export interface GroupDesign {
  /** Point types of the model (typeCodes). */
  types: string[]
  strata: Stratum[]
  /** Per type, the group's own statistics (not yet pooled with a prior). */
  statistics: TypeStatistics[]
  /** y_v of every visit (NaN for visits of unranked units). */
  y: Float64Array
}

/** Registered points by unit code and point type code: the codes of the points. */
export type Registry = Record<string, Record<string, readonly string[]>>

/** z_v of the header for every visit of a ranked unit (NaN elsewhere); nominalScore = ws.score after scoreDense. */
export function visitContributions(model: GroupModel, nominalScore: Float64Array): Float64Array {
  const S = model.points.length
  const C = model.weights.length
  const z = new Float64Array(model.visits).fill(NaN)
  const rankedRow = new Uint8Array(model.rowCodes.length)
  for (const r of model.ranked) rankedRow[r] = 1
  const { start, cell, value } = model.terms
  for (let v = 0; v < model.visits; v++) {
    const row = model.visitRow[v]!
    if (!rankedRow[row]) continue
    let sum = 0
    for (let e = start[v]!; e < start[v + 1]!; e++) {
      const s = cell[e]! % S
      const c = model.componentOf[s]!
      if (c < 0) continue
      const possible = model.fast.possible[row * C + c]!
      if (!(possible > 0)) continue
      const scale = (model.weights[c]! * 100) / possible
      const n = model.applicable[row * S + s]!
      const kind = model.kind[s]!
      let slope = 0
      if (kind === DEDUCT_POINT) slope = 1 / n
      else if (kind === CHECK || kind === GATE) slope = model.points[s]! / n
      else if (kind === DEDUCT_UNIT) slope = nominalScore[row * S + s]! > 0 ? 1 : 0
      sum -= scale * slope * value[e]!
    }
    z[v] = sum
  }
  return z
}

/** Strata and per-type statistics of the ranked units (header, items 2 and 3). */
export function groupDesign(model: GroupModel, z: Float64Array, registry: Registry | undefined): GroupDesign {
  const T = model.typeCodes.length
  const rankOfRow = new Int32Array(model.rowCodes.length).fill(-1)
  model.ranked.forEach((r, i) => (rankOfRow[r] = i))
  const statistics: TypeStatistics[] = model.typeCodes.map((pointType) => ({ pointType, ssWithin: 0, dfWithin: 0, ssBetween: 0, dfBetween: 0, cWithin: 0, ssAll: 0, dfAll: 0 }))
  const y = new Float64Array(model.visits).fill(NaN)
  const strata: Stratum[] = []
  const typeSum = new Float64Array(T)
  const typeCount = new Int32Array(T)

  // Loss levels first: λ_uh of the header (item 2b) needs the type's mean over the group.
  const raw: { k: number; unit: number; type: number; row: number; level: number }[] = []
  const typeLoss = new Float64Array(T)
  const typeStrata = new Int32Array(T)
  for (let k = 0; k < model.strata.length; k += 2) {
    const from = model.strata[k]!
    const to = model.strata[k + 1]!
    const row = model.visitRow[from]!
    const unit = rankOfRow[row]!
    if (unit < 0) continue
    const type = model.strataType[k / 2]!
    let loss = 0
    for (let v = from; v < to; v++) loss -= z[v]!
    raw.push({ k, unit, type, row, level: loss })
    typeLoss[type]! += loss
    typeStrata[type]!++
  }

  for (const { k, unit, type, row, level } of raw) {
    const from = model.strata[k]!
    const to = model.strata[k + 1]!
    const n = to - from
    const typeMean = typeLoss[type]! / typeStrata[type]!
    const lambda = typeMean > 0 ? (n * level + LEVEL_PRIOR_VISITS * typeMean) / ((n + LEVEL_PRIOR_VISITS) * typeMean) : 1
    // Visits of the stratum by point.
    const byPoint = new Map<number, number[]>()
    for (let v = from; v < to; v++) {
      y[v] = n * z[v]!
      const list = byPoint.get(model.visitPoint[v]!) ?? []
      list.push(y[v]!)
      byPoint.set(model.visitPoint[v]!, list)
      typeSum[type]! += y[v]!
      typeCount[type]!++
    }
    const cleanCredit = lambda >= 1 ? lambda : (byPoint.size * lambda + LEVEL_PRIOR_POINTS) / (byPoint.size + LEVEL_PRIOR_POINTS)
    const betweenScale = cleanCredit ** 2
    const withinScale = Math.sqrt(lambda)
    const st = statistics[type]!
    const means: number[] = []
    let weightSquares = 0
    let inverseVisits = 0
    let mean = 0
    for (const list of byPoint.values()) {
      const m = list.reduce((a, b) => a + b, 0) / list.length
      for (const x of list) st.ssWithin += (x - m) ** 2 / withinScale
      st.dfWithin += list.length - 1
      means.push(m)
      weightSquares += (list.length / n) ** 2
      inverseVisits += 1 / list.length
      mean += (list.length / n) * m
    }
    const m = means.length
    if (m >= 2) {
      const grand = means.reduce((a, b) => a + b, 0) / m
      for (const x of means) st.ssBetween += (x - grand) ** 2 / betweenScale
      st.dfBetween += m - 1
      st.cWithin += ((m - 1) / m) * inverseVisits * (withinScale / betweenScale)
    }
    const codes = registry?.[model.rowCodes[row]!]?.[model.typeCodes[type]!]
    const registered = codes === undefined ? null : Math.max(codes.length, m)
    strata.push({ unit, type, visits: n, points: m, weightSquares, inverseRegistry: registered === null ? 0 : 1 / registered, registered, mean, level: lambda, rawLevel: typeMean > 0 ? level / typeMean : 1, betweenScale, withinScale, drops: [...byPoint.entries()].map(([point, list]) => ({ point, sum: list.reduce((a, b) => a + b, 0), visits: list.length, part: 0 })) })
  }

  // Fallback statistics: spread of the type's visits around the type's mean.
  for (let k = 0; k < model.strata.length; k += 2) {
    const type = model.strataType[k / 2]!
    const mean = typeSum[type]! / typeCount[type]!
    for (let v = model.strata[k]!; v < model.strata[k + 1]!; v++) if (y[v] === y[v]) statistics[type]!.ssAll += (y[v]! - mean) ** 2
  }
  for (let t = 0; t < T; t++) statistics[t]!.dfAll = Math.max(0, typeCount[t]! - 1)
  for (const st of strata) {
    const total = st.drops.reduce((a, d) => a + d.sum, 0)
    for (const d of st.drops) {
      if (st.drops.length > 1) d.part = (total - d.sum) / (st.visits - d.visits)
      else {
        const others = typeCount[st.type]! - st.visits
        d.part = others > 0 ? (typeSum[st.type]! - total) / others : st.mean
      }
    }
  }
  return { types: model.typeCodes, strata, statistics, y }
}

/** The statistics of one point type from two groups (or rounds) taken together: sums of squares and degrees of freedom add. */
export function addStatistics(a: TypeStatistics, b: TypeStatistics): TypeStatistics {
  return {
    pointType: a.pointType,
    ssWithin: a.ssWithin + b.ssWithin,
    dfWithin: a.dfWithin + b.dfWithin,
    ssBetween: a.ssBetween + b.ssBetween,
    dfBetween: a.dfBetween + b.dfBetween,
    cWithin: a.cWithin + b.cWithin,
    ssAll: a.ssAll + b.ssAll,
    dfAll: a.dfAll + b.dfAll,
  }
}

/** Which reading of the header applies to a type's statistics. */
export function componentSource(s: TypeStatistics): ComponentSource {
  if (s.dfBetween === 0) return 'conservative'
  if (s.dfWithin === 0) return 'no-repeat-visits'
  return 'estimated'
}

/**
 * Point estimates of a type's components (σ²_b, σ²_w, whether the finite-population correction
 * applies), as the header reads them; the posterior draws replace SS/df by SS/χ²_df.
 */
export function componentEstimate(s: TypeStatistics, all: { ss: number; df: number }): { between: number; within: number; correction: boolean; conservative?: boolean } {
  const source = componentSource(s)
  if (source === 'estimated') {
    const within = s.ssWithin / s.dfWithin
    return { between: Math.max(0, s.ssBetween / s.dfBetween - (within * s.cWithin) / s.dfBetween), within, correction: true }
  }
  if (source === 'no-repeat-visits') return { between: s.ssBetween / s.dfBetween, within: 0, correction: false }
  const fallback = s.dfAll > 0 ? { ss: s.ssAll, df: s.dfAll } : all
  return { between: fallback.df > 0 ? fallback.ss / fallback.df : 0, within: s.dfWithin > 0 ? s.ssWithin / s.dfWithin : 0, correction: false, conservative: true }
}
