/**
 * The readable plan of `civindex plan` (src/cli/plan-table.ts) and the settle lines of `civindex
 * settle` (src/cli/settle-table.ts), from hand-made documents: pure, no database, no process.
 */
import { describe, expect, it } from 'vitest'
import { planSentence, planTable, type PlanTableContext } from '../../src/cli/plan-table.js'
import { acceptedPlanLines, acceptedWords, timeWords } from '../../src/cli/settle-table.js'
import type { RoundPlan } from '../../src/domain/credibility/index.js'
import type { AcceptSettleResult } from '../../src/services/settle.js'

const plan: RoundPlan = {
  round: '2026-04',
  basis: { kind: 'round', round: '2026-03' },
  margin: '1.50',
  confidence: '0.900',
  power: '0.800',
  visitsPerPoint: 1,
  pointTypes: [
    { pointType: 'market', betweenPoints: '1.20', withinPoint: '2.50', share: '0.600' },
    { pointType: 'road', betweenPoints: '0.80', withinPoint: '1.10', share: '0.400' },
  ],
  standardError: '0.45',
  groups: [
    {
      group: 'district',
      name: '县区',
      units: [
        { unit: 'a', name: '甲区', points: [{ pointType: 'market', needed: 3, registered: 6 }, { pointType: 'road', needed: 2, registered: 4 }], standardError: '0.44', resolvable: true },
        { unit: 'b', name: '乙区', points: [{ pointType: 'market', needed: 2, registered: 2 }], standardError: '0.71', resolvable: false },
        { unit: 'c', name: '丙区', points: [], standardError: '0.00', resolvable: true },
      ],
    },
  ],
  resolvable: false,
}
const ctx: PlanTableContext = { roundName: '2026年第4次测评', pointTypeNames: { market: '农贸市场', road: '主次干道' }, basisChosen: 'previous' }

describe('the CLI plan', () => {
  it('says on which sampling error the plan rests, what it guarantees and how many points are needed', () => {
    expect(planSentence(plan, ctx)).toBe(
      '按上一轮（2026-03）的抽样误差，末位与上一名真实相差1.50分时，有80%的把握使90%的置信门槛放行：每个单位各类点位需抽查的点位数见下表（每个点位考察1次，各单位总分的标准误须不超过0.45分）。',
    )
    expect(planSentence(plan, { ...ctx, basisChosen: 'from' })).toMatch(/^按轮次（2026-03）的抽样误差，/)
    expect(planSentence({ ...plan, basis: { kind: 'prior' }, confidence: '0.950', power: '0.875' }, ctx)).toMatch(/^按给定的先验抽样误差，末位与上一名真实相差1\.50分时，有87\.5%的把握使95%的置信门槛放行/)
  })

  it('tables needed / registered per point type, and explains the units that cannot be resolved', () => {
    const text = planTable(plan, ctx)
    expect(text).toMatch(/单位\s+农贸市场需抽查\/已登记\s+主次干道需抽查\/已登记\s+预计标准误\s+能否分辨/)
    expect(text).toMatch(/甲区\s+3\/6\s+2\/4\s+0\.44\s+能/)
    expect(text).toMatch(/乙区\s+2\/2\s+—\s+0\.71\s+不能/)
    expect(text).toMatch(/丙区\s+—\s+—\s+—\s+无登记点位/)
    expect(text).toContain('乙区即使抽查全部登记点位（每个点位考察1次），总分标准误仍为0.71分，高于所需的0.45分，无法分辨1.50分的差距')
    expect(text).toContain('丙区没有登记任何已知抽样误差的点位，无法规划抽查')
    expect(text).toContain('农贸市场点位之间1.20、同一点位各次之间2.50，点位分配比例60.0%')
    expect(text).toContain('合计需抽查7个点位、考察7次。部分单位在登记点位范围内达不到要求')
  })
})

describe('the CLI settle lines', () => {
  const accepted: AcceptSettleResult = {
    id: 3,
    round: '2026-04',
    group: 'district',
    status: 'open',
    acceptedAt: '2026-04-20T02:05:00.000Z',
    acceptedBy: 'cli:office',
    doneAt: null,
    plan: { target: '0.900', current: { unit: 'b', pLast: '0.620' }, visits: 3, expected: '0.934', reaches: true, extra: [{ unit: 'b', pointType: 'market', visits: 3, points: ['M4', 'M5'] }] },
    progress: {
      planned: 3,
      recorded: 1,
      complete: false,
      points: [
        { unit: 'b', pointType: 'market', point: 'M4', planned: 1, recorded: 1 },
        { unit: 'b', pointType: 'market', point: 'M5', planned: 1, recorded: 0 },
        { unit: 'b', pointType: 'market', point: null, planned: 1, recorded: 0 },
      ],
    },
    entryOpen: false,
    note: '轮次2026-04正在审核，补充考察须先重新开启实地考察（round open）才能录入；录入完成后再结束实地考察，排名的置信门槛将重新判断。',
    replaced: [1, 2],
  }

  it('reads times in China Standard Time', () => {
    expect(timeWords('2026-04-20T17:05:00.000Z')).toBe('2026年4月21日 01:05')
  })

  it('confirms an acceptance with what fieldwork must do', () => {
    expect(acceptedWords(accepted, '县区')).toEqual([
      '已接受县区的补充考察计划（计划3）：共补充考察3次，预计完成后确定末位的把握为93.4%。',
      '此前未完成的计划1、2已由本计划取代。',
      accepted.note,
    ])
  })

  it('shows a plan’s progress point by point', () => {
    expect(acceptedPlanLines(accepted, undefined, { roundName: 'x', pointTypeNames: { market: '农贸市场' } })).toEqual([
      '  计划3：2026年4月20日 10:05由cli:office接受，补充考察3次，已录入1次（进行中）',
      '    b 农贸市场 点位M4：计划1次，已录入1次',
      '    b 农贸市场 点位M5：计划1次，已录入0次',
      '    b 农贸市场 （未指定点位）：计划1次，已录入0次',
    ])
  })
})
