/**
 * Ranking credibility (SPEC §5): how sure is the ranking, and does the money follow a place the
 * data can tell apart? Pure: the scoring input, every unit's visits (per-visit evidence, with the
 * point visited) and the nominal result of scoreRound in; the same result with credibility
 * figures out.
 *
 *   analyseCredibility(input, samples, result, { seed: round code, registry })
 *     per group: compile the frozen rules into typed arrays (fast-score.ts), check the samples
 *     against the input's evidence, then
 *       - the design (design.ts): each visit's share of the total, strata (unit × point type),
 *         points within strata, variance components pooled over the group's units;
 *       - B draws of the true totals from the hierarchical model (posterior.ts): per unit
 *         total90, rank90, pFirst, pLast, its standard error and what was sampled; per group the
 *         margins at the last and first place, statistical ties, the fitted components;
 *       - the worst-point check of the last place (worstPointCheck below);
 *       - the settle recommendation when the last place is not settled (settle.ts);
 *       - weight sensitivity, N runs (sensitivity.ts): median rank and 5–95% rank range per
 *         unit, share of runs in which the last stays last;
 *       - dominance of the last unit and effective weights (dominance.ts);
 *       - the confidence gate of transfer rules with minConfidence (gate.ts).
 *   planBasis + planRound (plan.ts): the plan before a round.
 *
 * Reproducible: every random draw comes from streams seeded with `seed` (random.ts), and the
 * visits are put in a canonical order, so the same data and seed give identical figures.
 * A group without ranked units gets credibility with no margins, no dominance and 0 runs.
 * Validated by simulation: test/domain/credibility-clustered.test.ts (the analysis and the
 * gate), credibility-plan.test.ts, credibility-settle.test.ts; more designs with
 * `npm run bench calibration`.
 */
import { DomainError } from '../errors.js'
import { isDecimalText } from '../decimal.js'
import type { GroupCredibility, GroupInput, GroupResult, RoundInput, RoundResult, SettlePlan, UnitCredibility } from '../scoring/types.js'
import { countWhere, marginFigures, unitFigures, type Replicates } from './replicates.js'
import { recommendVisits, SETTLE_MAX_VISITS } from './settle.js'
import { addStatistics, groupDesign, visitContributions, type Registry, type TypeStatistics } from './design.js'
import { componentEstimates, posteriorDraws, type PosteriorSummary } from './posterior.js'
import { dominance, effectiveIndicatorWeights } from './dominance.js'
import { checkAgainstEvidence, scoreDense, workspace } from './fast-score.js'
import { compileGroup, type GroupModel } from './model.js'
import { QUANTILE_METHOD, probability, score2 } from './figures.js'
import { applyConfidenceGate, isLastSelector } from './gate.js'
import { randomStream } from './random.js'
import type { RoundSamples } from './sample.js'
import { lastStaysLastCount, unitSensitivity, weightRuns } from './sensitivity.js'

export { visitSamples, type RoundSamples, type VisitSample, type VisitStandard } from './sample.js'
export type { Registry, TypeStatistics } from './design.js'
export { planRound, priorStatistics, type PlanInput, type PlanRequest, type RoundPlan, type StatedPrior } from './plan.js'
export { probabilityLabel } from './gate.js'

export interface CredibilityOptions {
  /** Bootstrap replicates B (default 1000). */
  replicates?: number
  /** Weight-sensitivity runs N (default 500). */
  weightRuns?: number
  /** Half-width of the weight factors, decimal text in [0, 1) (default "0.25" = ±25%). */
  spread?: string
  /** Seed of every random stream: the round code. */
  seed: string
  /** Registered points by unit and point type (the population of the design's first stage). */
  registry?: Registry
  /** Number of extra visits the settle recommendation proposes (default: the fewest that reach the target). */
  settleVisits?: number
}

export const DEFAULT_REPLICATES = 1000
/**
 * The most replicates one analysis takes. At B = 10,000 the Monte Carlo error of a probability is
 * at most 0.005 (√(p(1−p)/B)) and the 5th and 95th percentiles rest on 500 replicates each: ten
 * times the default's precision, more than any published figure (three decimals) or a 0.9 gate
 * needs. Time grows linearly with B, so the bound also caps the work one request can ask for.
 */
export const MAX_REPLICATES = 10_000
export const DEFAULT_WEIGHT_RUNS = 500
export const DEFAULT_SPREAD = '0.25'

/** Tolerance between the compiled scorer's totals and the nominal result's exact totals. */
const NOMINAL_TOLERANCE = 1e-6

/** Checks the options and fills in the defaults; throws VALIDATION_FAILED naming the bad option. */
export function readOptions(
  options: CredibilityOptions,
): { replicates: number; runs: number; spread: string; seed: string; registry?: Registry; settleVisits?: number } {
  const replicates = options.replicates ?? DEFAULT_REPLICATES
  const runs = options.weightRuns ?? DEFAULT_WEIGHT_RUNS
  const spread = options.spread ?? DEFAULT_SPREAD
  const bad = (what: string): never => {
    throw new DomainError('VALIDATION_FAILED', `credibility analysis: ${what}`)
  }
  if (!Number.isInteger(replicates) || replicates < 1 || replicates > MAX_REPLICATES) bad(`replicates must be a whole number from 1 to ${MAX_REPLICATES} (got ${replicates})`)
  if (!Number.isInteger(runs) || runs < 1) bad(`weightRuns must be a whole number of 1 or more (got ${runs})`)
  if (!isDecimalText(spread) || Number(spread) < 0 || Number(spread) >= 1) bad(`spread must be decimal text from 0 up to (not including) 1 (got ${JSON.stringify(spread)})`)
  if (options.seed === '') bad('the seed (the round code) must not be empty')
  if (options.settleVisits !== undefined && (!Number.isInteger(options.settleVisits) || options.settleVisits < 1 || options.settleVisits > SETTLE_MAX_VISITS))
    bad(`settleVisits must be a whole number from 1 to ${SETTLE_MAX_VISITS} (got ${options.settleVisits})`)
  return { replicates, runs, spread, seed: options.seed, ...(options.registry ? { registry: options.registry } : {}), ...(options.settleVisits !== undefined ? { settleVisits: options.settleVisits } : {}) }
}

export function methodSentence(replicates: number, seed: string): string {
  return (
    `Two-stage design (points within point type, visits within points): each visit's share of the total, variance components ` +
    `between points and between visits at a point pooled over the group's units, ` +
    `finite-population correction from the registry; true totals drawn from the hierarchical normal model with the components' ` +
    `and the group spread's uncertainty integrated (B = ${replicates} draws seeded from ${JSON.stringify(seed)}, sfc32 over cyrb128); ` +
    `external components, measures and direct scores held fixed; 90% intervals are the 5th and 95th percentiles by ${QUANTILE_METHOD}.`
  )
}

/** A group compiled, scored with every visit once, and its design read (design.ts). */
function compiledDesign(input: RoundInput, group: GroupInput, ranking: GroupResult['ranking'], samples: RoundSamples, registry?: Registry) {
  const model = compileGroup(input, group, ranking, samples)
  const nominal = workspace(model)
  scoreDense(model, new Int32Array(model.visits).fill(1), nominal)
  return { model, nominal, design: groupDesign(model, visitContributions(model, nominal.score), registry) }
}

/** Mean loss level L_uh / L̄_h (design.ts, 2b; not shrunk) of the strata of the group's lowest unit. */
function bottomLevel(design: ReturnType<typeof groupDesign>, n: number): number | null {
  const levels = design.strata.filter((st) => st.unit === n - 1).map((st) => st.rawLevel)
  return levels.length > 0 ? levels.reduce((a, b) => a + b, 0) / levels.length : null
}

function summaryFigures(summary: PosteriorSummary): GroupCredibility['model'] {
  return {
    spread: score2(summary.spread),
    components: summary.components.map((c) => ({
      pointType: c.pointType,
      betweenPoints: score2(c.between),
      withinPoint: score2(c.within),
      dfBetween: c.dfBetween,
      dfWithin: c.dfWithin,
      source: c.source,
    })),
  }
}

/**
 * Is the last place carried by one point? (The robustness check of the gate.) The nominal last
 * unit's most damaging point — the one whose removal raises its total most: the stratum's part
 * becomes the mean of its other visits, or, for a stratum of one point, the mean of the type's
 * visits at the group's other units (the point taken as typical) — is dropped, and P(last) is
 * drawn again with that total (same model, its own random stream). Dropping a little of the data
 * should not overturn who pays (Broderick, Giordano & Meager 2020, "An automatic finite-sample
 * robustness metric"); a single bad market in a sample of two is the case that made the wrong
 * unit pay in simulation (design.ts, 2b). null without a single last unit or without visits.
 */
function worstPointCheck(
  model: GroupModel,
  design: ReturnType<typeof groupDesign>,
  statistics: TypeStatistics[],
  totals: Float64Array,
  nominalResult: GroupResult,
  opts: ReturnType<typeof readOptions>,
  groupCode: string,
): { figures: NonNullable<GroupCredibility['lastWithoutWorstPoint']>; hold: { unit: number; count: number } } | null {
  const lastUnits = nominalResult.ranking.flatMap((u, i) => (u.bottom === 1 ? [i] : []))
  if (lastUnits.length !== 1 || nominalResult.ranking.length < 2) return null
  const i = lastUnits[0]!
  let best: { gain: number; point: number; type: number } | null = null
  for (const st of design.strata) {
    if (st.unit !== i) continue
    for (const d of st.drops) {
      const gain = d.part - st.mean
      if (!best || gain > best.gain) best = { gain, point: d.point, type: st.type }
    }
  }
  if (!best) return null
  const shifted = Float64Array.from(totals)
  shifted[i] = totals[i]! + Math.max(0, best.gain)
  const again = posteriorDraws(model, design, statistics, shifted, opts.replicates, randomStream(opts.seed, 'posterior', `${groupCode}/robust`)).runs
  const count = countWhere(again.bottoms, again, i, (b) => b === 1)
  return {
    figures: {
      unit: nominalResult.ranking[i]!.unit,
      point: model.pointCodes[best.point]!,
      pointType: design.types[best.type]!,
      total: score2(shifted[i]),
      pLast: probability(count, again.replicates),
    },
    hold: { unit: i, count },
  }
}

/** The confidence the last place should reach: a gated rule's on the last place, else 0.9. */
export function settleTarget(group: GroupInput): number {
  const onLast = group.consequences.transfers.filter((t) => t.minConfidence !== undefined && isLastSelector(t.payer))
  return onLast.length > 0 ? Math.max(...onLast.map((t) => Number(t.minConfidence))) : 0.9
}

/** The settle recommendation when the last place is not settled (settle.ts); null when it is. */
function settlePlan(
  model: GroupModel,
  design: ReturnType<typeof groupDesign>,
  statistics: TypeStatistics[],
  runs: Replicates,
  summary: PosteriorSummary,
  nominalResult: GroupResult,
  group: GroupInput,
  robustCount: number | undefined,
  opts: ReturnType<typeof readOptions>,
): SettlePlan | null {
  const target = settleTarget(group)
  const lastUnits = nominalResult.ranking.flatMap((u, i) => (u.bottom === 1 ? [i] : []))
  const needed = target * runs.replicates
  if (lastUnits.length === 1 && countWhere(runs.bottoms, runs, lastUnits[0]!, (b) => b === 1) >= needed && (robustCount ?? 0) >= needed) return null
  if (design.strata.length === 0) return null
  const visited = new Map<string, Map<string, Map<string, number>>>()
  const rankedRow = new Map(Array.from(model.ranked, (r, i) => [r, i]))
  const visitType = new Array<string>(model.visits)
  for (let k = 0; k < model.strata.length; k += 2) for (let v = model.strata[k]!; v < model.strata[k + 1]!; v++) visitType[v] = model.typeCodes[model.strataType[k / 2]!]!
  for (let v = 0; v < model.visits; v++) {
    const i = rankedRow.get(model.visitRow[v]!)
    if (i === undefined) continue
    const unit = nominalResult.ranking[i]!.unit
    const byType = visited.get(unit) ?? new Map<string, Map<string, number>>()
    const type = visitType[v]!
    const points = byType.get(type) ?? new Map<string, number>()
    const code = model.pointCodes[model.visitPoint[v]!]!
    points.set(code, (points.get(code) ?? 0) + 1)
    byType.set(type, points)
    visited.set(unit, byType)
  }
  return recommendVisits(
    {
      design,
      components: componentEstimates(design, statistics),
      runs,
      spread: summary.spread,
      totals: Float64Array.from(nominalResult.ranking, (u) => Number(u.exact.total)),
      units: nominalResult.ranking.map((u) => u.unit),
      visited,
      registry: opts.registry,
      target,
      ...(opts.settleVisits !== undefined ? { visits: opts.settleVisits } : {}),
    },
    randomStream(opts.seed, 'plan', group.code),
  )
}

function analyseGroup(input: RoundInput, group: GroupInput, nominalResult: GroupResult, samples: RoundSamples, opts: ReturnType<typeof readOptions>): GroupResult {
  const { model, nominal, design } = compiledDesign(input, group, nominalResult.ranking, samples, opts.registry)
  checkAgainstEvidence(model, group)
  nominalResult.ranking.forEach((u, i) => {
    const fast = nominal.total[model.ranked[i]!]!
    if (!(Math.abs(fast - Number(u.exact.total)) <= NOMINAL_TOLERANCE))
      throw new DomainError('CONFLICT', `unit ${u.unit}: the result's total ${u.exact.total} is not the input's (${fast}); pass the result of scoreRound on the same input`)
  })

  const n = nominalResult.ranking.length
  const statistics = design.statistics
  const totals = Float64Array.from(nominalResult.ranking, (u) => Number(u.exact.total))
  const { runs, summary } = posteriorDraws(model, design, statistics, totals, opts.replicates, randomStream(opts.seed, 'posterior', group.code))
  const robust = worstPointCheck(model, design, statistics, totals, nominalResult, opts, group.code)
  const weights = weightRuns(model, nominal, n === 0 ? 0 : opts.runs, Number(opts.spread), randomStream(opts.seed, 'weights', group.code))
  const lastUnits = nominalResult.ranking.flatMap((u, i) => (u.bottom === 1 ? [i] : []))

  const credibility: GroupCredibility = {
    method: methodSentence(opts.replicates, opts.seed),
    replicates: opts.replicates,
    seed: opts.seed,
    model: summaryFigures(summary),
    last: n >= 2 ? marginFigures(runs, nominalResult.ranking, n - 1, n - 2, 'last') : null,
    first: n >= 2 ? marginFigures(runs, nominalResult.ranking, 0, 1, 'first') : null,
    weightSensitivity: { runs: weights.runs, spread: opts.spread, lastStaysLast: probability(lastStaysLastCount(weights, lastUnits), weights.runs) },
    dominance: lastUnits.length === 1 ? dominance(model, nominal, lastUnits[0]!) : null,
    effectiveWeights: effectiveIndicatorWeights(input, group, model),
    settle: n >= 2 ? settlePlan(model, design, statistics, runs, summary, nominalResult, group, robust?.hold.count, opts) : null,
    lastWithoutWorstPoint: robust ? robust.figures : null,
  }
  const sampleOf = (i: number): UnitCredibility['sample'] =>
    design.strata
      .filter((st) => st.unit === i)
      .map((st) => ({ pointType: design.types[st.type]!, points: st.points, registered: st.registered, visits: st.visits }))
  const ranking = nominalResult.ranking.map((u, i) => ({
    ...u,
    credibility: { ...unitFigures(runs, i), standardError: score2(summary.standardError[i]!), sample: sampleOf(i), weightSensitivity: unitSensitivity(weights, i) },
  }))
  return { ...nominalResult, ranking, credibility, ...applyConfidenceGate(nominalResult, group.consequences, runs, robust ? robust.hold : undefined) }
}

/**
 * Adds credibility to every ranked unit and every group of `result` (scoreRound(input)) and
 * applies the minConfidence gate of transfer rules; returns a new RoundResult. `samples` holds
 * every unit's visits by unit code (a unit without visits may be left out).
 * Throws VALIDATION_FAILED for bad options and CONFLICT when samples, input and result do not
 * describe the same data.
 */
export function analyseCredibility(input: RoundInput, samples: RoundSamples, result: RoundResult, options: CredibilityOptions): RoundResult {
  const opts = readOptions(options)
  const groups = result.groups.map((g) => {
    const group = input.groups.find((x) => x.code === g.code)
    if (!group) throw new DomainError('CONFLICT', `group ${g.code} of the result is not in the scoring input`)
    return analyseGroup(input, group, g, samples, opts)
  })
  return { ...result, groups }
}

/**
 * What a plan learns from a round (plan.ts): its sums of squares by point type, pooled over its
 * groups, and the median over its groups of τ, the spread of true totals (null without a group
 * of two ranked units). Runs the analysis with few draws: τ's median needs no more.
 */
export function planBasis(
  input: RoundInput,
  samples: RoundSamples,
  result: RoundResult,
  registry?: Registry,
): { statistics: TypeStatistics[]; spread: number | null; level: number } {
  const median = (values: number[]): number | null => {
    const sorted = [...values].sort((a, b) => a - b)
    return sorted.length > 0 ? sorted[Math.floor((sorted.length - 1) / 2)]! : null
  }
  const byType = new Map<string, TypeStatistics>()
  const spreads: number[] = []
  const levels: number[] = []
  for (const g of result.groups) {
    const group = input.groups.find((x) => x.code === g.code)
    if (!group || g.ranking.length === 0) continue
    const { model, design } = compiledDesign(input, group, g.ranking, samples, registry)
    for (const st of design.statistics) {
      const acc = byType.get(st.pointType)
      byType.set(st.pointType, acc ? addStatistics(acc, st) : { ...st })
    }
    if (g.ranking.length < 2) continue
    const totals = Float64Array.from(g.ranking, (u) => Number(u.exact.total))
    spreads.push(posteriorDraws(model, design, design.statistics, totals, 200, randomStream(result.round, 'plan', g.code)).summary.spread)
    const level = bottomLevel(design, g.ranking.length)
    if (level !== null) levels.push(level)
  }
  const statistics = [...byType.values()].sort((a, b) => (a.pointType < b.pointType ? -1 : a.pointType > b.pointType ? 1 : 0))
  return { statistics, spread: median(spreads), level: Math.max(1, median(levels) ?? 1) }
}
