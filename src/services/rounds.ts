/**
 * Rounds: load a round file (groups, units with their heads, points upserted into the
 * registry), list and read rounds. A loaded round changes only while it is a draft with
 * nothing recorded; after that a change is refused (409), since findings already refer to it.
 */
import { canonicalJson } from '../domain/canonical-json.js'
import { DomainError } from '../domain/errors.js'
import type { IndicatorSet } from '../domain/indicator-set/model.js'
import { readRoundText, validateRoundValue, type RoundDefinition } from '../domain/round/validate.js'
import type { Database, Queryable } from '../db/client.js'
import { appendAudit, type Actor } from '../db/queries/audit.js'
import { findSetDefinition, findSetSummary } from '../db/queries/indicator-sets.js'
import { findRound, findRoundForUpdate, insertRound, listRounds, replaceRound, roundHasData, setRoundStatus, upsertPoints, upsertUnits, type RoundRow } from '../db/queries/rounds.js'
import { nextStatus } from '../domain/round/lifecycle.js'
import { buildRoundTotals, dropRoundTotals } from '../db/queries/totals.js'

export interface RoundSummary {
  code: string
  series: string
  name: string
  indicatorSet: string
  period: { from: string; to: string }
  evaluator: string
  status: string
  revision: number
  groups: { code: string; name: string; units: number }[]
  points: number
}

function summarise(row: RoundRow): RoundSummary {
  const def = row.source as RoundDefinition
  return {
    code: row.code,
    series: row.series,
    name: row.name,
    indicatorSet: `${row.setCode}@${row.setVersion}`,
    period: { from: row.periodFrom, to: row.periodTo },
    evaluator: row.evaluator,
    status: row.status,
    revision: row.revision,
    groups: def.groups.map((g) => ({ code: g.code, name: g.name, units: g.units.length })),
    points: def.points.length,
  }
}

/** Parses and validates a round file's text against its (stored) indicator set. */
export async function parseRound(db: Queryable, text: string): Promise<RoundDefinition> {
  const read = readRoundText(text)
  if (read.issues.length > 0) throw new DomainError('VALIDATION_FAILED', `the round file has ${read.issues.length} problem(s)`, read.issues)
  let set: IndicatorSet | null = null
  let setId: number | null = null
  if (read.setRef) {
    const summary = await findSetSummary(db, read.setRef.code, read.setRef.version)
    if (summary) {
      setId = summary.id
      set = await findSetDefinition(db, summary.id)
    }
  }
  const outcome = validateRoundValue(read.value, set, read.doc, read.lines)
  if (!outcome.ok) throw new DomainError('VALIDATION_FAILED', `the round file has ${outcome.issues.length} problem(s)`, outcome.issues)
  if (setId === null) throw new Error('validated round without a set')
  return outcome.round
}

export type LoadRoundResult = { status: 'created' | 'updated' | 'unchanged'; round: RoundSummary }

export async function loadRound(db: Database, text: string, actor: Actor): Promise<LoadRoundResult> {
  return storeRound(db, await parseRound(db, text), actor)
}

/** Stores a round definition already validated against its indicator set. */
export async function storeRound(db: Database, def: RoundDefinition, actor: Actor): Promise<LoadRoundResult> {
  return db.transaction(async (tx) => {
    const set = await findSetSummary(tx, def.indicatorSet.code, def.indicatorSet.version)
    if (!set) throw new DomainError('INDICATOR_SET_NOT_FOUND', `no indicator set ${def.indicatorSet.code}@${def.indicatorSet.version}`)
    const existing = await findRound(tx, def.code)
    if (existing && canonicalJson(existing.source) === canonicalJson(def)) return { status: 'unchanged' as const, round: summarise(existing) }
    if (existing) {
      if (existing.status !== 'draft' || (await roundHasData(tx, existing.id)))
        throw new DomainError(
          'ROUND_STATE',
          `round ${def.code} is ${existing.status} and has data recorded; its definition can no longer change. Load the change as a new round.`,
        )
    }
    const unitIds = await upsertUnits(
      tx,
      def.groups.flatMap((g) => g.units.map((u) => ({ code: u.code, name: u.name }))),
    )
    await upsertPoints(tx, def.points, unitIds)
    if (existing) await replaceRound(tx, existing.id, def, set.id, unitIds)
    else await insertRound(tx, def, set.id, unitIds)
    await appendAudit(tx, actor, {
      action: existing ? 'round.update' : 'round.create',
      entity: 'round',
      entityKey: def.code,
      details: { indicatorSet: `${set.code}@${set.version}`, groups: def.groups.length, units: unitIds.size, points: def.points.length },
    })
    const stored = await findRound(tx, def.code)
    if (!stored) throw new Error('the stored round could not be read back')
    return { status: existing ? ('updated' as const) : ('created' as const), round: summarise(stored) }
  })
}

export async function getRound(db: Queryable, code: string): Promise<RoundRow> {
  const row = await findRound(db, code)
  if (!row) throw new DomainError('NOT_FOUND', `no round ${code}`)
  return row
}

export async function getRoundSummary(db: Queryable, code: string): Promise<RoundSummary> {
  return summarise(await getRound(db, code))
}

export async function listRoundSummaries(db: Queryable): Promise<RoundSummary[]> {
  return (await listRounds(db)).map(summarise)
}

/** Moves a round along its lifecycle (open, close); publishing has its own service. */
export async function transitionRound(db: Database, code: string, transition: 'open' | 'close', actor: Actor): Promise<RoundSummary> {
  return db.transaction(async (tx) => {
    const round = await lockRound(tx, code)
    const to = nextStatus(code, round.status, transition)
    await setRoundStatus(tx, round.id, to)
    // Per-visit totals exist from the close of fieldwork on; reopening fieldwork drops them.
    if (to === 'review') await buildRoundTotals(tx, round.id)
    else if (to === 'fieldwork' && round.totalsReady) await dropRoundTotals(tx, round.id)
    await appendAudit(tx, actor, { action: `round.${transition}`, entity: 'round', entityKey: code, details: { from: round.status, to } })
    return summarise({ ...round, status: to })
  })
}

/** Reads a round and holds its row until the transaction ends, so state checks and writes do not race. */
export async function lockRound(tx: Queryable, code: string): Promise<RoundRow> {
  const row = await findRoundForUpdate(tx, code)
  if (!row) throw new DomainError('NOT_FOUND', `no round ${code}`)
  return row
}
