import { describe, expect, it } from 'vitest'
import { applyTransfers, type Placed } from '../../src/domain/scoring/consequences.js'
import { dateWords, intervalWords, joinNames, percentWords, rangeWords, withheldReasonWords } from '../../src/reports/words.js'

const names = { a: '大观区', b: '迎江区', c: '宜秀区' }

function placed(rows: [string, number, number][]): Placed[] {
  return rows.map(([unit, rank, bottom]) => ({ unit, name: unit, head: null, rank, bottom, published: '90.00' }))
}

describe('withheld reasons in Chinese', () => {
  it('translates every reason the consequence rules record', () => {
    const rule = { payer: 'last' as const, payee: 'first' as const, amount: '200000', ties: 'skip' as const }
    const reasons = [
      applyTransfers(placed([['a', 1, 2], ['b', 2, 1]]), { minGroupSize: 3, transfers: [rule], lists: {}, selfCriticism: null, escalation: [] }),
      applyTransfers(placed([['a', 1, 1], ['b', 1, 1]]), { minGroupSize: 2, transfers: [rule], lists: {}, selfCriticism: null, escalation: [] }),
      applyTransfers(placed([['a', 1, 3], ['b', 1, 3], ['c', 3, 1]]), { minGroupSize: 2, transfers: [{ ...rule, payee: { rank: 2 } }], lists: {}, selfCriticism: null, escalation: [] }),
      applyTransfers(placed([['a', 1, 2], ['b', 2, 1], ['c', 2, 1]]), { minGroupSize: 2, transfers: [rule], lists: {}, selfCriticism: null, escalation: [] }),
    ].map((r) => r.withheld[0]!.reason)
    expect(reasons.map((r) => withheldReasonWords(r, names))).toEqual([
      '本组参与排名的单位仅2个，少于规则要求的3个，不实施资金划拨',
      '大观区、迎江区同时处于付款方和收款方位置（全部并列），不实施资金划拨',
      '因排名并列，没有单位处于第二名（收款方），不实施资金划拨',
      '付款方2个单位、收款方1个单位，存在并列，按规则并列时不划拨',
    ])
  })

  it('words the confidence gate with the probabilities', () => {
    expect(withheldReasonWords('confidence gate: P(last) of a is 0.620 (620 of 1000 replicates) < 0.9', names)).toBe(
      '经排名可信度检验（模拟1000次），大观区排名末位的概率为62.0%，低于规则要求的90%，排名在统计上不够确定，本期暂不划拨',
    )
    expect(
      withheldReasonWords('confidence gate: P(place 2 from the bottom) of a is 0.410 (410 of 1000 replicates) < 0.8; P(rank 2) of b is 0.700 (700 of 1000 replicates) < 0.8', names),
    ).toBe('经排名可信度检验（模拟1000次），大观区排名倒数第二名的概率为41.0%，迎江区排名第二名的概率为70.0%，低于规则要求的80%，排名在统计上不够确定，本期暂不划拨')
    expect(withheldReasonWords('confidence gate: P(last) of a is 0.620, below minConfidence 0.9', names)).toBe(
      '经排名可信度检验，大观区排名末位的概率为62.0%，低于规则要求的90%，排名在统计上不够确定，本期暂不划拨',
    )
    expect(withheldReasonWords('P(first) of b 0.55 < minConfidence 0.80', names)).toContain('迎江区排名第一的概率为55.0%，低于规则要求的80%')
    expect(withheldReasonWords('confidence gate: P(last) of a without its most damaging point is 0.480 (480 of 1000 replicates) < 0.9', names)).toBe(
      '经排名可信度检验（模拟1000次），去掉其扣分最多的一个点位后，大观区排名末位的概率为48.0%，低于规则要求的90%，排名在统计上不够确定，本期暂不划拨',
    )
  })

  it('keeps a reason it does not know as it is', () => {
    expect(withheldReasonWords('something new', names)).toBe('something new')
  })
})

describe('wording helpers', () => {
  it('writes dates in China Standard Time', () => {
    expect(dateWords('2017-08-01')).toBe('2017年8月1日')
    expect(dateWords('2017-09-04T20:30:00Z')).toBe('2017年9月5日')
  })

  it('writes probabilities, intervals and name lists', () => {
    expect(percentWords('0.873')).toBe('87.3%')
    expect(percentWords('0.9', 0)).toBe('90%')
    expect(intervalWords([1, 3])).toBe('1–3')
    expect(intervalWords([2, 2])).toBe('2')
    expect(rangeWords(['-0.22', '2.38'])).toBe('−0.22至2.38')
    expect(joinNames(['甲', '乙', '丙'])).toBe('甲、乙和丙')
  })
})
