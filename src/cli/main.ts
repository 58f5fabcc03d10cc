/**
 * `civindex` — the command line. Every subcommand calls the same services as the HTTP API.
 * Results go to stdout, diagnostics to stderr; unknown commands and any failure exit 1.
 */
import fs from 'node:fs'
import { Command, CommanderError } from 'commander'
import { loadConfig } from '../config.js'
import { ensureTemplate } from '../db/client.js'
import { formatIssue } from '../domain/errors.js'
import { countNodes, setRef, standardsOf } from '../domain/indicator-set/model.js'
import { getIndicatorSet, invalid, listIndicatorSets, loadIndicatorSet, validateIndicatorSet } from '../services/indicator-sets.js'
import { getRound, listRoundSummaries, loadRound, transitionRound } from '../services/rounds.js'
import { importRecords, type ImportSummary } from '../services/records.js'
import { importWorkbook, markErrorsCopy, WorkbookRejected, writeRoundTemplate } from '../services/workbooks.js'
import { progressLine } from './progress.js'
import { computeRanking } from '../services/scoring.js'
import type { RoundDefinition } from '../domain/round/validate.js'
import { rankingTable } from './ranking-table.js'
import { createUser, listUsers } from '../services/users.js'
import { startServer } from '../http/server.js'
import { reportError } from './output.js'
import { cliActor, err, out, withDatabase } from './context.js'
import { addPublicationCommands, replicatesOption } from './publication-commands.js'
import { addDatabaseCommands } from './database-commands.js'
import { MAX_REPLICATES } from '../domain/credibility/index.js'
import { SETTLE_MAX_VISITS } from '../domain/credibility/settle.js'
import { addPlanCommands } from './plan-commands.js'
import { settleVisitsOption } from './options.js'
import { parseRecords } from '../domain/records/parse.js'


function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
}

class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`)
  }
}

export function buildProgram(): Command {
  const program = new Command()
    .name('civindex')
    .description('第三方文明程度指数测评系统 — civility index evaluation engine')
    .showHelpAfterError()
    .exitOverride()

  program
    .command('serve')
    .description('serve the HTTP API (PORT, HOST; embedded database unless DATABASE_URL is set)')
    .action(async () => {
      await startServer(loadConfig()) // the open server keeps the process alive until a signal
    })

  const db = program.command('db').description('database maintenance')
  db.command('template')
    .description('prepare the migrated template that makes fresh embedded databases start fast (run by npm install)')
    .action(async () => out(`embedded database template: ${await ensureTemplate()}`))
  db.command('migrate')
    .description('apply pending migrations')
    .action(async () => {
      const config = loadConfig()
      await withDatabase(config, async (h) => out(`migrations applied (${h.engine}: ${h.location})`))
    })
  addDatabaseCommands(program, db)

  const indicators = program.command('indicators').description('indicator sets (测评体系)')
  indicators
    .command('validate')
    .description('check indicator-set files; print every problem; store nothing')
    .argument('<files...>')
    .action((files: string[]) => {
      let failed = 0
      for (const file of files) {
        let text: string
        try {
          text = readText(file)
        } catch (error) {
          failed++
          err(error instanceof Error ? error.message : String(error))
          continue
        }
        const outcome = validateIndicatorSet(text)
        if (outcome.ok) {
          const kinds = new Map<string, number>()
          for (const s of standardsOf(outcome.set)) kinds.set(s.rule.kind, (kinds.get(s.rule.kind) ?? 0) + 1)
          const { indicators: ni, standards: ns } = countNodes(outcome.set)
          const byKind = [...kinds].map(([k, n]) => `${k} ${n}`).join(', ')
          out(`${file}: ok — ${setRef(outcome.set)} ${outcome.set.name}: ${ni} indicators, ${ns} standards (${byKind})`)
        } else {
          failed++
          for (const issue of outcome.issues) err(formatIssue(file, issue))
          err(`${file}: ${outcome.issues.length} problem(s)`)
        }
      }
      if (failed > 0) throw new ExitCode(1)
    })

  indicators
    .command('load')
    .description('validate and store indicator sets (all files are checked before any is stored)')
    .argument('<files...>')
    .action(async (files: string[]) => {
      const parsed = files.map((file) => {
        const text = readText(file)
        return { file, text, outcome: validateIndicatorSet(text) }
      })
      const bad = parsed.filter((p) => !p.outcome.ok)
      if (bad.length > 0) {
        for (const p of bad) if (!p.outcome.ok) for (const issue of p.outcome.issues) err(formatIssue(p.file, issue))
        err(`nothing stored: ${bad.length} file(s) have problems`)
        throw new ExitCode(1)
      }
      await withDatabase(loadConfig(), async ({ db }) => {
        for (const p of parsed) {
          if (!p.outcome.ok) throw invalid(p.outcome.issues)
          const result = await loadIndicatorSet(db, p.outcome.set, p.text, cliActor())
          out(`${p.file}: ${result.status === 'created' ? 'loaded' : 'already loaded, unchanged'} ${result.set.ref} (${result.set.standards} standards)`)
        }
      })
    })

  indicators
    .command('list')
    .description('list stored indicator sets')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withDatabase(loadConfig(), async ({ db }) => {
        const sets = await listIndicatorSets(db)
        if (opts.json) return out(JSON.stringify(sets, null, 2))
        if (sets.length === 0) return out('no indicator sets loaded')
        for (const s of sets) out(`${s.ref}\t${s.name}\t${s.indicators} indicators, ${s.standards} standards\t${s.components.map((c) => `${c.name} ${c.weight}`).join(' / ')}`)
      })
    })

  const round = program.command('round').description('evaluation rounds (测评轮次)')
  round
    .command('load')
    .description('load a round file: groups, units and their heads, points, consequence rules')
    .argument('<file>')
    .action(async (file: string) => {
      const text = readText(file)
      await withDatabase(loadConfig(), async ({ db }) => {
        const result = await loadRound(db, text, cliActor()).catch((error: unknown) => {
          reportError(error, file)
          throw new ExitCode(1)
        })
        const r = result.round
        const verb = { created: 'loaded', updated: 'updated', unchanged: 'already loaded, unchanged' }[result.status]
        out(`${file}: ${verb} round ${r.code} ${r.name} (${r.indicatorSet}; ${r.groups.map((g) => `${g.name} ${g.units}`).join(', ')} units; ${r.points} points)`)
      })
    })
  for (const transition of ['open', 'close'] as const) {
    round
      .command(transition)
      .description(transition === 'open' ? 'start fieldwork (draft → fieldwork, or back from review)' : 'end fieldwork and start review (fieldwork → review)')
      .argument('<code>')
      .action(async (code: string) => {
        await withDatabase(loadConfig(), async ({ db }) => {
          const r = await transitionRound(db, code, transition, cliActor())
          out(`round ${r.code} is now ${r.status}`)
        })
      })
  }
  round
    .command('list')
    .description('list rounds')
    .action(async () => {
      await withDatabase(loadConfig(), async ({ db }) => {
        const rounds = await listRoundSummaries(db)
        if (rounds.length === 0) return out('no rounds loaded')
        for (const r of rounds) out(`${r.code}\t${r.status}\t${r.series}\t${r.period.from}–${r.period.to}\t${r.name}`)
      })
    })

  program
    .command('template')
    .description('write the Excel entry template of a round (one sheet per record kind, with dropdowns)')
    .argument('<round>')
    .requiredOption('--out <file.xlsx>', 'where to write it')
    .action(async (roundCode: string, opts: { out: string }) => {
      await withDatabase(loadConfig(), async ({ db }) => {
        await writeRoundTemplate(db, roundCode, opts.out)
        out(`${opts.out}: template of round ${roundCode}`)
      })
    })

  program
    .command('import')
    .description('import visits, findings and scores into a round from a JSON data file or a filled Excel template (all or nothing)')
    .argument('<round>')
    .argument('<file>')
    .action(async (roundCode: string, file: string) => {
      const summarise = (s: ImportSummary): string =>
        `${file}: imported into ${s.round}: ${s.visits.added} visits (${s.visits.unchanged} already there), ${s.findings.added} findings (${s.findings.unchanged} already there), ` +
        `${s.externalScores} external scores, ${s.measures} measures, ${s.directScores} direct scores`
      if (/\.xlsx$/i.test(file)) {
        if (!fs.existsSync(file)) throw new Error(`cannot read ${file}: ENOENT`)
        await withDatabase(loadConfig(), async ({ db }) => {
          const progress = progressLine(file)
          try {
            const s = await importWorkbook(db, roundCode, file, cliActor(), { onProgress: (rows) => progress.update(rows) })
            progress.done()
            out(summarise(s))
          } catch (error) {
            progress.done()
            reportError(error, file)
            if (error instanceof WorkbookRejected) {
              const marked = file.replace(/\.xlsx$/i, '.errors.xlsx')
              await markErrorsCopy(file, error, marked)
              err(`${file}: nothing was stored; the bad cells are marked in ${marked}`)
            }
            throw new ExitCode(1)
          }
        })
        return
      }
      if (!/\.json$/i.test(file)) throw new Error(`${file}: the data file must be .json (SPEC §6.1 records) or .xlsx (the round's template)`)
      let data: unknown
      try {
        data = JSON.parse(readText(file)) as unknown
      } catch (error) {
        if (error instanceof SyntaxError) throw new Error(`${file} is not valid JSON: ${error.message}`)
        throw error
      }
      await withDatabase(loadConfig(), async ({ db }) => {
        try {
          out(summarise(await importRecords(db, roundCode, parseRecords(data), cliActor())))
        } catch (error) {
          reportError(error, file)
          throw new ExitCode(1)
        }
      })
    })

  program
    .command('score')
    .description('compute the ranking of a round (a readable table, or the JSON of SPEC §4.5)')
    .argument('<round>')
    .option('--json', 'print the ranking JSON')
    .option('--credibility', 'add the credibility analysis: bootstrap intervals, P(first), P(last), weight sensitivity, dominance')
    .option('--replicates <n>', `bootstrap replicates (default 1000, at most ${MAX_REPLICATES})`, replicatesOption)
    .option('--settle-visits <n>', `extra visits the settle recommendation proposes, 1 to ${SETTLE_MAX_VISITS} (default: the fewest that reach the target)`, settleVisitsOption)
    .action(async (roundCode: string, opts: { json?: boolean; credibility?: boolean; replicates?: number; settleVisits?: number }) => {
      await withDatabase(loadConfig(), async ({ db }) => {
        const result = await computeRanking(db, roundCode, {
          credibility: opts.credibility === true,
          ...(opts.replicates !== undefined ? { replicates: opts.replicates } : {}),
          ...(opts.settleVisits !== undefined ? { settleVisits: opts.settleVisits } : {}),
        })
        if (opts.json) return out(JSON.stringify(result))
        const r = await getRound(db, roundCode)
        const def = r.source as RoundDefinition
        const set = await getIndicatorSet(db, r.setCode, r.setVersion)
        const rules = Object.fromEntries(def.groups.map((g) => [g.code, g.consequences ?? def.consequences]))
        out(
          rankingTable(result, {
            roundName: r.name,
            components: set.definition.components,
            rules,
            indicatorNames: Object.fromEntries(set.definition.indicators.map((i) => [i.code, i.type === 'indicator' ? i.name : i.text])),
            pointTypeNames: Object.fromEntries(set.definition.pointTypes.map((p) => [p.code, p.name])),
          }),
        )
      })
    })

  addPublicationCommands(program, round)
  addPlanCommands(program)

  const users = program.command('users').description('users and their tokens')
  users
    .command('add')
    .description('create a user and print its token (shown only once)')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--role <role>', 'admin | evaluator | reviewer | leader | unit')
    .option('--unit <code>', 'for the unit role: the unit code')
    .action(async (opts: { name: string; role: string; unit?: string }) => {
      await withDatabase(loadConfig(), async ({ db }) => {
        const user = await createUser(db, { name: opts.name, role: opts.role, unit: opts.unit ?? null }, cliActor())
        err(`created user ${user.id} (${user.name}, ${user.role}); the token below is shown only once:`)
        out(user.token)
      })
    })
  users
    .command('list')
    .description('list users (tokens are never shown again)')
    .action(async () => {
      await withDatabase(loadConfig(), async ({ db }) => {
        for (const u of await listUsers(db)) out(`${u.id}\t${u.name}\t${u.role}${u.unitCode ? `\t${u.unitCode}` : ''}${u.disabled ? '\t(disabled)' : ''}`)
      })
    })

  return program
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof ExitCode) return error.code
    if (error instanceof CommanderError) {
      // Help and version print and succeed; every other commander error has been printed.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' ? 0 : 1
    }
    reportError(error)
    return 1
  }
}
