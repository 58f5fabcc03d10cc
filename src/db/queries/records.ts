import { and, eq, inArray, sql, type SQL } from 'drizzle-orm'
import { pgArray } from '../arrays.js'
import { queryRows, toCount } from '../sql.js'
import { transactionClient, type Queryable } from '../client.js'
import { finished } from 'node:stream/promises'
import { binaryPieces } from '../copy.js'
import type postgres from 'postgres'
import { directScores, externalScores, findings, indicatorNodes, measures, photos, points, roundMembers, units, visits } from '../schema/index.js'
import type { CleanRecords } from '../../domain/records/validate.js'
import type { RuleKind } from '../../domain/indicator-set/schema.js'

export async function standardsOfSet(db: Queryable, setId: number): Promise<{ id: number; code: string; kind: RuleKind; points: string; pointTypes: string[] }[]> {
  const rows = await db
    .select({ id: indicatorNodes.id, code: indicatorNodes.code, kind: indicatorNodes.ruleKind, points: indicatorNodes.points, pointTypes: indicatorNodes.pointTypes })
    .from(indicatorNodes)
    .where(and(eq(indicatorNodes.setId, setId), eq(indicatorNodes.kind, 'standard')))
  return rows.map((r) => ({ ...r, kind: r.kind as RuleKind }))
}

/** The round's units and the registry points they own. */
export async function roundUnitsAndPoints(db: Queryable, roundId: number) {
  const memberUnits = await db
    .select({ id: units.id, code: units.code })
    .from(roundMembers)
    .innerJoin(units, eq(units.id, roundMembers.unitId))
    .where(eq(roundMembers.roundId, roundId))
  const pointRows = await db
    .select({ id: points.id, code: points.code, type: points.pointType, unitId: points.unitId })
    .from(points)
    .innerJoin(roundMembers, and(eq(roundMembers.unitId, points.unitId), eq(roundMembers.roundId, roundId)))
  return { units: memberUnits, points: pointRows }
}

/** What data entry needs of a stored visit. */
type VisitRow = { id: string; point_type: string; unit_id: unknown; content_hash: string; round_id: unknown }
const storedVisit = (r: VisitRow) => ({ id: r.id, pointType: r.point_type, unitId: toCount(r.unit_id), contentHash: r.content_hash, roundId: toCount(r.round_id) })

export async function visitsByIds(db: Queryable, ids: string[]) {
  if (ids.length === 0) return []
  const rows = await queryRows<VisitRow>(db, sql`select id, point_type, unit_id, content_hash, round_id from visits where id = any(${pgArray(ids)}::uuid[])`)
  return rows.map(storedVisit)
}

/** Up to `limit` stored visits of the round with this code, in no particular order. */
export async function visitsOfRound(db: Queryable, roundCode: string, limit: number) {
  const rows = await queryRows<VisitRow>(
    db,
    sql`select v.id, v.point_type, v.unit_id, v.content_hash, v.round_id from visits v join rounds r on r.id = v.round_id where r.code = ${roundCode} limit ${limit}`,
  )
  return rows.map(storedVisit)
}

export async function existingPhotos(db: Queryable, hashes: string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set()
  const rows = await db.select({ hash: photos.hash }).from(photos).where(inArray(photos.hash, hashes))
  return new Set(rows.map((r) => r.hash))
}

/** Rows per statement: one array parameter per column, so the limit is memory, not parameters. */
const CHUNK = 20_000

/** Content hashes of validated records, in the order of the records. */
export interface RecordHashes {
  visits: string[]
  findings: string[]
}

/**
 * An array literal of values that need no quotes: UUIDs, numbers, decimal text, ISO times and
 * hex hashes, as validation leaves them. Nulls are NULL; a column of nulls only is `{}`, which
 * unnest pads with nulls to the length of the others (and saves sending them).
 */
function bareArray(values: readonly (string | number | null)[]): string {
  let nulls = 0
  for (const v of values) if (v === null) nulls++
  if (nulls === values.length) return '{}'
  return `{${(nulls === 0 ? values : values.map((v) => (v === null ? 'NULL' : v))).join(',')}}`
}

const ARRAY_ESCAPE = /["\\]/

/** An array literal of text values, each quoted; see bareArray for nulls. */
function textArray(values: readonly (string | null)[]): string {
  let nulls = 0
  for (const v of values) if (v === null) nulls++
  if (nulls === values.length) return '{}'
  let out = '{'
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (i > 0) out += ','
    if (v === null) out += 'NULL'
    else out += ARRAY_ESCAPE.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`
  }
  return `${out}}`
}

/** The database error of this SQLSTATE in `error`: on postgres.js the error itself, through drizzle its cause. */
function withSqlState(error: unknown, code: string): Error | null {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    if ((e as { code?: unknown }).code === code) return e as Error
  return null
}

/** A unique key taken. */
const isUniqueViolation = (error: unknown): boolean => withSqlState(error, '23505') !== null

/** A reference that does not hold (the findings check raises it too), or null. */
export const foreignKeyViolation = (error: unknown): Error | null => withSqlState(error, '23503')

/** Two transactions each waiting for the other; PostgreSQL broke the tie by failing this one. */
const isDeadlock = (error: unknown): boolean => withSqlState(error, '40P01') !== null

/** How often an INSERT … ON CONFLICT chosen to break a deadlock is tried again. */
const DEADLOCK_ATTEMPTS = 5

/**
 * Runs an INSERT of new rows: first plainly, inside a savepoint, as the common case (every id
 * new) is a third cheaper for the database without ON CONFLICT; when an id is taken (or `taken`
 * says so already: a COPY of the same rows failed), the rows go in with ON CONFLICT DO NOTHING
 * (a retry, or a concurrent batch that got there first). Returns the rows added.
 *
 * `insert(byId)` is the INSERT … SELECT, its rows ordered by id when `byId`. Concurrent batches
 * holding the same new ids in different orders (two servers, a client that sent its queue again
 * regrouped) can each wait for an id the other has inserted: PostgreSQL fails one of them after
 * deadlock_timeout. A COPY failed so is just rolled back to its savepoint and comes here; here
 * the rows go in ordered by id, so that two of these never wait for each other, inside a
 * savepoint, and are tried again should this one still be the one failed (against a COPY).
 */
async function insertNew(tx: Queryable, rows: number, insert: (byId: boolean) => SQL, taken: boolean): Promise<number> {
  if (!taken)
    try {
      await tx.transaction(async (savepoint) => {
        await savepoint.execute(insert(false))
      })
      return rows
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
    }
  for (let attempt = 1; ; attempt++)
    try {
      return await tx.transaction(async (savepoint) => {
        const [row] = await queryRows<{ n: unknown }>(savepoint, sql`with added as (${insert(true)} on conflict (id) do nothing returning 1) select count(*) as n from added`)
        return toCount(row?.n ?? 0)
      })
    } catch (error) {
      if (!isDeadlock(error) || attempt === DEADLOCK_ATTEMPTS) throw error
    }
}

/** Visits as COPY rows, in the column order of VISIT_COLUMNS. */
const VISIT_COLUMNS = 'id, round_id, point_id, unit_id, point_type, at, evaluator, note, lat, lng, content_hash, created_by'
function visitRows(roundId: number, visits: CleanRecords['visits'], hashes: string[], createdBy: number | null): Generator<Buffer> {
  return binaryPieces(visits, (out, v, i) => {
    out.row(12)
    out.uuid(v.id)
    out.int4(roundId)
    out.int4(v.pointId)
    out.int4(v.unitId)
    out.text(v.pointType)
    out.timestamptz(v.at)
    out.text(v.evaluator)
    out.text(v.note)
    out.numeric(v.lat)
    out.numeric(v.lng)
    out.text(hashes[i]!)
    out.int4(createdBy)
  })
}

/** Findings as COPY rows, in the column order of FINDING_COLUMNS. */
const FINDING_COLUMNS = 'id, round_id, visit_id, unit_id, standard_id, count, deduction, note, evaluator, at, photos, content_hash, created_by'
function findingRows(roundId: number, findings: CleanRecords['findings'], hashes: string[], createdBy: number | null): Generator<Buffer> {
  return binaryPieces(findings, (out, f, i) => {
    out.row(13)
    out.uuid(f.id)
    out.int4(roundId)
    out.uuid(f.visitId)
    out.int4(f.unitId)
    out.int4(f.standardId)
    out.int4(f.count)
    out.numeric(f.deduction)
    out.text(f.note)
    out.text(f.evaluator)
    out.timestamptz(f.at)
    out.textArray(f.photos)
    out.text(hashes[i]!)
    out.int4(createdBy)
  })
}

/**
 * COPY of new rows into `table` on PostgreSQL, inside a savepoint: the common case (every id
 * new) at a fraction of an INSERT's cost. When it fails (an id taken, by a retry or a concurrent
 * batch) the savepoint is rolled back and false returned; the caller then inserts with
 * ON CONFLICT DO NOTHING, which also reports any other failure as the database words it.
 */
async function copyNew(client: postgres.TransactionSql, table: 'visits' | 'findings', columns: string, lines: Iterable<Buffer>): Promise<boolean> {
  // A row that cannot be written (a value validation should have refused) is a fault of this
  // program, not a refusal by the database: it is thrown, not answered with the INSERT.
  const unwritable: { error?: Error } = {}
  try {
    await client.savepoint(async (sp) => {
      const query = sp.unsafe(`copy ${table} (${columns}) from stdin (format binary)`)
      // postgres.js resolves a COPY with its stream, which finishes when the COPY has succeeded;
      // a failure after the data was sent is handed only to the query's own reject, which is
      // therefore watched as well.
      const failed = new Promise<never>((_, reject) => {
        const watched = query as unknown as { reject: (error: unknown) => unknown }
        const own = watched.reject
        watched.reject = (error) => {
          reject(error instanceof Error ? error : new Error(String(error)))
          return own(error)
        }
      })
      failed.catch(() => undefined)
      const stream = await query.writable()
      // Each piece goes out as soon as it is built.
      try {
        for (const piece of lines) stream.write(piece)
      } catch (error) {
        unwritable.error = error instanceof Error ? error : new Error(String(error))
        // Abandons the COPY (the database is told it failed), which fails the savepoint; the
        // error is thrown from here, not also emitted.
        stream.on('error', () => undefined)
        stream.destroy(unwritable.error)
        throw unwritable.error
      }
      stream.end()
      await Promise.race([finished(stream), failed])
    })
    return true
  } catch {
    if (unwritable.error) throw unwritable.error
    return false
  }
}

/**
 * Inserts validated records. Visits and findings whose id is stored already are left as they
 * are; the caller compares those with `clashingVisits` / `clashingFindings`. Per-unit values
 * replace stored ones. Returns how many visits and findings were added.
 */
export async function insertRecords(tx: Queryable, roundId: number, records: CleanRecords, hashes: RecordHashes, createdBy: number | null): Promise<{ visits: number; findings: number }> {
  const added = { visits: 0, findings: 0 }
  // On PostgreSQL the rows go in by COPY; only what it refuses takes the INSERT below.
  const client = transactionClient(tx)
  let { visits, findings } = records
  let { visits: visitHashes, findings: findingHashes } = hashes
  if (client && visits.length > 0 && (await copyNew(client, 'visits', VISIT_COLUMNS, visitRows(roundId, visits, visitHashes, createdBy)))) {
    added.visits = visits.length
    visits = []
    visitHashes = []
  }
  if (client && findings.length > 0 && (await copyNew(client, 'findings', FINDING_COLUMNS, findingRows(roundId, findings, findingHashes, createdBy)))) {
    added.findings = findings.length
    findings = []
    findingHashes = []
  }
  for (let i = 0; i < visits.length; i += CHUNK) {
    const part = visits.slice(i, i + CHUNK)
    added.visits += await insertNew(
      tx,
      part.length,
      (byId) => sql`insert into visits (id, round_id, point_id, unit_id, point_type, at, evaluator, note, lat, lng, content_hash, created_by)
        select v.id, ${roundId}, v.point_id, v.unit_id, v.point_type, v.at, v.evaluator, v.note, v.lat, v.lng, v.content_hash, ${createdBy}
        from unnest(${bareArray(part.map((v) => v.id))}::uuid[], ${bareArray(part.map((v) => v.pointId))}::int[], ${bareArray(part.map((v) => v.unitId))}::int[],
                    ${textArray(part.map((v) => v.pointType))}::text[], ${bareArray(part.map((v) => v.at.toISOString()))}::timestamptz[],
                    ${textArray(part.map((v) => v.evaluator))}::text[], ${textArray(part.map((v) => v.note))}::text[],
                    ${bareArray(part.map((v) => v.lat))}::numeric[], ${bareArray(part.map((v) => v.lng))}::numeric[],
                    ${bareArray(visitHashes.slice(i, i + CHUNK))}::text[])
             as v(id, point_id, unit_id, point_type, at, evaluator, note, lat, lng, content_hash)${byId ? sql` order by v.id` : sql``}`,
      client !== null,
    )
  }
  for (let i = 0; i < findings.length; i += CHUNK) {
    const part = findings.slice(i, i + CHUNK)
    added.findings += await insertNew(
      tx,
      part.length,
      (byId) => sql`insert into findings (id, round_id, visit_id, unit_id, standard_id, count, deduction, note, evaluator, at, photos, content_hash, created_by)
        select f.id, ${roundId}, f.visit_id, f.unit_id, f.standard_id, f.count, f.deduction, f.note, f.evaluator, f.at,
               coalesce(string_to_array(f.photos, ','), '{}'), f.content_hash, ${createdBy}
        from unnest(${bareArray(part.map((f) => f.id))}::uuid[], ${bareArray(part.map((f) => f.visitId))}::uuid[], ${bareArray(part.map((f) => f.unitId))}::int[],
                    ${bareArray(part.map((f) => f.standardId))}::int[], ${bareArray(part.map((f) => f.count))}::int[], ${bareArray(part.map((f) => f.deduction))}::numeric[],
                    ${textArray(part.map((f) => f.note))}::text[], ${textArray(part.map((f) => f.evaluator))}::text[],
                    ${bareArray(part.map((f) => f.at?.toISOString() ?? null))}::timestamptz[],
                    ${textArray(part.map((f) => (f.photos.length > 0 ? f.photos.join(',') : null)))}::text[],
                    ${bareArray(findingHashes.slice(i, i + CHUNK))}::text[])
             as f(id, visit_id, unit_id, standard_id, count, deduction, note, evaluator, at, photos, content_hash)${byId ? sql` order by f.id` : sql``}`,
      client !== null,
    )
  }
  if (records.externalScores.length > 0)
    await tx
      .insert(externalScores)
      .values(records.externalScores.map((e) => ({ ...e, roundId, enteredBy: createdBy })))
      .onConflictDoUpdate({ target: [externalScores.roundId, externalScores.unitId, externalScores.component], set: { value: sql`excluded.value`, enteredBy: sql`excluded.entered_by`, enteredAt: sql`now()` } })
  if (records.measures.length > 0)
    await tx
      .insert(measures)
      .values(records.measures.map((m) => ({ ...m, roundId, enteredBy: createdBy })))
      .onConflictDoUpdate({ target: [measures.roundId, measures.unitId, measures.standardId], set: { value: sql`excluded.value`, enteredBy: sql`excluded.entered_by`, enteredAt: sql`now()` } })
  if (records.directScores.length > 0)
    await tx
      .insert(directScores)
      .values(records.directScores.map((d) => ({ ...d, roundId, enteredBy: createdBy })))
      .onConflictDoUpdate({
        target: [directScores.roundId, directScores.unitId, directScores.standardId],
        set: { value: sql`excluded.value`, note: sql`excluded.note`, enteredBy: sql`excluded.entered_by`, enteredAt: sql`now()` },
      })
  return added
}

/** Ids among `ids` of rows of `table` stored with another content hash than the one given for each. */
async function clashing(db: Queryable, table: typeof visits | typeof findings, ids: string[], hashes: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select t.id from unnest(${pgArray(ids)}::uuid[], ${pgArray(hashes)}::text[]) as i(id, content_hash) join ${table} t on t.id = i.id where t.content_hash <> i.content_hash`,
  )
  return new Set(rows.map((r) => r.id))
}

/** Ids among `ids` of visits stored with another content hash than the one given for each. */
export const clashingVisits = (db: Queryable, ids: string[], hashes: string[]): Promise<Set<string>> => clashing(db, visits, ids, hashes)

/** The same for findings. */
export const clashingFindings = (db: Queryable, ids: string[], hashes: string[]): Promise<Set<string>> => clashing(db, findings, ids, hashes)
