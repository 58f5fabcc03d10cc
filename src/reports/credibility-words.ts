/**
 * The ranking credibility (SPEC §5) in plain Chinese, worded once for the notice (model.ts) and
 * the CLI table (src/cli/ranking-table.ts): what was sampled, how sure the ranking is, and what
 * would settle an unsettled last place. Pure: a group's result in, sentences out.
 *
 * Honesty rule: 「末位排名在统计上可靠」 is said only when the last place would pass a confidence
 * gate: one unit alone is last, its P(last) reaches 90% (and the target of the settle plan when
 * one is given), the margin's 90% interval excludes 0, it is not tied with the next unit within
 * the indifference margin δ, and the analysis found nothing left to settle. Otherwise the
 * sentence says how sure it is and that the last place is not settled.
 *
 * Snapshots published before the two-stage model (no `model`, `sample`, `standardError`,
 * `settle`) still render: their method is described as the bootstrap it was, and the parts they
 * lack are left out.
 */
import { dec } from '../domain/decimal.js'
import type { GroupCredibility, GroupResult, SettlePlan, UnitCredibility } from '../domain/scoring/types.js'
import { percentWords, rangeWords, signedWords } from './words.js'

/** Confidence the last place must reach before it is called reliable (the usual gate). */
export const LAST_PLACE_TARGET = '0.9'

/** Point codes listed in a settle plan's sentence before 「等」. */
export const SETTLE_POINTS_SHOWN = 6

export interface CredibilityNames {
  unit: (code: string) => string
  /** A component ("component:<code>" or its code) or a top-level indicator (its code). */
  part: (code: string) => string
  pointType: (code: string) => string
}

type Sample = UnitCredibility['sample'][number]

/** A probability threshold without trailing zeros: "0.900" → 「90%」, "0.875" → 「87.5%」. */
export function thresholdWords(probability: string): string {
  return `${dec(probability).times(100).toFixed()}%`
}

/** One point type of a unit's sample: 「农贸市场2/6个点位、3次」 (registry unknown: 「农贸市场2个点位、3次」). */
export function sampleWords(s: Sample, pointType: (code: string) => string): string {
  return `${pointType(s.pointType)}${s.points}${s.registered === null ? '' : `/${s.registered}`}个点位、${s.visits}次`
}

/** A table cell of the sample: 「2/6，3次」 (registry unknown: 「2，3次」). */
export function sampleCell(s: Sample): string {
  return `${s.points}${s.registered === null ? '' : `/${s.registered}`}，${s.visits}次`
}

export const SAMPLE_LEGEND = '表中“2/6，3次”表示该类登记点位6个、抽查其中2个、共考察3次；登记数不详的只写抽查点位数；“—”表示未抽查该类点位。标准误越小，总分越精确。'

/** The sample of a unit, or [] when the snapshot predates it. */
export function sampleOf(c: UnitCredibility | undefined): Sample[] {
  return (c as Partial<UnitCredibility> | undefined)?.sample ?? []
}

export function standardErrorOf(c: UnitCredibility | undefined): string | null {
  return (c as Partial<UnitCredibility> | undefined)?.standardError ?? null
}

/** The settle plan, or null (not settled yet in older snapshots, or settled). */
export function settleOf(c: GroupCredibility | undefined): SettlePlan | null {
  return (c as Partial<GroupCredibility> | undefined)?.settle ?? null
}

/**
 * How the figures were made, for a reader who is not a statistician; the same for every group of
 * a round (the notice says it once). Group by group, modelWords adds where the data were too thin.
 */
export function methodWords(c: GroupCredibility): string {
  if (!(c as Partial<GroupCredibility>).model) {
    // A snapshot of the earlier analysis: its method was a bootstrap of visits.
    if (/[\u4e00-\u9fff]/.test(c.method)) return c.method.endsWith('。') ? c.method : `${c.method}。`
    return `排名可信度按点位类型分层自助抽样（Bootstrap）${c.replicates}次重新计分排名评估，随机种子${c.seed}，区间为5%与95%分位数。`
  }
  const series = /earlier rounds/.test(c.method) ? '，并结合本系列以往各期的数据' : ''
  return [
    '各单位每类点位只抽查了部分点位，每个点位考察一次或几次，总分因此含有抽样误差。',
    '本次按实际的两层抽样估计这一误差：一是同类点位之间的差异，二是同一点位多次考察之间的差异；',
    `两者由同组各单位的考察结果合并估计${series}，抽查点位少时估计本身的不确定性也一并计入。`,
    `据此模拟${c.replicates}次（随机种子${c.seed}），得出各单位总分的90%区间（第5至第95百分位）、名次区间和排名末位的概率（P(末位)）；`,
    '现场考察以外的得分按公布值计算，不计抽样误差。',
  ].join('')
}

/** Point types whose variance could not be estimated as designed, and what was done instead. */
export function modelWords(c: GroupCredibility, names: CredibilityNames): string[] {
  const model = (c as Partial<GroupCredibility>).model
  if (!model) return []
  const types = (source: string): string[] => model.components.filter((m) => m.source === source).map((m) => names.pointType(m.pointType))
  const noRepeat = types('no-repeat-visits')
  const conservative = types('conservative')
  const out: string[] = []
  if (noRepeat.length > 0) out.push(`${noRepeat.join('、')}没有点位被考察两次以上，两种差异无法分开，全部按点位之间的差异计算（从宽估计误差）。`)
  if (conservative.length > 0) out.push(`${conservative.join('、')}抽查点位太少，无法单独估计点位之间的差异，按本组该类全部考察结果的离散程度计算（从宽估计误差）。`)
  return out
}

/** The target the last place must reach: the settle plan's, never below 90%. */
function targetOf(c: GroupCredibility): string {
  const plan = settleOf(c)
  return plan && dec(plan.target).greaterThan(LAST_PLACE_TARGET) ? plan.target : LAST_PLACE_TARGET
}

/** Whether the notice may call the last place reliable (see the header). */
export function lastPlaceSettled(g: GroupResult): boolean {
  const c = g.credibility
  if (!c?.last || c.last.statisticalTie || settleOf(c) !== null || g.indifference?.last?.tied === true) return false
  const pLast = g.ranking.find((u) => u.unit === c.last?.unit)?.credibility?.pLast
  const robust = c.lastWithoutWorstPoint
  if (robust && robust.unit === c.last.unit && dec(robust.pLast).lessThan(targetOf(c))) return false
  return pLast !== undefined && dec(pLast).greaterThanOrEqualTo(targetOf(c))
}

/** The margin at the last place, with how sure the last place is. */
function lastWords(g: GroupResult, c: GroupCredibility, names: CredibilityNames): string | null {
  const l = c.last
  if (!l) return g.ranking.length > 1 ? '本组末位由多个单位并列，未计算末位差距。' : null
  const pLast = g.ranking.find((u) => u.unit === l.unit)?.credibility?.pLast
  const target = thresholdWords(targetOf(c))
  const interval = `90%区间为${rangeWords(l.margin90)}分，${l.statisticalTie ? '区间包含0，两者在统计上并列末位' : '区间不含0'}`
  let sure = ''
  if (pLast !== undefined) {
    const verdict = lastPlaceSettled(g)
      ? `，达到${target}的把握，末位排名在统计上可靠`
      : dec(pLast).lessThan(targetOf(c))
        ? `，低于${target}${settleOf(c) ? '' : '，末位尚未确定'}`
        : '，但末位排名仍存在不确定性'
    const robust = c.lastWithoutWorstPoint
    const without =
      robust && robust.unit === l.unit
        ? `；去掉其扣分最多的一个点位（${names.pointType(robust.pointType)}${robust.point}）后总分为${robust.total}分，排名末位的概率为${percentWords(robust.pLast)}`
        : ''
    sure = `；${names.unit(l.unit)}排名末位的概率为${percentWords(pLast)}${without}${verdict}`
  }
  return `末位${names.unit(l.unit)}与倒数第二名${names.unit(l.next)}相差${signedWords(l.margin)}分，${interval}${sure}。`
}

/**
 * The indifference margin's statements (present whether or not the analysis ran): the last
 * place always, the first only when it is tied within δ.
 *   「末位大观区与上一名迎江区相差0.32分，小于本次测评精度（0.50分），视为并列。」
 */
export function indifferenceWords(g: GroupResult, names: CredibilityNames): string[] {
  const d = g.indifference
  if (!d) return []
  const out: string[] = []
  if (d.last)
    out.push(
      `末位${names.unit(d.last.unit)}与上一名${names.unit(d.last.next)}相差${d.last.gap}分，${d.last.tied ? `小于本次测评精度（${d.margin}分），视为并列` : `不小于本次测评精度（${d.margin}分）`}。`,
    )
  if (d.first?.tied) out.push(`第一名${names.unit(d.first.unit)}与第二名${names.unit(d.first.next)}相差${d.first.gap}分，小于本次测评精度（${d.margin}分），视为并列。`)
  return out
}

/** Weight sensitivity and dominance of the last unit. */
function weightWords(c: GroupCredibility, names: CredibilityNames): string {
  const w = c.weightSensitivity
  const d = c.dominance
  let out = `测评方式和指标权重在±${dec(w.spread).times(100).toFixed()}%范围内随机扰动${w.runs}次并重新归一化`
  if (d) out += `，${names.unit(d.unit)}保持末位的比例为${percentWords(w.lastStaysLast)}`
  else out += '；本组末位并列，未作末位稳定性分析'
  if (d?.dominated) out += `；${names.unit(d.unit)}在各测评方式和一级指标上均不领先于其他单位，任何权重下均为末位`
  else if (d && d.beats.length > 0)
    out += `；${names.unit(d.unit)}在${d.beats.map((b) => `${b.on.map(names.part).join('、')}上领先${names.unit(b.unit)}`).join('，')}，末位结论与权重设置有关`
  return `${out}。`
}

/**
 * The group's credibility in sentences, in reading order: the last place (margin, how sure, the
 * indifference margin), the first place, weight sensitivity, point types estimated from thin
 * data. The method itself is methodWords, said once. Without the analysis only the indifference
 * statements remain (none when δ is not set).
 */
export function credibilitySentences(g: GroupResult, names: CredibilityNames): string[] {
  const c = g.credibility
  if (!c) return indifferenceWords(g, names)
  const out: string[] = []
  const last = lastWords(g, c, names)
  if (last) out.push(last)
  out.push(...indifferenceWords(g, names))
  if (c.first) {
    const f = c.first
    const pFirst = g.ranking.find((u) => u.unit === f.unit)?.credibility?.pFirst
    const probability = pFirst === undefined ? '' : `，排名第一的概率为${percentWords(pFirst)}`
    out.push(`第一名${names.unit(f.unit)}领先第二名${names.unit(f.next)}${signedWords(f.margin)}分，90%区间为${rangeWords(f.margin90)}分${f.statisticalTie ? '，区间包含0，两者在统计上并列第一' : ''}${probability}。`)
  }
  out.push(weightWords(c, names))
  out.push(...modelWords(c, names))
  return out
}

function pointList(codes: readonly string[]): string {
  const shown = codes.slice(0, SETTLE_POINTS_SHOWN).join('、')
  return codes.length > SETTLE_POINTS_SHOWN ? `${shown}等` : shown
}

/**
 * What would settle the last place, when the analysis says it is not settled:
 *   「末位尚未确定：目前最可能排名末位的是石化路街道（概率62.0%）。建议对石化路街道农贸市场补充考察3个点位
 *    （编号SH-M04、SH-M05、SH-M06），对老峰镇背街小巷补充考察3次（点位编号LF-A02、LF-A05），共补充考察6次，
 *    预计完成后确定末位的把握为93.4%，可达到90%的要求。」
 * Extra visits at as many listed points are 「N个点位」; more visits than listed points (some visited
 * again) are 「N次」 with the points.
 */
export function settleWords(g: GroupResult, names: CredibilityNames): string | null {
  const plan = settleOf(g.credibility)
  if (!plan) return null
  const target = thresholdWords(plan.target)
  const head = `末位尚未确定：目前最可能排名末位的是${names.unit(plan.current.unit)}（概率${percentWords(plan.current.pLast)}）`
  if (plan.extra.length === 0 || plan.visits === 0) return `${head}，在登记点位范围内补充考察也难以使把握达到${target}。`
  const steps = plan.extra.map((e) => {
    const where = `对${names.unit(e.unit)}${names.pointType(e.pointType)}`
    const distinct = new Set(e.points).size
    if (e.points.length === 0) return `${where}补充考察${e.visits}次`
    if (distinct === e.visits) return `${where}补充考察${e.visits}个点位（编号${pointList(e.points)}）`
    return `${where}补充考察${e.visits}次（点位编号${pointList(e.points)}）`
  })
  const total = plan.extra.length > 1 ? `，共补充考察${plan.visits}次` : ''
  const outcome = `预计完成后确定末位的把握为${percentWords(plan.expected)}，${plan.reaches ? `可达到${target}的要求` : `仍达不到${target}的要求`}`
  return `${head}。建议${steps.join('，')}${total}，${outcome}。`
}

/** Point types in the order of `known` (the indicator set's), then any others by code. */
export function orderedPointTypes(codes: Iterable<string>, known: readonly string[]): string[] {
  const rank = (c: string): number => {
    const i = known.indexOf(c)
    return i < 0 ? known.length : i
  }
  return [...new Set(codes)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
}
