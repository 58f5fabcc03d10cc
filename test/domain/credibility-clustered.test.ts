/**
 * Statistical validation of the credibility analysis (SPEC §5) in the sample sizes cities use,
 * on rounds simulated from a world with point-level clustering (test/fixtures/credibility/
 * clustered-model.ts):
 *
 *   6 units in one group; 3 point types, each unit registering 6 points per type (30 in the
 *   20-visit design); 7 visit-based standards (deduct scope point with counts 1–3, and check),
 *   one of them spanning two point types, in the field component (0.8), a direct score (0.1) and
 *   an external survey (0.1) held fixed. Unit quality q ~ U(0.4, 1.6), each registered point a
 *   cleanliness factor f = exp(0.6 Z − 0.18) (lognormal, mean 1); at a visit each applicable
 *   standard gets a finding with probability min(1, r_s × q × f). Truth: the total with every
 *   registered point visited without end (exact for these linear rules). Each round is a new
 *   world.
 *
 * Designs (points per type per unit, drawn from the registry without replacement; visits per
 * point):
 *   small         1–3 points, 1–2 visits each (what cities really do)
 *   three         3 points, 1 visit each (no point seen twice)
 *   small-series  as small, pooled with the previous round of the series
 *   twenty        10 points × 2 visits = 20 visits per type
 * Checked in every design: the 90% interval of the total covers the truth for 85–95% of units;
 * P(last) is calibrated (every bin with at least 60 units within 0.10 of its mean prediction);
 * the Brier score beats the uninformed 1/6; and when a transfer gated at 0.9 is let through the
 * payer is truly last in at least 90% of those rounds. How often the gate opens, by true margin at
 * the bottom, is printed.
 *
 * Figures at the time of writing (B = 500; `npx vitest run test/domain/credibility-clustered.test.ts`):
 *   small (600 rounds):        coverage 91.9%, Brier 0.118 vs 0.139; P(last) bins 0.173→0.175,
 *                              0.372→0.394, 0.575→0.590; gate opened 3 times, right 3
 *   three (600 rounds):        coverage 87.6%, Brier 0.115; 0.374→0.391, 0.579→0.548; gate 6, right 6
 *   small-series, twenty: printed by the test.
 * One point of each type visited once (no spread between points can be seen in the round) is
 * not among the designs: every component then takes the conservative fallback, and intervals
 * cover ≈ 96% (honestly wider than 90%).
 */
import { describe, expect, it } from 'vitest'
import { BINS, report, simulate, type Design, type Tally } from '../fixtures/credibility/simulate.js'

const REPLICATES = 500

function check(t: Tally): void {
  const coverage = t.covered / t.intervals
  expect(coverage).toBeGreaterThanOrEqual(0.85)
  expect(coverage).toBeLessThanOrEqual(0.95)
  const checked = t.bins.filter((b) => b.n >= 60)
  expect(checked.length).toBeGreaterThanOrEqual(3)
  for (const b of checked) expect(Math.abs(b.last / b.n - b.predicted / b.n)).toBeLessThanOrEqual(0.1)
  expect(t.brier).toBeLessThan(t.brierFlat)
  if (t.gateOpen > 0) expect(t.gateRight / t.gateOpen).toBeGreaterThanOrEqual(0.9)
}

const DESIGNS: [Design, number][] = [
  [{ name: 'small', points: [1, 3], visitsPerPoint: [1, 2] }, 1000],
  [{ name: 'three', points: [3, 3], visitsPerPoint: [1, 1] }, 800],
  [{ name: 'small-series', points: [1, 3], visitsPerPoint: [1, 2], series: true }, 500],
  [{ name: 'twenty', points: { market: 10, road: 10, window: 10 }, visitsPerPoint: [2, 2], world: { registered: 30 } }, 400],
]

describe('credibility on clustered rounds of real sample sizes', () => {
  it.each(DESIGNS)('%s: honest intervals, calibrated P(last), a gate that names the truly last', (design, rounds) => {
    const t = simulate(design, rounds, REPLICATES)
    console.log(report(design.name, t))
    expect(t.rounds).toBe(rounds)
    expect(BINS).toHaveLength(7)
    check(t)
  }, 300_000)
})
