/**
 * Ranking credibility (SPEC §5), src/domain/credibility: the float scorer against the exact
 * scoring core, reproducibility, properties of the figures, the confidence gate, dominance,
 * effective weights and weight sensitivity. Rounds come from the golden scoring fixtures and
 * from synthetic models (test/fixtures/credibility/round-model.ts) read with the production
 * readers. The statistical validation (coverage, calibration) is in credibility-simulation.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { checkAgainstEvidence, scoreDense, scoreReplicate, workspace, type Workspace } from '../../src/domain/credibility/fast-score.js'
import { compileGroup, type GroupModel } from '../../src/domain/credibility/model.js'
import { analyseCredibility, visitSamples, type RoundSamples } from '../../src/domain/credibility/index.js'
import { cyrb128, randomStream, sfc32 } from '../../src/domain/credibility/random.js'
import { dec } from '../../src/domain/decimal.js'
import { isDomainError } from '../../src/domain/errors.js'
import { buildRoundInput } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type { GroupResult, RoundInput, RoundResult } from '../../src/domain/scoring/types.js'
import { buildModelRound, type ModelSpec, type UnitSpec } from '../fixtures/credibility/round-model.js'
import { listScoringFixtures, loadScoringFixture } from '../helpers/scoring-fixtures.js'

// ---------------------------------------------------------------------------------------------
// Rounds
// ---------------------------------------------------------------------------------------------

const STANDARDS: ModelSpec['standards'] = [
  { code: '01-1', top: '01', component: 'field', kind: 'deduct-point', points: '4', per: '1', pointTypes: ['market'] },
  { code: '01-2', top: '01', component: 'field', kind: 'check', points: '2', pointTypes: ['market', 'road'] },
  { code: '02-1', top: '02', component: 'field', kind: 'gate', points: '1', pointTypes: ['road'] },
  { code: '02-2', top: '02', component: 'field', kind: 'deduct-unit', points: '3', per: '0.5', pointTypes: ['road'] },
  { code: '03-1', top: '03', component: 'material', kind: 'direct', points: '4' },
  { code: '03-2', top: '03', component: 'material', kind: 'measure', points: '2', target: '4' },
]

/** A unit whose every visit-based standard has finding probability `rate`. */
function unit(code: string, rate: number, extra: Partial<UnitSpec> = {}): UnitSpec {
  return {
    code,
    group: 'g',
    visits: { market: 12, road: 10 },
    rates: { '01-1': rate, '01-2': rate, '02-1': rate / 4, '02-2': rate / 3 },
    direct: { '03-1': '3' },
    measures: { '03-2': '3' },
    external: { survey: '90' },
    ...extra,
  }
}

function spec(units: UnitSpec[], more: Partial<ModelSpec> = {}): ModelSpec {
  return {
    code: 'T-01',
    components: [
      { code: 'field', weight: '0.7', source: 'findings' },
      { code: 'material', weight: '0.15', source: 'findings' },
      { code: 'survey', weight: '0.15', source: 'external' },
    ],
    pointTypes: ['market', 'road'],
    standards: STANDARDS,
    groups: [{ code: 'g' }],
    units,
    maxCount: 3,
    ...more,
  }
}

interface Case {
  input: RoundInput
  samples: RoundSamples
  result: RoundResult
}

function caseOf(s: ModelSpec, dataSeed = 'data'): Case {
  const { set, round, data } = buildModelRound(s, dataSeed)
  const input = buildRoundInput(set, round, data)
  return { input, samples: visitSamples(set, round, data), result: scoreRound(input) }
}

/**
 * The round of `s` in which unit `to` has exactly the data of unit `from` (visits, findings,
 * values), plus `extra` findings of standard 01-2 at its first market visits: two units drawn
 * alike whose nominal order is decided by a hair.
 */
function twinCase(s: ModelSpec, from: string, to: string, extra = 1, dataSeed = 'data'): Case {
  const { set, round, data } = buildModelRound(s, dataSeed)
  const ofUnit = (id: string, unit: string): boolean => id.startsWith(`${unit}-`)
  const visits = data.visits!.filter((v) => !ofUnit(v.id, to))
  const findings = data.findings!.filter((f) => !ofUnit(f.visit, to))
  const rename = (id: string): string => `${to}-${id.slice(from.length + 1)}`
  for (const v of data.visits!.filter((x) => ofUnit(x.id, from))) visits.push({ id: rename(v.id), point: rename(v.point) })
  for (const f of data.findings!.filter((x) => ofUnit(x.visit, from))) findings.push({ ...f, id: rename(f.id), visit: rename(f.visit) })
  for (let k = 0; k < extra; k++) findings.push({ id: `${to}-extra-${k}`, visit: `${to}-market-${k}`, standard: '01-2', count: 1 })
  const copyValues = <T extends { unit: string }>(rows: T[] | undefined): T[] => [...(rows ?? []).filter((r) => r.unit !== to), ...(rows ?? []).filter((r) => r.unit === from).map((r) => ({ ...r, unit: to }))]
  const twin = { visits, findings, externalScores: copyValues(data.externalScores), measures: copyValues(data.measures), directScores: copyValues(data.directScores) }
  const input = buildRoundInput(set, round, twin)
  return { input, samples: visitSamples(set, round, twin), result: scoreRound(input) }
}

const FIVE = spec([unit('a', 0.1), unit('b', 0.2), unit('c', 0.25), unit('d', 0.3), unit('e', 0.32)])

function analyse(c: Case, seed = 'T-01', replicates = 300, weightRuns = 200): RoundResult {
  return analyseCredibility(c.input, c.samples, c.result, { seed, replicates, weightRuns })
}

const group = (r: RoundResult, code = 'g'): GroupResult => r.groups.find((g) => g.code === code)!

// ---------------------------------------------------------------------------------------------
// The float scorer mirrors the exact one
// ---------------------------------------------------------------------------------------------

const SCORERS: [string, (m: GroupModel, w: Int32Array, ws: Workspace) => void][] = [
  ['dense', scoreDense],
  ['fast', scoreReplicate],
]

describe('the float scorer with every visit drawn once', () => {
  for (const file of listScoringFixtures()) {
    it(`reproduces scoreRound's unrounded totals and components within 1e-9, on both paths: ${file}`, () => {
      const fx = loadScoringFixture(file)
      const input = buildRoundInput(fx.set, fx.round, fx.data, fx.history)
      const samples = visitSamples(fx.set, fx.round, fx.data)
      const result = scoreRound(input)
      let compared = 0
      for (const g of result.groups) {
        const groupInput = input.groups.find((x) => x.code === g.code)!
        const model = compileGroup(input, groupInput, g.ranking, samples)
        checkAgainstEvidence(model, groupInput)
        for (const [path, score] of SCORERS) {
          const ws = workspace(model)
          score(model, new Int32Array(model.visits).fill(1), ws)
          g.ranking.forEach((u, i) => {
            const row = model.ranked[i]!
            expect(Math.abs(ws.total[row]! - Number(u.exact.total)), `${path} ${g.code}/${u.unit} total`).toBeLessThanOrEqual(1e-9)
            for (const [code, exact] of Object.entries(u.exact.components)) {
              const c = model.componentCodes.indexOf(code)
              expect(Math.abs(ws.raw[row * model.componentCodes.length + c]! - Number(exact)), `${path} ${g.code}/${u.unit} ${code}`).toBeLessThanOrEqual(1e-9)
            }
            compared++
          })
        }
      }
      expect(compared).toBe(2 * result.groups.reduce((n, g) => n + g.ranking.length, 0))
    })
  }

  it('the fast path equals the dense path for any visit weights (golden fixtures and model rounds, both N/A policies)', () => {
    const rounds = listScoringFixtures().map((file) => {
      const fx = loadScoringFixture(file)
      return { name: file, input: buildRoundInput(fx.set, fx.round, fx.data, fx.history), samples: visitSamples(fx.set, fx.round, fx.data) }
    })
    for (const naPolicy of ['exclude', 'peer-mean'] as const) {
      const units = [unit('a', 0.1), unit('b', 0.3, { visits: { market: 5 } }), unit('c', 0.2, { visits: { road: 4 }, measures: {} }), unit('d', 0.5, { direct: {} })]
      const { set, round, data } = buildModelRound(spec(units, { naPolicy }), naPolicy)
      rounds.push({ name: naPolicy, input: buildRoundInput(set, round, data), samples: visitSamples(set, round, data) })
    }
    const random = sfc32(cyrb128('weights'))
    let checked = 0
    for (const { name, input, samples } of rounds) {
      const result = scoreRound(input)
      for (const g of result.groups) {
        const model = compileGroup(input, input.groups.find((x) => x.code === g.code)!, g.ranking, samples)
        const dense = workspace(model)
        const fast = workspace(model)
        for (let k = 0; k < 20; k++) {
          const weights = Int32Array.from({ length: model.visits }, () => Math.floor(random() * 4))
          scoreDense(model, weights, dense)
          scoreReplicate(model, weights, fast)
          for (const r of model.ranked) {
            expect(Math.abs(fast.total[r]! - dense.total[r]!), `${name} ${g.code} row ${r}`).toBeLessThanOrEqual(1e-9)
            expect(fast.rowFindings[r]).toBe(dense.rowFindings[r])
            checked++
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(500)
  })

  it('runs the whole analysis on every golden fixture, with ranks inside [1, n]', () => {
    for (const file of listScoringFixtures()) {
      const fx = loadScoringFixture(file)
      const input = buildRoundInput(fx.set, fx.round, fx.data, fx.history)
      const result = scoreRound(input)
      const out = analyseCredibility(input, visitSamples(fx.set, fx.round, fx.data), result, { seed: fx.round.code, replicates: 50, weightRuns: 20 })
      for (const g of out.groups) {
        const n = g.ranking.length
        expect(g.credibility, `${file} ${g.code}`).toBeDefined()
        for (const u of g.ranking) {
          const c = u.credibility!
          expect(c.rank90[0]).toBeGreaterThanOrEqual(1)
          expect(c.rank90[1]).toBeLessThanOrEqual(n)
          expect(c.weightSensitivity.rankRange90[0]).toBeGreaterThanOrEqual(1)
          expect(c.weightSensitivity.rankRange90[1]).toBeLessThanOrEqual(n)
        }
      }
    }
  })

  it('matches the exact scorer on a model round with every rule kind, peer-mean and a group weight override', () => {
    for (const naPolicy of ['exclude', 'peer-mean'] as const) {
      const units = [unit('a', 0.1), unit('b', 0.3, { visits: { market: 5 } }), unit('c', 0.2, { group: 'h', visits: { road: 4 } }), unit('d', 0.4, { group: 'h' })]
      const s = spec(units, { naPolicy, groups: [{ code: 'g' }, { code: 'h', weights: { field: '0.5', material: '0.2', survey: '0.3' } }] })
      const c = caseOf(s)
      for (const g of c.result.groups) {
        const groupInput = c.input.groups.find((x) => x.code === g.code)!
        const model = compileGroup(c.input, groupInput, g.ranking, c.samples)
        expect(g.ranking).toHaveLength(2)
        for (const [path, score] of SCORERS) {
          const ws = workspace(model)
          score(model, new Int32Array(model.visits).fill(1), ws)
          g.ranking.forEach((u, i) => expect(Math.abs(ws.total[model.ranked[i]!]! - Number(u.exact.total)), `${naPolicy} ${path}`).toBeLessThanOrEqual(1e-9))
        }
      }
    }
  })

  it('gives the same figures whatever the order in which the visits were read', () => {
    const c = caseOf(FIVE)
    const reversed: RoundSamples = Object.fromEntries(Object.entries(c.samples).map(([k, v]) => [k, [...v].reverse().map((x) => ({ ...x, standards: [...x.standards].reverse() }))]))
    expect(JSON.stringify(analyse({ ...c, samples: reversed }))).toBe(JSON.stringify(analyse(c)))
  })
})

// ---------------------------------------------------------------------------------------------
// Reproducibility and sampling
// ---------------------------------------------------------------------------------------------

describe('reproducibility', () => {
  it('gives identical JSON for the same seed and different figures for another seed', () => {
    const c = caseOf(FIVE)
    const one = JSON.stringify(analyse(c, 'T-01'))
    expect(JSON.stringify(analyse(caseOf(FIVE), 'T-01'))).toBe(one)
    const other = JSON.stringify(analyse(c, 'T-02'))
    expect(other).not.toBe(one)
    expect(group(JSON.parse(other) as RoundResult).credibility!.seed).toBe('T-02')
  })

  it('has independent streams per analysis and group, and uniform numbers in [0, 1)', () => {
    const a = randomStream('R', 'posterior', 'g')
    const b = randomStream('R', 'posterior', 'h')
    const xs = Array.from({ length: 20000 }, () => a())
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.01)
    expect(Array.from({ length: 5 }, () => b())).not.toEqual(xs.slice(0, 5))
  })
})

// ---------------------------------------------------------------------------------------------
// Properties of the figures
// ---------------------------------------------------------------------------------------------

describe('figures', () => {
  const seeds = ['d1', 'd2', 'd3', 'd4']
  for (const dataSeed of seeds) {
    it(`are ordered and in range (data ${dataSeed})`, () => {
      const c = caseOf(FIVE, dataSeed)
      const g = group(analyse(c))
      const n = g.ranking.length
      expect(n).toBe(5)
      for (const u of g.ranking) {
        const cr = u.credibility!
        expect(dec(cr.total90[0]).lessThanOrEqualTo(cr.total90[1])).toBe(true)
        expect(dec(cr.total90[0]).greaterThanOrEqualTo(0) && dec(cr.total90[1]).lessThanOrEqualTo(100)).toBe(true)
        expect(cr.rank90[0]).toBeLessThanOrEqual(cr.rank90[1])
        expect(cr.rank90[0]).toBeGreaterThanOrEqual(1)
        expect(cr.rank90[1]).toBeLessThanOrEqual(n)
        for (const p of [cr.pFirst, cr.pLast]) expect(Number(p) >= 0 && Number(p) <= 1).toBe(true)
        expect(cr.pFirst).toMatch(/^\d\.\d{3}$/)
        const ws = cr.weightSensitivity
        expect(ws.rankRange90[0] <= ws.medianRank && ws.medianRank <= ws.rankRange90[1]).toBe(true)
      }
      for (const m of [g.credibility!.last!, g.credibility!.first!]) {
        expect(dec(m.margin90[0]).lessThanOrEqualTo(m.margin90[1])).toBe(true)
        expect(m.statisticalTie).toBe(dec(m.margin90[0]).lessThanOrEqualTo(0) && dec(m.margin90[1]).greaterThanOrEqualTo(0))
      }
      expect(g.credibility!.last!.unit).toBe(g.ranking[4]!.unit)
      expect(g.credibility!.last!.next).toBe(g.ranking[3]!.unit)
      expect(g.credibility!.last!.margin).toBe(dec(g.ranking[3]!.total).minus(g.ranking[4]!.total).toFixed(2))
      expect(g.credibility!.first!.margin).toBe(dec(g.ranking[0]!.total).minus(g.ranking[1]!.total).toFixed(2))
    })
  }

  it('P(last) and P(first) each sum to 1 over the group (draws of true totals do not tie)', () => {
    const out = group(analyse(caseOf(FIVE), 'T-01', 400))
    // Each probability is rounded to 3 decimals: at most 5 × 0.0005 off.
    const last = out.ranking.reduce((s, u) => s + Number(u.credibility!.pLast), 0)
    const first = out.ranking.reduce((s, u) => s + Number(u.credibility!.pFirst), 0)
    expect(Math.abs(last - 1)).toBeLessThanOrEqual(0.0025 + 1e-12)
    expect(Math.abs(first - 1)).toBeLessThanOrEqual(0.0025 + 1e-12)
  })

  it('puts a clearly worst unit last in every draw and a clearly best first in most', () => {
    const c = caseOf(spec([unit('a', 0), unit('b', 0.1), unit('c', 0.12), unit('z', 0.9)]))
    const g = group(analyse(c))
    const z = g.ranking.find((u) => u.unit === 'z')!
    expect(z.credibility!.pLast).toBe('1.000')
    expect(z.credibility!.rank90).toEqual([4, 4])
    const a = g.ranking.find((u) => u.unit === 'a')!
    expect(Number(a.credibility!.pFirst)).toBeGreaterThanOrEqual(0.8)
    for (const u of g.ranking) if (u !== a) expect(Number(u.credibility!.pFirst)).toBeLessThan(0.2)
    // a has no finding at all, yet its few points are a sample: its interval is not a point.
    expect(dec(a.credibility!.total90[0]).lessThan(a.credibility!.total90[1])).toBe(true)
    expect(dec(a.credibility!.standardError).greaterThan(0)).toBe(true)
    expect(g.credibility!.last!.statisticalTie).toBe(false)
  })

  it('flags a statistical tie for last between two units with the same data but one finding', () => {
    const c = twinCase(spec([unit('a', 0), unit('b', 0.02), unit('y', 0.4), unit('z', 0.4)]), 'y', 'z')
    const g = group(analyse(c, 'T-01', 500))
    expect(g.ranking.at(-1)!.unit).toBe('z')
    expect(g.credibility!.last).toMatchObject({ unit: 'z', next: 'y', statisticalTie: true })
    const pLast = g.ranking.filter((u) => u.unit === 'y' || u.unit === 'z').map((u) => Number(u.credibility!.pLast))
    expect(Math.min(...pLast)).toBeGreaterThan(0.05)
    expect(Math.max(...pLast)).toBeLessThan(0.95)
  })

  it('keeps external components, measures and direct scores fixed: a unit without visits has a point interval', () => {
    const c = caseOf(spec([unit('a', 0.1), unit('b', 0.3), unit('n', 0, { visits: {}, rates: {} })], { naPolicy: 'exclude' }))
    const g = group(analyse(c))
    const n = g.ranking.find((u) => u.unit === 'n')
    // n has no visits: field is missing, so it is not ranked at all.
    expect(n).toBeUndefined()
    expect(g.unranked.map((u) => u.unit)).toEqual(['n'])
    for (const u of g.ranking) expect(u.credibility).toBeDefined()
  })

  it('states the method, B and the seed', () => {
    const g = group(analyse(caseOf(FIVE), 'T-01', 123))
    expect(g.credibility!.replicates).toBe(123)
    expect(g.credibility!.seed).toBe('T-01')
    expect(g.credibility!.method).toMatch(/two-stage design/i)
    expect(g.credibility!.method).toMatch(/R type 7/)
    expect(g.credibility!.method).toContain('B = 123')
  })

  it('handles a one-unit group and a group without ranked units', () => {
    const s = spec([unit('a', 0.1), unit('x', 0.1, { group: 'empty', external: {} })], { groups: [{ code: 'g' }, { code: 'empty' }] })
    const out = analyse(caseOf(s))
    const one = group(out, 'g')
    expect(one.ranking[0]!.credibility).toMatchObject({ rank90: [1, 1], pFirst: '1.000', pLast: '1.000', weightSensitivity: { medianRank: 1, rankRange90: [1, 1] } })
    expect(one.credibility).toMatchObject({ last: null, first: null, dominance: { unit: 'a', dominated: true, beats: [] } })
    const empty = group(out, 'empty')
    expect(empty.ranking).toEqual([])
    expect(empty.credibility).toMatchObject({ last: null, first: null, dominance: null, weightSensitivity: { runs: 0, lastStaysLast: '0.000' } })
  })
})

// ---------------------------------------------------------------------------------------------
// The confidence gate
// ---------------------------------------------------------------------------------------------

const transfer = (rule: Record<string, unknown>): Partial<ModelSpec> => ({ consequences: { transfers: [{ payer: 'last', payee: 'first', amount: '200000', ...rule }] } })

describe('the confidence gate (minConfidence)', () => {
  it('keeps the transfer when the payer is surely last and the payee surely first', () => {
    const c = caseOf(spec([unit('a', 0), unit('b', 0.3), unit('z', 0.9)], transfer({ minConfidence: '0.9' })))
    expect(c.input.groups[0]!.consequences.transfers[0]!.minConfidence).toBe('0.9')
    const g = group(analyse(c))
    expect(g.transfers).toEqual([{ payer: 'z', payee: 'a', amount: '200000.00', rule: 0 }])
    expect(g.withheld).toEqual([])
  })

  it('withholds it, with the figures, when the last place is a statistical tie', () => {
    const c = twinCase(spec([unit('a', 0), unit('b', 0.02), unit('y', 0.4), unit('z', 0.4)], transfer({ minConfidence: '0.9' })), 'y', 'z')
    const nominal = c.result.groups[0]!
    expect(nominal.transfers).toHaveLength(1)
    const g = group(analyse(c, 'T-01', 500))
    const payer = nominal.transfers[0]!.payer
    const pLast = g.ranking.find((u) => u.unit === payer)!.credibility!.pLast
    expect(Number(pLast)).toBeLessThan(0.9)
    expect(g.transfers).toEqual([])
    expect(g.withheld.map((w) => w.rule)).toEqual([0])
    expect(g.withheld[0]!.reason).toMatch(/^confidence gate: /)
    expect(g.withheld[0]!.reason).toContain(`P(last) of ${payer} is ${pLast} (${Math.round(Number(pLast) * 500)} of 500 replicates) < 0.9`)
  })

  it('leaves rules without minConfidence alone and checks the payee side too', () => {
    const rules = {
      consequences: {
        transfers: [
          { payer: 'last', payee: 'first', amount: '100' },
          { payer: 'last', payee: 'first', amount: '100', minConfidence: '0.9' },
          { payer: 'last', payee: { rank: 2 }, amount: '100', minConfidence: '0.5' },
        ],
      },
    }
    // a and b have the same data but one finding at the top, z is clearly last.
    const c = twinCase(spec([unit('a', 0.1), unit('b', 0.1), unit('m', 0.3), unit('z', 0.9)], rules), 'a', 'b')
    expect(c.result.groups[0]!.transfers.map((t) => [t.payer, t.payee])).toEqual([['z', 'a'], ['z', 'a'], ['z', 'b']])
    const g = group(analyse(c, 'T-01', 500))
    expect(g.transfers.map((t) => t.rule)).toEqual([0, ...(g.transfers.some((t) => t.rule === 2) ? [2] : [])])
    const reason = g.withheld.find((w) => w.rule === 1)!.reason
    expect(reason).toMatch(/^confidence gate: .*P\(first\) of [ab] is 0\.\d{3} \(\d+ of 500 replicates\) < 0\.9/)
    const rank2 = g.withheld.find((w) => w.rule === 2)
    if (rank2) expect(rank2.reason).toMatch(/P\(rank 2\) of [ab] is/)
    expect(g.withheld.map((w) => w.rule)).toEqual([...g.withheld.map((w) => w.rule)].sort((x, y) => x - y))
  })

  it('with minConfidence 1 keeps a transfer only when both units hold their places in every replicate', () => {
    // b is second from the bottom in every draw: far below a, far above z.
    const sure = caseOf(spec([unit('a', 0), unit('b', 0.35), unit('z', 0.9)], transfer({ minConfidence: '1', payer: { fromBottom: 2 } })))
    const kept = group(analyse(sure))
    expect(kept.ranking.find((u) => u.unit === 'b')!.credibility!.rank90[1]).toBe(2)
    expect(kept.transfers).toEqual([{ payer: 'b', payee: 'a', amount: '200000.00', rule: 0 }])
    const unsure = twinCase(spec([unit('a', 0), unit('b', 0.02), unit('y', 0.3), unit('z', 0.3)], transfer({ minConfidence: '1', payer: { fromBottom: 1 } })), 'y', 'z')
    const held = group(analyse(unsure))
    expect(held.transfers).toEqual([])
    expect(held.withheld[0]!.reason).toMatch(/^confidence gate: P\(last\) of z is 0\.\d{3} \(\d+ of 300 replicates\) < 1/)
  })
})

// ---------------------------------------------------------------------------------------------
// Dominance, effective weights, weight sensitivity
// ---------------------------------------------------------------------------------------------

describe('dominance of the last unit', () => {
  it('is dominated when every other unit is at least as good on every component and indicator', () => {
    // z has findings everywhere more often, a worse direct score and a worse survey.
    const c = caseOf(spec([unit('a', 0), unit('b', 0), unit('z', 0.6, { direct: { '03-1': '1' }, external: { survey: '80' } })]))
    const cr = group(analyse(c)).credibility!
    expect(cr.dominance).toEqual({ unit: 'z', dominated: true, beats: [] })
    // Dominated: no weighting lifts it, so it stays last in every weight run.
    expect(cr.weightSensitivity.lastStaysLast).toBe('1.000')
  })

  it('lists the components and indicators on which the last unit is ahead, and of whom', () => {
    const c = caseOf(
      spec([
        unit('a', 0.05, { external: { survey: '70' } }),
        unit('b', 0.05, { direct: { '03-1': '1' }, external: { survey: '95' } }),
        unit('z', 0.5, { external: { survey: '95' }, direct: { '03-1': '4' } }),
      ]),
    )
    const g = group(analyse(c))
    expect(g.ranking.at(-1)!.unit).toBe('z')
    const d = g.credibility!.dominance!
    expect(d.dominated).toBe(false)
    expect(d.beats).toEqual([
      { unit: 'a', on: expect.arrayContaining(['component:survey', 'component:material', '03']) },
      { unit: 'b', on: expect.arrayContaining(['component:material', '03']) },
    ])
    expect(d.beats.find((x) => x.unit === 'b')!.on).not.toContain('component:survey')
    expect(d.beats.flatMap((x) => x.on)).not.toContain('component:field')
  })

  it('is null when units tie for last', () => {
    const same = (code: string): UnitSpec => unit(code, 0, { visits: { market: 2, road: 2 } })
    const c = caseOf(spec([unit('a', 0, { external: { survey: '99' } }), same('y'), same('z')]))
    const g = group(analyse(c))
    expect(g.ranking.filter((u) => u.bottom === 1).map((u) => u.unit)).toEqual(['y', 'z'])
    expect(g.credibility!.dominance).toBeNull()
    expect(g.credibility!.last!.margin).toBe('0.00')
  })
})

describe('effective weights', () => {
  it("give each top-level indicator's share of the total and each external component's weight", () => {
    // field 0.7 over points 01: 4 + 2 = 6, 02: 1 + 3 = 4; material 0.15 over 03 (6 points); survey 0.15.
    const g = group(analyse(caseOf(FIVE)))
    expect(g.credibility!.effectiveWeights).toEqual({ '01': '0.4200', '02': '0.2800', '03': '0.1500', 'component:survey': '0.1500' })
  })

  it("follow the group's weight override", () => {
    const s = spec([unit('a', 0.1), unit('b', 0.2)], { groups: [{ code: 'g', weights: { field: '0.5', material: '0.5', survey: '0' } }] })
    const g = group(analyse(caseOf(s)))
    expect(g.credibility!.effectiveWeights).toEqual({ '01': '0.3000', '02': '0.2000', '03': '0.5000', 'component:survey': '0.0000' })
  })
})

describe('weight sensitivity', () => {
  it('with spread 0 every run is the nominal ranking', () => {
    const c = caseOf(FIVE)
    const out = analyseCredibility(c.input, c.samples, c.result, { seed: 'T-01', replicates: 20, weightRuns: 50, spread: '0' })
    const g = group(out)
    for (const u of g.ranking) expect(u.credibility!.weightSensitivity).toEqual({ medianRank: u.rank, rankRange90: [u.rank, u.rank] })
    expect(g.credibility!.weightSensitivity).toEqual({ runs: 50, spread: '0', lastStaysLast: '1.000' })
  })

  it('moves units whose places depend on the weights', () => {
    // a is strong in the field and weak in the survey, b the other way round; nearly equal totals.
    const c = caseOf(
      spec([
        unit('a', 0, { external: { survey: '60' } }),
        unit('b', 0.35, { external: { survey: '100' } }),
        unit('z', 0.9, { external: { survey: '10' }, direct: { '03-1': '0' } }),
      ]),
    )
    const g = group(analyseCredibility(c.input, c.samples, c.result, { seed: 'T-01', replicates: 20, weightRuns: 400, spread: '0.5' }))
    const ranges = g.ranking.filter((u) => u.unit !== 'z').map((u) => u.credibility!.weightSensitivity.rankRange90)
    expect(ranges.some(([lo, hi]) => lo < hi)).toBe(true)
    expect(g.credibility!.weightSensitivity.lastStaysLast).toBe('1.000')
  })
})

// ---------------------------------------------------------------------------------------------
// Integration guards
// ---------------------------------------------------------------------------------------------

describe('integration guards', () => {
  const c = caseOf(FIVE)
  const code = (f: () => unknown): string | null => {
    try {
      f()
      return null
    } catch (e) {
      return isDomainError(e) ? e.code : String(e)
    }
  }

  it('rejects samples that disagree with the visit counts or the evidence', () => {
    const fewer: RoundSamples = { ...c.samples, a: c.samples.a!.slice(1) }
    expect(code(() => analyse({ ...c, samples: fewer }))).toBe('CONFLICT')
    const clean: RoundSamples = { ...c.samples, e: c.samples.e!.map((v) => ({ ...v, standards: [] })) }
    expect(code(() => analyse({ ...c, samples: clean }))).toBe('CONFLICT')
  })

  it('rejects a result that is not the input scored', () => {
    const other = caseOf(FIVE, 'other')
    expect(code(() => analyseCredibility(c.input, c.samples, other.result, { seed: 'x', replicates: 10 }))).toBe('CONFLICT')
  })

  it('rejects bad options', () => {
    for (const bad of [{ replicates: 0 }, { replicates: 1.5 }, { weightRuns: -1 }, { spread: '1' }, { spread: '-0.1' }, { spread: 'x' }, { seed: '' }])
      expect(code(() => analyseCredibility(c.input, c.samples, c.result, { seed: 's', ...bad }))).toBe('VALIDATION_FAILED')
  })

  it('does not change the input result', () => {
    const before = JSON.stringify(c.result)
    analyse(c)
    expect(JSON.stringify(c.result)).toBe(before)
  })
})
