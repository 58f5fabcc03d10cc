/**
 * `civindex demo` / `npm run demo`: the whole job on the embedded database in one command. A
 * fresh database (by default data/demo, emptied first) gets the city-mock indicator set and a
 * city of about 30 units in 3 groups; three monthly rounds are opened, filled (≈3,000 visits and
 * ≈20,000 findings each, through the same batch import as the API), closed, published with the
 * credibility analysis, and the last round's notice is written as PDF, XLSX and HTML.
 */
import fs from 'node:fs'
import path from 'node:path'
import { openDatabase } from '../db/client.js'
import { DomainError } from '../domain/errors.js'
import type { Actor } from '../db/queries/audit.js'
import { demoCity, type DemoCity } from '../demo/city.js'
import type { RoundResult } from '../domain/scoring/types.js'
import { renderReport, reportFileName, type ReportFormat } from '../reports/render.js'
import { yuanWords } from '../reports/words.js'
import { loadIndicatorSetText } from './indicator-sets.js'
import { publishRound, reportInput } from './publication.js'
import { importRecords } from './records.js'
import { loadRound, transitionRound } from './rounds.js'
import { parseRecords } from '../domain/records/parse.js'
import { settleWords } from '../reports/credibility-words.js'
import { withheldReasonWords } from '../reports/words.js'

export interface DemoOptions {
  /** Embedded database directory; emptied first. */
  dataDir: string
  /** Where the last round's documents go. */
  outDir: string
  /** One line per step. */
  progress: (line: string) => void
  /** Smaller cities for tests: visits and findings per round. */
  size?: { visits: number; findings: number }
}

export interface DemoOutcome {
  rounds: { code: string; name: string; visits: number; findings: number; revision: number; hash: string }[]
  files: Record<'pdf' | 'xlsx' | 'html', string>
  last: RoundResult
  /** Point type names by code (the indicator set's), for the summary. */
  pointTypes: Record<string, string>
}

const BATCH = 10_000

/** Empties the demo's database directory, refusing any directory that is not an embedded database. */
function emptyDatabaseDir(dir: string): void {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && !fs.existsSync(path.join(dir, 'PG_VERSION')))
    throw new DomainError('VALIDATION_FAILED', `${dir} is not an embedded database directory; the demo empties its directory first, so give it a new or a demo one (--data)`)
  fs.rmSync(dir, { recursive: true, force: true })
}
const actor: Actor = { id: null, name: 'demo' }

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const started = performance.now()
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(1)} s`
  emptyDatabaseDir(options.dataDir)
  const city: DemoCity = demoCity(options.size ? { visits: options.size.visits, findings: options.size.findings } : {})
  const handle = await openDatabase({ databaseUrl: null, dataDir: options.dataDir })
  try {
    const db = handle.db
    const set = await loadIndicatorSetText(db, fs.readFileSync(city.setFile, 'utf8'), actor)
    options.progress(`测评体系 ${set.set.ref} ${set.set.name} 已加载（${elapsed()}）`)
    const rounds: DemoOutcome['rounds'] = []
    for (const [i, round] of city.rounds.entries()) {
      const step = `[${i + 1}/${city.rounds.length}] ${round.file.name}`
      await loadRound(db, JSON.stringify(round.file), actor)
      await transitionRound(db, round.code, 'open', actor)
      const visits = round.data.visits ?? []
      const findings = round.data.findings ?? []
      await importRecords(db, round.code, parseRecords({ visits, externalScores: round.data.externalScores ?? [], measures: round.data.measures ?? [], directScores: round.data.directScores ?? [] }), actor)
      for (let k = 0; k < findings.length; k += BATCH) await importRecords(db, round.code, parseRecords({ findings: findings.slice(k, k + BATCH) }), actor)
      options.progress(`${step}：录入 ${visits.length} 个点次、${findings.length} 条问题（${elapsed()}）`)
      await transitionRound(db, round.code, 'close', actor)
      const published = await publishRound(db, round.code, actor)
      rounds.push({ code: round.code, name: round.file.name, visits: visits.length, findings: findings.length, revision: published.revision, hash: published.hash })
      options.progress(`${step}：已发布第${published.revision}版，SHA-256 ${published.hash.slice(0, 16)}…（${elapsed()}）`)
    }

    const last = rounds.at(-1)!
    const input = await reportInput(db, last.code)
    fs.mkdirSync(options.outDir, { recursive: true })
    const files = {} as DemoOutcome['files']
    for (const format of ['pdf', 'xlsx', 'html'] as const satisfies readonly ReportFormat[]) {
      const file = path.join(options.outDir, reportFileName(input, format))
      fs.writeFileSync(file, await renderReport(input, format))
      files[format] = file
    }
    options.progress(`通报已生成：PDF、Excel、HTML（${elapsed()}）`)
    return { rounds, files, last: input.snapshot.result, pointTypes: Object.fromEntries((input.snapshot.pointTypes ?? []).map((t) => [t.code, t.name])) }
  } finally {
    await handle.close()
  }
}

/**
 * A few lines per group: first, last, ties, the transfer and the escalation, how sure the last
 * place is and, when it is not settled, the extra visits that would settle it.
 */
export function demoSummary(result: RoundResult, pointTypes: Readonly<Record<string, string>> = {}): string[] {
  const lines: string[] = []
  for (const g of result.groups) {
    const name = new Map(g.ranking.map((u) => [u.unit, u.name]))
    const first = g.ranking.filter((u) => u.rank === 1)
    const last = g.ranking.filter((u) => u.bottom === 1)
    const ties = [...new Set(g.ranking.filter((u) => u.tied).map((u) => u.rank))]
    lines.push(
      `【${g.name}】第一名 ${first.map((u) => `${u.name} ${u.total}`).join('、')}；末位 ${last.map((u) => `${u.name} ${u.total}`).join('、')}` +
        (ties.length > 0 ? `；并列名次 ${ties.join('、')}` : ''),
    )
    for (const t of g.transfers) lines.push(`  ${name.get(t.payer) ?? t.payer} 向 ${name.get(t.payee) ?? t.payee} 拨付人民币${yuanWords(t.amount)}`)
    const names: Record<string, string> = Object.fromEntries(g.ranking.map((u) => [u.unit, u.name]))
    for (const w of g.withheld) lines.push(`  暂缓拨付：${withheldReasonWords(w.reason, names)}`)
    for (const e of g.escalation) if (e.consecutive > 1) lines.push(`  ${e.name} 连续${e.consecutive}期列入黑榜${e.action ? `：${e.action}` : ''}`)
    const pLast = last[0]?.credibility?.pLast
    if (pLast !== undefined && last.length === 1) lines.push(`  末位可信度 P(末位) = ${pLast}`)
    const settle = settleWords(g, { unit: (code) => names[code] ?? code, part: (code) => code, pointType: (code) => pointTypes[code] ?? code })
    if (settle) lines.push(`  ${settle}`)
  }
  return lines
}
