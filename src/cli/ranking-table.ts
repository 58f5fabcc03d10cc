/** The readable Chinese ranking of `civindex score <round>` (without --json). */
import type { Component } from '../domain/indicator-set/model.js'
import type { Consequences, RoundResult } from '../domain/scoring/types.js'
import { changeWords, displayWidth, padDisplay, positionWords, rankWords, unrankedReasonWords, yuanWords } from '../reports/words.js'

export interface TableContext {
  roundName: string
  components: Component[]
  /** Consequence rules by group code, to phrase the transfers. */
  rules: Record<string, Consequences>
}

export function rankingTable(result: RoundResult, ctx: TableContext): string {
  const names = Object.fromEntries(ctx.components.map((c) => [c.code, c.name]))
  const lines: string[] = [`${ctx.roundName}（${result.round}） 测评体系 ${result.indicatorSet}`, '']
  for (const g of result.groups) {
    const weights = ctx.components.map((c) => `${c.name} ${g.weights[c.code] ?? '0'}`).join(' / ')
    lines.push(`【${g.name}】 权重：${weights}`)
    const header = ['名次', '单位', '总分', ...ctx.components.map((c) => c.name), '问题数', '考察点次', '较上期']
    const rows = g.ranking.map((u) => [
      rankWords(u.rank, u.tied),
      u.name,
      u.total,
      ...ctx.components.map((c) => u.components[c.code] ?? '—'),
      String(u.findings),
      String(u.visits),
      changeWords(u.change),
    ])
    const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))))
    const numeric = (i: number): boolean => i >= 2 && i < header.length - 1
    const render = (cells: string[]): string => cells.map((c, i) => padDisplay(c, widths[i] ?? 0, numeric(i) ? 'right' : 'left')).join('  ').trimEnd()
    lines.push(render(header))
    for (const r of rows) lines.push(render(r))
    if (g.ranking.length === 0) lines.push('（无参与排名的单位）')
    for (const u of g.unranked) lines.push(`未参评：${u.name}（${unrankedReasonWords(u.reason, names)}）`)
    const nameOf = new Map([...g.ranking, ...g.unranked].map((u) => [u.unit, u.name]))
    const rules = ctx.rules[g.code]
    for (const t of g.transfers) {
      const rule = rules?.transfers[t.rule]
      const payer = rule ? positionWords(rule.payer, 'payer') : '付款单位'
      const payee = rule ? positionWords(rule.payee, 'payee') : '收款单位'
      lines.push(`资金划拨：${payer}${nameOf.get(t.payer) ?? t.payer}向${payee}${nameOf.get(t.payee) ?? t.payee}拨付人民币${yuanWords(t.amount)}（${t.amount}元）`)
    }
    for (const w of g.withheld) lines.push(`未划拨（规则${w.rule + 1}）：${w.reason}`)
    if (g.lists.red.length > 0) lines.push(`红榜：${g.lists.red.map((u) => nameOf.get(u) ?? u).join('、')}`)
    if (g.lists.black.length > 0) lines.push(`黑榜：${g.lists.black.map((u) => nameOf.get(u) ?? u).join('、')}`)
    for (const d of g.selfCriticismDuties) lines.push(`公开检讨：${d.name}主要负责人${d.head ?? ''}须在市文明委会议上作公开检讨`)
    for (const e of g.escalation) lines.push(`问责升级：${e.name}连续${e.consecutive}次列入黑榜${e.action ? `，${e.action}` : ''}`)
    lines.push('')
  }
  return lines.join('\n')
}
