/**
 * Ranking credibility (SPEC §5): how sure is the ranking, and does the money follow a place the
 * data can tell apart? Pure: the scoring input, every unit's visits (per-visit evidence) and the
 * nominal result of scoreRound in; the same result with credibility figures out.
 *
 *   analyseCredibility(input, samples, result, { seed: round code })
 *     per group: compile the frozen rules into typed arrays (fast-score.ts), check the samples
 *     against the input's evidence, then
 *       - stratified bootstrap, B replicates (bootstrap.ts): per unit total90, rank90, pFirst,
 *         pLast; per group the margins at the last and first place, statistical ties;
 *       - weight sensitivity, N runs (sensitivity.ts): median rank and 5–95% rank range per
 *         unit, share of runs in which the last stays last;
 *       - dominance of the last unit and effective weights (dominance.ts);
 *       - the confidence gate of transfer rules with minConfidence (gate.ts).
 *
 * Reproducible: every random draw comes from streams seeded with `seed` (random.ts), and the
 * visits are put in a canonical order, so the same data and seed give identical figures.
 * A group without ranked units gets credibility with no margins, no dominance and 0 runs.
 */
import { DomainError } from '../errors.js'
import { isDecimalText } from '../decimal.js'
import type { GroupCredibility, GroupInput, GroupResult, RoundInput, RoundResult } from '../scoring/types.js'
import { bootstrapGroup, marginFigures, unitFigures } from './bootstrap.js'
import { dominance, effectiveIndicatorWeights } from './dominance.js'
import { checkAgainstEvidence, scoreDense, workspace } from './fast-score.js'
import { compileGroup } from './model.js'
import { QUANTILE_METHOD, probability } from './figures.js'
import { applyConfidenceGate } from './gate.js'
import { randomStream } from './random.js'
import type { RoundSamples } from './sample.js'
import { lastStaysLastCount, unitSensitivity, weightRuns } from './sensitivity.js'

export { visitSamples, type RoundSamples, type VisitSample, type VisitStandard } from './sample.js'
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
export function readOptions(options: CredibilityOptions): { replicates: number; runs: number; spread: string; seed: string } {
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
  return { replicates, runs, spread, seed: options.seed }
}

export function methodSentence(replicates: number, seed: string): string {
  return (
    `Stratified bootstrap: each unit's visits resampled with replacement within point type, B = ${replicates} replicates ` +
    `seeded from ${JSON.stringify(seed)} (sfc32 over cyrb128), re-scored with the frozen rules and re-ranked in the group; ` +
    `external components, measures and direct scores held fixed; 90% intervals are the 5th and 95th percentiles by ${QUANTILE_METHOD}.`
  )
}

function analyseGroup(input: RoundInput, group: GroupInput, nominalResult: GroupResult, samples: RoundSamples, opts: ReturnType<typeof readOptions>): GroupResult {
  const model = compileGroup(input, group, nominalResult.ranking, samples)
  checkAgainstEvidence(model, group)
  const nominal = workspace(model)
  scoreDense(model, new Int32Array(model.visits).fill(1), nominal)
  nominalResult.ranking.forEach((u, i) => {
    const fast = nominal.total[model.ranked[i]!]!
    if (!(Math.abs(fast - Number(u.exact.total)) <= NOMINAL_TOLERANCE))
      throw new DomainError('CONFLICT', `unit ${u.unit}: the result's total ${u.exact.total} is not the input's (${fast}); pass the result of scoreRound on the same input`)
  })

  const n = nominalResult.ranking.length
  const runs = bootstrapGroup(model, opts.replicates, randomStream(opts.seed, 'bootstrap', group.code))
  const weights = weightRuns(model, nominal, n === 0 ? 0 : opts.runs, Number(opts.spread), randomStream(opts.seed, 'weights', group.code))
  const lastUnits = nominalResult.ranking.flatMap((u, i) => (u.bottom === 1 ? [i] : []))

  const credibility: GroupCredibility = {
    method: methodSentence(opts.replicates, opts.seed),
    replicates: opts.replicates,
    seed: opts.seed,
    last: n >= 2 ? marginFigures(runs, nominalResult.ranking, n - 1, n - 2, 'last') : null,
    first: n >= 2 ? marginFigures(runs, nominalResult.ranking, 0, 1, 'first') : null,
    weightSensitivity: { runs: weights.runs, spread: opts.spread, lastStaysLast: probability(lastStaysLastCount(weights, lastUnits), weights.runs) },
    dominance: lastUnits.length === 1 ? dominance(model, nominal, lastUnits[0]!) : null,
    effectiveWeights: effectiveIndicatorWeights(input, group, model),
  }
  const ranking = nominalResult.ranking.map((u, i) => ({ ...u, credibility: { ...unitFigures(runs, i), weightSensitivity: unitSensitivity(weights, i) } }))
  return { ...nominalResult, ranking, credibility, ...applyConfidenceGate(nominalResult, group.consequences, runs) }
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
