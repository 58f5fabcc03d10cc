import { and, asc, desc, eq, inArray, lt, or, sql } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { directScores, externalScores, indicatorSets, measures, points, publications, roundGroups, roundMembers, rounds, units, visits } from '../schema/index.js'
import type { RoundDefinition } from '../../domain/round/validate.js'
import type { RoundStatus } from '../schema/index.js'

export interface RoundRow {
  id: number
  code: string
  series: string
  name: string
  indicatorSetId: number
  setCode: string
  setVersion: string
  periodFrom: string
  periodTo: string
  evaluator: string
  status: RoundStatus
  revision: number
  /** visit_standard_totals holds the round's totals (built when fieldwork closes). */
  totalsReady: boolean
  /** Reason of the correction under way (status review after publication), else null. */
  correctionReason: string | null
  source: unknown
}

const roundColumns = {
  id: rounds.id,
  code: rounds.code,
  series: rounds.series,
  name: rounds.name,
  indicatorSetId: rounds.indicatorSetId,
  setCode: indicatorSets.code,
  setVersion: indicatorSets.version,
  periodFrom: rounds.periodFrom,
  periodTo: rounds.periodTo,
  evaluator: rounds.evaluator,
  status: rounds.status,
  revision: rounds.revision,
  totalsReady: rounds.totalsReady,
  correctionReason: rounds.correctionReason,
  source: rounds.source,
}

export async function findRound(db: Queryable, code: string): Promise<RoundRow | null> {
  const [row] = await db.select(roundColumns).from(rounds).innerJoin(indicatorSets, eq(indicatorSets.id, rounds.indicatorSetId)).where(eq(rounds.code, code)).limit(1)
  return row ?? null
}

/**
 * What data entry needs of a round, read for every batch: no more. With it, in the same
 * statement, the counters of migration 0016: `stamp` changes whenever the round's units or
 * points may have (points, units or round members changed), `setsVersion` whenever a stored
 * indicator set was changed or removed, `visitsVersion` whenever stored visits were. Each moves
 * in the transaction that makes the change, so rows read after this statement are never older
 * than the counters it returned. Each reading also names the database (its oid): a restore puts
 * a new database in place of the old one, whose counters may stand where they stood before or
 * lower, and the readings differ all the same.
 */
/** The database connected to, as its oid: a database restored in place of another is another. */
const DATABASE = sql`(select oid from pg_database where datname = current_database())::text`

export async function findRoundForEntry(
  db: Queryable,
  code: string,
): Promise<{ id: number; status: RoundStatus; indicatorSetId: number; periodFrom: string; periodTo: string; stamp: string; setsVersion: string; visitsVersion: string } | null> {
  const [row] = await db
    .select({
      id: rounds.id,
      status: rounds.status,
      indicatorSetId: rounds.indicatorSetId,
      periodFrom: rounds.periodFrom,
      periodTo: rounds.periodTo,
      stamp: sql<string>`${DATABASE} || '/' || (select registry from civindex_entry_versions)::text`,
      setsVersion: sql<string>`${DATABASE} || '/' || (select sets from civindex_entry_versions)::text`,
      visitsVersion: sql<string>`${DATABASE} || '/' || (select visits from civindex_entry_versions)::text`,
    })
    .from(rounds)
    .where(eq(rounds.code, code))
    .limit(1)
  return row ?? null
}

export async function listRounds(db: Queryable): Promise<RoundRow[]> {
  return db.select(roundColumns).from(rounds).innerJoin(indicatorSets, eq(indicatorSets.id, rounds.indicatorSetId)).orderBy(asc(rounds.series), asc(rounds.periodFrom), asc(rounds.code))
}

/** Whether anything has been recorded for the round (then its definition is frozen). */
export async function roundHasData(db: Queryable, roundId: number): Promise<boolean> {
  const checks = [
    db.select({ one: sql`1` }).from(visits).where(eq(visits.roundId, roundId)).limit(1),
    db.select({ one: sql`1` }).from(externalScores).where(eq(externalScores.roundId, roundId)).limit(1),
    db.select({ one: sql`1` }).from(measures).where(eq(measures.roundId, roundId)).limit(1),
    db.select({ one: sql`1` }).from(directScores).where(eq(directScores.roundId, roundId)).limit(1),
  ]
  for (const check of checks) if ((await check).length > 0) return true
  return false
}

/** Inserts or renames units by code; returns code → id for the given codes. */
export async function upsertUnits(tx: Queryable, list: { code: string; name: string }[]): Promise<Map<string, number>> {
  if (list.length > 0)
    await tx
      .insert(units)
      .values(list)
      .onConflictDoUpdate({ target: units.code, set: { name: sql`excluded.name` } })
  const rows = list.length === 0 ? [] : await tx.select({ id: units.id, code: units.code }).from(units).where(inArray(units.code, list.map((u) => u.code)))
  return new Map(rows.map((r) => [r.code, r.id]))
}

export async function upsertPoints(tx: Queryable, list: RoundDefinition['points'], unitIds: Map<string, number>): Promise<void> {
  const CHUNK = 1000
  for (let i = 0; i < list.length; i += CHUNK) {
    const values = list.slice(i, i + CHUNK).map((p) => ({
      code: p.code,
      name: p.name,
      pointType: p.type,
      unitId: unitIds.get(p.unit)!,
      address: p.address,
      lat: p.lat,
      lng: p.lng,
      updatedAt: new Date(),
    }))
    await tx
      .insert(points)
      .values(values)
      .onConflictDoUpdate({
        target: points.code,
        set: { name: sql`excluded.name`, pointType: sql`excluded.point_type`, unitId: sql`excluded.unit_id`, address: sql`excluded.address`, lat: sql`excluded.lat`, lng: sql`excluded.lng`, updatedAt: sql`excluded.updated_at` },
      })
  }
}

/** The round row's columns that come from its definition. */
function definitionColumns(def: RoundDefinition, setId: number) {
  return {
    series: def.series,
    name: def.name,
    indicatorSetId: setId,
    periodFrom: def.period.from,
    periodTo: def.period.to,
    evaluator: def.evaluator,
    consequences: def.consequences,
    tiebreak: def.tiebreak,
    source: def,
  }
}

export async function insertRound(tx: Queryable, def: RoundDefinition, setId: number, unitIds: Map<string, number>): Promise<number> {
  const [row] = await tx
    .insert(rounds)
    .values({ code: def.code, ...definitionColumns(def, setId) })
    .returning({ id: rounds.id })
  if (!row) throw new Error('insert into rounds returned nothing')
  await insertGroups(tx, row.id, def, unitIds)
  return row.id
}

async function insertGroups(tx: Queryable, roundId: number, def: RoundDefinition, unitIds: Map<string, number>): Promise<void> {
  for (const [ordinal, g] of def.groups.entries()) {
    const [group] = await tx
      .insert(roundGroups)
      .values({ roundId, code: g.code, name: g.name, weights: g.weights, consequences: g.consequences, ordinal })
      .returning({ id: roundGroups.id })
    if (!group) throw new Error('insert into round_groups returned nothing')
    if (g.units.length > 0) await tx.insert(roundMembers).values(g.units.map((u) => ({ roundId, unitId: unitIds.get(u.code)!, groupId: group.id, head: u.head })))
  }
}

/** Replaces a draft round's definition (only while nothing has been recorded for it). */
export async function replaceRound(tx: Queryable, roundId: number, def: RoundDefinition, setId: number, unitIds: Map<string, number>): Promise<void> {
  await tx.delete(roundMembers).where(eq(roundMembers.roundId, roundId))
  await tx.delete(roundGroups).where(eq(roundGroups.roundId, roundId))
  await tx
    .update(rounds)
    .set({ ...definitionColumns(def, setId), updatedAt: new Date() })
    .where(eq(rounds.id, roundId))
  await insertGroups(tx, roundId, def, unitIds)
}

/** The rounds of a series before the given one, latest first (by period start, then code). */
export async function earlierRoundsOfSeries(db: Queryable, round: Pick<RoundRow, 'series' | 'periodFrom' | 'code'>): Promise<RoundRow[]> {
  return db
    .select(roundColumns)
    .from(rounds)
    .innerJoin(indicatorSets, eq(indicatorSets.id, rounds.indicatorSetId))
    .where(and(eq(rounds.series, round.series), or(lt(rounds.periodFrom, round.periodFrom), and(eq(rounds.periodFrom, round.periodFrom), lt(rounds.code, round.code)))))
    .orderBy(desc(rounds.periodFrom), desc(rounds.code))
}

export async function latestPublicationText(db: Queryable, roundId: number): Promise<string | null> {
  const [row] = await db.select({ text: publications.snapshotText }).from(publications).where(eq(publications.roundId, roundId)).orderBy(desc(publications.revision)).limit(1)
  return row?.text ?? null
}

/**
 * Writers of a round take an advisory lock on it before its row (pg_advisory_xact_lock(ROUND_LOCK,
 * round id)): shared for the writes a state allows (a batch of records, a review decision),
 * exclusive for a change of state (open, close, publish, correct). The row locks alone are not
 * fair: PostgreSQL grants FOR SHARE at once while only other FOR SHARE holders are there, even
 * to a transaction that comes after a FOR UPDATE began to wait, so with clients sending batches
 * to several servers without pause a close waited until they stopped. The lock manager queues an
 * advisory request behind any request it conflicts with, so a close waits only for the batches
 * already under way, and the batches after it wait for the close and then see its state.
 */
const ROUND_LOCK = 726356

/** Locks the round for a change of state (see ROUND_LOCK) and reads it; null when there is none. */
export async function findRoundForUpdate(db: Queryable, code: string): Promise<RoundRow | null> {
  await db.execute(sql`select pg_advisory_xact_lock(${ROUND_LOCK}, id) from ${rounds} where code = ${code}`)
  const [row] = await db
    .select(roundColumns)
    .from(rounds)
    .innerJoin(indicatorSets, eq(indicatorSets.id, rounds.indicatorSetId))
    .where(eq(rounds.code, code))
    .limit(1)
    .for('update', { of: rounds })
  return row ?? null
}

export async function setRoundStatus(db: Queryable, roundId: number, status: RoundStatus): Promise<void> {
  await db.update(rounds).set({ status, updatedAt: new Date() }).where(eq(rounds.id, roundId))
}

/**
 * The round's state, held until the transaction ends: a write the state allows takes the shared
 * lock (see ROUND_LOCK), then reads the state in a statement of its own, which starts after the
 * lock is held and so sees a change of state that it waited for.
 */
export async function roundStatusForShare(db: Queryable, roundId: number): Promise<RoundStatus> {
  await db.execute(sql`select pg_advisory_xact_lock_shared(${ROUND_LOCK}, ${roundId})`)
  const [row] = await db.select({ status: rounds.status }).from(rounds).where(eq(rounds.id, roundId)).for('share')
  if (!row) throw new Error(`round ${roundId} vanished`)
  return row.status
}
