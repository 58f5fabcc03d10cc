/**
 * The indifference margin δ (SPEC §5): the gaps at both ends of a group's ranking against δ, and
 * the `requireMargin` option of a transfer rule, which withholds the transfer when a selected unit
 * is closer than δ (published totals) to its neighbour. Pure: scored through scoreRound with one
 * external component, so each unit's published total is the score given.
 */
import { describe, expect, it } from 'vitest'
import { applyTransfers, indifferenceOf, type Placed } from '../../src/domain/scoring/consequences.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type { Consequences, GroupResult, RoundInput, TransferRule } from '../../src/domain/scoring/types.js'
import { withheldReasonWords } from '../../src/reports/words.js'

const LAST_TO_FIRST: TransferRule = { payer: 'last', payee: 'first', amount: '200000.00', ties: 'split', requireMargin: true }

function rules(over: Partial<Consequences> = {}): Consequences {
  return { minGroupSize: 1, transfers: [LAST_TO_FIRST], lists: {}, selfCriticism: null, escalation: [], indifference: '0.50', ...over }
}

/** One group whose units' published totals are the given scores (one external component, weight 1). */
function score(totals: Record<string, string>, consequences: Consequences, tiebreak: string[] = []): GroupResult {
  const input: RoundInput = {
    code: 'T1',
    indicatorSet: 't@1',
    naPolicy: 'exclude',
    components: [{ code: 'survey', name: '问卷调查', weight: '1', source: 'external' }],
    standards: [],
    groups: [
      {
        code: 'g',
        name: '县区',
        weights: null,
        consequences,
        units: Object.entries(totals).map(([code, total]) => ({ code, name: code, head: null, visitsByPointType: {}, evidence: {}, measures: {}, directScores: {}, external: { survey: total } })),
      },
    ],
    tiebreak,
    history: {},
  }
  return scoreRound(input).groups[0]!
}

describe('the indifference block of a group result', () => {
  it('is absent when the rules set no δ', () => {
    const g = score({ a: '90', b: '89', c: '88' }, rules({ indifference: undefined, transfers: [] }))
    expect('indifference' in g).toBe(false)
  })

  it('gives the published gaps at both ends, tied when a gap is below δ', () => {
    // a 91.00, b 90.20, c 88.42, d 88.10: last d is 0.32 below c (< 0.50: tied); first a is 0.80 above b.
    const g = score({ a: '91', b: '90.2', c: '88.42', d: '88.1' }, rules({ transfers: [] }))
    expect(g.indifference).toEqual({
      margin: '0.50',
      last: { unit: 'd', next: 'c', gap: '0.32', tied: true },
      first: { unit: 'a', next: 'b', gap: '0.80', tied: false },
    })
  })

  it('uses published (rounded) totals: 88.424 and 88.104 publish as 88.42 and 88.10', () => {
    const g = score({ a: '91', c: '88.424', d: '88.104' }, rules({ transfers: [] }))
    expect(g.indifference!.last).toEqual({ unit: 'd', next: 'c', gap: '0.32', tied: true })
  })

  it('a gap of exactly δ is not a tie; δ = 0 never ties a single last unit', () => {
    expect(score({ a: '91', b: '88.6', c: '88.1' }, rules({ transfers: [] })).indifference!.last).toEqual({ unit: 'c', next: 'b', gap: '0.50', tied: false })
    // total tiebreak: 88.104 ranks ahead of 88.1, both published as 88.10.
    expect(score({ a: '91', b: '88.104', c: '88.1' }, rules({ transfers: [], indifference: '0.00' }), ['total']).indifference!.last).toEqual({ unit: 'c', next: 'b', gap: '0.00', tied: false })
  })

  it('is null at an end where units tie, and for a one-unit group', () => {
    const tiedLast = score({ a: '91', b: '88.1', c: '88.1' }, rules({ transfers: [] }))
    expect(tiedLast.indifference).toEqual({ margin: '0.50', last: null, first: { unit: 'a', next: 'b', gap: '2.90', tied: false } })
    expect(score({ a: '91' }, rules({ transfers: [] })).indifference).toEqual({ margin: '0.50', last: null, first: null })
  })

  it('names the neighbour just above in ranking order when units tie above the last', () => {
    // b and c tie at 89.00 (ranking order b, c); the unit just above last d is c.
    const g = score({ a: '91', b: '89', c: '89', d: '88.7' }, rules({ transfers: [] }))
    expect(g.indifference!.last).toEqual({ unit: 'd', next: 'c', gap: '0.30', tied: true })
  })

  it('counts a gap of 0.00 as tied when tiebreak keys separate equal published totals', () => {
    // total tiebreak: 88.104 ahead of 88.1 although both publish as 88.10.
    const g = score({ a: '91', b: '88.104', c: '88.1' }, rules({ transfers: [] }), ['total'])
    expect(g.ranking.map((u) => [u.unit, u.rank])).toEqual([['a', 1], ['b', 2], ['c', 3]])
    expect(g.indifference!.last).toEqual({ unit: 'c', next: 'b', gap: '0.00', tied: true })
  })
})

describe('requireMargin on a transfer rule', () => {
  it('withholds the transfer when the last is within δ of the next unit up, with the gap in the reason', () => {
    const g = score({ a: '91', b: '90.2', c: '88.42', d: '88.1' }, rules())
    expect(g.transfers).toEqual([])
    expect(g.withheld).toEqual([{ rule: 0, reason: 'indifference margin 0.50: d is 0.32 below c' }])
  })

  it('moves when both ends clear δ, a gap of exactly δ included', () => {
    const g = score({ a: '91', b: '90.5', c: '88.6', d: '88.1' }, rules())
    expect(g.withheld).toEqual([])
    expect(g.transfers).toEqual([{ payer: 'd', payee: 'a', amount: '200000.00', rule: 0 }])
  })

  it('checks the payee too: a first within δ of the second withholds', () => {
    const g = score({ a: '91', b: '90.9', c: '88.6', d: '87' }, rules())
    expect(g.withheld).toEqual([{ rule: 0, reason: 'indifference margin 0.50: a is 0.10 above b' }])
  })

  it('lists every shortfall, payer then payee', () => {
    const g = score({ a: '91', b: '90.9', c: '88.2', d: '88' }, rules())
    expect(g.withheld[0]!.reason).toBe('indifference margin 0.50: d is 0.20 below c; a is 0.10 above b')
  })

  it('names tied payers together and splits the amount when they clear δ', () => {
    const tight = score({ a: '91', b: '88.3', c: '88', d: '88' }, rules())
    expect(tight.withheld).toEqual([{ rule: 0, reason: 'indifference margin 0.50: c, d are 0.30 below b' }])
    const clear = score({ a: '91', b: '89', c: '88', d: '88' }, rules())
    expect(clear.transfers.map((t) => [t.payer, t.amount])).toEqual([
      ['c', '100000.00'],
      ['d', '100000.00'],
    ])
  })

  it('checks a middle place against both neighbours', () => {
    const rule: TransferRule = { payer: { fromBottom: 2 }, payee: { rank: 2 }, amount: '100000.00', ties: 'split', requireMargin: true }
    // d (2nd from the bottom) is 0.20 above the last e: which of them is 2nd from the bottom is not clear.
    const g = score({ a: '93', b: '91', c: '89', d: '88', e: '87.8' }, rules({ transfers: [rule] }))
    expect(g.withheld[0]!.reason).toBe('indifference margin 0.50: d is 0.20 above e')
    const above = score({ a: '93', b: '91', c: '88.2', d: '88', e: '80' }, rules({ transfers: [rule] }))
    expect(above.withheld[0]!.reason).toBe('indifference margin 0.50: d is 0.20 below c')
    const ok = score({ a: '93', b: '91', c: '88.6', d: '88', e: '80' }, rules({ transfers: [rule] }))
    expect(ok.transfers).toEqual([{ payer: 'd', payee: 'b', amount: '100000.00', rule: 0 }])
  })

  it('reports a gap between payer and payee once', () => {
    const g = score({ a: '88.3', b: '88' }, rules())
    expect(g.withheld[0]!.reason).toBe('indifference margin 0.50: b is 0.30 below a')
  })

  it('leaves rules without requireMargin alone, and earlier reasons win', () => {
    const { requireMargin: _gated, ...plain } = LAST_TO_FIRST
    const both: TransferRule[] = [LAST_TO_FIRST, plain]
    const g = score({ a: '91', b: '90.2', c: '88.42', d: '88.1' }, rules({ transfers: both }))
    expect(g.withheld.map((w) => w.rule)).toEqual([0])
    expect(g.transfers).toEqual([{ payer: 'd', payee: 'a', amount: '200000.00', rule: 1 }])
    const small = score({ a: '91', b: '88' }, rules({ minGroupSize: 3 }))
    expect(small.withheld[0]!.reason).toMatch(/fewer than minGroupSize 3/)
  })

  it('withholds when no δ is set (the round file refuses this; other inputs are not trusted)', () => {
    const g = score({ a: '91', b: '88' }, rules({ indifference: undefined }))
    expect(g.withheld).toEqual([{ rule: 0, reason: 'the rule requires the indifference margin, but none is set' }])
  })

  it('works on placed units in any order (ranking order is rank, then code)', () => {
    const placed = (rows: [string, number, number, string][]): Placed[] => rows.map(([unit, rank, bottom, published]) => ({ unit, name: unit, head: null, rank, bottom, published }))
    const units = placed([
      ['d', 4, 1, '88.10'],
      ['a', 1, 4, '91.00'],
      ['c', 3, 2, '88.42'],
      ['b', 2, 3, '90.20'],
    ])
    expect(applyTransfers(units, rules()).withheld).toEqual([{ rule: 0, reason: 'indifference margin 0.50: d is 0.32 below c' }])
    expect(indifferenceOf(units, '0.5').last).toEqual({ unit: 'd', next: 'c', gap: '0.32', tied: true })
  })
})

describe('the withheld reasons in the notice', () => {
  const names = { a: '迎江区', b: '大观区', c: '太湖县', d: '宿松县' }

  it('says the units are tied within the precision of the evaluation', () => {
    expect(withheldReasonWords('indifference margin 0.50: d is 0.32 below c', names)).toBe('宿松县比太湖县低0.32分，小于本次测评精度（0.50分），视为并列，本期暂不划拨')
    expect(withheldReasonWords('indifference margin 0.50: d is 0.20 below c; a is 0.10 above b', names)).toBe(
      '宿松县比太湖县低0.20分，迎江区比大观区高0.10分，小于本次测评精度（0.50分），视为并列，本期暂不划拨',
    )
    expect(withheldReasonWords('indifference margin 0.50: c, d are 0.30 below b', names)).toBe('太湖县、宿松县比大观区低0.30分，小于本次测评精度（0.50分），视为并列，本期暂不划拨')
    expect(withheldReasonWords('the rule requires the indifference margin, but none is set', names)).toBe('规则要求排名差距达到测评精度，但本轮未设定测评精度，本期暂不划拨')
  })
})
