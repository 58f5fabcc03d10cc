/**
 * Computes a round's ranking from the database: the aggregates of queries/scoring.ts become
 * the scoring core's input, with history from earlier rounds of the series (rank change from
 * the previous round; black-list streaks from published rounds).
 */
import { DomainError } from '../domain/errors.js'
import { EMPTY_CONSEQUENCES } from '../domain/round/validate.js'
import { scoringStandards } from '../domain/scoring/from-records.js'
import { scoreRound } from '../domain/scoring/score-round.js'
import type { Consequences, GroupInput, RoundInput, RoundResult, UnitHistory, UnitInput } from '../domain/scoring/types.js'
import type { Queryable } from '../db/client.js'
import { findSetDefinition } from '../db/queries/indicator-sets.js'
import { standardsOfSet } from '../db/queries/records.js'
import { earlierRoundsOfSeries, latestPublicationText, type RoundRow } from '../db/queries/rounds.js'
import { evidenceByUnitStandard, evidenceFromFindings, registryPoints, roundGroupsWithMembers, unitValues, visitCounts, visitEvidence } from '../db/queries/scoring.js'
import { toCount } from '../db/sql.js'
import { readOptions, type CredibilityOptions, type Registry, type RoundSamples, type VisitSample } from '../domain/credibility/index.js'
import { credibilityPool } from './credibility-pool.js'
import { getRound } from './rounds.js'

/** The parts of a published snapshot's result that history needs. */
interface SnapshotGroups {
  groups: { code: string; ranking: { unit: string; rank: number }[]; lists: { black: string[] } }[]
}
const publishedResult = (text: string): SnapshotGroups => (JSON.parse(text) as { result: SnapshotGroups }).result

export async function buildRoundInputFromDb(db: Queryable, round: RoundRow, withHistory = true): Promise<RoundInput> {
  const set = (await findSetDefinition(db, round.indicatorSetId))
  if (!set) throw new DomainError('INDICATOR_SET_NOT_FOUND', `the indicator set of round ${round.code} is missing`)
  const standards = scoringStandards(set)
  const codeById = new Map((await standardsOfSet(db, round.indicatorSetId)).map((s) => [s.id, s.code]))
  const members = await roundGroupsWithMembers(db, round.id)
  const source = round.source as { consequences?: Consequences; tiebreak?: string[] }

  const units = new Map<number, UnitInput>()
  const groups = new Map<string, GroupInput>()
  for (const m of members) {
    const unit: UnitInput = { code: m.unit_code, name: m.unit_name, head: m.head, visitsByPointType: {}, evidence: {}, measures: {}, directScores: {}, external: {} }
    units.set(m.unit_id, unit)
    let group = groups.get(m.group_code)
    if (!group) {
      group = {
        code: m.group_code,
        name: m.group_name,
        weights: m.weights,
        consequences: (m.consequences as Consequences | null) ?? source.consequences ?? EMPTY_CONSEQUENCES,
        units: [],
      }
      groups.set(m.group_code, group)
    }
    group.units.push(unit)
  }

  for (const v of await visitCounts(db, round.id)) {
    const unit = units.get(v.unitId)
    if (unit) unit.visitsByPointType[v.pointType] = v.visits
  }
  // Totals are built when fieldwork closes; a preview during fieldwork aggregates the findings.
  const evidence = round.totalsReady ? await evidenceByUnitStandard(db, round.id) : await evidenceFromFindings(db, round.id)
  for (const e of evidence) {
    const unit = units.get(e.unitId)
    const code = codeById.get(e.standardId)
    if (unit && code) unit.evidence[code] = { visitsWithFindings: e.visitsWithFindings, findings: e.findings, deductions: e.deductions, cappedDeductions: e.capped }
  }
  const values = await unitValues(db, round.id)
  for (const e of values.external) {
    const unit = units.get(e.unitId)
    if (unit) unit.external[e.component] = e.value
  }
  for (const m of values.measures) {
    const unit = units.get(m.unitId)
    const code = codeById.get(m.standardId)
    if (unit && code) unit.measures[code] = m.value
  }
  for (const d of values.direct) {
    const unit = units.get(d.unitId)
    const code = codeById.get(d.standardId)
    if (unit && code) unit.directScores[code] = d.value
  }

  const input: RoundInput = {
    code: round.code,
    indicatorSet: `${set.code}@${set.version}`,
    naPolicy: set.naPolicy,
    components: set.components,
    standards,
    groups: [...groups.values()],
    tiebreak: source.tiebreak ?? [],
    history: {},
  }
  if (withHistory) input.history = await seriesHistory(db, round, input)
  return input
}

/**
 * Rank in the previous round of the series (same group; its latest publication if published,
 * otherwise computed now) and the streak of consecutive published rounds on the black list.
 */
async function seriesHistory(db: Queryable, round: RoundRow, input: RoundInput): Promise<Record<string, UnitHistory>> {
  const earlier = await earlierRoundsOfSeries(db, round)
  const history: Record<string, UnitHistory> = {}
  const groupOf = new Map<string, string>()
  for (const g of input.groups) for (const u of g.units) groupOf.set(u.code, g.code)
  for (const code of groupOf.keys()) history[code] = { previousRank: null, blackListStreak: 0 }
  if (earlier.length === 0) return history

  const previous = earlier[0]!
  const previousText = await latestPublicationText(db, previous.id)
  const previousResult: SnapshotGroups = previousText
    ? publishedResult(previousText)
    : scoreRound(await buildRoundInputFromDb(db, previous, false))
  for (const [unit, groupCode] of groupOf) {
    const entry = previousResult.groups.find((g) => g.code === groupCode)?.ranking.find((r) => r.unit === unit)
    history[unit]!.previousRank = entry?.rank ?? null
  }

  const open = new Set(groupOf.keys())
  for (const r of earlier) {
    if (open.size === 0) break
    const text = await latestPublicationText(db, r.id)
    if (!text) continue // only published rounds count
    const snapshot = publishedResult(text)
    for (const unit of [...open]) {
      const black = snapshot.groups.some((g) => g.lists.black.includes(unit))
      if (black) history[unit]!.blackListStreak++
      else open.delete(unit)
    }
  }
  return history
}

export interface RankingOptions {
  /**
   * Run the credibility analysis (SPEC §5). It also runs, whatever this says, when a transfer
   * rule of the round carries minConfidence: the transfer cannot be decided without it.
   */
  credibility?: boolean
  /** Bootstrap replicates (default 1000, at most MAX_REPLICATES = 10,000) and weight-sensitivity runs (default 500). */
  replicates?: number
  weightRuns?: number
  /** Extra visits the settle recommendation proposes (1 … 200; default: the fewest that reach the target). */
  settleVisits?: number
}

/**
 * The round's ranking. With the credibility analysis, the scoring and the analysis run in a
 * worker thread (credibility-pool.ts), so the caller's thread stays free; the figures are those of
 * the in-process computation (pure functions, seeded from the round code). Bad options are refused
 * (VALIDATION_FAILED) before anything is read; a full pool is CREDIBILITY_BUSY.
 */
export async function computeRanking(db: Queryable, roundCode: string, options: RankingOptions = {}): Promise<RoundResult> {
  const round = await getRound(db, roundCode)
  const analysis: CredibilityOptions = {
    seed: round.code,
    ...(options.replicates !== undefined ? { replicates: options.replicates } : {}),
    ...(options.weightRuns !== undefined ? { weightRuns: options.weightRuns } : {}),
    ...(options.settleVisits !== undefined ? { settleVisits: options.settleVisits } : {}),
  }
  readOptions(analysis)
  const input = await buildRoundInputFromDb(db, round)
  const gated = input.groups.some((g) => g.consequences.transfers.some((t) => t.minConfidence !== undefined))
  if (!options.credibility && !gated) return scoreRound(input)
  const samples = await roundSamples(db, round, input)
  // Plain data: the pool's message to the worker carries it by structured clone.
  analysis.registry = await roundRegistry(db, round.id)
  return credibilityPool().run(input, samples, analysis)
}

/**
 * The round's point registry by unit code and point type (queries/scoring.ts registryPoints):
 * how many points each stratum was sampled from, and which ones a settle plan may send
 * evaluators to. Every unit of the round has an entry, {} when it has no point.
 */
export async function roundRegistry(db: Queryable, roundId: number): Promise<Registry> {
  const registry: Record<string, Record<string, string[]>> = {}
  for (const m of await roundGroupsWithMembers(db, roundId)) registry[m.unit_code] ??= {}
  for (const r of await registryPoints(db, roundId)) ((registry[r.unit] ??= {})[r.pointType] ??= []).push(r.point)
  // In code-point order whatever the database's collation: the settle plan draws points from these lists.
  for (const byType of Object.values(registry)) for (const [type, list] of Object.entries(byType)) byType[type] = [...new Set(list)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return registry
}

/** Every unit's visits with their per-standard evidence, by unit code: the bootstrap's input. */
export async function roundSamples(db: Queryable, round: RoundRow, input: RoundInput): Promise<RoundSamples> {
  const codeById = new Map((await standardsOfSet(db, round.indicatorSetId)).map((s) => [s.id, s.code]))
  const members = await roundGroupsWithMembers(db, round.id)
  const unitCode = new Map(members.map((m) => [toCount(m.unit_id), m.unit_code]))
  const { visits, totals } = await visitEvidence(db, round.id, round.totalsReady)
  const byVisit = new Map<string, VisitSample>()
  const samples: RoundSamples = {}
  for (const g of input.groups) for (const u of g.units) samples[u.code] = []
  for (const v of visits) {
    const code = unitCode.get(v.unitId)
    if (code === undefined) continue
    const sample: VisitSample = { pointType: v.pointType, point: v.point, standards: [] }
    byVisit.set(v.id, sample)
    ;(samples[code] ??= []).push(sample)
  }
  for (const t of totals) {
    const standard = codeById.get(t.standardId)
    const sample = byVisit.get(t.visitId)
    if (standard !== undefined && sample) sample.standards.push({ code: standard, findings: t.findings, deduction: t.deduction })
  }
  return samples
}
