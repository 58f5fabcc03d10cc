/**
 * The readable table of `civindex score` (src/cli/ranking-table.ts), built from the report
 * tests' sample round: pure, no database, no process.
 */
import { describe, expect, it } from 'vitest'
import { rankingTable, type TableContext } from '../../src/cli/ranking-table.js'
import type { Component } from '../../src/domain/indicator-set/model.js'
import { sampleInput } from '../reports/sample-input.js'

const input = sampleInput()
const components: Component[] = [
  { code: 'field', name: '实地考察', weight: '0.7', source: 'findings' },
  { code: 'survey', name: '问卷调查', weight: '0.2', source: 'external' },
  { code: 'material', name: '材料审核', weight: '0.1', source: 'external' },
]
const ctx: TableContext = {
  roundName: input.snapshot.round.name,
  components,
  rules: {},
  indicatorNames: Object.fromEntries((input.snapshot.indicators ?? []).map((i) => [i.code, i.name])),
  pointTypeNames: Object.fromEntries((input.snapshot.pointTypes ?? []).map((t) => [t.code, t.name])),
}
const text = rankingTable(input.snapshot.result, ctx)

describe('the CLI ranking table with the credibility analysis', () => {
  it('adds the total interval, standard error, rank interval and P(last) columns', () => {
    expect(text).toMatch(/名次\s+单位\s+总分\s+实地考察\s+问卷调查\s+材料审核\s+问题数\s+考察点次\s+总分90%区间\s+标准误\s+名次区间\s+P\(末位\)\s+较上期/)
  })

  it('says how sure the last place is, in the notice words, and never calls an unsettled one reliable', () => {
    expect(text).toContain('  末位石化路街道与倒数第二名老峰镇相差1.08分，90%区间为−0.22至2.38分，区间包含0，两者在统计上并列末位；石化路街道排名末位的概率为62.0%；去掉其扣分最多的一个点位（农贸市场shihualu-p1）后总分为74.63分，排名末位的概率为48.0%，低于90%。')
    expect(text).toContain('  末位石化路街道与上一名老峰镇相差1.08分，小于本次测评精度（1.20分），视为并列。')
    expect(text.split('末位排名在统计上可靠').length - 1).toBe(1)
    expect(text).toContain('市卫生健康委排名末位的概率为100.0%；去掉其扣分最多的一个点位（农贸市场health-p1）后总分为71.79分，排名末位的概率为99.6%，达到90%的把握，末位排名在统计上可靠')
  })

  it('says what would settle the last place and what each unit sampled', () => {
    expect(text).toContain('末位尚未确定：目前最可能排名末位的是石化路街道（概率62.0%）。建议对石化路街道农贸市场补充考察3个点位（编号SHIHUALU-market-3、')
    const first = input.snapshot.result.groups[0]!.ranking[0]!
    const market = first.credibility!.sample.find((s) => s.pointType === 'market')!
    expect(text).toContain(`  迎江区：农贸市场${market.points}/${market.registered}个点位、${market.visits}次，`)
    expect(text).toContain(`；总分标准误${first.credibility!.standardError}分`)
  })

  it('explains the method once, in Chinese, and words withheld transfers in Chinese', () => {
    expect(text.split('排名可信度的计算：').length - 1).toBe(1)
    expect(text).toContain('本次按实际的两层抽样估计这一误差')
    expect(text).toContain('未划拨（规则1）：经排名可信度检验（模拟1000次），石化路街道排名末位的概率为62.0%')
    expect(text).not.toMatch(/Two-stage|confidence gate|bootstrap/i)
  })

  it('keeps the indifference statement without the analysis', () => {
    const plain = rankingTable(sampleInput({ credibility: false }).snapshot.result, ctx)
    expect(plain).toContain('排名可信度：\n  末位石化路街道与上一名老峰镇相差1.08分，小于本次测评精度（1.20分），视为并列。')
    expect(plain).not.toContain('排名可信度的计算')
    expect(plain).not.toContain('总分90%区间')
  })
})
