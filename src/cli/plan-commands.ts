/**
 * Planning commands (SPEC §5): `plan` (how many points per type each unit needs) and `settle`
 * (the extra visits that would settle a group's last place; `--accept` stores the plan). They
 * call the same services as the HTTP API.
 */
import fs from 'node:fs'
import { InvalidArgumentError, type Command } from 'commander'
import { loadConfig } from '../config.js'
import { SETTLE_MAX_VISITS } from '../domain/credibility/settle.js'
import { getIndicatorSet } from '../services/indicator-sets.js'
import { MAX_VISITS_PER_POINT, planForRound, readStatedPrior } from '../services/plan.js'
import { getRound } from '../services/rounds.js'
import { computeRanking } from '../services/scoring.js'
import { acceptSettlePlan, listRoundSettlePlans } from '../services/settle.js'
import { cliActor, out, withDatabase } from './context.js'
import { planTable } from './plan-table.js'
import { acceptedWords, settleReport } from './settle-table.js'
import { replicatesOption } from './publication-commands.js'
import { settleVisitsOption } from './options.js'
import type { Queryable } from '../db/client.js'

const DECIMAL = /^\d{1,6}(\.\d{1,10})?$/

/** A decimal number within (lo, hi] or (lo, hi), in Chinese when refused. */
function decimalOption(what: string, lo: number, hi: number, closedHigh: boolean): (value: string) => number {
  return (value: string) => {
    const n = Number(value)
    if (!DECIMAL.test(value) || !(n > lo) || (closedHigh ? n > hi : n >= hi)) throw new InvalidArgumentError(`${what}须为大于${lo}${closedHigh ? '且不超过' : '且小于'}${hi}的数`)
    return n
  }
}

export const marginOption = decimalOption('差距Δ', 0, 100, true)
export const probabilityOption = decimalOption('概率', 0.5, 1, false)

export function visitsPerPointOption(value: string): number {
  const n = Number(value)
  if (!/^\d{1,3}$/.test(value) || n < 1 || n > MAX_VISITS_PER_POINT) throw new InvalidArgumentError(`每个点位的考察次数须为1至${MAX_VISITS_PER_POINT}的整数`)
  return n
}


function readPrior(file: string) {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`无法读取先验文件${file}：${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text) as unknown
  } catch (error) {
    throw new Error(`先验文件${file}不是有效的 JSON：${error instanceof Error ? error.message : String(error)}`)
  }
  return readStatedPrior(value, file)
}

async function pointTypeNames(db: Queryable, roundCode: string): Promise<{ roundName: string; pointTypeNames: Record<string, string> }> {
  const r = await getRound(db, roundCode)
  const set = await getIndicatorSet(db, r.setCode, r.setVersion)
  return { roundName: r.name, pointTypeNames: Object.fromEntries(set.definition.pointTypes.map((p) => [p.code, p.name])) }
}

interface PlanOptions {
  margin?: number
  confidence?: number
  power?: number
  visitsPerPoint?: number
  from?: string
  prior?: string
  json?: boolean
}

interface SettleOptions {
  group?: string
  accept?: boolean
  visits?: number
  replicates?: number
  json?: boolean
}

export function addPlanCommands(program: Command): void {
  program
    .command('plan')
    .description('plan a round: points per type each unit needs so that a true margin Δ at the bottom opens the confidence gate (SPEC §5)')
    .argument('<round>')
    .option('--margin <Δ>', 'the true margin between the last and the next unit to resolve, points of the total (default 1.00)', marginOption)
    .option('--confidence <c>', "the confidence gate to open (default: the round's minConfidence, else 0.9)", probabilityOption)
    .option('--power <π>', 'the probability that the gate opens when the true margin is Δ (default 0.8)', probabilityOption)
    .option('--visits-per-point <k>', `visits per sampled point, 1 to ${MAX_VISITS_PER_POINT} (default 1)`, visitsPerPointOption)
    .option('--from <round>', 'the round whose sampling error to use (default: the previous round of the series with visits)')
    .option('--prior <file.json>', 'a stated prior of the sampling error instead of a round: { "pointTypes": { "<type>": { "betweenPoints": "1.20", "withinPoint": "2.50" } }, "spread": "4.00" }')
    .option('--json', 'print the plan as JSON (the document of GET /api/v1/rounds/:code/plan)')
    .action(async (roundCode: string, opts: PlanOptions) => {
      if (opts.from !== undefined && opts.prior !== undefined) throw new Error('--from 与 --prior 只能给出其一')
      const prior = opts.prior !== undefined ? readPrior(opts.prior) : undefined
      await withDatabase(loadConfig(), async ({ db }) => {
        const plan = await planForRound(db, roundCode, {
          ...(opts.margin !== undefined ? { margin: opts.margin } : {}),
          ...(opts.confidence !== undefined ? { confidence: opts.confidence } : {}),
          ...(opts.power !== undefined ? { power: opts.power } : {}),
          ...(opts.visitsPerPoint !== undefined ? { visitsPerPoint: opts.visitsPerPoint } : {}),
          ...(opts.from !== undefined ? { from: opts.from } : {}),
          ...(prior ? { prior } : {}),
        })
        if (opts.json) return out(JSON.stringify(plan))
        out(planTable(plan, { ...(await pointTypeNames(db, roundCode)), basisChosen: opts.from !== undefined ? 'from' : 'previous' }))
      })
    })

  program
    .command('settle')
    .description("what would settle each group's last place: the extra visits the credibility analysis recommends; --accept stores the plan for fieldwork")
    .argument('<round>')
    .option('--group <code>', 'only this group (required with --accept when the round has several groups)')
    .option('--accept', "accept the group's recommendation as computed now")
    .option('--visits <n>', `number of extra visits to plan, 1 to ${SETTLE_MAX_VISITS} (default: the fewest that reach the target)`, settleVisitsOption)
    .option('--replicates <n>', 'replicates of the credibility analysis (default 1000)', replicatesOption)
    .option('--json', 'print the ranking groups’ settle recommendations and the accepted plans as JSON')
    .action(async (roundCode: string, opts: SettleOptions) => {
      await withDatabase(loadConfig(), async ({ db }) => {
        const names = await pointTypeNames(db, roundCode)
        const analysis = {
          credibility: true,
          ...(opts.visits !== undefined ? { settleVisits: opts.visits } : {}),
          ...(opts.replicates !== undefined ? { replicates: opts.replicates } : {}),
        }
        if (opts.accept) {
          const r = await getRound(db, roundCode)
          const groups = (r.source as { groups: { code: string; name: string }[] }).groups
          const group = opts.group ?? (groups.length === 1 ? groups[0]!.code : undefined)
          if (group === undefined) throw new Error(`轮次${roundCode}有${groups.length}个组别，接受补充考察计划时请用 --group 指定组别（${groups.map((g) => g.code).join('、')}）`)
          const accepted = await acceptSettlePlan(db, roundCode, group, cliActor(), { ...(opts.visits !== undefined ? { settleVisits: opts.visits } : {}), ...(opts.replicates !== undefined ? { replicates: opts.replicates } : {}) })
          if (opts.json) return out(JSON.stringify(accepted))
          for (const line of acceptedWords(accepted, groups.find((g) => g.code === group)?.name ?? group)) out(line)
          return
        }
        const result = await computeRanking(db, roundCode, analysis)
        if (opts.group !== undefined && !result.groups.some((g) => g.code === opts.group)) throw new Error(`轮次${roundCode}没有组别${opts.group}`)
        const accepted = await listRoundSettlePlans(db, roundCode)
        if (opts.json)
          return out(
            JSON.stringify({
              round: roundCode,
              groups: result.groups.filter((g) => opts.group === undefined || g.code === opts.group).map((g) => ({ group: g.code, settle: g.credibility?.settle ?? null })),
              accepted: accepted.filter((p) => opts.group === undefined || p.group === opts.group),
            }),
          )
        out(settleReport(result, accepted, names, opts.group))
      })
    })
}
