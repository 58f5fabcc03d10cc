/** The readable Chinese ranking of `civindex score <round>` (without --json). */
import type { Component } from '../domain/indicator-set/model.js'
import type { Consequences, GroupCredibility, RoundResult, UnitCredibility } from '../domain/scoring/types.js'
import { changeWords, displayWidth, padDisplay, positionWords, rankWords, unrankedReasonWords, yuanWords } from '../reports/words.js'

export interface TableContext {
  roundName: string
  components: Component[]
  /** Consequence rules by group code, to phrase the transfers. */
  rules: Record<string, Consequences>
  /** Names of the top-level indicators by code (credibility's dominance check names them). */
  indicatorNames?: Record<string, string>
}

export function rankingTable(result: RoundResult, ctx: TableContext): string {
  const names = Object.fromEntries(ctx.components.map((c) => [c.code, c.name]))
  const lines: string[] = [`${ctx.roundName}（${result.round}） 测评体系 ${result.indicatorSet}`, '']
  for (const g of result.groups) {
    const weights = ctx.components.map((c) => `${c.name} ${g.weights[c.code] ?? '0'}`).join(' / ')
    lines.push(`【${g.name}】 权重：${weights}`)
    const credible = g.credibility !== undefined
    const header = ['名次', '单位', '总分', ...ctx.components.map((c) => c.name), '问题数', '考察点次', ...(credible ? ['总分90%区间', '名次区间', 'P(末位)'] : []), '较上期']
    const rows = g.ranking.map((u) => [
      rankWords(u.rank, u.tied),
      u.name,
      u.total,
      ...ctx.components.map((c) => u.components[c.code] ?? '—'),
      String(u.findings),
      String(u.visits),
      ...(credible ? credibilityCells(u.credibility) : []),
      changeWords(u.change),
    ])
    const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))))
    const numeric = (i: number): boolean => i >= 2 && i < header.length - 1
    const render = (cells: string[]): string => cells.map((c, i) => padDisplay(c, widths[i] ?? 0, numeric(i) ? 'right' : 'left')).join('  ').trimEnd()
    lines.push(render(header))
    for (const r of rows) lines.push(render(r))
    if (g.ranking.length === 0) lines.push('（无参与排名的单位）')
    if (g.credibility) {
      const parts = { ...ctx.indicatorNames, ...Object.fromEntries(ctx.components.map((c) => [`component:${c.code}`, c.name])) }
      lines.push(...credibilityLines(g.credibility, new Map(g.ranking.map((u) => [u.unit, u.name])), parts))
    }
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

function credibilityCells(c: UnitCredibility | undefined): string[] {
  if (!c) return ['—', '—', '—']
  const [lo, hi] = c.rank90
  return [`${c.total90[0]}–${c.total90[1]}`, lo === hi ? String(lo) : `${lo}–${hi}`, c.pLast]
}

/** The group's credibility in a few sentences: the margin at the last place, ties, sensitivity, dominance. */
function credibilityLines(c: GroupCredibility, names: Map<string, string>, parts: Record<string, string>): string[] {
  const name = (u: string): string => names.get(u) ?? u
  const lines: string[] = []
  if (c.last) {
    const m = c.last
    lines.push(
      `末位可信度：${name(m.unit)}比${name(m.next)}低${m.margin}分，90%区间 ${m.margin90[0]}～${m.margin90[1]}` +
        (m.statisticalTie ? '，区间含0，末位与上一名在统计上无法区分（统计并列）' : '，末位在统计上可区分'),
    )
  }
  if (c.first?.statisticalTie) lines.push(`第一名可信度：${name(c.first.unit)}与${name(c.first.next)}在统计上无法区分（统计并列）`)
  lines.push(`权重敏感性：权重在±${Math.round(Number(c.weightSensitivity.spread) * 100)}%内随机变动${c.weightSensitivity.runs}次，末位保持末位的比例为${c.weightSensitivity.lastStaysLast}`)
  if (c.dominance) {
    lines.push(
      c.dominance.dominated
        ? `占优检验：${name(c.dominance.unit)}在每一个分项上都不高于同组其他单位，任何权重下均为末位`
        : `占优检验：${name(c.dominance.unit)}在以下分项上领先：${c.dominance.beats.map((b) => `${b.on.map((p) => parts[p] ?? p).join('、')}（高于${name(b.unit)}）`).join('；')}`,
    )
  }
  lines.push(`方法：${c.method}`)
  return lines
}
