/**
 * The readable Chinese plan of `civindex plan <round>` (without --json): one sentence saying
 * what the plan guarantees and on which sampling error it rests, the sampling error by point
 * type, then per group a table of the points each unit needs of each type (needed / registered),
 * the standard error it reaches and whether Δ can be told apart, and a sentence for every unit
 * whose registered points cannot reach it.
 */
import type { RoundPlan } from '../domain/credibility/index.js'
import { thresholdWords } from '../reports/credibility-words.js'
import { displayWidth, padDisplay } from '../reports/words.js'

export interface PlanTableContext {
  roundName: string
  /** Point type names by code; without a name the code is shown. */
  pointTypeNames: Record<string, string>
  /** How the basis round was chosen: named with --from, or the previous round of the series. */
  basisChosen: 'from' | 'previous'
}

/** The header sentence (see the module comment). */
export function planSentence(plan: RoundPlan, ctx: PlanTableContext): string {
  const basis =
    plan.basis.kind === 'prior' ? '按给定的先验抽样误差' : ctx.basisChosen === 'from' ? `按轮次（${plan.basis.round}）的抽样误差` : `按上一轮（${plan.basis.round}）的抽样误差`
  return (
    `${basis}，末位与上一名真实相差${plan.margin}分时，有${thresholdWords(plan.power)}的把握使${thresholdWords(plan.confidence)}的置信门槛放行：` +
    `每个单位各类点位需抽查的点位数见下表（每个点位考察${plan.visitsPerPoint}次，各单位总分的标准误须不超过${plan.standardError}分）。`
  )
}

/** A unit whose registered points cannot reach the target, in one sentence. */
export function unresolvableWords(unit: RoundPlan['groups'][number]['units'][number], plan: RoundPlan): string {
  if (unit.points.length === 0) return `${unit.name}没有登记任何已知抽样误差的点位，无法规划抽查；请先登记点位。`
  return (
    `${unit.name}即使抽查全部登记点位（每个点位考察${plan.visitsPerPoint}次），总分标准误仍为${unit.standardError}分，高于所需的${plan.standardError}分，` +
    `无法分辨${plan.margin}分的差距；可增加每个点位的考察次数（--visits-per-point），或补充登记点位。`
  )
}

function table(header: string[], rows: string[][], numericFrom: number): string[] {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))))
  const render = (cells: string[]): string => cells.map((c, i) => padDisplay(c, widths[i] ?? 0, i >= numericFrom ? 'right' : 'left')).join('  ').trimEnd()
  return [render(header), ...rows.map(render)]
}

export function planTable(plan: RoundPlan, ctx: PlanTableContext): string {
  const name = (code: string): string => ctx.pointTypeNames[code] ?? code
  const lines: string[] = [`${ctx.roundName}（${plan.round}） 抽样规划`, '', planSentence(plan, ctx), '']
  lines.push(
    `各类点位一次考察的抽样误差（标准差，分）：${plan.pointTypes
      .map((t) => `${name(t.pointType)}点位之间${t.betweenPoints}、同一点位各次之间${t.withinPoint}，点位分配比例${(Number(t.share) * 100).toFixed(1)}%`)
      .join('；')}。`,
    '',
  )
  let points = 0
  for (const g of plan.groups) {
    lines.push(`【${g.name}】`)
    if (g.units.length === 0) {
      lines.push('（本组没有单位）', '')
      continue
    }
    const types = plan.pointTypes.map((t) => t.pointType).filter((t) => g.units.some((u) => u.points.some((p) => p.pointType === t)))
    const header = ['单位', ...types.map((t) => `${name(t)}需抽查/已登记`), '预计标准误', '能否分辨']
    const rows = g.units.map((u) => {
      for (const p of u.points) points += p.needed
      return [
        u.name,
        ...types.map((t) => {
          const p = u.points.find((x) => x.pointType === t)
          return p ? `${p.needed}/${p.registered}` : '—'
        }),
        u.points.length === 0 ? '—' : u.standardError,
        u.points.length === 0 ? '无登记点位' : u.resolvable ? '能' : '不能',
      ]
    })
    lines.push(...table(header, rows, 1))
    for (const u of g.units) if (!u.resolvable || u.points.length === 0) lines.push(unresolvableWords(u, plan))
    lines.push('')
  }
  lines.push(
    `合计需抽查${points}个点位、考察${points * plan.visitsPerPoint}次。` +
      (plan.resolvable && plan.groups.every((g) => g.units.every((u) => u.points.length > 0))
        ? `各单位均可在登记点位范围内达到要求。`
        : `部分单位在登记点位范围内达不到要求，见各组说明。`),
    '',
  )
  return lines.join('\n')
}
