/**
 * The plan before a round (SPEC §5, src/domain/credibility/plan.ts), validated by simulation on
 * the clustered world (test/fixtures/credibility/clustered-model.ts) with 120 registered points
 * per type and unit: each simulated series has a previous round sampled as cities do (1–3
 * points per type, 1–2 visits), the plan for a margin Δ = 4 points (confidence 0.9, power 0.8,
 * one visit per point) is made from it, and the round is then sampled as the plan says (each
 * type's largest requirement over the units, for every unit). Checked: in the rounds whose true
 * margin at the bottom exceeds Δ the 0.9 gate opens in most (more than half), and when it opens
 * the payer is truly last in at least 90% of rounds.
 *
 * Figures at the time of writing (100 rounds, `npx vitest run test/domain/credibility-plan.test.ts`):
 * 20 rounds with a true margin above 4, the gate opened in 13 of them (16 openings in all, every
 * one naming the truly last unit); the plan asked for a median of 161 points per unit (over
 * three types), and 1 round's plan could not be met with the registry.
 * Also unit tests of the arithmetic: Neyman allocation, the registry cap, bad requests.
 */
import { describe, expect, it } from 'vitest'
import { cyrb128, sfc32 } from '../../src/domain/credibility/random.js'
import { planRound, priorStatistics, targetVariance, type PlanInput } from '../../src/domain/credibility/plan.js'
import { isDomainError } from '../../src/domain/errors.js'
import { makeWorld, POINT_TYPES, sampleAllocation } from '../fixtures/credibility/clustered-model.js'
import { analyseRound, emptyTally, report, tallyRound } from '../fixtures/credibility/simulate.js'

const REGISTERED = 120
const MARGIN = 4

describe('the plan on simulated series', () => {
  it(`opens the 0.9 gate in most rounds whose true margin exceeds Δ = ${MARGIN} when sampled as planned`, () => {
    const t = emptyTally()
    let above = 0
    let opened = 0
    let unmet = 0
    const points: number[] = []
    for (let k = 0; k < 100; k++) {
      const world = makeWorld(`plan/${k}`, { registered: REGISTERED })
      const random = sfc32(cyrb128(`allocation/plan/${k}`))
      const previous = analyseRound(world, sampleAllocation(world, random, [1, 3], [1, 2]), `P-${k}`, `plan/${k}/previous`, 1)
      const input: PlanInput = {
        round: `S-${k}`,
        basis: { kind: 'round', round: `P-${k}` },
        ...previous.basis(),
        groups: [{ code: 'g', name: 'g', units: world.units.map((u) => ({ unit: u.code, name: u.code, registry: Object.fromEntries(POINT_TYPES.map((type) => [type, REGISTERED])) })) }],
      }
      const plan = planRound(input, { margin: MARGIN, confidence: 0.9, power: 0.8, visitsPerPoint: 1 })
      if (!plan.resolvable) unmet++
      const need: Record<string, number> = {}
      for (const u of plan.groups[0]!.units) for (const p of u.points) need[p.pointType] = Math.max(need[p.pointType] ?? 0, p.needed)
      points.push(Object.values(need).reduce((a, b) => a + b, 0))
      const round = analyseRound(world, sampleAllocation(world, random, need, [1, 1]), `S-${k}`, `plan/${k}`, 500)
      const before = t.gateOpen
      tallyRound(t, round)
      if (round.margin > MARGIN) {
        above++
        if (t.gateOpen > before) opened++
      }
    }
    points.sort((a, b) => a - b)
    console.log(`${report(`planned for Δ = ${MARGIN}`, t)}\n  true margin above Δ: ${above} rounds, gate opened in ${opened}; median points per unit ${points[50]}; plans not met by the registry ${unmet}`)
    expect(above).toBeGreaterThanOrEqual(10)
    expect(opened / above).toBeGreaterThan(0.5)
    expect(t.gateOpen).toBeGreaterThan(0)
    expect(t.gateRight / t.gateOpen).toBeGreaterThanOrEqual(0.9)
  }, 300_000)
})

describe('plan arithmetic', () => {
  const prior = priorStatistics({ pointTypes: { market: { betweenPoints: '2', withinPoint: '1' }, road: { betweenPoints: '1', withinPoint: '0.5' } } })
  const input = (registry: Record<string, number>): PlanInput => ({
    round: 'R',
    basis: { kind: 'prior' },
    statistics: prior,
    spread: null,
    groups: [{ code: 'g', name: '组', units: [{ unit: 'u', name: '单位', registry }] }],
  })

  it('meets the target variance with the fewest points, Neyman-allocated (more where points differ more)', () => {
    const plan = planRound(input({ market: 500, road: 500 }), { margin: 2, confidence: 0.9, power: 0.8, visitsPerPoint: 1 })
    const unit = plan.groups[0]!.units[0]!
    const market = unit.points.find((p) => p.pointType === 'market')!.needed
    const road = unit.points.find((p) => p.pointType === 'road')!.needed
    // S_market = √(4 + 1) ≈ 2.24, S_road = √(1 + 0.25) ≈ 1.12: twice the points.
    expect(Math.abs(market / road - 2)).toBeLessThan(0.15)
    expect(unit.resolvable).toBe(true)
    const target = targetVariance(2, 0.9, 0.8, null)
    expect(Number(unit.standardError) ** 2).toBeLessThanOrEqual(target + 0.0001)
    // One point fewer of either type misses it.
    const v = (m: number, r: number): number => 5 / m - 4 / 500 + 1.25 / r - 1 / 500
    expect(v(market - 1, road)).toBeGreaterThan(target)
    expect(v(market, road - 1)).toBeGreaterThan(target)
    expect(plan.pointTypes.map((p) => p.share)).toEqual(['0.667', '0.333'])
  })

  it('says when Δ cannot be resolved with the registry', () => {
    const plan = planRound(input({ market: 3, road: 2 }), { margin: 0.5, confidence: 0.9, power: 0.8, visitsPerPoint: 1 })
    expect(plan.resolvable).toBe(false)
    expect(plan.groups[0]!.units[0]).toMatchObject({ resolvable: false, points: [{ pointType: 'market', needed: 3, registered: 3 }, { pointType: 'road', needed: 2, registered: 2 }] })
  })

  it('refuses bad requests with VALIDATION_FAILED', () => {
    for (const bad of [{ margin: 0 }, { margin: -1 }, { confidence: 1 }, { power: 0.5 }, { visitsPerPoint: 0 }, { visitsPerPoint: 1.5 }]) {
      try {
        planRound(input({ market: 10 }), { margin: 1, confidence: 0.9, power: 0.8, visitsPerPoint: 1, ...bad })
        expect.unreachable()
      } catch (error) {
        expect(isDomainError(error) && error.code === 'VALIDATION_FAILED').toBe(true)
      }
    }
  })
})
