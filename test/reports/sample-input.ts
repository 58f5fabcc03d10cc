/**
 * A realistic ReportInput for the report tests and the PDF benchmark: a monthly round of an
 * Anqing-like city with three groups (县区, 街道, 市直部门), scored by the real scoring core
 * from generated evidence, so every figure is consistent (components, totals, ranks, ties,
 * transfers, lists, duties, escalation). Deterministic: the same options give the same input.
 *
 * Built in:
 *   - 县区: 宿松县 and 望江县 tie for last (identical evidence), so the 200,000 yuan transfer
 *     splits over two pairs; 宿松县 was black-listed last round too (连续2期);
 *   - 街道: the last-place transfer carries a confidence gate and is withheld (P(last) 0.620 <
 *     0.9); a second rule (倒数第二名 → 第二名, 100,000) goes ahead; an indifference margin of
 *     1.20 points, which the last (1.08 behind) is within; a settle plan that reaches 90%;
 *   - 市直部门: two departments tie for third; 市信访局 has no questionnaire score (未参评); the
 *     last place is settled (P(last) 1.000); the registry of 社区 is unknown;
 *   - credibility blocks with plausible figures of the two-stage model (sample per point type,
 *     standard errors, variance components; 公交站台 never visited twice, 建筑工地 too few
 *     points); 县区's tied last gets a settle plan that falls short of 90%; three rounds of
 *     trend; a ledger.
 * `shape` scales it up (the benchmark's 4 × 50 units) with generated names.
 */
import { dec } from '../../src/domain/decimal.js'
import type { Component } from '../../src/domain/indicator-set/model.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type {
  Consequences,
  GroupCredibility,
  GroupResult,
  RoundInput,
  RoundResult,
  ScoringStandard,
  SettlePlan,
  StandardEvidence,
  UnitCredibility,
  UnitHistory,
  UnitInput,
} from '../../src/domain/scoring/types.js'
import { snapshotHash, type FindingRow, type LedgerRow, type PublishedSnapshot, type ReportInput } from '../../src/reports/snapshot.js'
import { mulberry32 as random } from '../helpers/random.js'

const COMPONENTS: Component[] = [
  { code: 'field', name: '实地考察', weight: '0.7', source: 'findings' },
  { code: 'survey', name: '问卷调查', weight: '0.2', source: 'external' },
  { code: 'material', name: '材料审核', weight: '0.1', source: 'external' },
]

const POINT_TYPES: Record<string, string> = {
  market: '农贸市场',
  alley: '背街小巷',
  road: '主次干道',
  bus: '公交站台',
  window: '窗口单位',
  community: '社区',
  site: '建筑工地',
}

const INDICATORS: Record<string, string> = { '01': '公共环境', '02': '公共秩序', '03': '公益宣传', '04': '窗口服务' }

const STANDARDS: (ScoringStandard & { text: string; notes: string[] })[] = [
  { code: '01-01-01', text: '摊位摆放整齐，无占道经营', points: '2', rule: { kind: 'deduct', per: '0.5', scope: 'point' }, component: 'field', pointTypes: ['market'], topCode: '01', notes: ['东门入口处占道经营', '水产区摊位越线摆放'] },
  { code: '01-01-02', text: '地面干净，无垃圾杂物、无积存污水', points: '2', rule: { kind: 'deduct', per: '0.5', scope: 'point' }, component: 'field', pointTypes: ['market', 'alley', 'road'], topCode: '01', notes: ['南门处地面存在垃圾', '路边绿化带内有烟头', '排水沟有积存污水'] },
  { code: '01-02-01', text: '无乱贴乱画、乱拉乱挂', points: '2', rule: { kind: 'deduct', per: '0.5', scope: 'point' }, component: 'field', pointTypes: ['alley', 'road', 'community'], topCode: '01', notes: ['电线杆上有小广告', '楼道内乱拉晾衣绳'] },
  { code: '01-03-01', text: '建筑工地围挡规范，无扬尘、无渣土外溢', points: '2', rule: { kind: 'deduct', per: '1', scope: 'point' }, component: 'field', pointTypes: ['site'], topCode: '01', notes: ['围挡破损未修复', '出入口渣土外溢'] },
  { code: '02-01-01', text: '机动车、非机动车有序停放', points: '2', rule: { kind: 'deduct', per: '0.5', scope: 'point' }, component: 'field', pointTypes: ['road', 'alley'], topCode: '02', notes: ['非机动车占用盲道停放', '机动车压线停放'] },
  { code: '02-02-01', text: '候车秩序良好，无插队、无抢上抢下', points: '2', rule: { kind: 'check' }, component: 'field', pointTypes: ['bus'], topCode: '02', notes: ['早高峰候车拥挤无人引导'] },
  { code: '03-01-01', text: '公益广告不少于10处，含社会主义核心价值观内容', points: '3', rule: { kind: 'deduct', per: '1', scope: 'point' }, component: 'field', pointTypes: ['road', 'bus', 'community'], topCode: '03', notes: ['公益广告少于10处', '公益广告破损褪色'] },
  { code: '03-02-01', text: '醒目位置设置遵德守礼提示牌', points: '2', rule: { kind: 'check' }, component: 'field', pointTypes: ['market', 'window', 'community'], topCode: '03', notes: ['未设置遵德守礼提示牌'] },
  { code: '04-01-01', text: '服务规范，使用文明用语', points: '2', rule: { kind: 'deduct', per: '0.5', scope: 'point' }, component: 'field', pointTypes: ['window'], topCode: '04', notes: ['窗口人员服务态度生硬', '工作人员上岗未佩戴工牌'] },
  { code: '04-01-02', text: '禁烟标识醒目，室内无吸烟现象', points: '1', rule: { kind: 'gate' }, component: 'field', pointTypes: ['window'], topCode: '04', notes: ['大厅内有人吸烟'] },
]

interface GroupTemplate {
  code: string
  name: string
  prefix: string
  units: [string, string, string | null][]
  visits: Record<string, number>
}

const GROUPS: GroupTemplate[] = [
  {
    code: 'district',
    name: '县区',
    prefix: '县区',
    units: [
      ['yingjiang', '迎江区', '周立新'],
      ['daguan', '大观区', '王建国'],
      ['yixiu', '宜秀区', '陈晓明'],
      ['tongcheng', '桐城市', '李卫东'],
      ['qianshan', '潜山市', '张海涛'],
      ['huaining', '怀宁县', '刘志强'],
      ['taihu', '太湖县', '孙红梅'],
      ['yuexi', '岳西县', '赵文华'],
      ['susong', '宿松县', '吴国平'],
      ['wangjiang', '望江县', '郑永胜'],
    ],
    visits: { market: 4, alley: 6, road: 5, bus: 3, window: 2, community: 4, site: 1 },
  },
  {
    code: 'street',
    name: '街道',
    prefix: '街道',
    units: [
      ['renminlu', '人民路街道', '何丽'],
      ['longshanlu', '龙山路街道', '许俊'],
      ['linghu', '菱湖街道', '冯振华'],
      ['xiaosulu', '孝肃路街道', '曹玉兰'],
      ['yulinlu', '玉琳路街道', '彭明'],
      ['dekuanlu', '德宽路街道', '蒋文斌'],
      ['jixianlu', '集贤路街道', '沈丹'],
      ['huatinglu', '花亭路街道', '韩磊'],
      ['shihualu', '石化路街道', '杨帆'],
      ['laofeng', '老峰镇', '朱建军'],
    ],
    visits: { market: 2, alley: 5, road: 3, bus: 2, community: 4 },
  },
  {
    code: 'department',
    name: '市直部门',
    prefix: '部门',
    units: [
      ['cityadmin', '市城管局', '黄志远'],
      ['housing', '市住建局', '林涛'],
      ['transport', '市交通运输局', '罗斌'],
      ['market-reg', '市市场监管局', '梁晓东'],
      ['traffic-police', '市公安局交警支队', '宋健'],
      ['ecology', '市生态环境局', '唐敏'],
      ['health', '市卫生健康委', '邓华'],
      ['education', '市教育体育局', '袁芳'],
      ['commerce', '市商务局', '曾伟'],
      ['culture', '市文化和旅游局', '谢婷'],
      ['petition', '市信访局', '高峰'],
    ],
    visits: { window: 6, road: 2, bus: 1, community: 2 },
  },
]

/** Units with the same evidence and external scores as another (ties built in). */
const TWINS: Record<string, string> = { wangjiang: 'susong', education: 'market-reg' }

function seedOf(text: string): number {
  let h = 2166136261
  for (const ch of text) h = Math.imul(h ^ (ch.codePointAt(0) ?? 0), 16777619)
  return h >>> 0
}


interface SampleUnit {
  input: UnitInput
  group: string
  /** (standard, visit index, count) of each finding, for the findings detail. */
  findings: { standard: string; type: string; visit: number; count: number }[]
}

function makeUnit(code: string, name: string, head: string | null, group: GroupTemplate, quality: number, seedKey: string): SampleUnit {
  const rnd = random(seedOf(seedKey))
  const evidence: Record<string, StandardEvidence> = {}
  const findings: SampleUnit['findings'] = []
  for (const s of STANDARDS) {
    let visitsWithFindings = 0
    let total = 0
    let deductions = dec(0)
    let capped = dec(0)
    for (const type of s.pointTypes) {
      const visits = group.visits[type] ?? 0
      for (let v = 0; v < visits; v++) {
        // The worse the unit (low quality), the likelier and the more findings per visit.
        const k = rnd() < 0.55 - quality * 0.45 ? 1 + Math.floor(rnd() * (3 - quality * 2)) : 0
        if (k === 0) continue
        visitsWithFindings++
        total += k
        const d = s.rule.kind === 'deduct' ? dec(s.rule.per).times(k) : dec(0)
        deductions = deductions.plus(d)
        capped = capped.plus(d.greaterThan(s.points) ? dec(s.points) : d)
        findings.push({ standard: s.code, type, visit: v, count: k })
      }
    }
    if (total > 0) evidence[s.code] = { visitsWithFindings, findings: total, deductions: deductions.toFixed(), cappedDeductions: capped.toFixed() }
  }
  const survey = (80 + quality * 16 + rnd() * 3).toFixed(2)
  const material = (78 + quality * 18 + rnd() * 3).toFixed(1)
  const external: Record<string, string> = code === 'petition' ? { material } : { survey, material }
  const visitsByPointType = Object.fromEntries(Object.entries(group.visits).filter(([, n]) => n > 0))
  return { input: { code, name, head, visitsByPointType, evidence, measures: {}, directScores: {}, external }, group: group.code, findings }
}

function consequencesOf(group: string): Consequences {
  const escalation = ['约谈（分管市领导）', '约谈（市委组织部）', '问责']
  if (group === 'street')
    return {
      indifference: '1.20',
      minGroupSize: 3,
      transfers: [
        { payer: 'last', payee: 'first', amount: '200000.00', ties: 'split', minConfidence: '0.9' },
        { payer: { fromBottom: 2 }, payee: { rank: 2 }, amount: '100000.00', ties: 'split' },
      ],
      lists: { red: { top: 2 }, black: { bottom: 2 } },
      selfCriticism: { bottom: 1 },
      escalation,
    }
  return {
    minGroupSize: 3,
    transfers: [{ payer: 'last', payee: 'first', amount: '200000.00', ties: 'split' }],
    lists: { red: { top: 1 }, black: { bottom: 1 } },
    selfCriticism: { bottom: 1 },
    escalation,
  }
}

function q(x: number, digits = 2): string {
  return x.toFixed(digits)
}

/** What a unit sampled of each point type its group visits: points of the registered ones, visits. */
function sampleOf(unit: string, template: GroupTemplate | undefined, rnd: () => number): UnitCredibility['sample'] {
  return Object.entries(template?.visits ?? {})
    .filter(([, n]) => n > 0)
    .map(([pointType, visits]) => {
      const points = Math.max(1, Math.ceil(visits * 0.6))
      // The departments' 社区 registry was never loaded: unknown.
      const registered = template?.code === 'department' && pointType === 'community' ? null : points + Math.floor(rnd() * 8)
      return { pointType, points, registered, visits }
    })
}

/** The model's components for the group's point types: 公交站台 never visited twice, 建筑工地 one point each. */
function modelOf(template: GroupTemplate | undefined): GroupCredibility['model'] {
  const source = (t: string): 'estimated' | 'no-repeat-visits' | 'conservative' => (t === 'site' ? 'conservative' : t === 'bus' ? 'no-repeat-visits' : 'estimated')
  return {
    spread: '4.20',
    components: Object.keys(template?.visits ?? {}).map((pointType, i) => ({
      pointType,
      betweenPoints: q(0.6 + i * 0.15),
      withinPoint: source(pointType) === 'estimated' ? q(0.3 + i * 0.05) : '0.00',
      dfBetween: source(pointType) === 'conservative' ? 0 : 18 + i,
      dfWithin: source(pointType) === 'estimated' ? 9 + i : 0,
      source: source(pointType),
    })),
  }
}

/** Points of a unit's type to visit next, as the registry would name them. */
function pointCodes(unit: string, type: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${unit.toUpperCase()}-${type}-${from + i}`)
}

/**
 * The settle plans: 街道's last (石化路街道, P(last) 0.620) settles with 6 more visits; 县区's two
 * identical last units would need more than 8 visits can give.
 */
function settleOf(g: GroupResult, last: string | undefined, next: string | undefined): SettlePlan | null {
  if (g.code === 'street' && last && next)
    return {
      target: '0.900',
      current: { unit: last, pLast: '0.620' },
      visits: 6,
      expected: '0.934',
      reaches: true,
      extra: [
        { unit: last, pointType: 'market', visits: 3, points: pointCodes(last, 'market', 3, 3) },
        { unit: next, pointType: 'alley', visits: 3, points: pointCodes(next, 'alley', 4, 2) },
      ],
    }
  const tied = g.ranking.filter((u) => u.bottom === 1)
  if (g.code === 'district' && tied.length > 1)
    return {
      target: '0.900',
      current: { unit: tied[0]!.unit, pLast: tied[0]!.credibility?.pLast ?? '0.500' },
      visits: 8,
      expected: '0.712',
      reaches: false,
      extra: tied.map((u) => ({ unit: u.unit, pointType: 'market', visits: 4, points: pointCodes(u.unit, 'market', 3, 4) })),
    }
  return null
}

/** Plausible figures of the two-stage model around the published totals (what SPEC §5's analysis reports). */
function addCredibility(g: GroupResult, roundCode: string, template: GroupTemplate | undefined): void {
  const n = g.ranking.length
  if (n === 0) return
  const rnd = random(seedOf(`cred:${roundCode}:${g.code}`))
  const totals = g.ranking.map((u) => Number(u.total))
  const half = g.ranking.map(() => 0.45 + rnd() * 0.7)
  const lo = totals.map((t, i) => t - (half[i] ?? 0))
  const hi = totals.map((t, i) => t + (half[i] ?? 0))
  const softmax = (scores: number[]): string[] => {
    const e = scores.map((s) => Math.exp(s))
    const z = e.reduce((a, b) => a + b, 0)
    const raw = e.map((x) => Math.round((x / z) * 1000))
    raw[0] = (raw[0] ?? 0) + 1000 - raw.reduce((a, b) => a + b, 0)
    return raw.map((r) => (r / 1000).toFixed(3))
  }
  const min = Math.min(...totals)
  const max = Math.max(...totals)
  const pLast = softmax(totals.map((t) => -(t - min) / 0.35))
  const pFirst = softmax(totals.map((t) => (t - max) / 0.35))
  g.ranking.forEach((u, i) => {
    const rankLo = 1 + lo.filter((l, j) => j !== i && l > (hi[i] ?? 0)).length
    const rankHi = n - hi.filter((h, j) => j !== i && h < (lo[i] ?? 0)).length
    u.credibility = {
      total90: [q(lo[i] ?? 0), q(hi[i] ?? 0)],
      rank90: [rankLo, rankHi],
      pFirst: pFirst[i] ?? '0.000',
      pLast: pLast[i] ?? '0.000',
      standardError: q((half[i] ?? 0) / 1.645),
      sample: sampleOf(u.unit, template, rnd),
      weightSensitivity: { medianRank: u.rank, rankRange90: [Math.max(1, u.rank - 1), Math.min(n, u.rank + 1)] },
    }
  })
  const lastUnits = g.ranking.filter((u) => u.bottom === 1)
  const firstUnits = g.ranking.filter((u) => u.rank === 1)
  const margin = (a: number, b: number, width: number): { margin: string; margin90: [string, string]; statisticalTie: boolean } => {
    const m = a - b
    return { margin: q(m), margin90: [q(m - width), q(m + width)], statisticalTie: m - width <= 0 }
  }
  const last = lastUnits.length === 1 ? lastUnits[0]! : null
  const nextUp = last ? g.ranking.filter((u) => u.bottom === 2)[0] : undefined
  const first = firstUnits.length === 1 ? firstUnits[0]! : null
  const nextDown = first ? g.ranking.filter((u) => u.rank === 2)[0] : undefined
  const credibility: GroupCredibility = {
    method: 'Two-stage design (points within point type, visits within points) …',
    replicates: 1000,
    seed: roundCode,
    model: modelOf(template),
    settle: settleOf(g, last?.unit, nextUp?.unit),
    lastWithoutWorstPoint: last
      ? { unit: last.unit, point: `${last.unit}-p1`, pointType: 'market', total: q(Number(last.total) + 0.6), pLast: g.code === 'department' ? '0.996' : '0.480' }
      : null,
    last: last && nextUp ? { unit: last.unit, next: nextUp.unit, ...margin(Number(nextUp.total), Number(last.total), 1.3) } : null,
    first: first && nextDown ? { unit: first.unit, next: nextDown.unit, ...margin(Number(first.total), Number(nextDown.total), 0.7) } : null,
    weightSensitivity: { runs: 1000, spread: '0.25', lastStaysLast: !last ? '0.000' : g.code === 'department' ? '1.000' : '0.912' },
    dominance: last ? { unit: last.unit, dominated: g.code === 'department', beats: g.code === 'department' || !nextUp ? [] : [{ unit: nextUp.unit, on: ['survey', '02'] }] } : null,
    effectiveWeights: { '01': '0.3150', '02': '0.1400', '03': '0.1750', '04': '0.0700', survey: '0.2000', material: '0.1000' },
  }
  g.credibility = credibility
}

export interface SampleOptions {
  /** Scale: groups × units per group with generated names (default: the three groups above). */
  shape?: { groups: number; unitsPerGroup: number }
  /** Credibility blocks (default true). */
  credibility?: boolean
  revision?: number
}

function templates(shape: SampleOptions['shape']): GroupTemplate[] {
  if (!shape) return GROUPS
  return Array.from({ length: shape.groups }, (_, gi) => {
    const base = GROUPS[gi % GROUPS.length]!
    const code = gi < GROUPS.length ? base.code : `${base.code}-${gi}`
    const units = Array.from({ length: shape.unitsPerGroup }, (_, ui): [string, string, string | null] => {
      const known = base.units[ui]
      if (known && gi < GROUPS.length) return known
      return [`${code}-${ui + 1}`, `${base.prefix === '部门' ? '市直第' : base.prefix === '街道' ? '城区第' : '第'}${ui + 1}${base.prefix === '县区' ? '片区' : base.prefix === '街道' ? '街道' : '部门'}`, `负责人${ui + 1}`]
    })
    return { ...base, code, name: gi < GROUPS.length ? base.name : `${base.name}${gi}`, units }
  })
}

const ROUNDS = [
  { code: '2017-02', name: '2017年第2次文明程度指数测评' },
  { code: '2017-03', name: '2017年第3次文明程度指数测评' },
  { code: '2017-04', name: '2017年第4次文明程度指数测评' },
]

export function sampleInput(options: SampleOptions = {}): ReportInput {
  const groups = templates(options.shape)
  const units: SampleUnit[] = []
  for (const g of groups) {
    g.units.forEach(([code, name, head], i) => {
      const twin = TWINS[code]
      // 老峰镇 is barely behind 石化路街道: a last place the bootstrap is unsure of.
      const position = twin ? g.units.findIndex(([c]) => c === twin) : code === 'laofeng' ? i - 1.2 : i
      const quality = code === 'susong' || code === 'wangjiang' ? 0.05 : 0.95 - (position / Math.max(1, g.units.length - 1)) * 0.8
      units.push(makeUnit(code, name, head, g, quality, `unit:${twin ?? code}`))
    })
  }
  const roundInput = (history: Record<string, UnitHistory>): RoundInput => ({
    code: '2017-04',
    indicatorSet: 'anqing-civility@2017.1',
    naPolicy: 'exclude',
    components: COMPONENTS,
    standards: STANDARDS.map(({ text: _text, notes: _notes, ...s }) => s),
    groups: groups.map((g) => ({
      code: g.code,
      name: g.name,
      weights: null,
      consequences: consequencesOf(g.code.split('-')[0] ?? g.code),
      units: units.filter((u) => u.group === g.code).map((u) => u.input),
    })),
    tiebreak: [],
    history,
  })

  // Earlier rounds: the same units a little better or worse; 老峰镇 joined this round.
  const first = scoreRound(roundInput({}))
  const rnd = random(seedOf('trend'))
  const earlier = new Map<string, (string | null)[]>()
  for (const g of first.groups)
    for (const u of g.ranking) {
      const t = Number(u.total)
      const r2 = Math.min(99.5, t + (rnd() - 0.5) * 5)
      const r3 = Math.min(99.5, t + (rnd() - 0.5) * 7)
      earlier.set(u.unit, u.unit === 'laofeng' ? [null, null] : [q(r2), q(r3)])
    }
  const history: Record<string, UnitHistory> = {}
  for (const g of first.groups) {
    const previous = g.ranking
      .map((u) => ({ unit: u.unit, total: earlier.get(u.unit)?.[1] ?? null }))
      .filter((u): u is { unit: string; total: string } => u.total !== null)
    for (const u of previous) {
      const rank = 1 + previous.filter((o) => Number(o.total) > Number(u.total)).length
      history[u.unit] = { previousRank: rank, blackListStreak: u.unit === 'susong' ? 1 : 0 }
    }
  }
  const result: RoundResult = scoreRound(roundInput(history))

  const street = result.groups.find((g) => g.code === 'street')
  if (street) {
    const gated = street.transfers.filter((t) => t.rule === 0)
    const payer = gated[0]?.payer ?? 'laofeng'
    street.transfers = street.transfers.filter((t) => t.rule !== 0)
    street.withheld.push({ rule: 0, reason: `confidence gate: P(last) of ${payer} is 0.620 (620 of 1000 replicates) < 0.9` })
  }
  if (options.credibility ?? true) for (const g of result.groups) addCredibility(g, result.round, groups.find((t) => t.code === g.code))
  if (street?.credibility) {
    const payer = street.withheld.find((w) => w.rule === 0) && street.ranking.find((u) => u.bottom === 1)
    if (payer?.credibility) payer.credibility.pLast = '0.620'
  }

  const nameOf = new Map(units.map((u) => [u.input.code, u.input.name]))
  const problems = result.groups.map((g) => {
    const members = units.filter((u) => u.group === g.code)
    const rows = STANDARDS.map((s) => {
      const hits = members.map((u) => u.input.evidence[s.code]?.findings ?? 0)
      return { standard: s.code, text: s.text, indicator: INDICATORS[s.topCode] ?? s.topCode, occurrences: hits.reduce((a, b) => a + b, 0), units: hits.filter((h) => h > 0).length }
    })
      .filter((r) => r.occurrences > 0)
      .sort((a, b) => b.occurrences - a.occurrences || (a.standard < b.standard ? -1 : a.standard > b.standard ? 1 : 0))
      .slice(0, 5)
    return { group: g.code, top: rows }
  })

  const visits = units.reduce((n, u) => n + Object.values(u.input.visitsByPointType).reduce((a, b) => a + b, 0), 0)
  const findingsTotal = units.reduce((n, u) => n + u.findings.reduce((a, f) => a + f.count, 0), 0)
  const snapshot: PublishedSnapshot = {
    format: 'civindex-notice/1',
    round: {
      code: '2017-04',
      name: '2017年第4次文明程度指数测评',
      series: 'anqing-monthly',
      period: { from: '2017-08-01', to: '2017-08-31' },
      evaluator: '安徽某某调查咨询有限公司',
      indicatorSet: 'anqing-civility@2017.1',
    },
    revision: options.revision ?? 1,
    reason: (options.revision ?? 1) > 1 ? '市直部门组问卷调查得分录入有误，经复核更正' : null,
    publishedAt: '2017-09-05T10:00:00+08:00',
    components: COMPONENTS.map((c) => ({ code: c.code, name: c.name })),
    indicators: Object.entries(INDICATORS).map(([code, name]) => ({ code, name })),
    pointTypes: Object.entries(POINT_TYPES).map(([code, name]) => ({ code, name })),
    summary: { units: units.length, points: Math.round(visits * 0.85), visits, findings: findingsTotal, pointTypes: Object.keys(POINT_TYPES).length },
    result,
    problems,
    trend: {
      rounds: ROUNDS,
      units: result.groups.flatMap((g) => g.ranking.map((u) => ({ unit: u.unit, name: u.name, group: g.code, totals: [...(earlier.get(u.unit) ?? [null, null]), u.total] }))),
    },
    inputs: { records: visits + findingsTotal + units.length * 2, digest: 'b3c1a7e0f4d25968aa0c7e1f5b2d9c84e6f0a1b2c3d4e5f60718293a4b5c6d7e' },
  }

  const findings: FindingRow[] = units.flatMap((u, ui) =>
    u.findings.map((f, fi) => {
      const s = STANDARDS.find((x) => x.code === f.standard)!
      const day = 1 + ((ui * 7 + fi * 3) % 28)
      return {
        unit: u.input.code,
        unitName: u.input.name,
        point: `${u.input.code.toUpperCase()}-${f.type}-${f.visit + 1}`,
        pointName: `${u.input.name}${POINT_TYPES[f.type] ?? f.type}${f.visit + 1}号点`,
        pointType: POINT_TYPES[f.type] ?? f.type,
        standard: s.code,
        standardText: s.text,
        count: f.count,
        deduction: s.rule.kind === 'deduct' ? dec(s.rule.per).times(f.count).toFixed(2) : '0.00',
        note: s.notes[fi % s.notes.length] ?? '',
        at: `2017-08-${String(day).padStart(2, '0')}T${String(8 + (fi % 9)).padStart(2, '0')}:${String((fi * 13) % 60).padStart(2, '0')}:00+08:00`,
        evaluator: `e${String(1 + (ui % 6)).padStart(2, '0')}`,
        status: 'accepted',
      }
    }),
  )

  const ledger: LedgerRow[] = []
  const balances = new Map<string, ReturnType<typeof dec>>()
  const post = (at: string, round: string, unit: string, counterparty: string, amount: string, memo: string): void => {
    const balance = (balances.get(unit) ?? dec(0)).plus(amount)
    balances.set(unit, balance)
    ledger.push({ at, round, revision: 1, unit, unitName: nameOf.get(unit) ?? unit, counterparty: nameOf.get(counterparty) ?? counterparty, amount: dec(amount).toFixed(2), balance: balance.toFixed(2), memo })
  }
  post('2017-08-04T10:00:00+08:00', '2017-03', 'susong', 'yingjiang', '-200000', '2017年第3次测评末位拨付第一名')
  post('2017-08-04T10:00:00+08:00', '2017-03', 'yingjiang', 'susong', '200000', '2017年第3次测评末位拨付第一名')
  for (const g of result.groups)
    for (const t of g.transfers) {
      const memo = `${snapshot.round.name}资金划拨（${g.name}规则${t.rule + 1}）`
      post(snapshot.publishedAt, snapshot.round.code, t.payer, t.payee, `-${t.amount}`, memo)
      post(snapshot.publishedAt, snapshot.round.code, t.payee, t.payer, t.amount, memo)
    }

  return { snapshot, hash: snapshotHash(snapshot), findings, ledger }
}

/** The same input with text an attacker might enter: formula-like cells and markup. */
export function withHostileText(input: ReportInput): ReportInput {
  const copy = structuredClone(input)
  const g = copy.snapshot.result.groups[0]!
  const victim = g.ranking[1]!
  const renamed = `+${victim.name}`
  victim.name = renamed
  for (const u of copy.snapshot.trend.units) if (u.unit === victim.unit) u.name = renamed
  for (const f of copy.findings) if (f.unit === victim.unit) f.unitName = renamed
  for (const l of copy.ledger) if (l.unit === victim.unit) l.unitName = renamed
  const script = g.ranking[2]!
  script.name = `<script>alert("x")</script>${script.name}`
  copy.findings[0]!.note = '=HYPERLINK("http://x")'
  copy.findings[1]!.note = '@SUM(A1:A9)'
  copy.findings[2]!.note = '-2+3 <img src=x onerror=alert(1)>'
  copy.snapshot.problems[0]!.top[0]!.text = '<b>&amp; "quoted"</b>'
  copy.hash = snapshotHash(copy.snapshot)
  return copy
}
