/**
 * Plan a round's sample (SPEC §5, src/domain/credibility/plan.ts): how many points of each type
 * each unit needs so that a true margin Δ at the bottom lets the confidence gate open with
 * probability π. The sampling error comes from a basis:
 *   1. a stated prior (per point type, the standard deviations between points and within a
 *      point, and optionally the spread of true totals), when one is given — the caller said
 *      what to assume, so it is taken over any round;
 *   2. else the round named by `from`;
 *   3. else the previous round of the same series that has visits (the order rank change uses:
 *      earlierRoundsOfSeries, latest first).
 * With none of them the answer is PLAN_NO_BASIS (409). A round's basis is learnt in the
 * credibility worker pool (a full pool is CREDIBILITY_BUSY, 503). The counts of registered points come from
 * the planned round's registry (scoring.ts roundRegistry), per unit and point type.
 *
 * Defaults: Δ = 1.00 point; c = the highest minConfidence among the round's transfer rules (the
 * gate the plan must open), 0.9 when no rule is gated; π = 0.8; one visit per point.
 */
import type { Static } from 'typebox'
import Type from 'typebox'
import Value from 'typebox/value'
import { planRound, priorStatistics, type PlanInput, type RoundPlan, type StatedPrior } from '../domain/credibility/index.js'
import { DomainError } from '../domain/errors.js'
import { CODE_MAX, CODE_PATTERN } from '../domain/indicator-set/schema.js'
import { EMPTY_CONSEQUENCES } from '../domain/round/validate.js'
import type { Consequences } from '../domain/scoring/types.js'
import { IssueList } from '../domain/validation.js'
import type { Queryable } from '../db/client.js'
import { findSetDefinition } from '../db/queries/indicator-sets.js'
import { earlierRoundsOfSeries, type RoundRow } from '../db/queries/rounds.js'
import { roundGroupsWithMembers, roundHasVisits } from '../db/queries/scoring.js'
import { credibilityPool } from './credibility-pool.js'
import type { PlanBasis } from './credibility-worker.js'
import { getRound } from './rounds.js'
import { buildRoundInputFromDb, roundRegistry, roundSamples } from './scoring.js'

export const DEFAULT_PLAN_MARGIN = 1
export const DEFAULT_PLAN_CONFIDENCE = 0.9
export const DEFAULT_PLAN_POWER = 0.8
export const DEFAULT_VISITS_PER_POINT = 1
/** The most visits per point a plan assumes (plan.ts refuses more). */
export const MAX_VISITS_PER_POINT = 10
/** Point types a stated prior may name. */
export const PRIOR_POINT_TYPES_MAX = 100

/** A standard deviation in points of the total, as decimal text. */
const StandardDeviation = Type.String({ pattern: '^\\d{1,4}(\\.\\d{1,6})?$', description: 'a standard deviation in points of the total, decimal text such as "1.20"' })

/** The stated prior of `POST /api/v1/rounds/:code/plan` and of `civindex plan --prior <file.json>`. */
export const StatedPriorSchema = Type.Object(
  {
    pointTypes: Type.Record(
      Type.String({ pattern: CODE_PATTERN, maxLength: CODE_MAX }),
      Type.Object({ betweenPoints: StandardDeviation, withinPoint: StandardDeviation }, { additionalProperties: false }),
      { minProperties: 1, maxProperties: PRIOR_POINT_TYPES_MAX, additionalProperties: false, description: 'per point type code: the standard deviations between points and within a point (between visits)' },
    ),
    spread: Type.Optional(StandardDeviation),
  },
  { additionalProperties: false, description: 'a stated prior of the sampling error, in points of the total' },
)

// The schema's type and the domain's must stay one type.
const samePrior = (p: Static<typeof StatedPriorSchema>): StatedPrior => p
void samePrior

/** Reads a stated prior (a file's JSON value) against StatedPriorSchema; VALIDATION_FAILED lists every problem. */
export function readStatedPrior(value: unknown, source = 'prior'): StatedPrior {
  if (Value.Check(StatedPriorSchema, value)) return value
  const issues = new IssueList(null, null)
  for (const error of Value.Errors(StatedPriorSchema, value)) {
    const at = error.instancePath === '' ? [] : error.instancePath.split('/').slice(1)
    const params = error.params as Record<string, unknown>
    if (error.keyword === 'pattern' && at[0] === 'pointTypes' && at.length === 1) issues.add(at, `a point type code has spaces, "@" or control characters`)
    else if (error.keyword === 'pattern') issues.add(at, 'must be a standard deviation written as decimal text, e.g. "1.20"')
    else if (error.keyword === 'required') issues.add(at, `missing required field "${((params.requiredProperties as string[] | undefined) ?? []).join('", "')}"`)
    else if (error.keyword === 'additionalProperties') for (const name of (params.additionalProperties as string[] | undefined) ?? []) issues.add([...at, name], `unknown field "${name}"`)
    else if (error.keyword === 'minProperties') issues.add(at, 'must name at least one point type')
    else issues.add(at, error.message)
  }
  throw new DomainError('VALIDATION_FAILED', `${source}: ${issues.items.length} problem(s) in the stated prior`, issues.items)
}

export interface PlanParameters {
  /** Δ, points of the total (default 1). */
  margin?: number
  /** c (default: the round's gate, else 0.9). */
  confidence?: number
  /** π (default 0.8). */
  power?: number
  /** k (default 1). */
  visitsPerPoint?: number
  /** The basis round's code. */
  from?: string
  /** A stated prior, taken over any round. */
  prior?: StatedPrior
}

/** The highest minConfidence among the round's transfer rules (its groups' or its own), null without a gated rule. */
async function roundGate(db: Queryable, round: RoundRow): Promise<number | null> {
  const source = round.source as { consequences?: Consequences }
  const members = await roundGroupsWithMembers(db, round.id)
  const rules = [...new Set(members.map((m) => m.group_code))].map((code) => (members.find((m) => m.group_code === code)?.consequences as Consequences | null) ?? source.consequences ?? EMPTY_CONSEQUENCES)
  const levels = rules.flatMap((r) => r.transfers.flatMap((t) => (t.minConfidence === undefined ? [] : [Number(t.minConfidence)])))
  return levels.length > 0 ? Math.max(...levels) : null
}

/**
 * The sampling error a round's visits show (domain/credibility planBasis: its sums of squares by
 * point type, the spread of true totals, …), learnt in a worker thread (planBasis runs the
 * analysis with few draws).
 */
async function roundBasis(db: Queryable, basis: RoundRow): Promise<PlanBasis> {
  const input = await buildRoundInputFromDb(db, basis, false)
  const samples = await roundSamples(db, basis, input)
  return credibilityPool().planBasis(input, samples, await roundRegistry(db, basis.id))
}

const noBasis = (detail: string): DomainError => new DomainError('PLAN_NO_BASIS', detail)

/** The plan of round `code` (see the header). */
export async function planForRound(db: Queryable, code: string, parameters: PlanParameters = {}): Promise<RoundPlan> {
  const round = await getRound(db, code)
  if (parameters.prior && parameters.from !== undefined)
    throw new DomainError('VALIDATION_FAILED', 'give either a basis round or a stated prior, not both', [{ path: 'from', message: '与先验（prior）不能同时给出' }])

  let basis: PlanInput['basis']
  let learnt: Omit<PlanInput, 'round' | 'basis' | 'groups'>
  if (parameters.prior) {
    const set = await findSetDefinition(db, round.indicatorSetId)
    const known = new Set((set?.pointTypes ?? []).map((p) => p.code))
    const unknown = Object.keys(parameters.prior.pointTypes).filter((code) => !known.has(code))
    if (unknown.length > 0)
      throw new DomainError(
        'VALIDATION_FAILED',
        `the stated prior names point types that the indicator set ${round.setCode}@${round.setVersion} does not have`,
        unknown.map((code) => ({ path: `prior.pointTypes.${code}`, message: `测评体系${round.setCode}@${round.setVersion}没有点位类型${code}（有：${[...known].join('、')}）` })),
      )
    basis = { kind: 'prior' }
    learnt = { statistics: priorStatistics(parameters.prior), spread: parameters.prior.spread === undefined ? null : Number(parameters.prior.spread) }
  } else {
    let from: RoundRow | null = null
    if (parameters.from !== undefined) {
      from = await getRound(db, parameters.from)
      if (!(await roundHasVisits(db, from.id))) throw noBasis(`轮次${from.code}没有考察记录，无法据此估计抽样误差；请指定另一轮（from，命令行 --from），或给出先验的抽样误差（prior，命令行 --prior）`)
    } else {
      for (const r of await earlierRoundsOfSeries(db, round)) {
        if (await roundHasVisits(db, r.id)) {
          from = r
          break
        }
      }
      if (!from) throw noBasis(`系列${round.series}中轮次${round.code}之前没有有考察记录的轮次；请指定作为依据的轮次（from，命令行 --from），或给出先验的抽样误差（prior，命令行 --prior）`)
    }
    basis = { kind: 'round', round: from.code }
    learnt = await roundBasis(db, from)
    if (learnt.statistics.length === 0) throw noBasis(`轮次${from.code}没有参与排名单位的考察记录，无法据此估计抽样误差；请指定另一轮（from，命令行 --from），或给出先验的抽样误差（prior，命令行 --prior）`)
  }

  const registry = await roundRegistry(db, round.id)
  const groups = new Map<string, PlanInput['groups'][number]>()
  for (const m of await roundGroupsWithMembers(db, round.id)) {
    let group = groups.get(m.group_code)
    if (!group) {
      group = { code: m.group_code, name: m.group_name, units: [] }
      groups.set(m.group_code, group)
    }
    const counts = Object.fromEntries(Object.entries(registry[m.unit_code] ?? {}).map(([type, points]) => [type, points.length]))
    group.units.push({ unit: m.unit_code, name: m.unit_name, registry: counts })
  }
  const confidence = parameters.confidence ?? (await roundGate(db, round)) ?? DEFAULT_PLAN_CONFIDENCE
  return planRound(
    { ...learnt, round: round.code, basis, groups: [...groups.values()] },
    {
      margin: parameters.margin ?? DEFAULT_PLAN_MARGIN,
      confidence,
      power: parameters.power ?? DEFAULT_PLAN_POWER,
      visitsPerPoint: parameters.visitsPerPoint ?? DEFAULT_VISITS_PER_POINT,
    },
  )
}
