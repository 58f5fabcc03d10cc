/**
 * Budget (SPEC §5 credibility): the full analysis of a round — B = 1000 draws of the true totals
 * (two-stage design, hierarchical model), the worst-point check, the settle recommendation where
 * the last place is not settled, 500 weight-sensitivity runs, dominance, gate — of 200 units in 4 groups,
 * 200 visits per unit (40,000 visits), 500 standards and ≈ 25 findings per visit (≈ 1,000,000
 * findings, about 21 (visit, standard) entries per visit), within 30× one exact in-memory scoring pass (scoreRound on the same RoundInput,
 * Decimal) measured in the same run, and under 10 s; peak RSS under 1 GB.
 *
 * The round is generated in memory (no database): per-visit samples first, then the units'
 * evidence summed from them. Deductions are multiples of 0.25, so the float sums used to write
 * the evidence are exact. BENCH_REPLICATES overrides B. Each unit's visits of a type go two by two
 * to its points.
 *
 * Second budget: a plan for the round, and a recommendation of 50 extra visits for a group of 30
 * units, each within 1 s.
 */
import { analyseCredibility, planBasis, planRound, type RoundSamples, type VisitSample } from '../../src/domain/credibility/index.js'
import { cyrb128, sfc32 } from '../../src/domain/credibility/random.js'
import type { Component, Rule } from '../../src/domain/indicator-set/model.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type { RoundInput, ScoringStandard, StandardEvidence, UnitInput } from '../../src/domain/scoring/types.js'

const SHAPE = { units: 200, groups: 4, visitsPerUnit: 200, standards: 500, tops: 10, findingsPerVisit: 25 }
const POINT_TYPES = ['market', 'road', 'alley', 'bus-stop', 'window']
const REPLICATES = Number(process.env.BENCH_REPLICATES ?? 1000)
const REPEAT = 3

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function time(fn: () => unknown): number {
  const t = performance.now()
  fn()
  return performance.now() - t
}

/** 450 field standards (deduct point / unit, check, gate) and 50 material ones (direct, measure). */
function standards(random: () => number): ScoringStandard[] {
  const out: ScoringStandard[] = []
  for (let i = 0; i < SHAPE.standards; i++) {
    const top = String(1 + Math.floor((i * SHAPE.tops) / SHAPE.standards)).padStart(2, '0')
    const code = `${top}-${String(i).padStart(3, '0')}`
    const points = String(1 + Math.floor(random() * 5))
    if (i % 10 === 9) {
      const rule: Rule = i % 20 === 9 ? { kind: 'direct' } : { kind: 'measure', target: '4' }
      out.push({ code, points, rule, component: 'material', pointTypes: [], topCode: top })
      continue
    }
    const roll = random()
    const per = ['0.25', '0.5', '1'][Math.floor(random() * 3)]!
    const rule: Rule = roll < 0.7 ? { kind: 'deduct', per, scope: 'point' } : roll < 0.8 ? { kind: 'deduct', per, scope: 'unit' } : roll < 0.95 ? { kind: 'check' } : { kind: 'gate' }
    const types = POINT_TYPES.filter(() => random() < 0.4)
    out.push({ code, points, rule, component: 'field', pointTypes: types.length > 0 ? types : [POINT_TYPES[i % POINT_TYPES.length]!], topCode: top })
  }
  return out
}

/** The benchmark round (exported for profiling). */
export function generate(): { input: RoundInput; samples: RoundSamples; findings: number } {
  const random = sfc32(cyrb128('bench-credibility'))
  const std = standards(random)
  const byType = new Map(POINT_TYPES.map((t) => [t, std.filter((s) => s.pointTypes.includes(t))]))
  const components: Component[] = [
    { code: 'field', name: '实地考察', weight: '0.6', source: 'findings' },
    { code: 'material', name: '材料审核', weight: '0.25', source: 'findings' },
    { code: 'survey', name: '问卷调查', weight: '0.15', source: 'external' },
  ]
  const samples: RoundSamples = {}
  const units: UnitInput[] = []
  let findings = 0
  for (let u = 0; u < SHAPE.units; u++) {
    const code = `u${String(u).padStart(3, '0')}`
    const quality = 0.6 + 0.8 * random()
    const visits: VisitSample[] = []
    const visitsByPointType: Record<string, number> = {}
    const sums = new Map<string, { visits: number; findings: number; d: number; capped: number }>()
    for (let v = 0; v < SHAPE.visitsPerUnit; v++) {
      const type = POINT_TYPES[v % POINT_TYPES.length]!
      visitsByPointType[type] = (visitsByPointType[type] ?? 0) + 1
      const applicable = byType.get(type)!
      // Findings of count 1 (80%) or 2 (20%): 1.2 on average, ≈ 25 per visit in all.
      const wanted = Math.round((SHAPE.findingsPerVisit / 1.2) * quality * (0.5 + random()))
      const chosen = new Map<number, number>()
      for (let k = 0; k < wanted; k++) {
        const s = Math.floor(random() * applicable.length)
        chosen.set(s, (chosen.get(s) ?? 0) + (random() < 0.2 ? 2 : 1))
      }
      // Points of 2 visits each (visits v and v + |types| are at one point).
      const sample: VisitSample = { pointType: type, point: `${code}-${type}-${Math.floor(v / (2 * POINT_TYPES.length))}`, standards: [] }
      for (const [s, count] of chosen) {
        const standard = applicable[s]!
        const per = standard.rule.kind === 'deduct' ? Number(standard.rule.per) : 0
        const d = per * count
        sample.standards.push({ code: standard.code, findings: count, deduction: String(d) })
        findings += count
        const acc = sums.get(standard.code) ?? { visits: 0, findings: 0, d: 0, capped: 0 }
        acc.visits++
        acc.findings += count
        acc.d += d
        acc.capped += Math.min(Number(standard.points), d)
        sums.set(standard.code, acc)
      }
      visits.push(sample)
    }
    samples[code] = visits
    const evidence: Record<string, StandardEvidence> = {}
    for (const [s, a] of sums) evidence[s] = { visitsWithFindings: a.visits, findings: a.findings, deductions: String(a.d), cappedDeductions: String(a.capped) }
    const measures: Record<string, string> = {}
    const directScores: Record<string, string> = {}
    for (const s of std) {
      if (s.rule.kind === 'measure') measures[s.code] = String(Math.floor(random() * 6))
      if (s.rule.kind === 'direct') directScores[s.code] = String(Math.floor(random() * (Number(s.points) + 1)))
    }
    units.push({ code, name: `单位${u}`, head: null, visitsByPointType, evidence, measures, directScores, external: { survey: (75 + Math.floor(random() * 2500) / 100).toFixed(2) } })
  }
  const perGroup = SHAPE.units / SHAPE.groups
  const input: RoundInput = {
    code: 'BENCH-01',
    indicatorSet: 'bench@1',
    naPolicy: 'exclude',
    components,
    standards: std,
    tiebreak: [],
    history: {},
    groups: Array.from({ length: SHAPE.groups }, (_, g) => ({
      code: `g${g}`,
      name: `组${g}`,
      weights: null,
      consequences: { minGroupSize: 3, transfers: [{ payer: 'last', payee: 'first', amount: '200000.00', ties: 'split', minConfidence: '0.9' }], lists: {}, selfCriticism: null, escalation: [] },
      units: units.slice(g * perGroup, (g + 1) * perGroup),
    })),
  }
  return { input, samples, findings }
}

const perGroupOf = (input: RoundInput): number => input.groups[0]!.units.length

export async function run(): Promise<void> {
  const t0 = performance.now()
  const { input, samples, findings } = generate()
  console.log(
    `generated ${SHAPE.units} units in ${SHAPE.groups} groups, ${SHAPE.units * SHAPE.visitsPerUnit} visits, ${SHAPE.standards} standards, ${findings} findings in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  )

  let result = scoreRound(input) // warm up
  const scoring: number[] = []
  for (let i = 0; i < REPEAT; i++) scoring.push(time(() => (result = scoreRound(input))))
  const s = median(scoring)

  let analysed = result
  const cpu = process.cpuUsage()
  const a = time(() => (analysed = analyseCredibility(input, samples, result, { seed: input.code, replicates: REPLICATES })))
  const used = process.cpuUsage(cpu)
  const cpuMs = (used.user + used.system) / 1000
  const peak = process.resourceUsage().maxRSS * 1024

  const withheld = analysed.groups.reduce((n, g) => n + g.withheld.length, 0)
  const ties = analysed.groups.filter((g) => g.credibility?.last?.statisticalTie).length
  console.log(`scoreRound (exact, Decimal), one pass: ${s.toFixed(0)} ms (median of ${REPEAT})`)
  console.log(`credibility analysis, B = ${REPLICATES}, 500 weight runs: ${(a / 1000).toFixed(2)} s (budget 10 s; ${(cpuMs / 1000).toFixed(2)} s of CPU); ${ties} of ${SHAPE.groups} groups with a statistical tie for last, ${withheld} transfer(s) withheld by the gate`)
  console.log(`ratio analysis / scoring pass = ${(a / s).toFixed(1)}× (budget 30×); peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (budget 1024)`)

  // A plan for the round from its own data (as the next round of the series would have it).
  let basis = planBasis(input, samples, result)
  const b = time(() => (basis = planBasis(input, samples, result)))
  const planInput = {
    round: 'BENCH-02',
    basis: { kind: 'round' as const, round: input.code },
    ...basis,
    groups: input.groups.map((g) => ({ code: g.code, name: g.name, units: g.units.map((u) => ({ unit: u.code, name: u.name, registry: Object.fromEntries(POINT_TYPES.map((t) => [t, 40])) })) })),
  }
  let plan = planRound(planInput, { margin: 1, confidence: 0.9, power: 0.8, visitsPerPoint: 1 })
  const p = time(() => (plan = planRound(planInput, { margin: 1, confidence: 0.9, power: 0.8, visitsPerPoint: 1 })))
  console.log(`plan for Δ = 1 of ${SHAPE.units} units: basis ${(b / 1000).toFixed(2)} s, plan ${p.toFixed(0)} ms (budget 1 s together); resolvable: ${plan.resolvable}`)

  // A recommendation of 50 extra visits for a group of 30 units whose last place is not settled.
  let small: RoundInput = input
  let smallResult = result
  for (let k = 0; k + 30 <= perGroupOf(input); k += 5) {
    small = { ...input, groups: [{ ...input.groups[0]!, units: input.groups[0]!.units.slice(k, k + 30) }] }
    smallResult = scoreRound(small)
    if (analyseCredibility(small, samples, smallResult, { seed: 'BENCH-30', replicates: 200, weightRuns: 1 }).groups[0]!.credibility!.settle) break
  }
  let settled = smallResult
  const withSettle = time(() => (settled = analyseCredibility(small, samples, smallResult, { seed: 'BENCH-30', replicates: REPLICATES, weightRuns: 1, settleVisits: 50 })))
  const recommendation = settled.groups[0]!.credibility!.settle
  console.log(
    `30 units: the whole analysis of the group, B = ${REPLICATES}, with a recommendation of 50 extra visits: ${withSettle.toFixed(0)} ms (budget 1 s for the recommendation)` +
      (recommendation ? `; expected ${recommendation.expected} after ${recommendation.visits} visits` : '; the last place is settled, no recommendation'),
  )
}
