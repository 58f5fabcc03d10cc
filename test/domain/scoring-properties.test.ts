/**
 * Property tests of the scoring core (SPEC §4) with fast-check. Random small rounds — an
 * indicator set of 1–5 standards of random rule kinds, 2–8 units in 1–2 groups, random visits,
 * findings, external scores, measures, direct scores and consequence rules — are built as files
 * would be (validated by validateIndicatorSetValue / validateRoundValue), turned into a
 * RoundInput by buildRoundInput and scored by scoreRound. Invariants checked:
 *   - every transfer rule is either withheld (with a reason, moving nothing) or moves exactly its
 *     amount in fen (BigInt), between units its selectors pick, never from a unit to itself;
 *   - ranks are the competition ranks of the published totals (no tiebreak keys), and stay
 *     consistent with them when tiebreak keys are declared;
 *   - one more finding never raises any score or component of its unit;
 *   - every published and exact component and total lies in [0, 100];
 *   - the result is deterministic and independent of the order of units and records.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dec, type Decimal } from '../../src/domain/decimal.js'
import type { IndicatorSet } from '../../src/domain/indicator-set/model.js'
import { validateIndicatorSetValue } from '../../src/domain/indicator-set/validate.js'
import { validateRoundValue, type RoundDefinition } from '../../src/domain/round/validate.js'
import { buildRoundInput, type DataFile } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type { GroupResult, RoundResult, Selector } from '../../src/domain/scoring/types.js'
import { mulberry32 } from '../helpers/random.js'

const RUNS = 200
const POINT_TYPES = ['market', 'road', 'alley'] as const
const MAX_UNITS = 8
const MAX_VISITS_PER_TYPE = 3
const MAX_STANDARDS = 5
const VISIT_KINDS = new Set(['deduct-point', 'deduct-unit', 'check', 'gate'])

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const standardArb = fc.record({
  kind: fc.constantFrom('deduct-point', 'deduct-unit', 'check', 'gate', 'measure', 'direct'),
  points: fc.constantFrom('1', '2', '2.5', '3', '4', '5', '10'),
  per: fc.constantFrom('0.25', '0.5', '1'),
  target: fc.constantFrom('1', '3', '4', '10'),
  pointTypes: fc.subarray([...POINT_TYPES], { minLength: 1 }),
  /** Put the standard in a second findings component `material` (when there are ≥ 2 standards). */
  material: fc.boolean(),
})

const selectorArb: fc.Arbitrary<Selector> = fc.oneof(
  { arbitrary: fc.constant('first' as const), weight: 2 },
  { arbitrary: fc.constant('last' as const), weight: 2 },
  { arbitrary: fc.record({ rank: fc.integer({ min: 1, max: 4 }) }), weight: 1 },
  { arbitrary: fc.record({ fromBottom: fc.integer({ min: 1, max: 4 }) }), weight: 1 },
)

const transferArb = fc.record({
  payer: selectorArb,
  payee: selectorArb,
  fen: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 100_000_000 })),
  ties: fc.constantFrom('split', 'skip'),
})

const consequencesArb = fc.record({
  minGroupSize: fc.integer({ min: 1, max: 3 }),
  transfers: fc.array(transferArb, { maxLength: 3 }),
  red: fc.option(fc.oneof(fc.record({ top: fc.integer({ min: 1, max: 3 }) }), fc.record({ min: fc.constantFrom('60', '85', '90') })), { nil: undefined }),
  black: fc.option(fc.oneof(fc.record({ bottom: fc.integer({ min: 1, max: 3 }) }), fc.record({ below: fc.constantFrom('60', '85', '90') })), {
    nil: undefined,
  }),
  selfCriticism: fc.option(fc.record({ bottom: fc.integer({ min: 1, max: 3 }) }), { nil: undefined }),
  escalation: fc.constantFrom([], ['约谈（分管市领导）', '约谈（市委组织部）', '问责']),
})

const findingRollArb = fc.oneof(
  { arbitrary: fc.constant(null), weight: 3 },
  {
    arbitrary: fc.record({
      count: fc.integer({ min: 1, max: 4 }),
      deduction: fc.option(fc.constantFrom('0', '0.3', '1', '5'), { nil: undefined }),
      /** A second finding at the same visit against the same standard. */
      again: fc.boolean(),
    }),
    weight: 2,
  },
)

const shapeArb = fc.record({
  standards: fc.array(standardArb, { minLength: 1, maxLength: MAX_STANDARDS }),
  survey: fc.boolean(),
  naPolicy: fc.constantFrom('exclude' as const, 'peer-mean' as const),
  setWeights: fc.nat(),
  override: fc.option(fc.nat(), { nil: undefined }),
  units: fc.integer({ min: 2, max: MAX_UNITS }),
  groups: fc.integer({ min: 1, max: 2 }),
  splitAt: fc.integer({ min: 1, max: MAX_UNITS - 1 }),
  heads: fc.array(fc.boolean(), { minLength: MAX_UNITS, maxLength: MAX_UNITS }),
  /** Unit i copies the data of unit i − 1 (about one in three), so ties are common. */
  clones: fc.array(fc.integer({ min: 0, max: 2 }).map((n) => n === 0), { minLength: MAX_UNITS, maxLength: MAX_UNITS }),
  tiebreak: fc.shuffledSubarray(['component:field', 'findings', 'visits', 'total']),
  consequences: consequencesArb,
  groupConsequences: fc.option(consequencesArb, { nil: undefined }),
  visits: fc.array(fc.integer({ min: 0, max: MAX_VISITS_PER_TYPE }), { minLength: MAX_UNITS * 3, maxLength: MAX_UNITS * 3 }),
  findings: fc.array(findingRollArb, {
    minLength: MAX_UNITS * 3 * MAX_VISITS_PER_TYPE * MAX_STANDARDS,
    maxLength: MAX_UNITS * 3 * MAX_VISITS_PER_TYPE * MAX_STANDARDS,
  }),
  /** Survey score in ten-thousandths (0–100 with 4 decimals); null = not supplied. */
  // Mostly a few common values, so that published totals tie often enough to exercise splits.
  external: fc.array(
    fc.option(fc.oneof({ arbitrary: fc.constantFrom(600_000, 850_000, 876_300, 900_000, 925_300, 1_000_000), weight: 2 }, { arbitrary: fc.integer({ min: 0, max: 1_000_000 }), weight: 1 }), {
      freq: 8,
      nil: null,
    }),
    { minLength: MAX_UNITS, maxLength: MAX_UNITS },
  ),
  measures: fc.array(fc.option(fc.constantFrom('0', '1', '2.5', '3', '4', '6', '12'), { freq: 6, nil: null }), {
    minLength: MAX_UNITS * MAX_STANDARDS,
    maxLength: MAX_UNITS * MAX_STANDARDS,
  }),
  /** Direct score as a share of the points in quarters (0–4); null = not recorded. */
  direct: fc.array(fc.option(fc.integer({ min: 0, max: 4 }), { freq: 6, nil: null }), { minLength: MAX_UNITS * MAX_STANDARDS, maxLength: MAX_UNITS * MAX_STANDARDS }),
})
type Shape = typeof shapeArb extends fc.Arbitrary<infer T> ? T : never

// ---------------------------------------------------------------------------------------------
// Building a round from a shape
// ---------------------------------------------------------------------------------------------

interface Case {
  set: IndicatorSet
  round: RoundDefinition
  data: DataFile
  /** (visit id, standard code) pairs where another finding would be valid data. */
  findingSlots: { visit: string; standard: string; unit: string }[]
}

const fenToYuan = (fen: number): string => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`

function weightsFor(n: number, pick: number, allowZero: boolean): string[] {
  const options: string[][] =
    n === 1
      ? [['1']]
      : n === 2
        ? [['0.85', '0.15'], ['0.5', '0.5'], ['0.7', '0.3'], ...(allowZero ? [['1', '0'], ['0', '1']] : [])]
        : [['0.6', '0.25', '0.15'], ['0.7', '0.15', '0.15'], ['0.34', '0.33', '0.33'], ...(allowZero ? [['0.5', '0', '0.5'], ['1', '0', '0']] : [])]
  return options[pick % options.length]!
}

function consequencesFile(c: Shape['consequences']): Record<string, unknown> {
  const out: Record<string, unknown> = {
    minGroupSize: String(c.minGroupSize),
    transfers: c.transfers.map((t) => ({ payer: t.payer, payee: t.payee, amount: fenToYuan(t.fen), ties: t.ties })),
    escalation: c.escalation,
  }
  const lists: Record<string, unknown> = {}
  if (c.red) lists.red = c.red
  if (c.black) lists.black = c.black
  out.lists = lists
  if (c.selfCriticism) out.selfCriticism = c.selfCriticism
  return out
}

function buildCase(shape: Shape): Case {
  const useMaterial = shape.standards.length >= 2 && shape.standards.some((s) => s.material) && !shape.standards.every((s) => s.material)
  const componentCodes = ['field', ...(useMaterial ? ['material'] : []), ...(shape.survey ? ['survey'] : [])]
  const setWeights = weightsFor(componentCodes.length, shape.setWeights, false)
  const standards = shape.standards.map((s, i) => ({ ...s, code: `S${i + 1}`, component: useMaterial && s.material ? 'material' : 'field' }))

  const setFile = {
    code: 'prop',
    version: '1',
    name: '性质测试体系',
    naPolicy: shape.naPolicy,
    components: componentCodes.map((code, i) => ({ code, name: code, weight: setWeights[i]!, source: code === 'survey' ? 'external' : 'findings' })),
    pointTypes: POINT_TYPES.map((code) => ({ code, name: code })),
    indicators: standards.map((s) => {
      const rule =
        s.kind === 'deduct-point'
          ? { kind: 'deduct', per: s.per, scope: 'point' }
          : s.kind === 'deduct-unit'
            ? { kind: 'deduct', per: s.per, scope: 'unit' }
            : s.kind === 'measure'
              ? { kind: 'measure', target: s.target }
              : { kind: s.kind }
      return { code: s.code, text: `标准${s.code}`, component: s.component, points: s.points, rule, ...(VISIT_KINDS.has(s.kind) ? { pointTypes: s.pointTypes } : {}) }
    }),
  }
  const setParse = validateIndicatorSetValue(setFile)
  if (!setParse.ok) throw new Error(`generated set is invalid: ${JSON.stringify(setParse.issues)}`)
  const set = setParse.set

  const unitCodes = Array.from({ length: shape.units }, (_, i) => `u${i}`)
  const split = shape.groups === 2 ? Math.min(shape.splitAt, shape.units - 1) : shape.units
  const groupUnits = shape.groups === 2 ? [unitCodes.slice(0, split), unitCodes.slice(split)] : [unitCodes]
  const roundFile = {
    code: 'P1',
    series: 'prop',
    name: '性质测试轮次',
    indicatorSet: 'prop@1',
    period: { from: '2026-03-01', to: '2026-03-31' },
    evaluator: '测评公司',
    tiebreak: shape.tiebreak,
    consequences: consequencesFile(shape.consequences),
    groups: groupUnits.map((codes, gi) => ({
      code: `g${gi}`,
      name: `组${gi}`,
      ...(gi === 1 && shape.override !== undefined
        ? { weights: Object.fromEntries(componentCodes.map((c, i) => [c, weightsFor(componentCodes.length, shape.override!, true)[i]!])) }
        : {}),
      ...(gi === 1 && shape.groupConsequences ? { consequences: consequencesFile(shape.groupConsequences) } : {}),
      units: codes.map((code) => ({ code, name: `单位${code}`, ...(shape.heads[Number(code.slice(1))] ? { head: `负责人${code}` } : {}) })),
    })),
    points: unitCodes.flatMap((u) => POINT_TYPES.map((t) => ({ code: `${u}-${t}`, name: `${u}${t}`, type: t, unit: u }))),
  }
  const roundParse = validateRoundValue(roundFile, set)
  if (!roundParse.ok) throw new Error(`generated round is invalid: ${JSON.stringify(roundParse.issues)}`)

  const data: Required<DataFile> = { visits: [], findings: [], externalScores: [], measures: [], directScores: [] }
  const findingSlots: Case['findingSlots'] = []
  const source = (ui: number): number => (ui > 0 && shape.clones[ui] ? source(ui - 1) : ui)
  unitCodes.forEach((u, own) => {
    const ui = source(own)
    POINT_TYPES.forEach((type, ti) => {
      const n = shape.visits[ui * 3 + ti]!
      for (let k = 0; k < n; k++) {
        const visit = `${u}-${type}-v${k}`
        data.visits.push({ id: visit, point: `${u}-${type}` })
        standards.forEach((s, si) => {
          if (!VISIT_KINDS.has(s.kind) || !s.pointTypes.includes(type)) return
          findingSlots.push({ visit, standard: s.code, unit: u })
          const roll = shape.findings[((ui * 3 + ti) * MAX_VISITS_PER_TYPE + k) * MAX_STANDARDS + si]
          if (!roll) return
          const f = { id: `${visit}-${s.code}-f1`, visit, standard: s.code, count: roll.count, ...(roll.deduction !== undefined ? { deduction: roll.deduction } : {}) }
          data.findings.push(f)
          if (roll.again) data.findings.push({ id: `${visit}-${s.code}-f2`, visit, standard: s.code })
        })
      }
    })
    const survey = shape.external[ui]
    if (shape.survey && survey !== null && survey !== undefined) data.externalScores.push({ unit: u, component: 'survey', value: dec(survey).dividedBy(10000).toFixed(4) })
    standards.forEach((s, si) => {
      if (s.kind === 'measure') {
        const m = shape.measures[ui * MAX_STANDARDS + si]
        if (m !== null && m !== undefined) data.measures.push({ unit: u, standard: s.code, value: m })
      }
      if (s.kind === 'direct') {
        const q = shape.direct[ui * MAX_STANDARDS + si]
        if (q !== null && q !== undefined) data.directScores.push({ unit: u, standard: s.code, value: dec(s.points).times(q).dividedBy(4).toFixed() })
      }
    })
  })
  return { set, round: roundParse.round, data, findingSlots }
}

const score = (c: Pick<Case, 'set' | 'round' | 'data'>): RoundResult => scoreRound(buildRoundInput(c.set, c.round, c.data))

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function fen(amount: string): bigint {
  const m = /^(\d+)\.(\d{2})$/.exec(amount)
  if (!m) throw new Error(`not an amount with 2 decimals: ${amount}`)
  return BigInt(m[1]!) * 100n + BigInt(m[2]!)
}

function holds(selector: Selector, u: { rank: number; bottom: number }): boolean {
  if (selector === 'first') return u.rank === 1
  if (selector === 'last') return u.bottom === 1
  return 'rank' in selector ? u.rank === selector.rank : u.bottom === selector.fromBottom
}


function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

function rulesOf(c: Case, group: GroupResult): RoundDefinition['consequences'] {
  const def = c.round.groups.find((g) => g.code === group.code)!
  return def.consequences ?? c.round.consequences
}

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const inRange = (d: Decimal): boolean => d.greaterThanOrEqualTo(0) && d.lessThanOrEqualTo(100)

/**
 * The result with the unrounded audit values cut to 40 significant digits. A peer mean is a sum
 * over the group's units at 50 digits, so the order of the units can move the 50th digit of an
 * unrounded value (99.07407…4077 against …4073); publication rounding snaps to 40 digits first,
 * so what is published — and everything compared here — must not depend on that order.
 */
function withSnappedExact(result: RoundResult): RoundResult {
  const snap = (v: string): string => dec(v).toSignificantDigits(40).toFixed()
  return {
    ...result,
    groups: result.groups.map((g) => ({
      ...g,
      ranking: g.ranking.map((u) => ({
        ...u,
        exact: { total: snap(u.exact.total), components: Object.fromEntries(Object.entries(u.exact.components).map(([k, v]) => [k, snap(v)])) },
      })),
    })),
  }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('scoring properties (fast-check)', () => {
  it('generated sets and rounds are valid and every unit is either ranked or unranked, once', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const c = buildCase(shape)
        const result = score(c)
        expect(result.groups.map((g) => g.code)).toEqual(c.round.groups.map((g) => g.code))
        for (const group of result.groups) {
          const def = c.round.groups.find((g) => g.code === group.code)!
          const listed = [...group.ranking.map((u) => u.unit), ...group.unranked.map((u) => u.unit)].sort(byCode)
          expect(listed).toEqual(def.units.map((u) => u.code).sort(byCode))
          for (const u of group.unranked) expect(u.reason).toMatch(/^missing component /)
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('each transfer rule moves exactly its amount in fen between the units its selectors pick, or is withheld with a reason and moves nothing', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const c = buildCase(shape)
        for (const group of score(c).groups) {
          const rules = rulesOf(c, group).transfers
          const byUnit = new Map(group.ranking.map((u) => [u.unit, u]))
          const withheldRules = group.withheld.map((w) => w.rule)
          expect(new Set(withheldRules).size, 'a rule is withheld at most once').toBe(withheldRules.length)
          for (const w of group.withheld) {
            expect(rules[w.rule], `withheld rule ${w.rule} exists`).toBeDefined()
            expect(w.reason.trim().length, `rule ${w.rule} is withheld with a reason`).toBeGreaterThan(0)
          }
          rules.forEach((rule, index) => {
            const rows = group.transfers.filter((t) => t.rule === index)
            const moved = rows.reduce((s, t) => s + fen(t.amount), 0n)
            if (withheldRules.includes(index)) {
              expect(rows, `rule ${index} is withheld, so it moves nothing`).toEqual([])
              return
            }
            expect(moved, `rule ${index} moves ${rule.amount} in full`).toBe(fen(rule.amount))
            if (rule.ties === 'skip') expect(rows.length).toBe(1)
            const amounts = rows.map((t) => fen(t.amount))
            const min = amounts.reduce((a, b) => (b < a ? b : a))
            const max = amounts.reduce((a, b) => (b > a ? b : a))
            expect(max - min <= 1n, 'split shares differ by at most one fen').toBe(true)
            for (const t of rows) {
              expect(fen(t.amount) > 0n).toBe(true)
              expect(t.payer).not.toBe(t.payee)
              const payer = byUnit.get(t.payer)
              const payee = byUnit.get(t.payee)
              expect(payer && holds(rule.payer, payer), `${t.payer} holds the payer selector`).toBe(true)
              expect(payee && holds(rule.payee, payee), `${t.payee} holds the payee selector`).toBe(true)
            }
          })
          for (const t of group.transfers) expect(rules[t.rule]).toBeDefined()
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('without tiebreak keys, ranks are the competition ranks of the published totals; with keys they stay consistent with them', () => {
    fc.assert(
      fc.property(shapeArb, fc.boolean(), (shape, noKeys) => {
        const c = buildCase(noKeys ? { ...shape, tiebreak: [] } : shape)
        for (const group of score(c).groups) {
          const totals = group.ranking.map((u) => dec(u.total))
          group.ranking.forEach((u, i) => {
            const mine = totals[i]!
            const higher = totals.filter((t) => t.greaterThan(mine)).length
            const lower = totals.filter((t) => t.lessThan(mine)).length
            const equal = totals.length - higher - lower - 1
            if (noKeys) {
              expect(u.rank, `${u.unit} rank`).toBe(1 + higher)
              expect(u.bottom, `${u.unit} bottom`).toBe(1 + lower)
              expect(u.tied, `${u.unit} tied`).toBe(equal > 0)
            } else {
              expect(u.rank).toBeGreaterThanOrEqual(1 + higher)
              expect(u.rank).toBeLessThanOrEqual(1 + higher + equal)
              expect(u.bottom).toBeGreaterThanOrEqual(1 + lower)
              expect(u.bottom).toBeLessThanOrEqual(1 + lower + equal)
            }
            if (i > 0) {
              const prev = group.ranking[i - 1]!
              expect(totals[i - 1]!.greaterThanOrEqualTo(mine), 'listed by published total, descending').toBe(true)
              expect(prev.rank < u.rank || (prev.rank === u.rank && prev.unit < u.unit), 'listed by rank, then unit code').toBe(true)
            }
          })
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('one more finding never raises any score or component of its unit (exact values)', () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.nat(),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.constantFrom('0', '0.1', '0.5', '2', '9'), { nil: undefined }),
        (shape, pick, count, deduction) => {
          const c = buildCase(shape)
          if (c.findingSlots.length === 0) return
          const slot = c.findingSlots[pick % c.findingSlots.length]!
          const more: DataFile = {
            ...c.data,
            findings: [...(c.data.findings ?? []), { id: 'extra', visit: slot.visit, standard: slot.standard, count, ...(deduction !== undefined ? { deduction } : {}) }],
          }
          const before = score(c).groups.flatMap((g) => g.ranking).find((u) => u.unit === slot.unit)
          const afterResult = score({ ...c, data: more })
          const after = afterResult.groups.flatMap((g) => g.ranking).find((u) => u.unit === slot.unit)
          if (!before) {
            // Findings never supply a missing component: the unit stays unranked.
            expect(after).toBeUndefined()
            return
          }
          expect(after, `${slot.unit} stays ranked: a finding adds no N/A`).toBeDefined()
          expect(dec(after!.exact.total).lessThanOrEqualTo(before.exact.total), `exact total ${before.exact.total} → ${after!.exact.total}`).toBe(true)
          expect(dec(after!.total).lessThanOrEqualTo(before.total), `published total ${before.total} → ${after!.total}`).toBe(true)
          for (const [code, value] of Object.entries(before.exact.components)) {
            expect(after!.exact.components[code], `component ${code} still there`).toBeDefined()
            expect(dec(after!.exact.components[code]!).lessThanOrEqualTo(value), `component ${code}: ${value} → ${after!.exact.components[code]}`).toBe(true)
            expect(dec(after!.components[code]!).lessThanOrEqualTo(before.components[code]!)).toBe(true)
          }
          expect(after!.findings).toBe(before.findings + count)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('every component and total, published and exact, lies in [0, 100]; published numbers have exactly 2 decimals', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        for (const group of score(buildCase(shape)).groups) {
          for (const u of group.ranking) {
            expect(u.total).toMatch(/^\d+\.\d\d$/)
            expect(inRange(dec(u.total)), `${u.unit} total ${u.total}`).toBe(true)
            expect(inRange(dec(u.exact.total)), `${u.unit} exact total ${u.exact.total}`).toBe(true)
            for (const [code, v] of Object.entries(u.components)) {
              expect(v).toMatch(/^\d+\.\d\d$/)
              expect(inRange(dec(v)), `${u.unit} ${code} ${v}`).toBe(true)
            }
            for (const [code, v] of Object.entries(u.exact.components)) expect(inRange(dec(v)), `${u.unit} exact ${code} ${v}`).toBe(true)
          }
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('is deterministic: the same input gives a deep-equal result', () => {
    fc.assert(
      fc.property(shapeArb, (shape) => {
        const c = buildCase(shape)
        const input = buildRoundInput(c.set, c.round, c.data)
        const first = scoreRound(input)
        expect(scoreRound(input)).toEqual(first)
        expect(score(buildCase(shape))).toEqual(first)
      }),
      { numRuns: RUNS },
    )
  })

  it('does not depend on the order of units in the round or of records in the data', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (shape, seed) => {
        const c = buildCase(shape)
        const next = mulberry32(seed)
        const round: RoundDefinition = {
          ...c.round,
          groups: c.round.groups.map((g) => ({ ...g, units: shuffled(g.units, next) })),
          points: shuffled(c.round.points, next),
        }
        const data: DataFile = {
          visits: shuffled(c.data.visits ?? [], next),
          findings: shuffled(c.data.findings ?? [], next),
          externalScores: shuffled(c.data.externalScores ?? [], next),
          measures: shuffled(c.data.measures ?? [], next),
          directScores: shuffled(c.data.directScores ?? [], next),
        }
        expect(withSnappedExact(score({ set: c.set, round, data }))).toEqual(withSnappedExact(score(c)))
      }),
      { numRuns: RUNS },
    )
  })
})
