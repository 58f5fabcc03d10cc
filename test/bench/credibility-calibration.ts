/**
 * `npm run bench calibration`: the credibility analysis on simulated rounds of the clustered
 * world (test/fixtures/credibility/clustered-model.ts) in more designs than the suite checks,
 * with the figures the suite's simulation tests check: coverage of the 90% interval of the
 * total, calibration of P(last) by bin, the Brier score, and the 0.9 gate (how often it opens and
 * how often the payer is truly last), by true margin at the bottom. Not a timing: the suite's
 * bounds (coverage 85–95%, bins within 0.10, gate ≥ 90% right) are for reading the output.
 * CALIBRATION_ROUNDS scales the number of rounds (default 1 = as listed).
 */
import { report, simulate, type Design } from '../fixtures/credibility/simulate.js'

const SCALE = Number(process.env.CALIBRATION_ROUNDS ?? 1)

const DESIGNS: [string, Design, number][] = [
  ['1–3 points per type, 1–2 visits each (the suite)', { name: 'small', points: [1, 3], visitsPerPoint: [1, 2] }, 1000],
  ['10 points × 2 visits per type, registry 30 (the suite)', { name: 'twenty', points: { market: 10, road: 10, window: 10 }, visitsPerPoint: [2, 2], world: { registered: 30 } }, 400],
  ['3 points × 1 visit per type', { name: 'three', points: [3, 3], visitsPerPoint: [1, 1] }, 800],
  ['20 points × 1 visit per type, registry 30', { name: 'twentyb', points: { market: 20, road: 20, window: 20 }, visitsPerPoint: [1, 1], world: { registered: 30 } }, 400],
  ['1 point × 1 visit per type', { name: 'single', points: [1, 1], visitsPerPoint: [1, 1] }, 400],
  ['1–3 points, 1–2 visits, unit quality 0.2–2.2', { name: 'wide', points: [1, 3], visitsPerPoint: [1, 2], world: { quality: [0.2, 2.2] } }, 1000],
]

export async function run(): Promise<void> {
  for (const [title, design, rounds] of DESIGNS) {
    const t0 = performance.now()
    const tally = simulate(design, Math.max(1, Math.round(rounds * SCALE)), 500)
    console.log(`${title}\n${report(design.name, tally)}\n  (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
  }
  await Promise.resolve()
}
