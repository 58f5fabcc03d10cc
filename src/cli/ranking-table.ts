/** The readable Chinese ranking of `civindex score <round>` (without --json). */
import type { Component } from '../domain/indicator-set/model.js'
import type { Consequences, GroupResult, RoundResult, UnitCredibility } from '../domain/scoring/types.js'
import { credibilitySentences, methodWords, sampleOf, sampleWords, settleWords, standardErrorOf, type CredibilityNames } from '../reports/credibility-words.js'
import { changeWords, displayWidth, padDisplay, positionWords, rankWords, unrankedReasonWords, withheldReasonWords, yuanWords } from '../reports/words.js'

export interface TableContext {
  roundName: string
  components: Component[]
  /** Consequence rules by group code, to phrase the transfers. */
  rules: Record<string, Consequences>
  /** Names of the top-level indicators by code (credibility's dominance check names them). */
  indicatorNames?: Record<string, string>
  /** Names of the point types by code (what each unit sampled); without them the codes are shown. */
  pointTypeNames?: Record<string, string>
}

export function rankingTable(result: RoundResult, ctx: TableContext): string {
  const names = Object.fromEntries(ctx.components.map((c) => [c.code, c.name]))
  const lines: string[] = [`${ctx.roundName}（${result.round}） 测评体系 ${result.indicatorSet}`, '']
  for (const g of result.groups) {
    const weights = ctx.components.map((c) => `${c.name} ${g.weights[c.code] ?? '0'}`).join(' / ')
    lines.push(`【${g.name}】 权重：${weights}`)
    const credible = g.credibility !== undefined
    const header = ['名次', '单位', '总分', ...ctx.components.map((c) => c.name), '问题数', '考察点次', ...(credible ? ['总分90%区间', '标准误', '名次区间', 'P(末位)'] : []), '较上期']
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
    const nameOf = new Map([...g.ranking, ...g.unranked].map((u) => [u.unit, u.name]))
    lines.push(...credibilityLines(g, namesFor(ctx, nameOf)))
    for (const u of g.unranked) lines.push(`未参评：${u.name}（${unrankedReasonWords(u.reason, names)}）`)
    const rules = ctx.rules[g.code]
    for (const t of g.transfers) {
      const rule = rules?.transfers[t.rule]
      const payer = rule ? positionWords(rule.payer, 'payer') : '付款单位'
      const payee = rule ? positionWords(rule.payee, 'payee') : '收款单位'
      lines.push(`资金划拨：${payer}${nameOf.get(t.payer) ?? t.payer}向${payee}${nameOf.get(t.payee) ?? t.payee}拨付人民币${yuanWords(t.amount)}（${t.amount}元）`)
    }
    for (const w of g.withheld) lines.push(`未划拨（规则${w.rule + 1}）：${withheldReasonWords(w.reason, Object.fromEntries(nameOf))}`)
    if (g.lists.red.length > 0) lines.push(`红榜：${g.lists.red.map((u) => nameOf.get(u) ?? u).join('、')}`)
    if (g.lists.black.length > 0) lines.push(`黑榜：${g.lists.black.map((u) => nameOf.get(u) ?? u).join('、')}`)
    for (const d of g.selfCriticismDuties) lines.push(`公开检讨：${d.name}主要负责人${d.head ?? ''}须在市文明委会议上作公开检讨`)
    for (const e of g.escalation) lines.push(`问责升级：${e.name}连续${e.consecutive}次列入黑榜${e.action ? `，${e.action}` : ''}`)
    lines.push('')
  }
  const analysed = result.groups.find((g) => g.credibility !== undefined)?.credibility
  if (analysed) lines.push(`排名可信度的计算：${methodWords(analysed)}`, '')
  return lines.join('\n')
}

function namesFor(ctx: TableContext, units: Map<string, string>): CredibilityNames {
  const components = new Map(ctx.components.map((c) => [c.code, c.name]))
  return {
    unit: (code) => units.get(code) ?? code,
    part: (code) => {
      const plain = code.startsWith('component:') ? code.slice('component:'.length) : code
      return components.get(plain) ?? ctx.indicatorNames?.[plain] ?? code
    },
    pointType: (code) => ctx.pointTypeNames?.[code] ?? code,
  }
}

function credibilityCells(c: UnitCredibility | undefined): string[] {
  if (!c) return ['—', '—', '—', '—']
  const [lo, hi] = c.rank90
  return [`${c.total90[0]}–${c.total90[1]}`, standardErrorOf(c) ?? '—', lo === hi ? String(lo) : `${lo}–${hi}`, c.pLast]
}

/**
 * The group's credibility in the notice's sentences (src/reports/credibility-words.ts): the last
 * place and how sure it is, the indifference margin, the first place, weight sensitivity; then
 * what would settle the last place, and what each unit sampled.
 */
function credibilityLines(g: GroupResult, names: CredibilityNames): string[] {
  const sentences = credibilitySentences(g, names)
  const lines = sentences.length > 0 ? ['排名可信度：', ...sentences.map((s) => `  ${s}`)] : []
  const settle = settleWords(g, names)
  if (settle) lines.push(settle)
  const sampled = g.ranking.filter((u) => sampleOf(u.credibility).length > 0)
  if (sampled.length > 0) {
    lines.push('各单位抽样与精度：')
    for (const u of sampled) {
      const se = standardErrorOf(u.credibility)
      lines.push(`  ${u.name}：${sampleOf(u.credibility).map((s) => sampleWords(s, names.pointType)).join('，')}${se === null ? '' : `；总分标准误${se}分`}`)
    }
  }
  return lines
}
