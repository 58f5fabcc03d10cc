/**
 * The demo city: 江州市 evaluated by a third party over three consecutive months, as round files
 * and data files of SPEC §6.1 against indicators/city-mock-2026.1.yaml. Deterministic: the same
 * seed gives byte-identical output; no clock, no Math.random, no database. The only input read is
 * the bundled indicator set.
 *
 * How the data is made, per round:
 *   - each unit has a persistent quality τ (standard normal, drawn once per seed) and a monthly
 *     level L = τ + 0.45 × noise; its badness exp(−0.4 L) scales its problems, and L also sets its
 *     survey and material scores, so rankings are stable with some movement;
 *   - visits are spread over the units in proportion to their points (every point is visited 3–4
 *     times a month at the default size), on weekdays more than at weekends and least in the
 *     National Day week, at the hours the point type is inspected (buses 07:40–08:30, schools at
 *     the gate times, markets in the morning …), by 16 evaluators in teams of two;
 *   - findings: gate standards (此项不得分) and unit-scope deductions (扣完为止) are drawn per unit, a
 *     few at most. At each visit, each applicable per-visit standard is a problem with probability
 *     0.1 × badness × how common the problem is (litter and parking more than a missing counter);
 *     a problem is one finding, and the rest of the row budget goes to the problems as further
 *     spots of the same problem (「南门处地面有积水2处」, 「水产区地面污水横流」), which mostly hit the
 *     扣完为止 floor — so a unit's score follows how many problems it has, and the budget only sets
 *     how many rows record them. Counts are 1–3 (60% 1); a check records one finding;
 *   - every unit gets a survey score (问卷调查, 0–100, 2 decimals) and material-review values
 *     (材料审核: direct scores in half points, measures as counts or percentages; departments have
 *     no outdoor screens or street-front shops, so those two measures are not recorded for them),
 *     so every unit is ranked.
 * Then the round is scored with the real scoring core, and two features the demo must show are
 * made certain by moving survey scores, the component supplied from outside:
 *   - one district or county (drawn from the seed, with a quality well below the others) is last
 *     of its group in all three rounds, so the escalation (约谈 → 约谈 → 问责) shows; if a month's
 *     noise lifted it, its survey score is lowered until it is 0.3–0.9 below the next unit;
 *   - in the last round two units of one group are tied (并列): of the adjacent pairs away from
 *     first and last place, the one with the smallest gap has the lower unit's survey score raised
 *     until its published total equals the upper one's.
 * Both are checked with the scorer afterwards; a failure throws.
 */
import fs from 'node:fs'
import path from 'node:path'
import type Type from 'typebox'
import { Decimal, dec } from '../domain/decimal.js'
import { standardsOf, type IndicatorSet, type PlacedStandard } from '../domain/indicator-set/model.js'
import { parseIndicatorSetText } from '../domain/indicator-set/validate.js'
import type { RoundFileSchema } from '../domain/round/schema.js'
import { validateRoundValue, type RoundDefinition } from '../domain/round/validate.js'
import { buildRoundInput, type DataFile } from '../domain/scoring/from-records.js'
import { scoreRound } from '../domain/scoring/score-round.js'
import type { RoundInput, RoundResult } from '../domain/scoring/types.js'
import { BUNDLED_INDICATORS_DIR } from '../paths.js'
import { FREQUENCY, LOCATIONS, NOTES, WHOLE_POINT } from './notes.js'
import { between, int, normal, pick, poisson, shuffled, stream, uuidMaker, weighted, type RandomSource } from './random.js'
import { GROUPS, POINTS, UNITS, type DemoPoint } from './registry.js'

/** A round file as `civindex round load` reads it (SPEC §6.1). */
export type RoundFile = Type.Static<typeof RoundFileSchema>
type Finding = NonNullable<DataFile['findings']>[number]
type Visit = NonNullable<DataFile['visits']>[number]

export interface DemoRound {
  code: string
  file: RoundFile
  data: DataFile
}

export interface DemoCity {
  /** Absolute path of the indicator set the rounds use (load it before the rounds). */
  setFile: string
  /** Oldest first. */
  rounds: DemoRound[]
}

export interface DemoOptions {
  seed?: string
  /** Visits per round (default 3000; every unit gets at least 3). */
  visits?: number
  /** Finding rows per round (default 20000). */
  findings?: number
}

export const DEMO_SET_FILE = path.join(BUNDLED_INDICATORS_DIR, 'city-mock-2026.1.yaml')
export const DEMO_SERIES = 'jiangzhou-monthly'
export const DEMO_EVALUATOR = '江州众信社会调查咨询有限公司'
export const DEMO_MONTHS = [
  { code: '2026-09', year: 2026, month: 9 },
  { code: '2026-10', year: 2026, month: 10 },
  { code: '2026-11', year: 2026, month: 11 },
] as const

const CONSEQUENCES = {
  minGroupSize: 3,
  // The money moves only when the last place is statistically settled (SPEC §5, the confidence gate).
  transfers: [{ payer: { fromBottom: 1 }, payee: { rank: 1 }, amount: '200000.00', ties: 'split' as const, minConfidence: '0.9' }],
  lists: { red: { top: 1 }, black: { bottom: 1 } },
  selfCriticism: { bottom: 1 },
  escalation: ['约谈（分管市领导）', '约谈（市委组织部）', '问责'],
}

/** Badness exp(−slope × level) scales a unit's problems; level is about standard normal. */
const BADNESS_SLOPE = 0.4
/** Share of a visit's applicable standards found wanting at a unit of level 0. */
const PROBLEM_SHARE = 0.1

/** Evaluators of the third party, working in teams of two. */
const EVALUATORS = Array.from({ length: 16 }, (_, i) => `CP${String(i + 1).padStart(2, '0')}`)

let cachedSet: IndicatorSet | null = null
function demoSet(): IndicatorSet {
  if (!cachedSet) {
    const parsed = parseIndicatorSetText(fs.readFileSync(DEMO_SET_FILE, 'utf8'))
    if (!parsed.ok) throw new Error(`${DEMO_SET_FILE} does not validate: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
    cachedSet = parsed.set
  }
  return cachedSet
}

/** What the generator needs of each visit-scored standard, by point type. */
interface TypeStandards {
  /** Deductions per visit and checks: they take the bulk of the findings. */
  perVisit: PlacedStandard[]
  weights: number[]
  capacity: number
}

function frequency(s: PlacedStandard): number {
  const own = FREQUENCY[s.code]
  if (own !== undefined) return own
  return s.rule.kind === 'deduct' ? 1 : 0.22
}

function standardsByType(set: IndicatorSet): Map<string, TypeStandards> {
  const out = new Map<string, TypeStandards>()
  for (const t of set.pointTypes) {
    const perVisit = standardsOf(set).filter(
      (s) => s.pointTypes.includes(t.code) && (s.rule.kind === 'check' || (s.rule.kind === 'deduct' && s.rule.scope === 'point')),
    )
    const weights = perVisit.map(frequency)
    out.set(t.code, { perVisit, weights, capacity: weights.reduce((a, b) => a + b, 0) })
  }
  return out
}

const pad2 = (n: number): string => String(n).padStart(2, '0')
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x))
/** A float as decimal text with `places` decimals (rounded to the nearest; the demo's values are invented). */
const fixed = (x: number, places: number): string => (Math.round(x * 10 ** places) / 10 ** places).toFixed(places)

function daysOf(year: number, month: number): { date: string; weight: number }[] {
  const days: { date: string; weight: number }[] = []
  const n = new Date(Date.UTC(year, month, 0)).getUTCDate()
  for (let d = 1; d <= n; d++) {
    const weekday = new Date(Date.UTC(year, month - 1, d)).getUTCDay()
    const nationalDay = month === 10 && d <= 7
    days.push({ date: `${year}-${pad2(month)}-${pad2(d)}`, weight: nationalDay ? 0.15 : weekday === 0 || weekday === 6 ? 0.45 : 1 })
  }
  return days
}

/** Minutes after midnight at which a point of this type is inspected. */
function visitMinute(random: RandomSource, type: string): number {
  const span = (from: number, to: number): number => from + int(random, to - from)
  switch (type) {
    case 'bus':
      return span(7 * 60 + 40, 8 * 60 + 30)
    case 'school':
      return random() < 0.5 ? span(7 * 60 + 10, 7 * 60 + 50) : span(16 * 60 + 20, 17 * 60 + 20)
    case 'market':
      return span(7 * 60, 10 * 60 + 30)
    case 'restaurant':
      return random() < 0.5 ? span(11 * 60, 13 * 60) : span(17 * 60, 19 * 60 + 30)
    case 'internet-cafe':
      return span(14 * 60, 21 * 60 + 30)
    case 'junction':
    case 'bus-stop':
      return random() < 0.6 ? span(7 * 60 + 30, 9 * 60) : span(17 * 60, 18 * 60 + 30)
    default:
      return random() < 0.55 ? span(8 * 60 + 30, 11 * 60 + 30) : span(14 * 60, 17 * 60 + 30)
  }
}

/** Splits `total` over the weights in whole numbers (largest remainder; ties by position). */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (total * w) / sum)
  const out = exact.map(Math.floor)
  let left = total - out.reduce((a, b) => a + b, 0)
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i)
  for (const { i } of order) {
    if (left <= 0) break
    out[i]!++
    left--
  }
  return out
}

/** Note templates of each standard, and those that name the count, for counts above 1. */
const noteTemplates = new Map<string, { all: readonly string[]; counted: readonly string[] }>()

function note(random: RandomSource, standard: PlacedStandard, type: string, count: number): string {
  let templates = noteTemplates.get(standard.code)
  if (!templates) {
    const all = NOTES[standard.code] ?? [standard.text]
    templates = { all, counted: all.filter((t) => t.includes('{n}')) }
    noteTemplates.set(standard.code, templates)
  }
  const template = pick(random, count > 1 && templates.counted.length > 0 ? templates.counted : templates.all)
  const text = template.replace('{n}', String(count))
  const places = LOCATIONS[type]
  if (standard.rule.kind !== 'deduct' || WHOLE_POINT.has(standard.code) || !places || random() >= 0.5) return text
  const place = pick(random, places)
  return text.startsWith(place) ? text : `${place}${text}`
}

function drawCount(random: RandomSource): number {
  const x = random()
  return x < 0.6 ? 1 : x < 0.88 ? 2 : 3
}

interface UnitState {
  code: string
  group: string
  level: number
}

/** One month's records, before the survey adjustments. */
function roundData(
  seed: string,
  month: (typeof DEMO_MONTHS)[number],
  units: readonly UnitState[],
  byType: Map<string, TypeStandards>,
  set: IndicatorSet,
  targets: { visits: number; findings: number },
): { data: DataFile; forScoring: DataFile } {
  const tag = `${seed}/${month.code}`
  const levelOf = new Map(units.map((u) => [u.code, u.level]))
  const pointsOf = new Map<string, DemoPoint[]>(units.map((u) => [u.code, POINTS.filter((p) => p.unit === u.code)]))

  // Visits: per unit in proportion to its points, at least 3 each.
  const visitRandom = stream(`${tag}/visits`)
  const days = daysOf(month.year, month.month)
  const dayWeights = days.map((d) => d.weight)
  const perUnit = apportion(targets.visits, units.map((u) => pointsOf.get(u.code)!.length)).map((n) => Math.max(n, 3))
  const drafts: { point: DemoPoint; at: string; evaluator: string }[] = []
  units.forEach((u, ui) => {
    const order = shuffled(visitRandom, pointsOf.get(u.code)!)
    for (let i = 0; i < perUnit[ui]!; i++) {
      const point = order[i % order.length]!
      const day = weighted(visitRandom, dayWeights)
      const minute = visitMinute(visitRandom, point.type)
      const team = (ui + day * 3) % (EVALUATORS.length / 2)
      const evaluator = EVALUATORS[team * 2 + int(visitRandom, 2)]!
      drafts.push({ point, at: `${days[day]!.date}T${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}:00+08:00`, evaluator })
    }
  })
  drafts.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.point.code < b.point.code ? -1 : a.point.code > b.point.code ? 1 : 0))
  const visitId = uuidMaker(`${tag}/visit`)
  const visits: (Visit & { type: string; unit: string })[] = drafts.map((d, i) => ({
    id: visitId(i),
    point: d.point.code,
    at: d.at,
    evaluator: d.evaluator,
    type: d.point.type,
    unit: d.point.unit,
  }))
  const badness = (unit: string): number => Math.exp(-BADNESS_SLOPE * levelOf.get(unit)!)

  // Findings drawn per unit: gates and unit-scope deductions (a few at most).
  const findingRandom = stream(`${tag}/findings`)
  const rows: { visit: number; standard: PlacedStandard; count: number }[] = []
  const visitsOf = new Map<string, number[]>()
  visits.forEach((v, i) => {
    const list = visitsOf.get(v.unit) ?? visitsOf.set(v.unit, []).get(v.unit)!
    list.push(i)
  })
  const unitLevel = standardsOf(set).filter((s) => s.rule.kind === 'gate' || (s.rule.kind === 'deduct' && s.rule.scope === 'unit'))
  for (const u of units) {
    const b = badness(u.code)
    for (const s of unitLevel) {
      const applicable = (visitsOf.get(u.code) ?? []).filter((i) => s.pointTypes.includes(visits[i]!.type))
      if (applicable.length === 0) continue
      const n = s.rule.kind === 'gate' ? (findingRandom() < clamp(0.12 * b ** 1.5, 0, 0.9) ? 1 : 0) : poisson(findingRandom, 0.6 * Number(s.points) * b)
      for (let k = 0; k < n; k++) rows.push({ visit: pick(findingRandom, applicable), standard: s, count: s.rule.kind === 'gate' ? 1 : findingRandom() < 0.7 ? 1 : 2 })
    }
  }

  // Problems at visits: each applicable standard is a problem at the visit with a probability
  // that grows with the unit's badness and with how common the problem is. A problem is one
  // finding, and the evaluator records a bad place's further spots of the same problem as more
  // findings (these take the rest of the budget, so they mostly hit the 扣完为止 floor).
  const problems: { visit: number; standard: PlacedStandard; weight: number }[] = []
  visits.forEach((v, vi) => {
    const { perVisit, weights, capacity } = byType.get(v.type)!
    if (perVisit.length === 0) return
    const share = PROBLEM_SHARE * badness(v.unit) * Math.exp(0.3 * normal(findingRandom))
    const mean = capacity / perVisit.length
    perVisit.forEach((s, si) => {
      if (findingRandom() < Math.min(0.9, (share * weights[si]!) / mean))
        problems.push({ visit: vi, standard: s, weight: s.rule.kind === 'check' ? 0 : Math.exp(0.8 * normal(findingRandom)) })
    })
  })
  if (rows.length > targets.findings) rows.splice(0, rows.length, ...shuffled(findingRandom, rows).slice(0, targets.findings))
  const budget = targets.findings - rows.length
  const kept = budget >= problems.length ? problems : shuffled(findingRandom, problems).slice(0, Math.max(0, budget)).sort((a, b) => a.visit - b.visit)
  const extra = Math.max(0, budget - kept.length)
  const totalWeight = kept.reduce((a, p) => a + p.weight, 0)
  for (const p of kept) {
    const expected = totalWeight > 0 ? (extra * p.weight) / totalWeight : 0
    const n = 1 + Math.floor(expected) + (findingRandom() < expected - Math.floor(expected) ? 1 : 0)
    for (let k = 0; k < n; k++) rows.push({ visit: p.visit, standard: p.standard, count: p.standard.rule.kind === 'check' ? 1 : drawCount(findingRandom) })
  }

  rows.sort((a, b) => a.visit - b.visit || (a.standard.code < b.standard.code ? -1 : a.standard.code > b.standard.code ? 1 : 0))
  const findingId = uuidMaker(`${tag}/finding`)
  const noteRandom = stream(`${tag}/notes`)
  const findings: Finding[] = []
  // For scoring: the findings of one visit against one standard merged into one of the summed
  // count. The scorer computes the same from them (D_v = per × Σ count, the finding count), since
  // demo findings carry no explicit deduction, and there are a quarter as many.
  const merged: Finding[] = []
  rows.forEach((r, i) => {
    const v = visits[r.visit]!
    const f = { id: findingId(i), visit: v.id, standard: r.standard.code, count: r.count, note: note(noteRandom, r.standard, v.type, r.count) }
    findings.push(f)
    const previous = merged[merged.length - 1]
    if (previous && previous.visit === f.visit && previous.standard === f.standard) previous.count = previous.count! + f.count
    else merged.push({ id: f.id, visit: f.visit, standard: f.standard, count: f.count })
  })

  // Unit values: survey (external), material review (direct and measure), screens (field measure).
  const valueRandom = stream(`${tag}/values`)
  const externalScores: NonNullable<DataFile['externalScores']> = []
  const measures: NonNullable<DataFile['measures']> = []
  const directScores: NonNullable<DataFile['directScores']> = []
  const perUnitStandards = standardsOf(set).filter((s) => s.rule.kind === 'measure' || s.rule.kind === 'direct')
  for (const u of units) {
    const L = u.level
    externalScores.push({ unit: u.code, component: 'survey', value: fixed(clamp(87.5 + 3.2 * L + 1.4 * normal(valueRandom), 62, 98.6), 2) })
    for (const s of perUnitStandards) {
      const noise = normal(valueRandom)
      if (s.rule.kind === 'direct') {
        const points = Number(s.points)
        const share = clamp(0.86 + 0.06 * L + 0.06 * noise, 0.4, 1)
        directScores.push({ unit: u.code, standard: s.code, value: String(Math.round(points * share * 2) / 2) })
        continue
      }
      if (s.rule.kind !== 'measure') continue
      // Departments have no outdoor screens and no street-front shops of their own.
      if (u.group === 'department' && (s.component === 'field' || s.code === '07-03-03')) continue
      const target = Number(s.rule.target)
      const unitText = s.rule.unit ?? ''
      const value =
        unitText === '%'
          ? fixed(clamp(target * (0.92 + 0.04 * L + 0.04 * noise), 0, target === 100 ? 100 : target * 1.4), 1)
          : String(Math.max(0, Math.round(target * (0.85 + 0.1 * L + 0.15 * noise))))
      measures.push({ unit: u.code, standard: s.code, value })
    }
  }
  const data = { visits: visits.map(({ id, point, at, evaluator }) => ({ id, point, at, evaluator })), findings, externalScores, measures, directScores }
  return { data, forScoring: { ...data, findings: merged } }
}

function roundFile(month: (typeof DEMO_MONTHS)[number]): RoundFile {
  const last = new Date(Date.UTC(month.year, month.month, 0)).getUTCDate()
  return {
    code: month.code,
    series: DEMO_SERIES,
    name: `${month.year}年${month.month}月文明程度指数模拟测评`,
    indicatorSet: 'city-mock@2026.1',
    period: { from: `${month.year}-${pad2(month.month)}-01`, to: `${month.year}-${pad2(month.month)}-${pad2(last)}` },
    evaluator: DEMO_EVALUATOR,
    consequences: structuredClone(CONSEQUENCES),
    groups: GROUPS.map((g) => ({
      code: g.code,
      name: g.name,
      ...(g.weights ? { weights: { ...g.weights } } : {}),
      units: g.units.map((u) => ({ code: u.code, name: u.name, head: u.head })),
    })),
    points: POINTS.map((p) => ({ code: p.code, name: p.name, type: p.type, unit: p.unit })),
  }
}

/**
 * The validated first round. The rounds differ from one another only in code, name and period,
 * and the registry is fixed, so one validation serves every round of every call.
 */
let cachedDefinition: RoundDefinition | null = null
function baseDefinition(set: IndicatorSet): RoundDefinition {
  if (!cachedDefinition) {
    const file = roundFile(DEMO_MONTHS[0])
    const parsed = validateRoundValue(file, set)
    if (!parsed.ok) throw new Error(`demo round ${file.code} does not validate: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
    cachedDefinition = parsed.round
  }
  return cachedDefinition
}

/**
 * A month's data with its scoring input, kept in step: the survey adjustments change both, so
 * the records are aggregated once and only the scoring itself is repeated.
 */
class Scored {
  private readonly input: RoundInput
  /** `forScoring` holds the same external scores (the same objects) as `data`. */
  constructor(
    private readonly set: IndicatorSet,
    def: RoundDefinition,
    readonly data: DataFile,
    forScoring: DataFile,
  ) {
    this.input = buildRoundInput(set, def, forScoring)
  }

  private scored: RoundResult | null = null

  result(): RoundResult {
    this.scored ??= scoreRound(this.input)
    return this.scored
  }

  survey(unit: string): Decimal {
    return dec(this.entry(unit).value)
  }

  /** Sets a unit's survey score to `value`, cut to 2 decimals and to 0–100. */
  setSurvey(unit: string, value: Decimal): void {
    const text = Decimal.max(0, Decimal.min(100, value)).toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2)
    this.entry(unit).value = text
    this.scored = null
    for (const g of this.input.groups) for (const u of g.units) if (u.code === unit) u.external.survey = text
  }

  surveyWeight(group: string): Decimal {
    const weights = this.input.groups.find((g) => g.code === group)?.weights
    return dec(weights?.survey ?? this.set.components.find((c) => c.code === 'survey')!.weight)
  }

  private entry(unit: string): { value: string } {
    const entry = this.data.externalScores?.find((e) => e.unit === unit && e.component === 'survey')
    if (!entry) throw new Error(`demo data has no survey score for ${unit}`)
    return entry
  }
}

/** Lowers the laggard's survey score when it is not alone in last place. */
function keepLast(scored: Scored, group: string, laggard: string, random: RandomSource): void {
  const ranking = scored.result().groups.find((g) => g.code === group)!.ranking
  const me = ranking.find((u) => u.unit === laggard)!
  const floor = Decimal.min(...ranking.filter((u) => u.unit !== laggard).map((u) => dec(u.total)))
  if (dec(me.total).lessThan(floor)) return
  const target = floor.minus(dec(30 + int(random, 60)).dividedBy(100))
  scored.setSurvey(laggard, scored.survey(laggard).plus(target.minus(me.exact.total).dividedBy(scored.surveyWeight(group))))
}

/**
 * Brings the two lowest units of `group` within half a point of each other (the upper one's
 * survey score lowered, or else the lower one's raised): a last place the credibility analysis
 * cannot settle from the round's visits, so the notice shows what extra visits would settle it.
 */
function closeLast(scored: Scored, group: string): void {
  const ranking = scored.result().groups.find((g) => g.code === group)!.ranking
  if (ranking.length < 3) return
  const last = ranking[ranking.length - 1]!
  const next = ranking[ranking.length - 2]!
  const weight = scored.surveyWeight(group)
  const lower = dec(last.exact.total).plus('0.45').minus(next.exact.total).dividedBy(weight).toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
  const upper = scored.survey(next.unit).plus(lower)
  if (upper.greaterThanOrEqualTo(0) && upper.lessThanOrEqualTo(100)) return scored.setSurvey(next.unit, upper)
  const raise = dec(next.exact.total).minus('0.45').minus(last.exact.total).dividedBy(weight).toDecimalPlaces(2, Decimal.ROUND_HALF_DOWN)
  const raised = scored.survey(last.unit).plus(raise)
  if (raised.greaterThanOrEqualTo(0) && raised.lessThanOrEqualTo(100)) scored.setSurvey(last.unit, raised)
}

/** Makes two adjacent units of one group, away from first and last place, tie. */
function makeTie(scored: Scored): void {
  interface Pair {
    group: string
    /** Published total of the upper unit. */
    upper: string
    lower: string
    /** Unrounded total of the lower unit. */
    exact: string
    gap: Decimal
  }
  let best: Pair | null = null
  for (const g of scored.result().groups) {
    const r = g.ranking
    for (let i = 1; i + 2 < r.length; i++) {
      const upper = r[i]!
      const lower = r[i + 1]!
      if (upper.rank === 1 || lower.bottom === 1) continue
      const gap = dec(upper.total).minus(lower.total)
      if (gap.isZero()) return
      if (!best || gap.lessThan(best.gap)) best = { group: g.code, upper: upper.total, lower: lower.unit, exact: lower.exact.total, gap }
    }
  }
  if (!best) throw new Error('the demo city has no group large enough for a tie')
  // The lower unit's total moves by weight × Δsurvey; a 2-decimal Δ lands within weight × 0.005
  // of the upper published total, well inside its rounding interval.
  const delta = dec(best.upper).minus(best.exact).dividedBy(scored.surveyWeight(best.group)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
  scored.setSurvey(best.lower, scored.survey(best.lower).plus(delta))
}

function check(result: RoundResult, laggard: string, tie: boolean): void {
  for (const g of result.groups)
    if (g.unranked.length > 0) throw new Error(`demo round ${result.round}: ${g.unranked.map((u) => `${u.unit} ${u.reason}`).join(', ')}`)
  const last = result.groups.find((g) => g.code === 'district')!.ranking.filter((u) => u.bottom === 1)
  if (last.length !== 1 || last[0]!.unit !== laggard) throw new Error(`demo round ${result.round}: ${laggard} is not alone in last place`)
  if (tie && !result.groups.some((g) => g.ranking.some((u) => u.tied))) throw new Error(`demo round ${result.round}: no tie`)
}

/**
 * Three months of 江州市's civility evaluation (see the header). Throws when a guarantee of the
 * demo (every unit ranked, one unit last throughout, a tie in the last round) does not hold.
 */
export function demoCity(options: DemoOptions = {}): DemoCity {
  const seed = options.seed ?? 'jiangzhou'
  const targets = { visits: options.visits ?? 3000, findings: options.findings ?? 20000 }
  if (!Number.isInteger(targets.visits) || targets.visits < UNITS.length) throw new RangeError(`visits must be a whole number of at least ${UNITS.length}`)
  if (!Number.isInteger(targets.findings) || targets.findings < 0) throw new RangeError('findings must be a whole number of 0 or more')
  const set = demoSet()
  const byType = standardsByType(set)

  const qualityRandom = stream(`${seed}/quality`)
  const quality = new Map(UNITS.map((u) => [u.code, normal(qualityRandom)]))
  const districts = GROUPS.find((g) => g.code === 'district')!.units
  const laggard = districts[between(qualityRandom, 0, districts.length - 1)]!.code
  const othersMin = Math.min(...districts.filter((u) => u.code !== laggard).map((u) => quality.get(u.code)!))
  quality.set(laggard, othersMin - 1.3)

  const base = baseDefinition(set)
  const rounds: DemoRound[] = []
  for (const month of DEMO_MONTHS) {
    const file = roundFile(month)
    const def: RoundDefinition = { ...base, code: file.code, name: file.name, period: file.period }
    const noise = stream(`${seed}/${month.code}/level`)
    const units = UNITS.map((u) => ({ code: u.code, group: u.group, level: quality.get(u.code)! + 0.45 * normal(noise) }))
    const { data, forScoring } = roundData(seed, month, units, byType, set, targets)
    const scored = new Scored(set, def, data, forScoring)
    const isLast = month === DEMO_MONTHS[DEMO_MONTHS.length - 1]
    keepLast(scored, 'district', laggard, stream(`${seed}/${month.code}/adjust`))
    if (isLast) {
      makeTie(scored)
      closeLast(scored, 'department')
    }
    check(scored.result(), laggard, isLast)
    rounds.push({ code: month.code, file, data: scored.data })
  }
  return { setFile: DEMO_SET_FILE, rounds }
}
