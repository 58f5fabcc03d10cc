/**
 * The notice (通报) as plain data: every sentence and table cell the PDF, the public page and
 * (partly) the workbook show, worded once here so the three renderers cannot disagree and the
 * wording can be tested without opening a PDF. Pure: a published snapshot in, sections out.
 *
 * Positions in the transfer sentences are read off the frozen ranking (a payer is named by its
 * place from the bottom, a payee by its rank), so the snapshot needs no copy of the rules:
 *   「末位单位大观区向第一名迎江区拨付人民币20万元（200,000.00元）」
 * A tie split over several pairs is worded once for the rule and then listed pair by pair
 * with the amounts in figures, which sum to the rule's amount to the fen.
 */
import { dec, sum } from '../domain/decimal.js'
import type { GroupResult, RankedUnit } from '../domain/scoring/types.js'
import { credibilitySentences, methodWords, orderedPointTypes, SAMPLE_LEGEND, sampleCell, sampleOf, settleWords, standardErrorOf, type CredibilityNames } from './credibility-words.js'
import { SNAPSHOT_FORMAT, type PublishedSnapshot, type ReportInput } from './snapshot.js'
import {
  changeWords,
  chineseOrdinal,
  dateWords,
  intervalWords,
  joinNames,
  percentWords,
  rankWords,
  unrankedReasonWords,
  withheldReasonWords,
  yuanWords,
} from './words.js'

export type Align = 'left' | 'center' | 'right'

export interface NoticeColumn {
  /** 'rank' | 'unit' | 'total' | 'component:<code>' | 'change' | 'rank90' | 'pLast' */
  key: string
  title: string
  align: Align
  /** The cells are published decimals (right-aligned, numeric in the workbook). */
  numeric: boolean
}

export interface NoticeRow {
  unit: string
  name: string
  rank: number
  /** Same order as the group's columns. */
  cells: string[]
  /** On the red list, the black list, or neither (a unit on both counts as red). */
  list: 'red' | 'black' | null
}

/** A plain table: the precision table of a group. */
export interface NoticeTable {
  title: string
  /** How to read the cells. */
  legend: string
  columns: NoticeColumn[]
  rows: { unit: string; name: string; cells: string[] }[]
}

export interface NoticeTransferPair {
  payer: string
  payerName: string
  payee: string
  payeeName: string
  /** Yuan, 2 decimals. */
  amount: string
  /** 「100,000.00元」 */
  figures: string
  /** 「大观区向迎江区拨付100,000.00元」 */
  text: string
}

export interface NoticeTransfer {
  /** Index of the transfer rule in the group's consequence rules. */
  rule: number
  /** The whole rule in words and figures, e.g. 「末位单位大观区向第一名迎江区拨付人民币20万元（200,000.00元）」. */
  sentence: string
  /** Σ of the pairs, yuan with 2 decimals. */
  total: string
  /** One entry per (payer, payee) pair; more than one when a tie splits the amount. */
  pairs: NoticeTransferPair[]
}

export interface NoticeProblem {
  standard: string
  text: string
  indicator: string
  occurrences: number
  units: number
}

export interface NoticeGroup {
  code: string
  name: string
  /** 「（一）县区」 */
  heading: string
  /** 「实地考察70%、问卷调查20%、材料审核10%」 */
  weights: string
  /** 「参与排名10个单位」 or with the unranked count. */
  caption: string
  columns: NoticeColumn[]
  rows: NoticeRow[]
  unranked: { unit: string; name: string; reason: string }[]
  /** Unit names, rank order. */
  red: string[]
  black: string[]
  transfers: NoticeTransfer[]
  /** Transfers not made: the rule's index and 「第1项资金划拨规则本期不执行：…」. */
  withheld: { rule: number; text: string }[]
  /** 「大观区主要负责人张三须在市文明委会议上作公开检讨」 */
  duties: string[]
  /** 「大观区连续2期列入黑榜，约谈（市委组织部）」 */
  escalation: string[]
  /**
   * Sentences on how sure the ranking is (credibility-words.ts): the method in plain words, the
   * last place's margin and probability, the indifference margin's statement, the first place,
   * weight sensitivity. Empty when the analysis did not run and no indifference margin is set.
   */
  credibility: string[]
  /** What would settle an unsettled last place: 「末位尚未确定：目前最可能…建议对…」; null otherwise. */
  settle: string | null
  /**
   * What was sampled and how precise each total is: unit, one column per point type
   * (「2/6，3次」), the total's 90% interval and standard error. null without the analysis.
   */
  precision: NoticeTable | null
  problems: NoticeProblem[]
}

export interface BarChartData {
  group: string
  title: string
  /** Rank order, first first. `labelled`: the total is printed at the bar's end. */
  bars: { name: string; total: number; list: 'red' | 'black' | null; labelled: boolean }[]
}

export interface TrendChartData {
  group: string
  title: string
  /** Round names, oldest first. */
  rounds: string[]
  series: { name: string; totals: (number | null)[] }[]
}

export interface NoticeFooter {
  evaluator: string
  /** 「2017年9月5日」 */
  date: string
  /** 「第1版」 */
  revision: string
  hash: string
  /** First 16 hex digits, for the page footer. */
  hashShort: string
}

export interface NoticeModel {
  /** 「关于2017年第4次文明程度指数测评结果的通报」 */
  title: string
  /** Red masthead above the title. */
  masthead: string
  /** 文号-like line under the masthead: 「测评通报〔2017-04〕第1版」 */
  reference: string
  /** For revisions ≥ 2: which revision this is and why. */
  correction: string | null
  opening: string
  keyFigures: { label: string; value: string }[]
  components: { code: string; name: string }[]
  groups: NoticeGroup[]
  /** How the credibility figures were made, in plain words, said once before the groups; null without the analysis. */
  credibilityMethod: string | null
  charts: { bars: BarChartData[]; trend: TrendChartData[] }
  /** Closing paragraphs. */
  closing: string[]
  /** What a reader needs to check a copy: the full snapshot hash and the input digest. */
  integrity: { label: string; value: string }[]
  footer: NoticeFooter
}

/** A group's trend chart shows every unit up to this many; beyond it the first and last TREND_ENDS. */
export const TREND_MAX_LINES = 12
export const TREND_ENDS = 5
/** A group's bar chart prints every total up to this many bars. */
export const BAR_LABELS_ALL = 30

const CN_SECTION = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十']

function sectionNumber(i: number): string {
  return CN_SECTION[i] ?? chineseOrdinal(i + 1)
}

/** 200000.00 → 「200,000.00元」 */
export function yuanFigures(amount: string): string {
  const [whole, fraction] = dec(amount).toFixed(2).split('.')
  return `${(whole ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction ?? '00'}元`
}

function weightPercent(weight: string): string {
  return `${dec(weight).times(100).toFixed()}%`
}

function positionOfPayers(units: RankedUnit[]): string {
  const bottoms = [...new Set(units.map((u) => u.bottom))]
  const tied = units.length > 1 ? '并列' : ''
  if (bottoms.length === 1 && bottoms[0] === 1) return `${tied}末位单位`
  if (bottoms.length === 1 && bottoms[0] !== undefined) return `${tied}倒数第${chineseOrdinal(bottoms[0])}名`
  return '付款单位'
}

function positionOfPayees(units: RankedUnit[]): string {
  const ranks = [...new Set(units.map((u) => u.rank))]
  const tied = units.length > 1 ? '并列' : ''
  if (ranks.length === 1 && ranks[0] !== undefined) return `${tied}第${chineseOrdinal(ranks[0])}名`
  return '收款单位'
}

function transfersOf(g: GroupResult, nameOf: (code: string) => string): NoticeTransfer[] {
  const byUnit = new Map(g.ranking.map((u) => [u.unit, u]))
  const rules = [...new Set(g.transfers.map((t) => t.rule))].sort((a, b) => a - b)
  return rules.map((rule) => {
    const rows = g.transfers.filter((t) => t.rule === rule)
    const payers = [...new Set(rows.map((t) => t.payer))]
    const payees = [...new Set(rows.map((t) => t.payee))]
    const payerUnits = payers.map((c) => byUnit.get(c)).filter((u): u is RankedUnit => u !== undefined)
    const payeeUnits = payees.map((c) => byUnit.get(c)).filter((u): u is RankedUnit => u !== undefined)
    const total = sum(rows.map((t) => dec(t.amount))).toFixed(2)
    const words = yuanWords(total)
    const figures = yuanFigures(total)
    const amountText = words === figures ? figures : `${words}（${figures}）`
    const payerText = `${positionOfPayers(payerUnits)}${payers.map(nameOf).join('、')}`
    const payeeText = `${positionOfPayees(payeeUnits)}${payees.map(nameOf).join('、')}`
    const uneven = new Set(rows.map((t) => t.amount)).size > 1 ? '（分摊至分，余下的分依次计入排在前面的单位）' : ''
    const split =
      rows.length <= 1
        ? ''
        : payees.length === 1
          ? `，由${payers.length}个并列单位平均分摊${uneven}`
          : payers.length === 1
            ? `，由${payees.length}个并列单位平均分得${uneven}`
            : `，按${rows.length}个付款—收款单位对平均分摊${uneven}`
    const pairs = rows.map((t) => ({
      payer: t.payer,
      payerName: nameOf(t.payer),
      payee: t.payee,
      payeeName: nameOf(t.payee),
      amount: t.amount,
      figures: yuanFigures(t.amount),
      text: `${nameOf(t.payer)}向${nameOf(t.payee)}拨付${yuanFigures(t.amount)}`,
    }))
    return { rule, sentence: `${payerText}向${payeeText}拨付人民币${amountText}${split}`, total, pairs }
  })
}

/** The group's sample per unit and point type, with each total's 90% interval and standard error. */
function precisionOf(input: PublishedSnapshot, g: GroupResult, names: CredibilityNames): NoticeTable | null {
  const units = g.ranking.filter((u) => sampleOf(u.credibility).length > 0)
  if (units.length === 0) return null
  const types = orderedPointTypes(
    units.flatMap((u) => sampleOf(u.credibility).map((s) => s.pointType)),
    (input.pointTypes ?? []).map((t) => t.code),
  )
  const columns: NoticeColumn[] = [
    { key: 'unit', title: '单位', align: 'left', numeric: false },
    ...types.map((t): NoticeColumn => ({ key: `pointType:${t}`, title: names.pointType(t), align: 'center', numeric: false })),
    { key: 'total90', title: '总分90%区间', align: 'center', numeric: false },
    { key: 'standardError', title: '标准误', align: 'right', numeric: true },
  ]
  const rows = g.ranking.map((u) => {
    const sample = new Map(sampleOf(u.credibility).map((s) => [s.pointType, s]))
    const c = u.credibility
    return {
      unit: u.unit,
      name: u.name,
      cells: [
        u.name,
        ...types.map((t) => {
          const s = sample.get(t)
          return s ? sampleCell(s) : '—'
        }),
        c ? intervalWords(c.total90) : '—',
        standardErrorOf(c) ?? '—',
      ],
    }
  })
  return { title: `${g.name}各单位抽样与精度`, legend: SAMPLE_LEGEND, columns, rows }
}

function groupOf(input: PublishedSnapshot, g: GroupResult, index: number): NoticeGroup {
  const componentNames = Object.fromEntries(input.components.map((c) => [c.code, c.name]))
  const names = new Map([...g.ranking, ...g.unranked].map((u) => [u.unit, u.name]))
  const nameOf = (code: string): string => names.get(code) ?? code
  const indicatorNames = Object.fromEntries((input.indicators ?? []).map((c) => [c.code, c.name]))
  const pointTypeNames = Object.fromEntries((input.pointTypes ?? []).map((t) => [t.code, t.name]))
  // Dominance names components ("component:<code>") and top-level indicators by code.
  const componentName = (code: string): string => {
    const plain = code.startsWith('component:') ? code.slice('component:'.length) : code
    return componentNames[plain] ?? indicatorNames[plain] ?? `指标${plain}`
  }
  const words: CredibilityNames = { unit: nameOf, part: componentName, pointType: (code) => pointTypeNames[code] ?? code }
  const hasCredibility = g.ranking.some((u) => u.credibility !== undefined)
  const columns: NoticeColumn[] = [
    { key: 'rank', title: '名次', align: 'center', numeric: false },
    { key: 'unit', title: '单位', align: 'left', numeric: false },
    { key: 'total', title: '总分', align: 'right', numeric: true },
    ...input.components.map((c): NoticeColumn => ({ key: `component:${c.code}`, title: c.name, align: 'right', numeric: true })),
    { key: 'change', title: '较上期', align: 'center', numeric: false },
    ...(hasCredibility
      ? [
          { key: 'rank90', title: '名次区间', align: 'center', numeric: false } as NoticeColumn,
          { key: 'pLast', title: 'P(末位)', align: 'right', numeric: false } as NoticeColumn,
        ]
      : []),
  ]
  const red = new Set(g.lists.red)
  const black = new Set(g.lists.black)
  const rows: NoticeRow[] = g.ranking.map((u) => ({
    unit: u.unit,
    name: u.name,
    rank: u.rank,
    list: red.has(u.unit) ? 'red' : black.has(u.unit) ? 'black' : null,
    cells: [
      rankWords(u.rank, u.tied),
      u.name,
      u.total,
      ...input.components.map((c) => u.components[c.code] ?? '—'),
      changeWords(u.change),
      ...(hasCredibility ? [u.credibility ? intervalWords(u.credibility.rank90) : '—', u.credibility ? percentWords(u.credibility.pLast) : '—'] : []),
    ],
  }))
  const problems = input.problems.find((p) => p.group === g.code)?.top ?? []
  return {
    code: g.code,
    name: g.name,
    heading: `（${sectionNumber(index)}）${g.name}`,
    weights: input.components
      .filter((c) => !dec(g.weights[c.code] ?? '0').isZero())
      .map((c) => `${c.name}${weightPercent(g.weights[c.code] ?? '0')}`)
      .join('、'),
    caption: `参与排名${g.ranking.length}个单位${g.unranked.length > 0 ? `，未参评${g.unranked.length}个单位` : ''}`,
    columns,
    rows,
    unranked: g.unranked.map((u) => ({ unit: u.unit, name: u.name, reason: unrankedReasonWords(u.reason, componentNames) })),
    red: g.lists.red.map(nameOf),
    black: g.lists.black.map(nameOf),
    transfers: transfersOf(g, nameOf),
    withheld: g.withheld.map((w) => ({ rule: w.rule, text: `第${w.rule + 1}项资金划拨规则本期不执行：${withheldReasonWords(w.reason, Object.fromEntries(names))}。` })),
    duties: g.selfCriticismDuties.map((d) => `${d.name}主要负责人${d.head ?? ''}须在市文明委会议上作公开检讨。`),
    escalation: g.escalation.map((e) => `${e.name}${e.consecutive > 1 ? `连续${e.consecutive}期` : '本期'}列入黑榜${e.action ? `，${e.action}` : ''}。`),
    credibility: credibilitySentences(g, words),
    settle: settleWords(g, words),
    precision: precisionOf(input, g, words),
    problems: problems.map((p) => ({ ...p })),
  }
}

/** Drops the suffix every round name shares (「…文明程度指数测评」) so axis labels stay short. */
export function shortLabels(names: readonly string[]): string[] {
  if (names.length < 2) return [...names]
  let common = 0
  const shortest = Math.min(...names.map((n) => n.length))
  while (common < shortest - 1 && names.every((n) => n[n.length - 1 - common] === names[0]![names[0]!.length - 1 - common])) common++
  // Keep a counter word after a number: 「2017年第4次」, not 「2017年第4」.
  return names.map((n) => {
    const cut = n.length - common
    return /\d$/.test(n.slice(0, cut)) && /^[次期轮季月]/.test(n.slice(cut)) ? n.slice(0, cut + 1) : n.slice(0, cut)
  })
}

function chartsOf(s: PublishedSnapshot, groups: NoticeGroup[]): NoticeModel['charts'] {
  const bars = s.result.groups.map((g): BarChartData => {
    const lists = new Map(groups.find((x) => x.code === g.code)?.rows.map((r) => [r.unit, r.list]))
    return {
      group: g.code,
      title: `${g.name}总分`,
      // Every bar carries its total up to BAR_LABELS_ALL bars; past that (the table above has
      // every total) the first and last TREND_ENDS and the listed units keep theirs.
      bars: g.ranking.map((u, i, all) => {
        const list = lists.get(u.unit) ?? null
        const labelled = all.length <= BAR_LABELS_ALL || i < TREND_ENDS || i >= all.length - TREND_ENDS || list !== null
        return { name: u.name, total: Number(u.total), list, labelled }
      }),
    }
  })
  const rounds = shortLabels(s.trend.rounds.map((r) => r.name))
  const trend = s.result.groups.map((g): TrendChartData => {
    const order = new Map(g.ranking.map((u, i) => [u.unit, i]))
    const units = s.trend.units
      .filter((u) => u.group === g.code)
      .sort((a, b) => (order.get(a.unit) ?? Infinity) - (order.get(b.unit) ?? Infinity) || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0))
    // Past a dozen lines a trend chart is a tangle: keep the units the consequences are about.
    const shown = units.length > TREND_MAX_LINES ? [...units.slice(0, TREND_ENDS), ...units.slice(-TREND_ENDS)] : units
    return {
      group: g.code,
      title: `${g.name}总分走势${shown.length < units.length ? `（前${TREND_ENDS}名和后${TREND_ENDS}名）` : ''}`,
      rounds,
      series: shown.map((u) => ({ name: u.name, totals: u.totals.map((t) => (t === null ? null : Number(t))) })),
    }
  })
  return { bars, trend: trend.filter((t) => t.series.length > 0) }
}

export function noticeModel(input: ReportInput): NoticeModel {
  const s = input.snapshot
  const format: string = s.format
  if (format !== SNAPSHOT_FORMAT) throw new Error(`unknown snapshot format ${format}; expected ${SNAPSHOT_FORMAT}`)
  const groups = s.result.groups.map((g, i) => groupOf(s, g, i))
  // One analysis covers the round: the first group's figures describe the method of all.
  const analysed = s.result.groups.find((g) => g.credibility !== undefined)?.credibility
  const groupNames = s.result.groups.map((g) => g.name)
  const period = `${dateWords(s.round.period.from)}至${dateWords(s.round.period.to)}`
  const counts = s.summary
  const opening =
    `${period}，${s.round.evaluator}受委托对${counts.units}个被测评单位开展了${s.round.name}。` +
    `本次测评实地考察${counts.pointTypes}类${counts.points}个点位，共${counts.visits}点次，发现问题${counts.findings}处` +
    `${groupNames.length > 0 ? `，按${joinNames(groupNames)}${groupNames.length}个组别分别排名` : ''}。现将测评结果通报如下。`
  const year = /^(\d{4})/.exec(s.round.period.from)?.[1] ?? ''
  const number = year && s.round.code.startsWith(`${year}-`) ? s.round.code.slice(year.length + 1) : s.round.code
  const footer: NoticeFooter = {
    evaluator: s.round.evaluator,
    date: dateWords(s.publishedAt),
    revision: `第${s.revision}版`,
    hash: input.hash,
    hashShort: input.hash.slice(0, 16),
  }
  return {
    title: `关于${s.round.name}结果的通报`,
    masthead: '文明程度指数测评通报',
    reference: `测评通报〔${year || s.round.code}〕${number}号 · 第${s.revision}版`,
    correction:
      s.revision > 1
        ? `本通报为第${s.revision}版，更正此前发布的第${s.revision - 1}版${s.reason ? `。更正原因：${s.reason}` : ''}。此前版本继续存档备查，以本版为准。`
        : null,
    opening,
    keyFigures: [
      { label: '被测评单位', value: `${counts.units}个` },
      { label: '考察点位', value: `${counts.points}个` },
      { label: '点位类型', value: `${counts.pointTypes}类` },
      { label: '考察点次', value: `${counts.visits}点次` },
      { label: '发现问题', value: `${counts.findings}处` },
    ],
    components: s.components.map((c) => ({ ...c })),
    groups,
    credibilityMethod: analysed ? methodWords(analysed) : null,
    charts: chartsOf(s, groups),
    closing: [
      '请各单位对照本通报和问题清单，逐项落实整改，举一反三、建立长效机制，巩固提升创建成果。',
      `本通报依据${s.round.code}轮次第${s.revision}版发布快照生成，测评体系${s.round.indicatorSet}，原始记录${s.inputs.records}条。`,
    ],
    integrity: [
      { label: '发布快照SHA-256', value: input.hash },
      { label: '原始记录摘要SHA-256', value: s.inputs.digest },
    ],
    footer,
  }
}
