/**
 * What a restore (and anyone else) reads to check that published data is what was published:
 * the publications with their texts, the audit entries that recorded them, the ledger's balance
 * per publication, and whether a database holds any data at all.
 */
import { asc, eq, getTableName, is, sql } from 'drizzle-orm'
import { PgTable } from 'drizzle-orm/pg-core'
import type { Queryable } from '../client.js'
import * as schema from '../schema/index.js'
import { publications, rounds } from '../schema/index.js'
import { queryRows, toCount } from '../sql.js'

export interface PublicationHead {
  id: number
  round: string
  revision: number
  hash: string
}

export async function publicationHeads(db: Queryable): Promise<PublicationHead[]> {
  return db
    .select({ id: publications.id, round: rounds.code, revision: publications.revision, hash: publications.hash })
    .from(publications)
    .innerJoin(rounds, eq(rounds.id, publications.roundId))
    .orderBy(asc(publications.id))
}

export async function publicationText(db: Queryable, id: number): Promise<string> {
  const [row] = await db.select({ text: publications.snapshotText }).from(publications).where(eq(publications.id, id))
  return row?.text ?? ''
}

/** `round`, `revision` and `hash` of every round.publish entry of the audit log. */
export async function publishEntries(db: Queryable): Promise<{ round: string; revision: string | null; hash: string | null }[]> {
  return queryRows(db, sql`select entity_key as round, details->>'revision' as revision, details->>'hash' as hash from audit_log where action = 'round.publish'`)
}

/** Publications whose ledger postings do not sum to zero (each transfer is −amount and +amount). */
export async function unbalancedPublications(db: Queryable): Promise<{ id: number; sum: string }[]> {
  const rows = await queryRows<{ id: unknown; sum: string }>(
    db,
    sql`select publication_id as id, sum(amount)::text as sum from ledger_entries group by publication_id having sum(amount) <> 0 order by publication_id`,
  )
  return rows.map((r) => ({ id: toCount(r.id), sum: r.sum }))
}

export async function ledgerEntryCount(db: Queryable): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(db, sql`select count(*) as n from ledger_entries`)
  return toCount(row!.n)
}

/** Tables that migrations fill themselves: a database just migrated already has their rows. */
const BOOKKEEPING = new Set(['civindex_entry_versions'])

/** The tables of civindex's schema (src/db/schema) that hold entered, computed and published data. */
const DATA_TABLES = new Set<string>(Object.values(schema).flatMap((value) => (is(value, PgTable) && !BOOKKEEPING.has(getTableName(value)) ? [getTableName(value)] : [])))

/**
 * The tables that hold data, for "is this database empty?": in a civindex database, those of
 * civindex's schema with at least one row (bookkeeping tables that migrations fill, such as
 * civindex_entry_versions, do not count: a database just migrated is empty); in any other
 * database, every table of schema public with a row.
 */
export async function tablesWithRows(db: Queryable): Promise<string[]> {
  const all = (await queryRows<{ name: string }>(db, sql`select relname::text as name from pg_catalog.pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') order by relname`)).map(
    (r) => r.name,
  )
  const tables = all.includes('audit_log') ? all.filter((t) => DATA_TABLES.has(t)) : all
  if (tables.length === 0) return []
  const probes = tables.map((t, i) => `select ${i} as i where exists (select 1 from public."${t.replace(/"/g, '""')}")`).join(' union all ')
  const rows = await queryRows<{ i: unknown }>(db, sql.raw(probes))
  return rows.map((r) => tables[toCount(r.i)]!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
