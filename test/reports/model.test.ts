import { describe, expect, it } from 'vitest'
import { dec } from '../../src/domain/decimal.js'
import { BAR_LABELS_ALL, noticeModel, shortLabels, TREND_ENDS, TREND_MAX_LINES, yuanFigures } from '../../src/reports/model.js'
import type { GroupCredibility, GroupResult, UnitCredibility } from '../../src/domain/scoring/types.js'
import type { ReportInput } from '../../src/reports/snapshot.js'
import { sampleInput } from './sample-input.js'

const input = sampleInput()
const model = noticeModel(input)
const group = (code: string) => model.groups.find((g) => g.code === code)!

describe('notice model: heading and opening', () => {
  it('titles the notice after the round', () => {
    expect(model.title).toBe('关于2017年第4次文明程度指数测评结果的通报')
    expect(model.reference).toBe('测评通报〔2017〕04号 · 第1版')
    expect(model.correction).toBeNull()
  })

  it('says who evaluated what, when, and how much was seen', () => {
    const s = input.snapshot.summary
    expect(model.opening).toContain('2017年8月1日至2017年8月31日')
    expect(model.opening).toContain('安徽某某调查咨询有限公司')
    expect(model.opening).toContain(`${s.units}个被测评单位`)
    expect(model.opening).toContain(`${s.pointTypes}类${s.points}个点位，共${s.visits}点次，发现问题${s.findings}处`)
    expect(model.opening).toContain('按县区、街道和市直部门3个组别分别排名')
  })

  it('states a correction and its reason from revision 2 on', () => {
    const corrected = noticeModel(sampleInput({ revision: 2 }))
    expect(corrected.correction).toMatch(/^本通报为第2版，更正此前发布的第1版。更正原因：市直部门组问卷调查得分录入有误/)
    expect(corrected.footer.revision).toBe('第2版')
  })

  it('refuses a snapshot format it does not know', () => {
    const odd = structuredClone(input) as unknown as { snapshot: { format: string } }
    odd.snapshot.format = 'civindex-notice/9'
    expect(() => noticeModel(odd as unknown as ReportInput)).toThrow(/unknown snapshot format/)
  })
})

describe('notice model: ranking tables', () => {
  const district = group('district')

  it('has rank, unit, total, one column per component, change, rank interval and P(last)', () => {
    expect(district.columns.map((c) => c.title)).toEqual(['名次', '单位', '总分', '实地考察', '问卷调查', '材料审核', '较上期', '名次区间', 'P(末位)'])
    expect(district.weights).toBe('实地考察70%、问卷调查20%、材料审核10%')
  })

  it('writes ties as 并列 and keeps the published decimals', () => {
    const result = input.snapshot.result.groups.find((g) => g.code === 'district')!
    const last = district.rows.filter((r) => r.cells[0] === '9（并列）').map((r) => r.name)
    expect(last).toEqual(['宿松县', '望江县'])
    district.rows.forEach((row, i) => {
      const unit = result.ranking[i]!
      expect(row.cells[2]).toBe(unit.total)
      expect(row.cells[3]).toBe(unit.components.field)
      expect(row.cells[7]).toBe(unit.credibility!.rank90[0] === unit.credibility!.rank90[1] ? String(unit.credibility!.rank90[0]) : `${unit.credibility!.rank90[0]}–${unit.credibility!.rank90[1]}`)
      expect(row.cells[8]).toMatch(/^\d+\.\d%$/)
    })
  })

  it('words the rank change', () => {
    const changes = new Set(model.groups.flatMap((g) => g.rows.map((r) => r.cells[6])))
    expect([...changes].every((c) => /^(持平|新进|上升\d+位|下降\d+位)$/.test(c ?? ''))).toBe(true)
    expect(group('street').rows.find((r) => r.name === '老峰镇')!.cells[6]).toBe('新进')
  })

  it('marks the red and black lists on the rows', () => {
    expect(district.rows.filter((r) => r.list === 'red').map((r) => r.name)).toEqual(['迎江区'])
    expect(district.rows.filter((r) => r.list === 'black').map((r) => r.name)).toEqual(['宿松县', '望江县'])
    expect(district.red).toEqual(['迎江区'])
    expect(group('street').red).toEqual(['人民路街道', '龙山路街道'])
  })

  it('lists an unranked unit with the reason in Chinese', () => {
    expect(group('department').unranked).toEqual([{ unit: 'petition', name: '市信访局', reason: '缺少问卷调查得分，不参与排名' }])
    expect(group('department').caption).toBe('参与排名10个单位，未参评1个单位')
  })

  it('drops the credibility columns when the analysis did not run', () => {
    const plain = noticeModel(sampleInput({ credibility: false }))
    expect(plain.groups[0]!.columns.map((c) => c.key)).not.toContain('pLast')
    expect(plain.groups[0]!.credibility).toEqual([])
  })
})

describe('notice model: consequences', () => {
  it('words a tie split in words and figures, then lists every pair', () => {
    const [t] = group('district').transfers
    expect(t!.sentence).toBe('并列末位单位宿松县、望江县向第一名迎江区拨付人民币20万元（200,000.00元），由2个并列单位平均分摊')
    expect(t!.pairs.map((p) => p.text)).toEqual(['宿松县向迎江区拨付100,000.00元', '望江县向迎江区拨付100,000.00元'])
    expect(t!.total).toBe('200000.00')
  })

  it('words a single transfer the way notices do', () => {
    expect(group('department').transfers.map((t) => t.sentence)).toEqual(['末位单位市卫生健康委向第一名市交通运输局拨付人民币20万元（200,000.00元）'])
    expect(group('street').transfers.map((t) => t.sentence)).toEqual(['倒数第二名老峰镇向第二名龙山路街道拨付人民币10万元（100,000.00元）'])
  })

  it('splits to the fen and says so when the shares differ', () => {
    const odd = structuredClone(input)
    const g = odd.snapshot.result.groups.find((x) => x.code === 'district')!
    const [a, b, c] = g.ranking.slice(-3)
    for (const u of [a!, b!, c!]) Object.assign(u, { rank: 8, tied: true, bottom: 1 })
    g.transfers = [
      { payer: a!.unit, payee: 'yingjiang', amount: '66666.67', rule: 0 },
      { payer: b!.unit, payee: 'yingjiang', amount: '66666.67', rule: 0 },
      { payer: c!.unit, payee: 'yingjiang', amount: '66666.66', rule: 0 },
    ]
    const t = noticeModel(odd).groups[0]!.transfers[0]!
    expect(t.sentence).toBe(`并列末位单位${a!.name}、${b!.name}、${c!.name}向第一名迎江区拨付人民币20万元（200,000.00元），由3个并列单位平均分摊（分摊至分，余下的分依次计入排在前面的单位）`)
    expect(t.pairs.map((p) => p.figures)).toEqual(['66,666.67元', '66,666.67元', '66,666.66元'])
    expect(t.pairs.reduce((sum, p) => sum.plus(p.amount), dec(0)).toFixed(2)).toBe('200000.00')
  })

  it('gives a withheld transfer its reason in Chinese, the confidence gate included', () => {
    expect(group('street').withheld).toEqual([
      {
        rule: 0,
        text: '第1项资金划拨规则本期不执行：经排名可信度检验（模拟1000次），石化路街道排名末位的概率为62.0%，低于规则要求的90%，排名在统计上不够确定，本期暂不划拨。',
      },
    ])
  })

  it('names the heads who make the public self-criticism', () => {
    expect(group('district').duties).toEqual(['宿松县主要负责人吴国平须在市文明委会议上作公开检讨。', '望江县主要负责人郑永胜须在市文明委会议上作公开检讨。'])
  })

  it('words escalation by consecutive rounds on the black list', () => {
    expect(group('district').escalation).toEqual(['宿松县连续2期列入黑榜，约谈（市委组织部）。', '望江县本期列入黑榜，约谈（分管市领导）。'])
  })
})

describe('notice model: credibility sentences', () => {
  const sentence = (code: string, fragment: string): string | undefined => group(code).credibility.find((c) => c.includes(fragment))

  it('explains the method once, in plain words, not as a bootstrap', () => {
    expect(model.credibilityMethod).toBe(
      '各单位每类点位只抽查了部分点位，每个点位考察一次或几次，总分因此含有抽样误差。本次按实际的两层抽样估计这一误差：一是同类点位之间的差异，二是同一点位多次考察之间的差异；两者由同组各单位的考察结果合并估计，抽查点位少时估计本身的不确定性也一并计入。据此模拟1000次（随机种子2017-04），得出各单位总分的90%区间（第5至第95百分位）、名次区间和排名末位的概率（P(末位)）；现场考察以外的得分按公布值计算，不计抽样误差。',
    )
    for (const g of model.groups) for (const c of g.credibility) expect(c).not.toMatch(/自助抽样|Bootstrap|bootstrap/)
    expect(sentence('district', '公交站台')).toBe('公交站台没有点位被考察两次以上，两种差异无法分开，全部按点位之间的差异计算（从宽估计误差）。')
    expect(sentence('district', '建筑工地')).toBe('建筑工地抽查点位太少，无法单独估计点位之间的差异，按本组该类全部考察结果的离散程度计算（从宽估计误差）。')
    expect(noticeModel(sampleInput({ credibility: false })).credibilityMethod).toBeNull()
  })

  it('flags a statistical tie for last with its margin interval and says the last place is not settled', () => {
    const [last] = group('street').credibility
    expect(last).toBe('末位石化路街道与倒数第二名老峰镇相差1.08分，90%区间为−0.22至2.38分，区间包含0，两者在统计上并列末位；石化路街道排名末位的概率为62.0%；去掉其扣分最多的一个点位（农贸市场shihualu-p1）后总分为74.63分，排名末位的概率为48.0%，低于90%。')
  })

  it('says the last and the next unit are tied within the precision of the evaluation', () => {
    expect(group('street').credibility[1]).toBe('末位石化路街道与上一名老峰镇相差1.08分，小于本次测评精度（1.20分），视为并列。')
    // Without the analysis the indifference margin still speaks; without δ nothing does.
    const plain = noticeModel(sampleInput({ credibility: false }))
    expect(plain.groups.find((g) => g.code === 'street')!.credibility).toEqual(['末位石化路街道与上一名老峰镇相差1.08分，小于本次测评精度（1.20分），视为并列。'])
    const clear = structuredClone(input)
    clear.snapshot.result.groups.find((g) => g.code === 'street')!.indifference!.last!.tied = false
    expect(noticeModel(clear).groups[1]!.credibility[1]).toBe('末位石化路街道与上一名老峰镇相差1.08分，不小于本次测评精度（1.20分）。')
  })

  it('calls the last place reliable only when one unit is last with at least 90% and nothing is left to settle', () => {
    expect(sentence('department', '末位市卫生健康委与')).toBe(
      '末位市卫生健康委与倒数第二名市文化和旅游局相差5.22分，90%区间为3.92至6.52分，区间不含0；市卫生健康委排名末位的概率为100.0%；去掉其扣分最多的一个点位（农贸市场health-p1）后总分为71.79分，排名末位的概率为99.6%，达到90%的把握，末位排名在统计上可靠。',
    )
    const reliable = (m: ReturnType<typeof noticeModel>): string[] => m.groups.filter((g) => g.credibility.some((c) => c.includes('统计上可靠'))).map((g) => g.code)
    expect(reliable(model)).toEqual(['department'])
    const variants: [string, (g: GroupResult) => void][] = [
      ['P(last) below 90%', (g) => void (g.ranking.at(-1)!.credibility!.pLast = '0.899')],
      ['margin interval contains 0', (g) => void (g.credibility!.last!.statisticalTie = true)],
      ['tied within δ', (g) => void (g.indifference = { margin: '6.00', last: { unit: 'health', next: 'culture', gap: '5.22', tied: true }, first: null })],
      ['a settle plan', (g) => void (g.credibility!.settle = { target: '0.950', current: { unit: 'health', pLast: '0.930' }, visits: 2, expected: '0.960', reaches: true, extra: [] })],
    ]
    for (const [why, change] of variants) {
      const odd = structuredClone(input)
      change(odd.snapshot.result.groups.find((g) => g.code === 'department')!)
      const m = noticeModel(odd)
      expect(reliable(m), why).toEqual([])
      expect(m.groups[2]!.credibility.join(''), why).not.toContain('可靠')
    }
    const below = structuredClone(input)
    below.snapshot.result.groups[2]!.ranking.at(-1)!.credibility!.pLast = '0.899'
    expect(noticeModel(below).groups[2]!.credibility[0]).toContain('市卫生健康委排名末位的概率为89.9%；去掉其扣分最多的一个点位（农贸市场health-p1）后总分为71.79分，排名末位的概率为99.6%，低于90%，末位尚未确定。')
  })

  it('says what would settle the last place', () => {
    expect(group('street').settle).toBe(
      '末位尚未确定：目前最可能排名末位的是石化路街道（概率62.0%）。建议对石化路街道农贸市场补充考察3个点位（编号SHIHUALU-market-3、SHIHUALU-market-4、SHIHUALU-market-5），对老峰镇背街小巷补充考察3次（点位编号LAOFENG-alley-4、LAOFENG-alley-5），共补充考察6次，预计完成后确定末位的把握为93.4%，可达到90%的要求。',
    )
    expect(group('district').settle).toMatch(/^末位尚未确定：目前最可能排名末位的是宿松县（概率49\.9%）。建议对宿松县农贸市场补充考察4个点位（编号SUSONG-market-3、.*共补充考察8次，预计完成后确定末位的把握为71\.2%，仍达不到90%的要求。$/)
    expect(group('department').settle).toBeNull()
  })

  it('tabulates what each unit sampled, its total interval and standard error', () => {
    const p = group('district').precision!
    expect(p.title).toBe('县区各单位抽样与精度')
    expect(p.columns.map((c) => c.title)).toEqual(['单位', '农贸市场', '背街小巷', '主次干道', '公交站台', '窗口单位', '社区', '建筑工地', '总分90%区间', '标准误'])
    const first = input.snapshot.result.groups[0]!.ranking[0]!
    const market = first.credibility!.sample.find((s) => s.pointType === 'market')!
    expect(p.rows[0]!.cells[1]).toBe(`${market.points}/${market.registered}，${market.visits}次`)
    expect(p.rows[0]!.cells.slice(-2)).toEqual([`${first.credibility!.total90[0]}–${first.credibility!.total90[1]}`, first.credibility!.standardError])
    // The departments' 社区 registry is unknown: only the points visited.
    const dept = group('department').precision!
    const community = dept.columns.findIndex((c) => c.title === '社区')
    expect(dept.rows[0]!.cells[community]).toMatch(/^\d+，\d+次$/)
    expect(p.legend).toContain('“2/6，3次”表示该类登记点位6个、抽查其中2个、共考察3次')
  })

  it('names point types by code when the snapshot has no names', () => {
    const unnamed = structuredClone(input)
    delete unnamed.snapshot.pointTypes
    const m = noticeModel(unnamed)
    expect(m.groups[0]!.precision!.columns.map((c) => c.title).slice(1, 3)).toEqual(['alley', 'bus'])
    expect(m.groups[1]!.settle).toContain('建议对石化路街道market补充考察3个点位')
  })

  it('renders a snapshot of the earlier bootstrap analysis as it was', () => {
    const old = structuredClone(input)
    for (const g of old.snapshot.result.groups) {
      const c = g.credibility as Partial<GroupCredibility>
      delete c.model
      delete c.settle
      for (const u of g.ranking) {
        const uc = u.credibility as Partial<UnitCredibility>
        delete uc.sample
        delete uc.standardError
      }
    }
    const m = noticeModel(old)
    expect(m.credibilityMethod).toBe('排名可信度按点位类型分层自助抽样（Bootstrap）1000次重新计分排名评估，随机种子2017-04，区间为5%与95%分位数。')
    expect(m.groups.map((g) => [g.precision, g.settle])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ])
    expect(m.groups[1]!.credibility[0]).toContain('石化路街道排名末位的概率为62.0%；去掉其扣分最多的一个点位（农贸市场shihualu-p1）后总分为74.63分，排名末位的概率为48.0%，低于90%，末位尚未确定。')
  })

  it('says when the last place holds under every weighting', () => {
    expect(sentence('department', '权重')).toContain('市卫生健康委在各测评方式和一级指标上均不领先于其他单位，任何权重下均为末位')
    expect(sentence('street', '权重')).toContain('石化路街道在问卷调查、公共秩序上领先老峰镇，末位结论与权重设置有关')
    expect(sentence('street', '权重')).toContain('在±25%范围内随机扰动1000次')
    const unnamed = structuredClone(input)
    delete unnamed.snapshot.indicators
    expect(noticeModel(unnamed).groups[1]!.credibility.find((c) => c.includes('权重'))).toContain('在问卷调查、指标02上领先')
    // The analysis names components "component:<code>".
    const prefixed = structuredClone(input)
    prefixed.snapshot.result.groups[1]!.credibility!.dominance!.beats[0]!.on = ['component:survey', '02']
    expect(noticeModel(prefixed).groups[1]!.credibility.find((c) => c.includes('权重'))).toContain('在问卷调查、公共秩序上领先')
  })

  it('does not invent a margin when several units tie for last', () => {
    expect(group('district').credibility).toContain('本组末位由多个单位并列，未计算末位差距。')
    expect(group('district').credibility.join('')).not.toContain('可靠')
  })
})

describe('notice model: problems, charts, footer', () => {
  it('carries the problem statistics per group, most frequent first', () => {
    const p = group('district').problems
    expect(p.length).toBeGreaterThan(0)
    expect(p.map((x) => x.occurrences)).toEqual([...p.map((x) => x.occurrences)].sort((a, b) => b - a))
    expect(p[0]).toMatchObject({ standard: expect.stringMatching(/^\d{2}-\d{2}-\d{2}$/), indicator: expect.any(String) })
  })

  it('feeds the bar chart in rank order with list colours', () => {
    const bars = model.charts.bars.find((b) => b.group === 'district')!
    expect(bars.bars.map((b) => b.name)).toEqual(group('district').rows.map((r) => r.name))
    expect(bars.bars[0]).toMatchObject({ name: '迎江区', list: 'red', labelled: true })
  })

  it('labels every bar of a small group, only the ends and listed units of a large one', () => {
    const big = noticeModel(sampleInput({ shape: { groups: 1, unitsPerGroup: 40 } }))
    const bars = big.charts.bars[0]!.bars
    expect(40).toBeGreaterThan(BAR_LABELS_ALL)
    expect(bars.filter((b) => b.labelled).length).toBeLessThan(bars.length)
    expect(bars.slice(0, TREND_ENDS).every((b) => b.labelled)).toBe(true)
    expect(bars.filter((b) => b.list !== null).every((b) => b.labelled)).toBe(true)
  })

  it('draws each unit across the series, and only the ends of a large group', () => {
    const trend = model.charts.trend.find((t) => t.group === 'street')!
    expect(trend.rounds).toEqual(['2017年第2次', '2017年第3次', '2017年第4次'])
    expect(trend.series.find((s) => s.name === '老峰镇')!.totals.slice(0, 2)).toEqual([null, null])
    const big = noticeModel(sampleInput({ shape: { groups: 1, unitsPerGroup: 40 } })).charts.trend[0]!
    expect(big.series).toHaveLength(2 * TREND_ENDS)
    expect(40).toBeGreaterThan(TREND_MAX_LINES)
    expect(big.title).toContain(`前${TREND_ENDS}名和后${TREND_ENDS}名`)
  })

  it('shortens round names on the axis without cutting a counter word', () => {
    expect(shortLabels(['2017年第2次文明程度指数测评', '2017年第10次文明程度指数测评'])).toEqual(['2017年第2次', '2017年第10次'])
    expect(shortLabels(['一季度测评'])).toEqual(['一季度测评'])
  })

  it('puts evaluator, date, revision and hash in the footer and the full hash at the end', () => {
    expect(model.footer).toEqual({ evaluator: '安徽某某调查咨询有限公司', date: '2017年9月5日', revision: '第1版', hash: input.hash, hashShort: input.hash.slice(0, 16) })
    expect(model.integrity[0]).toEqual({ label: '发布快照SHA-256', value: input.hash })
  })

  it('formats yuan in figures', () => {
    expect(yuanFigures('200000')).toBe('200,000.00元')
    expect(yuanFigures('22222.23')).toBe('22,222.23元')
  })
})
