/**
 * What the scoring core takes and gives. Everything is plain data: the database layer (or a
 * test, or the bootstrap) builds a RoundInput; scoreRound() returns the SPEC §4.5 shape.
 * Decimals are text; counts are integers.
 */
import type { Component, NaPolicy, Rule } from '../indicator-set/model.js'

export interface ScoringStandard {
  code: string
  points: string
  rule: Rule
  component: string
  /** Point types where a visit-based standard applies (empty for measure and direct). */
  pointTypes: string[]
  /** Code of the top-level indicator above it (for effective weights and problem statistics). */
  topCode: string
}

/**
 * A unit's findings against one visit-based standard, aggregated over its visits. With
 * D_v = Σ over the visit's findings of (deduction ?? per × count):
 *   deductions       = Σ_v D_v            (scope unit: 扣完为止 over the whole unit)
 *   cappedDeductions = Σ_v min(points, D_v) (scope point: a visit cannot lose more than the points)
 *   visitsWithFindings = #{v : F(v) non-empty} (check and gate)
 */
export interface StandardEvidence {
  visitsWithFindings: number
  findings: number
  deductions: string
  cappedDeductions: string
}

export interface UnitInput {
  code: string
  name: string
  /** 主要负责人, named in self-criticism duties. */
  head: string | null
  /** The unit's visits in the round by point type: the denominators. */
  visitsByPointType: Record<string, number>
  /** Evidence per standard code, only where the unit has findings against it. */
  evidence: Record<string, StandardEvidence>
  /** Recorded values of measure standards, by standard code. */
  measures: Record<string, string>
  /** Reviewer scores of direct standards, by standard code. */
  directScores: Record<string, string>
  /** Supplied scores of external components (0–100), by component code. */
  external: Record<string, string>
}

export type Selector = { rank: number } | { fromBottom: number } | 'first' | 'last'

export interface TransferRule {
  payer: Selector
  payee: Selector
  /** Yuan, decimal text with at most 2 decimals. */
  amount: string
  ties: 'split' | 'skip'
  /**
   * Confidence gate (SPEC §5): the transfer is withheld, with the figures, when the payer's
   * P(last) — or the payee's P(first) — from the bootstrap is below this ("0.9"). Generally:
   * every paying and receiving unit must hold its selector's position (rank = k, or bottom = k)
   * in at least this share of the replicates (src/domain/credibility/gate.ts).
   */
  minConfidence?: string
  /**
   * Indifference gate (SPEC §5): the transfer moves only when every unit it selects is at least
   * the group's indifference margin δ (Consequences.indifference) away from the neighbouring
   * unit on each side, by published totals: for last → first, the last unit at least δ below the
   * next unit up and the first at least δ above the next unit down. Withheld when a gap is
   * smaller than δ (a gap of exactly δ moves), or when no δ is set (src/domain/scoring/consequences.ts).
   */
  requireMargin?: boolean
}

export type RedList = { top: number } | { min: string }
export type BlackList = { bottom: number } | { below: string }

export interface Consequences {
  /** Fewer ranked units than this: no transfers (reason recorded). */
  minGroupSize: number
  transfers: TransferRule[]
  lists: { red?: RedList; black?: BlackList }
  selfCriticism: { bottom: number } | null
  /** Actions by consecutive rounds on the black list: [1st time, 2nd in a row, 3rd …]. */
  escalation: string[]
  /**
   * Indifference margin δ in points of the total, text with exactly 2 decimals ("0.50"): two
   * units closer than δ are tied within the precision of the evaluation. Absent = none.
   */
  indifference?: string
}

/**
 * Tiebreak keys, applied in order to units with equal published totals:
 * `component:<code>` (unrounded raw score, higher first), `total` (unrounded total, higher
 * first), `findings` (fewer findings first), `visits` (more visits first).
 */
export type TiebreakKey = string

export interface GroupInput {
  code: string
  name: string
  /** Component weight override; null = the set's weights. */
  weights: Record<string, string> | null
  consequences: Consequences
  units: UnitInput[]
}

/** What is known of a unit from earlier rounds of the series, for rank change and escalation. */
export interface UnitHistory {
  /** Rank in the previous round of the series in the same group; null = not ranked there (or not in it). */
  previousRank: number | null
  /** How many consecutive published rounds, ending with the previous one, had the unit on the black list. */
  blackListStreak: number
}

export interface RoundInput {
  code: string
  indicatorSet: string
  naPolicy: NaPolicy
  components: Component[]
  standards: ScoringStandard[]
  groups: GroupInput[]
  tiebreak: TiebreakKey[]
  /** By unit code. Missing = no history (change "new", streak 0). */
  history: Record<string, UnitHistory>
}

export interface RankedUnit {
  unit: string
  name: string
  rank: number
  tied: boolean
  total: string
  components: Record<string, string>
  findings: number
  visits: number
  change: string
  /** Unrounded values, for tiebreaks, audits and the credibility analysis. */
  exact: { total: string; components: Record<string, string> }
  /** Position counted from the bottom (1 = last). */
  bottom: number
  /** Present when the credibility analysis ran (SPEC §5). */
  credibility?: UnitCredibility
}

/** How sure one unit's place is. Decimals are text: totals 2 decimals, probabilities 3. */
export interface UnitCredibility {
  /** 90% bootstrap interval of the published total (5th and 95th percentiles). */
  total90: [string, string]
  /** 90% bootstrap interval of the rank (1 = best). */
  rank90: [number, number]
  /**
   * Share of bootstrap replicates in which the unit is first (rank 1) / last (bottom 1) of its
   * group. Ties count for every tied unit, as the first/last selectors pick them all, so a
   * group's P(last) sum to 1 only when no replicate ties at the bottom.
   */
  pFirst: string
  pLast: string
  /** Standard error of the total from the design (√V_u at the variance components' estimates). */
  standardError: string
  /** What was sampled, per point type: points visited (of those registered, null = registry unknown), visits. */
  sample: { pointType: string; points: number; registered: number | null; visits: number }[]
  /**
   * Weight sensitivity (component and indicator weights perturbed ±25%, renormalised). The
   * median is simple-statistics' (type 7), so it may end in .5; the range is [⌊q05⌋, ⌈q95⌉].
   */
  weightSensitivity: { medianRank: number; rankRange90: [number, number] }
}

/** The gap between the unit at one end of the ranking and its neighbour. */
export interface MarginCredibility {
  /** The last (first) unit and the unit just above (below) it. */
  unit: string
  next: string
  /** next.total − unit.total for last; unit.total − next.total for first (2 decimals). */
  margin: string
  margin90: [string, string]
  /** The margin's 90% interval contains 0. */
  statisticalTie: boolean
}

export interface GroupCredibility {
  /** One sentence on the method (bootstrap, B, seed, quantile definition). */
  method: string
  replicates: number
  seed: string
  /**
   * The fitted model: the spread of true totals in the group (τ, posterior median) and, per
   * point type, the standard deviations between points and between visits at one point, on
   * the scale of the total (points of the total per visit), with their degrees of freedom and
   * how they were read (estimated; no-repeat-visits: no point seen twice, all treated as
   * between points; conservative: too few points, spread of all visits of the type).
   */
  model: {
    spread: string
    components: { pointType: string; betweenPoints: string; withinPoint: string; dfBetween: number; dfWithin: number; source: 'estimated' | 'no-repeat-visits' | 'conservative' }[]
  }
  last: MarginCredibility | null
  first: MarginCredibility | null
  /**
   * What would settle the last place, when it is not settled: no single unit is last with the
   * target confidence (the minConfidence of a gated rule on the last place, else 0.9). null when
   * it is settled or the group has fewer than two ranked units (src/domain/credibility/settle.ts).
   */
  settle: SettlePlan | null
  /**
   * The robustness check of the last place: the last unit's most damaging point (the one whose
   * removal raises its total most) dropped, its total then, and P(last) drawn again. A gated
   * transfer on the last place needs both P(last) figures to reach minConfidence. null without a
   * single last unit.
   */
  lastWithoutWorstPoint: { unit: string; point: string; pointType: string; total: string; pLast: string } | null
  /** lastStaysLast: share of runs in which a unit that is last nominally is still last (3 decimals). */
  weightSensitivity: { runs: number; spread: string; lastStaysLast: string }
  /** Is the last unit last under every weighting? null when the group has no single last unit. */
  dominance: {
    unit: string
    dominated: boolean
    /**
     * Where the last unit is ahead: of whom, on which components ("component:<code>") and
     * top-level indicators (their code).
     */
    beats: { unit: string; on: string[] }[]
  } | null
  /**
   * Each top-level indicator's (keyed by its code) and external component's (keyed
   * "component:<code>") effective share of the total, 4 decimals.
   */
  effectiveWeights: Record<string, string>
}

/** Extra visits that would most raise the probability of naming the truly last unit. */
export interface SettlePlan {
  /** The confidence the last place should reach (3 decimals). */
  target: string
  /** The unit most likely last now, and its P(last). */
  current: { unit: string; pLast: string }
  /** Number of extra visits recommended. */
  visits: number
  /**
   * Expected probability of naming the truly last unit once the visits are in (the unit then
   * lowest is the truly last one), 3 decimals. Whether it reaches the target: `reaches`.
   */
  expected: string
  reaches: boolean
  /** By unit and point type: how many extra visits, at which registered points (not yet visited ones first). */
  extra: { unit: string; pointType: string; visits: number; points: string[] }[]
}

export interface UnrankedUnit {
  unit: string
  name: string
  reason: string
}

export interface Transfer {
  payer: string
  payee: string
  amount: string
  rule: number
}

export interface Withheld {
  rule: number
  reason: string
}

/** The published gap between a unit at one end of the ranking and its neighbour, against δ. */
export interface IndifferenceGap {
  /** The single last (first) unit and the unit just above (below) it in the ranking. */
  unit: string
  next: string
  /** Published difference, ≥ 0, 2 decimals: next − unit for last, unit − next for first. */
  gap: string
  /** gap < δ: the two are tied within the precision of the evaluation. */
  tied: boolean
}

/** What the indifference margin says of a group's ends; present only when the rules set δ. */
export interface Indifference {
  /** δ, 2 decimals. */
  margin: string
  /** null when several units tie for last (first) or fewer than two units are ranked. */
  last: IndifferenceGap | null
  first: IndifferenceGap | null
}

export interface GroupResult {
  code: string
  name: string
  weights: Record<string, string>
  ranking: RankedUnit[]
  unranked: UnrankedUnit[]
  transfers: Transfer[]
  withheld: Withheld[]
  lists: { red: string[]; black: string[] }
  selfCriticism: string[]
  selfCriticismDuties: { unit: string; name: string; head: string | null }[]
  escalation: { unit: string; name: string; consecutive: number; action: string | null }[]
  /** Present when the group's consequence rules set an indifference margin δ (SPEC §5). */
  indifference?: Indifference
  /** Present when the credibility analysis ran (SPEC §5). */
  credibility?: GroupCredibility
}

export interface RoundResult {
  round: string
  indicatorSet: string
  status: 'computed'
  groups: GroupResult[]
}
