import { describe, expect, it } from 'vitest'
import { dec } from '../../src/domain/decimal.js'
import { BAR_LABELS_ALL, noticeModel, shortLabels, TREND_ENDS, TREND_MAX_LINES, yuanFigures } from '../../src/reports/model.js'
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
        text: '第1项资金划拨规则本期不执行：经排名可信度检验（自助抽样1000次），石化路街道排名末位的概率为62.0%，低于规则要求的90%，排名在统计上不够确定，本期暂不划拨。',
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
  it('flags a statistical tie for last with its margin interval', () => {
    const [, last] = group('street').credibility
    expect(last).toBe('末位石化路街道与倒数第二名老峰镇相差1.08分，90%区间为−0.22至2.38分，区间包含0，两者在统计上并列末位，末位排名存在不确定性；石化路街道排名末位的概率为62.0%。')
  })

  it('says when the last place holds under every weighting', () => {
    const c = group('department').credibility
    expect(c[1]).toContain('区间不含0，末位排名在统计上可靠')
    expect(c[3]).toContain('市卫生健康委在各测评方式和一级指标上均不领先于其他单位，任何权重下均为末位')
    expect(group('street').credibility[3]).toContain('石化路街道在问卷调查、公共秩序上领先老峰镇，末位结论与权重设置有关')
    const unnamed = structuredClone(input)
    delete unnamed.snapshot.indicators
    expect(noticeModel(unnamed).groups[1]!.credibility[3]).toContain('在问卷调查、指标02上领先')
  })

  it('does not invent a margin when several units tie for last', () => {
    expect(group('district').credibility).toContain('本组末位由多个单位并列，未计算末位差距。')
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
