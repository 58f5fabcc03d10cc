/**
 * The readable Chinese output of `civindex settle <round>`: per group, what would settle the last
 * place (the notice's sentence, src/reports/credibility-words.ts settleWords) or that it is
 * settled, and the plans the office has accepted with their progress.
 */
import type { GroupResult, RoundResult } from '../domain/scoring/types.js'
import { settleWords, type CredibilityNames } from '../reports/credibility-words.js'
import { percentWords } from '../reports/words.js'
import type { AcceptedSettlePlan, AcceptSettleResult } from '../services/settle.js'

export interface SettleContext {
  roundName: string
  pointTypeNames: Record<string, string>
}

function namesOf(g: GroupResult, ctx: SettleContext): CredibilityNames {
  const units = new Map([...g.ranking, ...g.unranked].map((u) => [u.unit, u.name]))
  return { unit: (code) => units.get(code) ?? code, part: (code) => code, pointType: (code) => ctx.pointTypeNames[code] ?? code }
}

/** 「2026年1月5日 09:10」, China Standard Time (UTC+8 all year). */
export function timeWords(iso: string): string {
  const t = new Date(Date.parse(iso) + 8 * 3600_000)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`
}

/** A group's recommendation, or why none is needed. */
export function groupSettleWords(g: GroupResult, ctx: SettleContext): string {
  const names = namesOf(g, ctx)
  const sentence = settleWords(g, names)
  if (sentence) return sentence
  if (g.ranking.length < 2) return '本组参与排名的单位不足两个，不产生末位，无需补充考察。'
  const last = g.ranking.filter((u) => u.bottom === 1)
  const p = last.length === 1 ? last[0]!.credibility?.pLast : undefined
  return p === undefined ? '末位已可确定，无需补充考察。' : `末位${last[0]!.name}排名末位的概率为${percentWords(p)}，已可确定，无需补充考察。`
}

/** One accepted plan and its progress, as lines. */
export function acceptedPlanLines(p: AcceptedSettlePlan, g: GroupResult | undefined, ctx: SettleContext): string[] {
  const names = g ? namesOf(g, ctx) : { unit: (c: string) => c, pointType: (c: string) => ctx.pointTypeNames[c] ?? c }
  const state = p.status === 'done' ? '已被后来的计划取代' : p.progress.complete ? '补充考察已全部录入，排名的置信门槛将据此重新判断' : '进行中'
  const lines = [`  计划${p.id}：${timeWords(p.acceptedAt)}由${p.acceptedBy}接受，补充考察${p.progress.planned}次，已录入${p.progress.recorded}次（${state}）`]
  for (const r of p.progress.points)
    lines.push(`    ${names.unit(r.unit)} ${names.pointType(r.pointType)} ${r.point === null ? '（未指定点位）' : `点位${r.point}`}：计划${r.planned}次，已录入${r.recorded}次`)
  return lines
}

export function settleReport(result: RoundResult, accepted: AcceptedSettlePlan[], ctx: SettleContext, only?: string): string {
  const lines = [`${ctx.roundName}（${result.round}） 末位补充考察建议`, '']
  for (const g of result.groups) {
    if (only !== undefined && g.code !== only) continue
    lines.push(`【${g.name}】`, groupSettleWords(g, ctx))
    const mine = accepted.filter((p) => p.group === g.code)
    if (mine.length > 0) lines.push('已接受的补充考察计划：', ...mine.flatMap((p) => acceptedPlanLines(p, g, ctx)))
    lines.push('')
  }
  return lines.join('\n')
}

/** What `settle --accept` prints once the plan is stored. */
export function acceptedWords(a: AcceptSettleResult, groupName: string): string[] {
  const lines = [`已接受${groupName}的补充考察计划（计划${a.id}）：共补充考察${a.plan.visits}次，预计完成后确定末位的把握为${percentWords(a.plan.expected)}。`]
  if (a.replaced.length > 0) lines.push(`此前未完成的计划${a.replaced.join('、')}已由本计划取代。`)
  lines.push(a.note ?? '请在实地考察中录入这些补充考察；录入后再次计算排名，置信门槛将重新判断。')
  return lines
}
