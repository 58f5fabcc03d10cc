/**
 * Publication commands: `round publish`, `round correct`, `report`. They call the same services
 * as the HTTP API.
 */
import fs from 'node:fs'
import path from 'node:path'
import { InvalidArgumentError, type Command } from 'commander'
import { loadConfig } from '../config.js'
import { MAX_REPLICATES } from '../domain/credibility/index.js'
import { SETTLE_MAX_VISITS } from '../domain/credibility/settle.js'
import { isReportFormat, renderReport, reportFileName, REPORT_FORMATS, type ReportFormat } from '../reports/render.js'
import { correctRound, publishRound, reportInput } from '../services/publication.js'
import { demoSummary, runDemo } from '../services/demo.js'
import { cliActor, err, out, withDatabase } from './context.js'
import { settleVisitsOption } from './options.js'

export function positiveInteger(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more')
  return n
}

/** Bootstrap replicates of the credibility analysis: 1 … MAX_REPLICATES. */
export function replicatesOption(value: string): number {
  const n = positiveInteger(value)
  if (n > MAX_REPLICATES) throw new InvalidArgumentError(`must be at most ${MAX_REPLICATES}`)
  return n
}

function reportFormat(value: string): ReportFormat {
  if (!isReportFormat(value)) throw new InvalidArgumentError(`must be one of ${REPORT_FORMATS.join(', ')}`)
  return value
}

/** Where a report goes by default: reports/<round>/<notice-round-rN>.<ext>, under the working directory. */
export function defaultReportPath(round: string, file: string): string {
  return path.resolve('reports', round.replace(/[^\w.-]+/g, '_'), file)
}

export function addPublicationCommands(program: Command, round: Command): void {
  program
    .command('demo')
    .description('the whole job on the embedded database: a city of 30 units, three monthly rounds entered, scored, published; the last notice as PDF, XLSX and HTML')
    .option('--data <dir>', 'embedded database of the demo (emptied first)', path.join('data', 'demo'))
    .option('--out <dir>', 'where the notice files go', path.join('reports', 'demo'))
    .action(async (opts: { data: string; out: string }) => {
      const started = performance.now()
      const result = await runDemo({ dataDir: path.resolve(opts.data), outDir: path.resolve(opts.out), progress: (line) => err(line) })
      out('')
      out(`${result.rounds.at(-1)?.name ?? ''} 排名摘要：`)
      for (const line of demoSummary(result.last, result.pointTypes)) out(line)
      out('')
      out('通报文件：')
      for (const file of Object.values(result.files)) out(`  ${path.relative(process.cwd(), file)}`)
      out('')
      out(`用时 ${((performance.now() - started) / 1000).toFixed(1)} 秒。查看演示数据：CIVINDEX_DATA=${opts.data} npx civindex serve，然后打开 http://127.0.0.1:3000/public/rounds/${result.rounds.at(-1)?.code ?? ''}`)
    })

  round
    .command('publish')
    .description('publish a reviewed round: freeze ranking, transfers, lists and credibility into a hashed snapshot and post the transfers to the ledger (review → published)')
    .argument('<code>')
    .option('--replicates <n>', `bootstrap replicates of the credibility analysis (default 1000, at most ${MAX_REPLICATES})`, replicatesOption)
    .option('--settle-visits <n>', `extra visits the published settle recommendation proposes, 1 to ${SETTLE_MAX_VISITS} (default: the fewest that reach the target)`, settleVisitsOption)
    .action(async (code: string, opts: { replicates?: number; settleVisits?: number }) => {
      await withDatabase(loadConfig(), async ({ db }) => {
        const p = await publishRound(db, code, cliActor(), {
          ...(opts.replicates !== undefined ? { replicates: opts.replicates } : {}),
          ...(opts.settleVisits !== undefined ? { settleVisits: opts.settleVisits } : {}),
        })
        out(`round ${p.round} published as revision ${p.revision}${p.reason ? ` (correction: ${p.reason})` : ''}: ${p.transfers} transfer(s) posted to the ledger`)
        out(`sha256 ${p.hash}`)
      })
    })
  round
    .command('correct')
    .description('reopen a published round for review to correct it; publishing again creates the next revision (the published ones stay)')
    .argument('<code>')
    .requiredOption('--reason <text>', 'why the published result is corrected (printed in the next revision)')
    .action(async (code: string, opts: { reason: string }) => {
      await withDatabase(loadConfig(), async ({ db }) => {
        const r = await correctRound(db, code, opts.reason, cliActor())
        out(`round ${r.round} is in review again for a correction of revision ${r.revision}: ${r.reason}`)
      })
    })

  program
    .command('report')
    .description('write a published revision as a PDF notice, an Excel workbook, a public HTML page or the snapshot JSON')
    .argument('<round>')
    .requiredOption('--format <format>', REPORT_FORMATS.join(' | '), reportFormat)
    .option('--out <path>', 'file to write (default reports/<round>/notice-<round>-r<revision>.<format>)')
    .option('--revision <n>', 'published revision (default the latest)', positiveInteger)
    .action(async (roundCode: string, opts: { format: ReportFormat; out?: string; revision?: number }) => {
      await withDatabase(loadConfig(), async ({ db }) => {
        const input = await reportInput(db, roundCode, opts.revision ?? null)
        const bytes = await renderReport(input, opts.format)
        const file = opts.out ?? defaultReportPath(roundCode, reportFileName(input, opts.format))
        fs.mkdirSync(path.dirname(file), { recursive: true })
        fs.writeFileSync(file, bytes)
        out(`${file}: ${opts.format} of round ${roundCode} revision ${input.snapshot.revision} (${bytes.length} bytes, sha256 ${input.hash})`)
      })
    })
}
