/**
 * Publication (SPEC §6.3): freezing a reviewed round into an immutable snapshot, posting its
 * transfers to the ledger, corrections as new revisions, and the inputs of the documents.
 *
 * publishRound (review → published), in one transaction holding the round's row lock:
 *   1. the ranking with the credibility analysis (bootstrap, weight sensitivity, dominance, gate);
 *   2. the snapshot: round, revision, correction reason, headline counts, result, problem
 *      statistics, the series trend and the digest of every input record; its canonical JSON is
 *      stored as written, with its SHA-256;
 *   3. per-unit results (the series history reads them) and the ledger: for revision ≥ 2 every
 *      posting of the previous revision is reversed first; each transfer is then two postings,
 *      −amount to the payer and +amount to the payee. Nothing is edited or deleted.
 * correctRound (published → review) records the reason; the next publish is the next revision.
 * Every revision stays readable and renderable.
 */
import { canonicalJson, sha256Hex } from '../domain/canonical-json.js'
import { Decimal, dec } from '../domain/decimal.js'
import { DomainError } from '../domain/errors.js'
import type { IndicatorSet } from '../domain/indicator-set/model.js'
import { nextStatus } from '../domain/round/lifecycle.js'
import type { RoundResult } from '../domain/scoring/types.js'
import type { Database, Queryable } from '../db/client.js'
import { appendAudit, type Actor } from '../db/queries/audit.js'
import { findSetDefinition } from '../db/queries/indicator-sets.js'
import {
  findPublication,
  findingDetail,
  inputDigests,
  insertLedgerEntries,
  insertPublication,
  insertUnitResults,
  listPublications,
  openLedgerEntries,
  problemStatistics,
  roundCounts,
  seriesLedger,
  seriesTotals,
  setCorrecting,
  setPublished,
  unitIdsByCode,
} from '../db/queries/publication.js'
import type { RoundRow } from '../db/queries/rounds.js'
import { toCount } from '../db/sql.js'
import { SNAPSHOT_FORMAT, snapshotHash, type FindingRow, type LedgerRow, type PublishedSnapshot, type ReportInput } from '../reports/snapshot.js'
import { getRound, lockRound } from './rounds.js'
import { computeRanking } from './scoring.js'

/** Problems listed per group in the notice. */
const TOP_PROBLEMS = 10

export interface PublicationSummary {
  round: string
  revision: number
  hash: string
  publishedAt: string
  reason: string | null
  transfers: number
}

export interface PublishOptions {
  /** Bootstrap replicates and weight runs (defaults of the credibility analysis otherwise). */
  replicates?: number
  weightRuns?: number
  /** Extra visits the published settle recommendation proposes (default: the fewest that reach the target). */
  settleVisits?: number
  /** Publication time (tests and demos pin it); now by default. */
  now?: Date
}

export async function publishRound(db: Database, code: string, actor: Actor, options: PublishOptions = {}): Promise<PublicationSummary> {
  return db.transaction(async (tx) => {
    const round = await lockRound(tx, code)
    nextStatus(code, round.status, 'publish')
    const set = await findSetDefinition(tx, round.indicatorSetId)
    if (!set) throw new DomainError('INDICATOR_SET_NOT_FOUND', `the indicator set of round ${code} is missing`)
    const result = await computeRanking(tx, code, {
      credibility: true,
      ...(options.replicates !== undefined ? { replicates: options.replicates } : {}),
      ...(options.weightRuns !== undefined ? { weightRuns: options.weightRuns } : {}),
      ...(options.settleVisits !== undefined ? { settleVisits: options.settleVisits } : {}),
    })
    const publishedAt = options.now ?? new Date()
    const revision = round.revision + 1
    const snapshot = await buildSnapshot(tx, round, set, result, revision, publishedAt)
    const text = canonicalJson(snapshot)
    const hash = snapshotHash(snapshot)
    const publicationId = await insertPublication(tx, {
      roundId: round.id,
      revision,
      reason: snapshot.reason,
      snapshotText: text,
      hash,
      inputsDigest: snapshot.inputs.digest,
      publishedBy: actor.id,
      publishedAt,
    })
    const unitIds = await unitIdsByCode(tx, result.groups.flatMap((g) => [...g.ranking.map((u) => u.unit), ...g.unranked.map((u) => u.unit)]))
    const unitId = (unit: string): number => {
      const id = unitIds.get(unit)
      if (id === undefined) throw new Error(`unit ${unit} of the result is not stored`)
      return id
    }
    await insertUnitResults(
      tx,
      result.groups.flatMap((g) => [
        ...g.ranking.map((u) => ({
          publicationId,
          roundId: round.id,
          unitId: unitId(u.unit),
          groupCode: g.code,
          ranked: true,
          total: u.total,
          rank: u.rank,
          bottom: u.bottom,
          onBlackList: g.lists.black.includes(u.unit),
          onRedList: g.lists.red.includes(u.unit),
          components: u.components,
        })),
        ...g.unranked.map((u) => ({ publicationId, roundId: round.id, unitId: unitId(u.unit), groupCode: g.code, ranked: false })),
      ]),
    )
    // Ledger: undo what the previous revision posted, then post this one's transfers.
    const reversals = (await openLedgerEntries(tx, round.id)).map((e) => ({
      publicationId,
      roundId: round.id,
      groupCode: e.group_code,
      rule: toCount(e.rule),
      unitId: toCount(e.unit_id),
      counterpartyId: toCount(e.counterparty_id),
      amount: dec(e.amount).negated().toFixed(2),
      kind: 'reversal',
      reversesId: toCount(e.id),
    }))
    const postings = result.groups.flatMap((g) =>
      g.transfers.flatMap((t) => [
        { publicationId, roundId: round.id, groupCode: g.code, rule: t.rule, unitId: unitId(t.payer), counterpartyId: unitId(t.payee), amount: dec(t.amount).negated().toFixed(2), kind: 'transfer' },
        { publicationId, roundId: round.id, groupCode: g.code, rule: t.rule, unitId: unitId(t.payee), counterpartyId: unitId(t.payer), amount: dec(t.amount).toFixed(2), kind: 'transfer' },
      ]),
    )
    await insertLedgerEntries(tx, [...reversals, ...postings])
    await setPublished(tx, round.id, revision)
    await appendAudit(tx, actor, { action: 'round.publish', entity: 'round', entityKey: code, details: { revision, hash, reason: snapshot.reason, inputs: snapshot.inputs } })
    return { round: code, revision, hash, publishedAt: snapshot.publishedAt, reason: snapshot.reason, transfers: postings.length / 2 }
  })
}

/** Reopens a published round for review with the reason of the correction; the next publish is the next revision. */
export async function correctRound(db: Database, code: string, reason: string, actor: Actor): Promise<{ round: string; status: 'review'; reason: string; revision: number }> {
  const why = reason.trim()
  if (why === '') throw new DomainError('VALIDATION_FAILED', 'a correction needs a reason', [{ path: 'reason', message: 'must not be empty' }])
  return db.transaction(async (tx) => {
    const round = await lockRound(tx, code)
    nextStatus(code, round.status, 'correct')
    await setCorrecting(tx, round.id, why)
    await appendAudit(tx, actor, { action: 'round.correct', entity: 'round', entityKey: code, details: { reason: why, publishedRevision: round.revision } })
    return { round: code, status: 'review' as const, reason: why, revision: round.revision }
  })
}

async function buildSnapshot(db: Queryable, round: RoundRow, set: IndicatorSet, result: RoundResult, revision: number, publishedAt: Date): Promise<PublishedSnapshot> {
  const problems = await problemStatistics(db, round.id)
  const digests = await inputDigests(db, round.id)
  return {
    format: SNAPSHOT_FORMAT,
    round: {
      code: round.code,
      name: round.name,
      series: round.series,
      period: { from: round.periodFrom, to: round.periodTo },
      evaluator: round.evaluator,
      indicatorSet: `${round.setCode}@${round.setVersion}`,
    },
    revision,
    reason: revision > 1 ? (round.correctionReason ?? '更正') : null,
    publishedAt: publishedAt.toISOString(),
    components: set.components.map((c) => ({ code: c.code, name: c.name })),
    pointTypes: set.pointTypes.map((p) => ({ code: p.code, name: p.name })),
    indicators: set.indicators.map((i) => ({ code: i.code, name: i.type === 'indicator' ? i.name : i.text })),
    summary: await roundCounts(db, round.id),
    result,
    problems: result.groups.map((g) => ({
      group: g.code,
      top: problems
        .filter((p) => p.group === g.code)
        .slice(0, TOP_PROBLEMS)
        .map(({ standard, text, indicator, occurrences, units }) => ({ standard, text, indicator, occurrences, units })),
    })),
    trend: await seriesTrend(db, round, result),
    inputs: { records: digests.records, digest: sha256Hex(digests.parts.join('\n')) },
  }
}

/** Each unit's published totals across the series, ending with this round's result. */
async function seriesTrend(db: Queryable, round: RoundRow, result: RoundResult): Promise<PublishedSnapshot['trend']> {
  const earlier = (await seriesTotals(db, round.series, { periodFrom: round.periodFrom, code: round.code })).filter((r) => r.round_code !== round.code)
  const rounds: { code: string; name: string }[] = []
  for (const r of earlier) if (rounds.at(-1)?.code !== r.round_code) rounds.push({ code: r.round_code, name: r.round_name })
  rounds.push({ code: round.code, name: round.name })
  const totals = new Map(earlier.map((r) => [`${r.round_code}\u0000${r.unit_code}`, r.ranked ? r.total : null]))
  return {
    rounds,
    units: result.groups.flatMap((g) =>
      [...g.ranking.map((u): { unit: string; name: string; total: string | null } => ({ unit: u.unit, name: u.name, total: u.total })), ...g.unranked.map((u) => ({ unit: u.unit, name: u.name, total: null }))].map((u) => ({
        unit: u.unit,
        name: u.name,
        group: g.code,
        totals: [...rounds.slice(0, -1).map((r) => (totals.get(`${r.code}\u0000${u.unit}`) ?? null)), u.total].map((t) => (t === null ? null : dec(t).toFixed(2))),
      })),
    ),
  }
}

export interface StoredPublication {
  round: RoundRow
  snapshot: PublishedSnapshot
  text: string
  hash: string
  revision: number
}

/** A published revision (the latest by default), its stored hash re-checked against its text. */
export async function getPublication(db: Queryable, code: string, revision: number | null = null): Promise<StoredPublication> {
  const round = await getRound(db, code)
  const row = await findPublication(db, round.id, revision)
  if (!row) throw new DomainError('NOT_FOUND', revision === null ? `round ${code} has not been published` : `round ${code} has no revision ${revision}`)
  if (sha256Hex(row.snapshotText) !== row.hash) throw new Error(`the stored snapshot of ${code} revision ${row.revision} does not match its hash`)
  return { round, snapshot: JSON.parse(row.snapshotText) as PublishedSnapshot, text: row.snapshotText, hash: row.hash, revision: row.revision }
}

export async function publicationList(db: Queryable, code: string) {
  const round = await getRound(db, code)
  return (await listPublications(db, round.id)).map((p) => ({ revision: p.revision, reason: p.reason, hash: p.hash, publishedAt: p.publishedAt.toISOString() }))
}

/**
 * Everything the renderers need for one revision: the snapshot, its hash, the findings detail
 * and the series ledger up to that revision. The findings detail is read from the stored records,
 * so it is given only while they are still the ones the revision was computed from (the inputs
 * digest matches); after a later correction changed them, an older revision's workbook has none.
 */
export async function reportInput(db: Queryable, code: string, revision: number | null = null, options: { detail?: boolean } = {}): Promise<ReportInput> {
  const { round, snapshot, hash } = await getPublication(db, code, revision)
  // The public page shows neither single findings nor the ledger.
  if (options.detail === false) return { snapshot, hash, findings: [], ledger: [] }
  const digests = await inputDigests(db, round.id)
  const current = sha256Hex(digests.parts.join('\n')) === snapshot.inputs.digest
  const set = await findSetDefinition(db, round.indicatorSetId)
  const typeName = new Map((set?.pointTypes ?? []).map((t) => [t.code, t.name]))
  const findings: FindingRow[] = current
    ? (await findingDetail(db, round.id)).map((f) => ({
        unit: f.unit,
        unitName: f.unit_name,
        point: f.point,
        pointName: f.point_name,
        pointType: typeName.get(f.point_type) ?? f.point_type,
        standard: f.standard,
        standardText: f.standard_text,
        count: toCount(f.count),
        deduction: dec(f.deduction).toFixed(),
        note: f.note ?? '',
        at: new Date(f.at).toISOString(),
        evaluator: f.evaluator ?? '',
        status: f.status,
      }))
    : []
  return { snapshot, hash, findings, ledger: await ledgerRows(db, round.series, snapshot.publishedAt) }
}

/** The series ledger up to a publication time, with each unit's running balance. */
async function ledgerRows(db: Queryable, series: string, upTo: string): Promise<LedgerRow[]> {
  const balance = new Map<string, Decimal>()
  const rows: LedgerRow[] = []
  for (const e of await seriesLedger(db, series)) {
    const at = new Date(e.at).toISOString()
    if (at > upTo) break
    const next = (balance.get(e.unit_code) ?? new Decimal(0)).plus(dec(e.amount))
    balance.set(e.unit_code, next)
    rows.push({
      at,
      round: e.round_code,
      revision: toCount(e.revision),
      unit: e.unit_code,
      unitName: e.unit_name,
      counterparty: e.counterparty,
      amount: dec(e.amount).toFixed(2),
      balance: next.toFixed(2),
      memo: e.kind === 'reversal' ? '更正冲销' : dec(e.amount).isNegative() ? '拨付' : '收到',
    })
  }
  return rows
}
