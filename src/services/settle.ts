/**
 * Settle plans (SPEC §5): when the credibility analysis cannot name a group's last place with
 * the confidence its gate (or 90%) asks, it recommends extra visits — units, point types,
 * registered points not yet visited. The office may accept that recommendation; the extra
 * visits are then fieldwork like any other (they appear as an evaluator's assignment once the
 * field app exists), and after them the gate is evaluated again by the ranking itself.
 *
 * Accepting recomputes the recommendation on the server from the data as it stands (a plan sent
 * by a client is never taken), in one transaction that holds the round's state (the shared lock
 * batches of records take: no close or publish meanwhile, batches go on). Refused with 409 when
 * the round is a draft or published, when the last place is already settled, and when no extra
 * visits within the registry could settle it. A round in review may accept a plan, and the
 * answer says that fieldwork must be reopened (`round open`) before the visits can be entered.
 * Accepting closes the group's earlier open plans (the new recommendation already counts their
 * visits) and is appended to the audit log.
 *
 * Progress: for each planned (unit, point), the visits recorded at that point after the plan was
 * accepted (visits.created_at). Extra visits planned without a point (registry unknown) count
 * the unit's visits of that type at points the plan does not list.
 */
import { DomainError } from '../domain/errors.js'
import type { SettlePlan } from '../domain/scoring/types.js'
import type { Database, Queryable } from '../db/client.js'
import { appendAudit, type Actor } from '../db/queries/audit.js'
import { roundStatusForShare } from '../db/queries/rounds.js'
import { closeOpenPlans, insertSettlePlan, listSettlePlans, visitsRecordedSince, type SettlePlanRow } from '../db/queries/settle-plans.js'
import type { SettlePlanStatus } from '../db/schema/index.js'
import { getRound } from './rounds.js'
import { computeRanking } from './scoring.js'

export interface SettleProgressRow {
  unit: string
  pointType: string
  /** The planned point; null for visits planned without a point (the registry did not list one). */
  point: string | null
  planned: number
  recorded: number
}

export interface AcceptedSettlePlan {
  id: number
  round: string
  group: string
  status: SettlePlanStatus
  acceptedAt: string
  acceptedBy: string
  doneAt: string | null
  plan: SettlePlan
  progress: {
    /** Extra visits planned, and those recorded (each planned point counted up to its planned visits). */
    planned: number
    recorded: number
    /** Every planned visit has been recorded: the ranking's gate can be evaluated again. */
    complete: boolean
    points: SettleProgressRow[]
  }
}

export interface AcceptSettleResult extends AcceptedSettlePlan {
  /** Visits can be entered now (the round is in fieldwork). */
  entryOpen: boolean
  /** What the office must do before the visits can be entered, in Chinese; null in fieldwork. */
  note: string | null
  /** Earlier open plans of the group this one closed. */
  replaced: number[]
}

export interface SettleOptions {
  /** Extra visits to plan (1 … 200); default the fewest that reach the target. */
  settleVisits?: number
  /** Replicates of the analysis (default 1000). */
  replicates?: number
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Planned visits per (unit, type, point) of a plan, and their progress from the visits recorded since. */
function progressOf(plan: SettlePlan, recorded: { unit: string; pointType: string; point: string; visits: number }[]): AcceptedSettlePlan['progress'] {
  const rows = new Map<string, SettleProgressRow>()
  const listed = new Set<string>()
  for (const e of plan.extra) {
    for (const point of e.points) {
      const key = `${e.unit}\u0000${e.pointType}\u0000${point}`
      listed.add(`${e.unit}\u0000${point}`)
      const row = rows.get(key) ?? { unit: e.unit, pointType: e.pointType, point, planned: 0, recorded: 0 }
      row.planned++
      rows.set(key, row)
    }
    const unlisted = e.visits - e.points.length
    if (unlisted > 0) {
      const key = `${e.unit}\u0000${e.pointType}\u0000`
      const row = rows.get(key) ?? { unit: e.unit, pointType: e.pointType, point: null, planned: 0, recorded: 0 }
      row.planned += unlisted
      rows.set(key, row)
    }
  }
  for (const r of recorded) {
    const exact = rows.get(`${r.unit}\u0000${r.pointType}\u0000${r.point}`)
    if (exact) exact.recorded += r.visits
    else if (!listed.has(`${r.unit}\u0000${r.point}`)) {
      const open = rows.get(`${r.unit}\u0000${r.pointType}\u0000`)
      if (open) open.recorded += r.visits
    }
  }
  const points = [...rows.values()].sort((a, b) => compare(a.unit, b.unit) || compare(a.pointType, b.pointType) || compare(a.point ?? '\uffff', b.point ?? '\uffff'))
  const planned = points.reduce((s, p) => s + p.planned, 0)
  const done = points.reduce((s, p) => s + Math.min(p.planned, p.recorded), 0)
  return { planned, recorded: done, complete: done >= planned, points }
}

async function describe(db: Queryable, roundCode: string, row: SettlePlanRow): Promise<AcceptedSettlePlan> {
  const plan = row.plan as SettlePlan
  return {
    id: row.id,
    round: roundCode,
    group: row.groupCode,
    status: row.status,
    acceptedAt: row.acceptedAt.toISOString(),
    acceptedBy: row.acceptedByName,
    doneAt: row.doneAt ? row.doneAt.toISOString() : null,
    plan,
    progress: progressOf(plan, await visitsRecordedSince(db, row.id)),
  }
}

/** Accepts the group's settle recommendation as computed now (see the header). */
export async function acceptSettlePlan(db: Database, code: string, group: string, actor: Actor, options: SettleOptions = {}): Promise<AcceptSettleResult> {
  return db.transaction(async (tx) => {
    const round = await getRound(tx, code)
    const status = await roundStatusForShare(tx, round.id)
    if (status === 'draft') throw new DomainError('ROUND_STATE', `轮次${code}尚未开始实地考察，没有可据以补充考察的数据`)
    if (status === 'published') throw new DomainError('ROUND_STATE', `轮次${code}已发布，不能再补充考察；如需更正，请先发起更正（round correct）`)
    const result = await computeRanking(tx, code, {
      credibility: true,
      ...(options.settleVisits !== undefined ? { settleVisits: options.settleVisits } : {}),
      ...(options.replicates !== undefined ? { replicates: options.replicates } : {}),
    })
    const g = result.groups.find((x) => x.code === group)
    if (!g) throw new DomainError('NOT_FOUND', `轮次${code}没有组别${group}`)
    const plan = g.credibility?.settle ?? null
    if (!plan) {
      const why = g.ranking.length < 2 ? '参与排名的单位不足两个，不产生末位' : '末位排名在统计上已可确定'
      throw new DomainError('LAST_PLACE_SETTLED', `组别${g.name}（${group}）${why}，无需补充考察`)
    }
    if (plan.visits === 0 || plan.extra.length === 0)
      throw new DomainError('SETTLE_NOT_POSSIBLE', `组别${g.name}（${group}）在登记点位范围内补充考察也难以使确定末位的把握达到${plan.target}`)
    const replaced = await closeOpenPlans(tx, round.id, group)
    const row = await insertSettlePlan(tx, { roundId: round.id, groupCode: group, plan, acceptedBy: actor.id, acceptedByName: actor.name })
    await appendAudit(tx, actor, {
      action: 'settle-plan.accept',
      entity: 'round',
      entityKey: code,
      details: { plan: row.id, group, replaced, target: plan.target, visits: plan.visits, expected: plan.expected, reaches: plan.reaches, extra: plan.extra },
    })
    const entryOpen = status === 'fieldwork'
    return {
      ...(await describe(tx, code, row)),
      entryOpen,
      note: entryOpen ? null : `轮次${code}正在审核，补充考察须先重新开启实地考察（round open）才能录入；录入完成后再结束实地考察，排名的置信门槛将重新判断。`,
      replaced,
    }
  })
}

/** The round's accepted plans, oldest first, each with its progress. */
export async function listRoundSettlePlans(db: Queryable, code: string): Promise<AcceptedSettlePlan[]> {
  const round = await getRound(db, code)
  const out: AcceptedSettlePlan[] = []
  for (const row of await listSettlePlans(db, round.id)) out.push(await describe(db, code, row))
  return out
}
