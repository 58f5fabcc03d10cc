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
 *   world, so the figures average over worlds as well as samples.
 *
 * Designs (points per type per unit, drawn from the registry without replacement; visits per
 * point):
 *   small    1–3 points, 1–2 visits each (what cities really do), 1,000 rounds
 *   twenty   10 points × 2 visits = 20 visits per type, registry 30, 400 rounds
 * Checked in each: the 90% interval of the total covers the truth for 85–95% of units; P(last)
 * is calibrated (every bin with at least 60 units within 0.10 of its mean prediction); the Brier
 * score beats the uninformed 1/6; and when a transfer gated at 0.9 is let through (P(last) ≥ 0.9
 * and, without the payer's most damaging point, still ≥ 0.9) the payer is truly last in at least
 * 90% of those rounds. How often the gate opens, by true margin at the bottom, is printed.
 *
 * Figures at the time of writing (B = 500; `npx vitest run test/domain/credibility-clustered.test.ts`):
 *   small:   coverage 91.7%; Brier 0.118 vs 0.139; P(last) bins 0.175→0.178 (n 3,180),
 *            0.373→0.399 (594), 0.574→0.606 (137); the gate opened in 1 round of 1,000, right.
 *   twenty:  coverage 86.1%; Brier 0.072; 0.390→0.391 (215), 0.586→0.642 (120), 0.799→0.861
 *            (101), 0.954→0.950 (60); the gate opened in 29 rounds of 400, right in all 29.
 * The wave-1 bootstrap on the small design: 56–58% coverage, and the wrong unit paid in most
 * rounds where the gate let money move.
 * Not yet within these bounds (measured with test/bench/credibility-calibration.ts): 3 points ×
 * 1 visit per type (coverage 83.6%); pooling with the previous round of the series (units
 * given P(last) ≈ 0.57 were last 43% of the time, so the analysis does not pool rounds); a world
 * with quality from 0.2 to 2.2 (bins of P(last) 0.3–0.7 under-confident by 0.06–0.12).
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

export const DESIGNS: [Design, number][] = [
  [{ name: 'small', points: [1, 3], visitsPerPoint: [1, 2] }, 1000],
  [{ name: 'twenty', points: { market: 10, road: 10, window: 10 }, visitsPerPoint: [2, 2], world: { registered: 30 } }, 400],
]

describe('credibility on clustered rounds of real sample sizes', () => {
  it.each(DESIGNS.map(([d, n]) => [d.name, d, n] as const))('%s: honest intervals, calibrated P(last), a gate that names the truly last', (_name, design, rounds) => {
    const t = simulate(design, rounds, REPLICATES)
    console.log(report(design.name, t))
    expect(t.rounds).toBe(rounds)
    expect(BINS).toHaveLength(7)
    check(t)
  }, 300_000)
})
