/**
 * What publication reads and writes: headline counts, problem statistics, the digest of the
 * inputs, the published revisions with their per-unit results, and the money ledger.
 */
import { and, asc, desc, eq, sql } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { pgArray } from '../arrays.js'
import { queryRows, toCount } from '../sql.js'
import { ledgerEntries, publications, rounds, unitResults } from '../schema/index.js'

export async function roundCounts(db: Queryable, roundId: number): Promise<{ units: number; points: number; visits: number; findings: number; pointTypes: number }> {
  const [row] = await queryRows<{ units: unknown; points: unknown; visits: unknown; findings: unknown; point_types: unknown }>(
    db,
    sql`select (select count(*) from round_members where round_id = ${roundId}) as units,
               (select count(distinct point_id) from visits where round_id = ${roundId}) as points,
               (select count(*) from visits where round_id = ${roundId}) as visits,
               (select coalesce(sum(count), 0) from findings where round_id = ${roundId} and status <> 'rejected') as findings,
               (select count(distinct point_type) from visits where round_id = ${roundId}) as point_types`,
  )
  return { units: toCount(row!.units), points: toCount(row!.points), visits: toCount(row!.visits), findings: toCount(row!.findings), pointTypes: toCount(row!.point_types) }
}

/** Occurrences (Σ count) and units per (group, standard), most first; rejected findings left out. */
export async function problemStatistics(db: Queryable, roundId: number) {
  const rows = await queryRows<{ group_code: string; standard: string; text: string; indicator: string; occurrences: unknown; units: unknown }>(
    db,
    sql`select g.code as group_code, s.code as standard, s.name as text, top.name as indicator,
               sum(f.count) as occurrences, count(distinct f.unit_id) as units
        from findings f
        join round_members m on m.round_id = f.round_id and m.unit_id = f.unit_id
        join round_groups g on g.id = m.group_id
        join indicator_nodes s on s.id = f.standard_id
        join indicator_nodes top on top.set_id = s.set_id and top.code = s.top_code
        where f.round_id = ${roundId} and f.status <> 'rejected'
        group by g.code, s.code, s.name, top.name
        order by g.code, sum(f.count) desc, s.code`,
  )
  return rows.map((r) => ({ group: r.group_code, standard: r.standard, text: r.text, indicator: r.indicator, occurrences: toCount(r.occurrences), units: toCount(r.units) }))
}

/**
 * The evidence behind a result, as one digest: per kind, SHA-256 over the records' own content
 * hashes (and review state) in id order, computed by the database; then the caller hashes
 * those. Any added, removed, edited or re-reviewed record changes it.
 */
export async function inputDigests(db: Queryable, roundId: number): Promise<{ records: number; parts: string[] }> {
  const rows = await queryRows<{ kind: string; n: unknown; digest: string | null }>(
    db,
    sql`select 'visits' as kind, count(*) as n, encode(sha256(convert_to(coalesce(string_agg(id::text || ':' || content_hash, ',' order by id), ''), 'UTF8')), 'hex') as digest
          from visits where round_id = ${roundId}
        union all
        select 'findings', count(*), encode(sha256(convert_to(coalesce(string_agg(id::text || ':' || content_hash || ':' || status || ':' || version, ',' order by id), ''), 'UTF8')), 'hex')
          from findings where round_id = ${roundId}
        union all
        select 'externalScores', count(*), encode(sha256(convert_to(coalesce(string_agg(unit_id || ':' || component || ':' || value::text, ',' order by unit_id, component), ''), 'UTF8')), 'hex')
          from external_scores where round_id = ${roundId}
        union all
        select 'measures', count(*), encode(sha256(convert_to(coalesce(string_agg(unit_id || ':' || standard_id || ':' || value::text, ',' order by unit_id, standard_id), ''), 'UTF8')), 'hex')
          from measures where round_id = ${roundId}
        union all
        select 'directScores', count(*), encode(sha256(convert_to(coalesce(string_agg(unit_id || ':' || standard_id || ':' || value::text, ',' order by unit_id, standard_id), ''), 'UTF8')), 'hex')
          from direct_scores where round_id = ${roundId}`,
  )
  const order = ['visits', 'findings', 'externalScores', 'measures', 'directScores']
  rows.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))
  return { records: rows.reduce((n, r) => n + toCount(r.n), 0), parts: rows.map((r) => `${r.kind}:${toCount(r.n)}:${r.digest ?? ''}`) }
}

export async function insertPublication(
  tx: Queryable,
  row: { roundId: number; revision: number; reason: string | null; snapshotText: string; hash: string; inputsDigest: string; publishedBy: number | null; publishedAt: Date },
): Promise<number> {
  const [stored] = await tx.insert(publications).values(row).returning({ id: publications.id })
  return stored!.id
}

export async function insertUnitResults(tx: Queryable, rows: (typeof unitResults.$inferInsert)[]): Promise<void> {
  if (rows.length > 0) await tx.insert(unitResults).values(rows)
}

export async function unitIdsByCode(db: Queryable, codes: string[]): Promise<Map<string, number>> {
  if (codes.length === 0) return new Map()
  const rows = await queryRows<{ id: unknown; code: string }>(db, sql`select id, code from units where code = any(${pgArray(codes)}::text[])`)
  return new Map(rows.map((r) => [r.code, toCount(r.id)]))
}

/** The ledger postings of a round that no later posting reverses: what a correction must undo. */
export async function openLedgerEntries(db: Queryable, roundId: number) {
  return queryRows<{ id: unknown; group_code: string; rule: unknown; unit_id: unknown; counterparty_id: unknown; amount: string }>(
    db,
    sql`select e.id, e.group_code, e.rule, e.unit_id, e.counterparty_id, e.amount::text as amount
        from ledger_entries e
        where e.round_id = ${roundId} and e.kind = 'transfer'
          and not exists (select 1 from ledger_entries r where r.reverses_id = e.id)
        order by e.id`,
  )
}

export async function insertLedgerEntries(tx: Queryable, rows: (typeof ledgerEntries.$inferInsert)[]): Promise<void> {
  if (rows.length > 0) await tx.insert(ledgerEntries).values(rows)
}

export interface PublicationRow {
  id: number
  revision: number
  reason: string | null
  snapshotText: string
  hash: string
  publishedAt: Date
}

export async function findPublication(db: Queryable, roundId: number, revision: number | null): Promise<PublicationRow | null> {
  const columns = { id: publications.id, revision: publications.revision, reason: publications.reason, snapshotText: publications.snapshotText, hash: publications.hash, publishedAt: publications.publishedAt }
  const [row] =
    revision === null
      ? await db.select(columns).from(publications).where(eq(publications.roundId, roundId)).orderBy(desc(publications.revision)).limit(1)
      : await db.select(columns).from(publications).where(and(eq(publications.roundId, roundId), eq(publications.revision, revision))).limit(1)
  return row ?? null
}

export async function listPublications(db: Queryable, roundId: number) {
  return db
    .select({ revision: publications.revision, reason: publications.reason, hash: publications.hash, publishedAt: publications.publishedAt })
    .from(publications)
    .where(eq(publications.roundId, roundId))
    .orderBy(asc(publications.revision))
}

/** Published totals of the series' rounds (latest revision of each), oldest round first. */
export async function seriesTotals(db: Queryable, series: string, upTo: { periodFrom: string; code: string }) {
  return queryRows<{ round_code: string; round_name: string; unit_code: string; total: string | null; ranked: boolean }>(
    db,
    sql`select r.code as round_code, r.name as round_name, u.code as unit_code, ur.total::text as total, ur.ranked
        from rounds r
        join lateral (select p.id from publications p where p.round_id = r.id order by p.revision desc limit 1) p on true
        join unit_results ur on ur.publication_id = p.id
        join units u on u.id = ur.unit_id
        where r.series = ${series} and (r.period_from < ${upTo.periodFrom} or (r.period_from = ${upTo.periodFrom} and r.code <= ${upTo.code}))
        order by r.period_from, r.code, u.code`,
  )
}

/** Ledger postings of a series, oldest first, with names (for the running balances). */
export async function seriesLedger(db: Queryable, series: string) {
  return queryRows<{ id: unknown; at: Date | string; round_code: string; revision: unknown; unit_code: string; unit_name: string; counterparty: string; amount: string; kind: string; group_code: string }>(
    db,
    sql`select e.id, p.published_at as at, r.code as round_code, p.revision, u.code as unit_code, u.name as unit_name, c.name as counterparty,
               e.amount::text as amount, e.kind, e.group_code
        from ledger_entries e
        join publications p on p.id = e.publication_id
        join rounds r on r.id = e.round_id
        join units u on u.id = e.unit_id
        join units c on c.id = e.counterparty_id
        where r.series = ${series}
        order by e.id`,
  )
}

/** Accepted and pending findings of a round with names, for the workbook's detail sheet. */
export async function findingDetail(db: Queryable, roundId: number) {
  return queryRows<{ unit: string; unit_name: string; point: string; point_name: string; point_type: string; standard: string; standard_text: string; count: unknown; deduction: string; note: string | null; at: Date | string; evaluator: string | null; status: string }>(
    db,
    sql`select u.code as unit, u.name as unit_name, p.code as point, p.name as point_name, v.point_type, s.code as standard, s.name as standard_text,
               f.count, coalesce(f.deduction, coalesce((s.rule->>'per')::numeric, 0) * f.count)::text as deduction,
               f.note, v.at, coalesce(f.evaluator, v.evaluator) as evaluator, f.status::text as status
        from findings f
        join visits v on v.id = f.visit_id
        join points p on p.id = v.point_id
        join units u on u.id = f.unit_id
        join indicator_nodes s on s.id = f.standard_id
        where f.round_id = ${roundId} and f.status <> 'rejected'
        order by u.code, v.at, p.code, s.code, f.id`,
  )
}

export async function setPublished(tx: Queryable, roundId: number, revision: number): Promise<void> {
  await tx.update(rounds).set({ status: 'published', revision, correctionReason: null, updatedAt: new Date() }).where(eq(rounds.id, roundId))
}

export async function setCorrecting(tx: Queryable, roundId: number, reason: string): Promise<void> {
  await tx.update(rounds).set({ status: 'review', correctionReason: reason, updatedAt: new Date() }).where(eq(rounds.id, roundId))
}

