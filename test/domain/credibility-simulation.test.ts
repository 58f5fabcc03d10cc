/**
 * Statistical validation of the bootstrap (SPEC §5) on rounds simulated from a known model.
 *
 * Model: one group of 6 units; 2 point types × 20 visits per unit; 6 visit-based standards
 * (deduct scope point with counts 1–3, and check) in two top-level indicators of the field
 * component (0.8), plus a direct standard (material, 0.1) and an external survey (0.1) held
 * fixed. In round k every standard s has a base finding rate r_s ~ U(0.1, 0.35) and unit u a
 * quality factor m_u ~ U(0.4, 1.6): unit u finds a problem against s at a visit with
 * probability r_s × m_u. For these linear rules the expected total of every unit is known in
 * closed form (expectedTotal in test/fixtures/credibility/round-model.ts), and the truly last
 * unit is the one with the lowest expected total.
 *
 * Checks over ROUNDS = 400 simulated rounds, with the product's default B = 1000:
 *   - coverage: the 90% interval of the total contains the true expected total for 85–95% of
 *     the units (2,400 intervals; binomial standard error ≈ 0.7 points). The percentile
 *     bootstrap is known to run a little below its nominal level with few visits per stratum:
 *     its variance is the plug-in one, (n_h − 1)/n_h of the unbiased one, so ≈ 87–88% is
 *     expected here (1,500 repeated draws of one round's model gave 87.1%);
 *   - calibration of P(last): units binned by predicted P(last); in every bin holding at least
 *     80 units, the frequency with which the unit is truly last is within 0.12 of the bin's
 *     mean prediction (≈ 2 binomial standard errors for the smallest such bins; the observed
 *     last of a group is a selected, hence slightly flattered, unit, so the top bins run a few
 *     points over-confident), and the Brier score beats the uninformed forecast 1/6.
 * Runtime ≈ 15 s on 2 cores. The weight-sensitivity part is not under test here (weightRuns 1).
 */
import { describe, expect, it } from 'vitest'
import { analyseCredibility, visitSamples } from '../../src/domain/credibility/index.js'
import { cyrb128, sfc32 } from '../../src/domain/credibility/random.js'
import { buildRoundInput } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import { buildModelRound, expectedTotal, type ModelSpec } from '../fixtures/credibility/round-model.js'

const ROUNDS = 400
const REPLICATES = 1000
const UNITS = 6
const BINS = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0000001]

const STANDARDS: ModelSpec['standards'] = [
  { code: '01-1', top: '01', component: 'field', kind: 'deduct-point', points: '4', per: '1', pointTypes: ['market'] },
  { code: '01-2', top: '01', component: 'field', kind: 'check', points: '2', pointTypes: ['market', 'road'] },
  { code: '01-3', top: '01', component: 'field', kind: 'deduct-point', points: '3', per: '0.5', pointTypes: ['market', 'road'] },
  { code: '02-1', top: '02', component: 'field', kind: 'check', points: '2', pointTypes: ['road'] },
  { code: '02-2', top: '02', component: 'field', kind: 'deduct-point', points: '5', per: '2', pointTypes: ['road'] },
  { code: '02-3', top: '02', component: 'field', kind: 'check', points: '1', pointTypes: ['market'] },
  { code: '03-1', top: '03', component: 'material', kind: 'direct', points: '4' },
]

function roundSpec(k: number): ModelSpec {
  const random = sfc32(cyrb128(`model/${k}`))
  const base = Object.fromEntries(STANDARDS.map((s) => [s.code, 0.1 + 0.25 * random()]))
  const units = Array.from({ length: UNITS }, (_, i) => {
    const quality = 0.4 + 1.2 * random()
    return {
      code: `u${i}`,
      group: 'g',
      visits: { market: 20, road: 20 },
      rates: Object.fromEntries(Object.entries(base).map(([code, r]) => [code, r * quality])),
      direct: { '03-1': String(2 + Math.floor(random() * 3)) },
      external: { survey: (80 + Math.floor(random() * 2000) / 100).toFixed(2) },
    }
  })
  return {
    code: `SIM-${k}`,
    components: [
      { code: 'field', weight: '0.8', source: 'findings' },
      { code: 'material', weight: '0.1', source: 'findings' },
      { code: 'survey', weight: '0.1', source: 'external' },
    ],
    pointTypes: ['market', 'road'],
    standards: STANDARDS,
    groups: [{ code: 'g' }],
    units,
    maxCount: 3,
  }
}

describe('bootstrap on simulated rounds with known truth', () => {
  it(`covers the true total about 90% of the time and calibrates P(last) (${ROUNDS} rounds, B = ${REPLICATES})`, () => {
    let covered = 0
    let intervals = 0
    let brier = 0
    let brierFlat = 0
    const bins = BINS.slice(1).map(() => ({ n: 0, predicted: 0, last: 0 }))
    for (let k = 0; k < ROUNDS; k++) {
      const spec = roundSpec(k)
      const { set, round, data } = buildModelRound(spec, `SIM-${k}`)
      const input = buildRoundInput(set, round, data)
      const result = analyseCredibility(input, visitSamples(set, round, data), scoreRound(input), { seed: round.code, replicates: REPLICATES, weightRuns: 1 })
      const truth = new Map(spec.units.map((u) => [u.code, expectedTotal(spec, u.code)]))
      const trulyLast = [...truth.entries()].reduce((a, b) => (b[1] < a[1] ? b : a))[0]
      const ranking = result.groups[0]!.ranking
      expect(ranking).toHaveLength(UNITS)
      for (const u of ranking) {
        const c = u.credibility!
        const t = truth.get(u.unit)!
        intervals++
        if (Number(c.total90[0]) <= t && t <= Number(c.total90[1])) covered++
        const p = Number(c.pLast)
        const outcome = u.unit === trulyLast ? 1 : 0
        brier += (p - outcome) ** 2
        brierFlat += (1 / UNITS - outcome) ** 2
        const bin = bins[BINS.findIndex((edge, i) => p >= edge && p < BINS[i + 1]!)]!
        bin.n++
        bin.predicted += p
        bin.last += outcome
      }
    }
    const coverage = covered / intervals
    const table = bins.map((b, i) => `[${BINS[i]!.toFixed(1)}, ${Math.min(1, BINS[i + 1]!).toFixed(1)}): n ${b.n}, predicted ${(b.predicted / Math.max(1, b.n)).toFixed(3)}, truly last ${(b.last / Math.max(1, b.n)).toFixed(3)}`)
    console.log(`coverage of the 90% total interval: ${(coverage * 100).toFixed(1)}% of ${intervals}`)
    console.log(`P(last) calibration:\n  ${table.join('\n  ')}`)
    console.log(`Brier score ${(brier / intervals).toFixed(4)} (uninformed 1/${UNITS}: ${(brierFlat / intervals).toFixed(4)})`)

    expect(coverage).toBeGreaterThanOrEqual(0.85)
    expect(coverage).toBeLessThanOrEqual(0.95)
    const checked = bins.filter((b) => b.n >= 80)
    expect(checked.length).toBeGreaterThanOrEqual(3)
    for (const b of checked) expect(Math.abs(b.last / b.n - b.predicted / b.n)).toBeLessThanOrEqual(0.12)
    expect(brier).toBeLessThan(brierFlat)
  }, 120_000)
})
