/**
 * The ways a batch reaches the tables, on the engine under test: on PostgreSQL a COPY inside a
 * savepoint, with ON CONFLICT DO NOTHING when it is refused; on PGlite an INSERT from arrays.
 * Text of every kind comes back as sent; a batch that is partly stored adds exactly the rest;
 * what data entry keeps in memory between batches (stored visits, a round's points) never lets
 * a batch through that the database would judge otherwise.
 */
import { randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { transactionClient } from '../../src/db/client.js'
import { pgArray } from '../../src/db/arrays.js'
import { findings, photos, visits } from '../../src/db/schema/index.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { canonical } from '../../src/domain/decimal.js'
import { DomainError } from '../../src/domain/errors.js'
import { parseTime } from '../../src/domain/records/validate.js'
import { hashRecords, importRecords, storeRecords } from '../../src/services/records.js'
import { getRound, loadRound } from '../../src/services/rounds.js'
import { standardsOfSet } from '../../src/db/queries/records.js'
import type { CleanRecords } from '../../src/domain/records/validate.js'
import { VisitCache } from '../../src/services/visit-cache.js'
import { findRoundForEntry } from '../../src/db/queries/rounds.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { thrownBy } from '../helpers/errors.js'
import { SAMPLE_ROUND, loadSampleRound, sampleFixture } from '../helpers/sample-round.js'
import { parseRecords } from '../../src/domain/records/parse.js'

const actor = { id: null, name: 'ingest-test' }
let t: TestDatabase
const db = () => t.handle.db

beforeAll(async () => {
  t = await createTestDatabase()
  await loadSampleRound(t.handle.db)
})
afterAll(async () => t?.drop())

async function count(table: typeof visits | typeof findings): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(db(), sql`select count(*) as n from ${table}`)
  return toCount(row!.n)
}

const refusal = (call: Promise<unknown>): Promise<DomainError> => thrownBy(call, DomainError)

describe(`batch storage (${engineName})`, () => {
  it(`${engineName === 'postgres' ? 'reaches' : 'has no'} the postgres.js connection of a drizzle transaction for COPY`, async () => {
    expect(transactionClient(db())).toBeNull()
    const inside = await db().transaction(async (tx) => {
      const client = transactionClient(tx)
      if (!client) return null
      // The client is the transaction's own connection: it sees the transaction's uncommitted work.
      await tx.execute(sql`create temporary table copy_probe (n int) on commit drop`)
      const [row] = await client`select count(*)::int as n from copy_probe`
      return row!.n as number
    })
    expect(inside).toBe(engineName === 'postgres' ? 0 : null)
  })

  it('stores text with tabs, line breaks, backslashes, \\N and any script exactly as sent', async () => {
    const texts = ['a\tb', 'first line\nsecond line', 'CR\r\nLF', 'C:\\temp\\new', '\\N', '\\.', '"quoted", {braced}', '南门处地面存在垃圾 🚮', ' '.repeat(3) + 'x']
    const visitId = randomUUID()
    const batch = {
      visits: [{ id: visitId, point: 'P1', at: '2026-01-08T09:00:00+08:00', evaluator: 'Tab\tEvaluator', note: texts.join('|') }],
      findings: texts.map((note) => ({ id: randomUUID(), visit: visitId, standard: '01-01-01', note, evaluator: `测评员\\${note.length}` })),
    }
    const summary = await importRecords(db(), SAMPLE_ROUND, parseRecords(batch), actor)
    expect(summary.findings.added).toBe(texts.length)
    const [visit] = await db().select({ note: visits.note, evaluator: visits.evaluator }).from(visits).where(eq(visits.id, visitId))
    expect(visit).toEqual({ note: texts.join('|'), evaluator: 'Tab\tEvaluator' })
    const stored = await db().select({ id: findings.id, note: findings.note, evaluator: findings.evaluator }).from(findings).where(eq(findings.visitId, visitId))
    const byId = new Map(stored.map((f) => [f.id, f]))
    for (const f of batch.findings) expect(byId.get(f.id)).toEqual({ id: f.id, note: f.note.trim(), evaluator: f.evaluator })
    // Sent again: every record recognised as stored, nothing added.
    expect(await importRecords(db(), SAMPLE_ROUND, parseRecords(batch), actor)).toMatchObject({ visits: { added: 0, unchanged: 1 }, findings: { added: 0, unchanged: texts.length } })
  })

  it('stores decimals, times and photo lists as the database reads the same values from text', async () => {
    const hashes = ['a', 'b'].map((c) => c.repeat(64))
    await db().insert(photos).values(hashes.map((hash) => ({ hash, mime: 'image/png', bytes: 1 }))).onConflictDoNothing()
    // The storage path on its own, with values at and beyond what validation lets through
    // (times before 2000 and at the epoch, 21-digit decimals): the encoding must hold for any
    // value the columns take, not only for today's bounds.
    const round = await getRound(db(), SAMPLE_ROUND)
    const points = new Map((await queryRows<{ code: string; id: number; unit_id: number; type: string }>(db(), sql`select code, id, unit_id, point_type as type from points`)).map((p) => [p.code, p]))
    const [standard] = (await standardsOfSet(db(), round.indicatorSetId)).filter((s) => s.code === '01-01-01')
    // Coordinates as validation passes them on (a JSON number as JavaScript writes it, text as sent).
    const coordinates: [string | number, string | number][] = [['31.230416', '121.473701'], [0.5, '-0.000001'], [1e-7, '+121.'], ['.5', '-.25'], [-90, 180]]
    const visitsSent = coordinates.map(([lat, lng], i) => ({ id: randomUUID(), point: i % 2 === 0 ? 'P1' : 'P2', at: ['1999-12-31T23:59:59.999+08:00', '2026-01-08T09:00:00.123Z', '1970-01-01T00:00:00Z', '2038-01-19T03:14:08+00:00', '2026-02-28'][i]!, lat, lng }))
    const deductions: (string | number | null)[] = ['0.5', '12.25', 10000, '0.0001', '123456789.123456789', '2.50', '0', null, 99999999, 1e21]
    const findingsSent = deductions.map((deduction, i) => ({
      id: randomUUID(),
      visit: visitsSent[0]!.id,
      standard: '01-01-01',
      ...(deduction === null ? {} : { deduction }),
      ...(i % 3 === 0 ? {} : { at: ['1999-01-01T00:00:00.001+08:00', '2026-01-08T09:00:00.5+08:00'][i % 2]! }),
      photos: hashes.slice(0, i % 3),
    }))
    const records: CleanRecords = {
      visits: visitsSent.map((v) => {
        const point = points.get(v.point)!
        return { id: v.id, pointId: point.id, unitId: point.unit_id, pointType: point.type, at: parseTime(v.at)!, evaluator: null, note: null, lat: String(v.lat), lng: String(v.lng) }
      }),
      findings: findingsSent.map((f) => ({
        id: f.id,
        visitId: f.visit,
        unitId: points.get('P1')!.unit_id,
        standardId: standard!.id,
        count: 1,
        deduction: 'deduction' in f ? canonical(String(f.deduction)) : null,
        note: null,
        evaluator: null,
        at: 'at' in f ? parseTime(f.at) : null,
        photos: f.photos,
      })),
      externalScores: [],
      measures: [],
      directScores: [],
    }
    await db().transaction((tx) => storeRecords(tx, round.id, records, hashRecords(round.id, records), null))

    const asText = async (value: string | number | null | undefined): Promise<string | null> => {
      if (value === null || value === undefined) return null
      const [row] = await queryRows<{ v: string }>(db(), sql`select ${String(value)}::numeric::text as v`)
      return row!.v
    }
    const storedVisits = await queryRows<{ id: string; lat: string; lng: string; at: Date | string }>(db(), sql`select id, lat::text as lat, lng::text as lng, at from visits where id = any(${pgArray(visitsSent.map((v) => v.id))}::uuid[])`)
    const visitById = new Map(storedVisits.map((v) => [v.id, v]))
    for (const v of visitsSent) {
      const stored = visitById.get(v.id)!
      expect({ lat: stored.lat, lng: stored.lng }).toEqual({ lat: await asText(v.lat), lng: await asText(v.lng) })
      expect(new Date(stored.at).getTime()).toBe(parseTime(v.at)!.getTime())
    }
    const storedFindings = await queryRows<{ id: string; deduction: string | null; at: Date | string | null; photos: string }>(
      db(),
      sql`select id, deduction::text as deduction, at, array_to_json(photos)::text as photos from findings where id = any(${pgArray(findingsSent.map((f) => f.id))}::uuid[])`,
    )
    const findingById = new Map(storedFindings.map((f) => [f.id, f]))
    for (const f of findingsSent) {
      const stored = findingById.get(f.id)!
      // Validation writes a deduction canonically (2.50 as 2.5) before it is stored.
      expect(stored.deduction).toBe('deduction' in f ? await asText(canonical(String(f.deduction))) : null)
      expect(stored.at === null ? null : new Date(stored.at).getTime()).toBe('at' in f ? parseTime(f.at)!.getTime() : null)
      expect(JSON.parse(stored.photos)).toEqual(f.photos)
    }
  })

  it('refuses a text holding a NUL character with the record and field named, storing nothing', async () => {
    const before = await count(findings)
    const error = await refusal(importRecords(db(), SAMPLE_ROUND, parseRecords({ findings: [{ id: randomUUID(), visit: '00000000-0000-4000-8000-000000000001', standard: '01-01-01', note: 'a\u0000b' }] }), actor))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.issues).toEqual([{ path: 'findings[0].note', message: expect.stringMatching(/NUL/) }])
    expect(await count(findings)).toBe(before)
  })

  it('adds exactly the new records of a batch that is partly stored already', async () => {
    const visitId = randomUUID()
    const make = (n: number) => Array.from({ length: n }, () => ({ id: randomUUID(), visit: visitId, standard: '01-01-02', count: 1 }))
    const first = make(30)
    await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: visitId, point: 'P1', at: '2026-01-09' }], findings: first }), actor)
    const before = await count(findings)
    const second = [...first.slice(10), ...make(25)]
    const summary = await importRecords(db(), SAMPLE_ROUND, parseRecords({ findings: second }), actor)
    expect(summary.findings).toEqual({ added: 25, unchanged: 20 })
    expect(await count(findings)).toBe(before + 25)
  })

  it('adds exactly the new records of a large batch whose COPY is refused after several pieces were sent', async () => {
    // Thousands of findings go out in pieces of 1,000 rows; a stored id near the end makes the
    // database refuse the COPY only once most of the data is on its way.
    const visitId = randomUUID()
    const make = (n: number, standard: string) => Array.from({ length: n }, () => ({ id: randomUUID(), visit: visitId, standard, count: 1 }))
    const stored = make(1_300, '01-01-02')
    await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: visitId, point: 'P1', at: '2026-01-11' }], findings: stored }), actor)
    const before = await count(findings)
    const fresh = make(2_300, '01-01-02')
    const summary = await importRecords(db(), SAMPLE_ROUND, parseRecords({ findings: [...fresh.slice(0, 2_000), ...stored.slice(0, 5), ...fresh.slice(2_000), ...stored.slice(5)] }), actor)
    expect(summary.findings).toEqual({ added: 2_300, unchanged: 1_300 })
    expect(await count(findings)).toBe(before + 2_300)
    // The same, with one stored finding sent with other content: nothing at all is added.
    const changed = { ...stored[1_299]!, count: 2 }
    const error = await refusal(importRecords(db(), SAMPLE_ROUND, parseRecords({ findings: [...make(2_500, '01-01-02'), changed] }), actor))
    expect(error.code).toBe('CONFLICT')
    expect(error.issues).toEqual([{ path: 'findings[2500].id', message: `finding ${changed.id} is already recorded with different content` }])
    expect(await count(findings)).toBe(before + 2_300)
  })

  it('forgets a remembered visit removed with SQL at the next batch: resent, it is stored again; a finding for it is refused', async () => {
    const visitId = randomUUID()
    const visit = { id: visitId, point: 'P2', at: '2026-01-10' }
    const stored = () => db().select({ id: visits.id }).from(visits).where(eq(visits.id, visitId))
    await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [visit] }), actor)
    // Nothing in civindex removes visits; an operator with SQL can, while it has no findings.
    await db().delete(visits).where(eq(visits.id, visitId))
    // Sent again, the visit is stored again, not answered "unchanged" from memory.
    expect((await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [visit] }), actor)).visits).toEqual({ added: 1, unchanged: 0 })
    expect(await stored()).toHaveLength(1)
    // Removed again, a finding for it is refused at once as naming an unknown visit.
    await db().delete(visits).where(eq(visits.id, visitId))
    const before = await count(findings)
    const unknown = await refusal(importRecords(db(), SAMPLE_ROUND, parseRecords({ findings: [{ id: randomUUID(), visit: visitId, standard: '03-01-01' }] }), actor))
    expect(unknown.code).toBe('VALIDATION_FAILED')
    expect(unknown.issues[0]!.path).toBe('findings[0].visit')
    expect(await count(findings)).toBe(before)
    expect(await stored()).toHaveLength(0)
  })

  it('refuses a finding whose remembered visit vanished while the counter stood still, then reports it as unknown', async () => {
    const visitId = randomUUID()
    await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: visitId, point: 'P2', at: '2026-01-10' }] }), actor)
    // A removal that commits while a batch is under way is not seen by that batch's reading of
    // the visits counter; removing the row with triggers off leaves memory in the same state.
    await db().transaction(async (tx) => {
      await tx.execute(sql`set local session_replication_role = replica`)
      await tx.delete(visits).where(eq(visits.id, visitId))
    })
    const before = await count(findings)
    const batch = { findings: [{ id: randomUUID(), visit: visitId, standard: '03-01-01' }] }
    const first = await refusal(importRecords(db(), SAMPLE_ROUND, parseRecords(batch), actor))
    expect(first.code).toBe('CONFLICT')
    expect(first.message).toMatch(/changed while the batch was stored/)
    expect(JSON.stringify(first.issues)).toContain(visitId)
    const again = await refusal(importRecords(db(), SAMPLE_ROUND, parseRecords(batch), actor))
    expect(again.code).toBe('VALIDATION_FAILED')
    expect(again.issues[0]!.path).toBe('findings[0].visit')
    expect(await count(findings)).toBe(before)
  })

  it('checks against an indicator set changed with SQL after the set was read', async () => {
    const visitId = randomUUID()
    const finding = () => ({ id: randomUUID(), visit: visitId, standard: '01-01-01' })
    await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: visitId, point: 'P1', at: '2026-01-10' }], findings: [finding()] }), actor)
    // Nothing in civindex changes a stored set; an operator with SQL can. The standard no longer
    // applies to markets, so a finding of it at a market is refused.
    const standard = sql`code = '01-01-01' and set_id = (select indicator_set_id from rounds where code = ${SAMPLE_ROUND})`
    const [before] = await queryRows<{ point_types: string[] }>(db(), sql`select point_types from indicator_nodes where ${standard}`)
    await db().execute(sql`update indicator_nodes set point_types = '{road}' where ${standard}`)
    try {
      expect((await refusal(importRecords(db(), SAMPLE_ROUND, parseRecords({ findings: [finding()] }), actor))).issues[0]!.path).toBe('findings[0].standard')
    } finally {
      await db().execute(sql`update indicator_nodes set point_types = ${pgArray(before!.point_types)}::text[] where ${standard}`)
    }
    expect((await importRecords(db(), SAMPLE_ROUND, parseRecords({ findings: [finding()] }), actor)).findings.added).toBe(1)
  })

  it('takes a point that another round file added to one of its units after the round was read', async () => {
    // A batch reads the round's points once and keeps them; this one fills that memory.
    await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: randomUUID(), point: 'P1', at: '2026-01-11' }] }), actor)
    const unknown = await refusal(importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: randomUUID(), point: 'P9', at: '2026-01-11' }] }), actor))
    expect(unknown.issues[0]!.message).toMatch(/unknown point "P9"/)
    const other = sampleFixture('sample-2026-01.yaml')
      .replace('code: "2026-01"', 'code: "2026-01-extra"')
      .replace('  - { code: P1, name: 菱湖农贸市场, type: market, unit: a }', '  - { code: P1, name: 菱湖农贸市场, type: market, unit: a }\n  - { code: P9, name: 新建农贸市场, type: market, unit: a }')
    expect(other).toContain('P9')
    await loadRound(db(), other, actor)
    const summary = await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: randomUUID(), point: 'P9', at: '2026-01-12' }] }), actor)
    expect(summary.visits.added).toBe(1)
  })
})

describe('the visit memory', () => {
  it('answers a batch for an unknown round with NOT_FOUND and leaves no promise rejected unhandled', async () => {
    // A batch of a known round first, so that the memory holds a reading and looks up before
    // it awaits the unknown round's (failed) reading. Node ends a server on an unhandled rejection.
    const unhandled: unknown[] = []
    const listener = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', listener)
    try {
      const visitId = randomUUID()
      await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: visitId, point: 'P1', at: '2026-01-12' }] }), actor)
      for (let k = 0; k < 5; k++) {
        // A visit the memory lacks: its lookup is still reading when the round is found missing.
        const error = await refusal(importRecords(db(), `no-such-round-${k}`, parseRecords({ findings: [{ id: randomUUID(), visit: randomUUID(), standard: '01-01-01' }] }), actor))
        expect(error.code).toBe('NOT_FOUND')
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', listener)
    }
  })

  /** The stored visits' counter (migration 0016), as a batch reads it with its round. */
  const visitsVersion = async (): Promise<string> => (await findRoundForEntry(db(), SAMPLE_ROUND))!.visitsVersion
  const now = (): Promise<string> => visitsVersion()

  it('keeps at most its limit, dropping the oldest first', async () => {
    const cache = new VisitCache(10)
    // The first batch takes the counter's reading; entries are kept under it.
    await cache.forBatch(db(), [], 'no-such-round', now())
    const asOf = await visitsVersion()
    const ids = Array.from({ length: 11 }, () => randomUUID())
    for (const id of ids) cache.remember({ id, roundId: 1, unitId: 1, pointType: 'market', contentHash: 'h' }, asOf)
    // Over the limit a tenth goes at once (here two): the oldest. These ids are not stored, so
    // what the cache still knows is what forBatch finds (for a round without visits to read).
    expect(cache.size).toBe(9)
    const known = await cache.forBatch(db(), parseRecords({ visits: ids.map((id) => ({ id })) }).visitIds, 'no-such-round', now())
    expect(ids.map((id) => known.has(id))).toEqual([false, false, ...Array<boolean>(9).fill(true)])
    // Ids as a client may write them (upper case, spaces) are found too.
    const again = await cache.forBatch(db(), parseRecords({ findings: [{ visit: ` ${ids[5]!.toUpperCase()} ` }] }).visitIds, 'no-such-round', now())
    expect([...again.keys()]).toEqual([ids[5]])
    cache.clear()
    expect(cache.size).toBe(0)
  })

  it('drops what it holds once the counter moves, and keeps nothing read under another reading', async () => {
    const cache = new VisitCache(10)
    await cache.forBatch(db(), [], 'no-such-round', now())
    const asOf = await visitsVersion()
    const id = randomUUID()
    cache.remember({ id, roundId: 1, unitId: 1, pointType: 'market', contentHash: 'h' }, asOf)
    expect((await cache.forBatch(db(), [id], 'no-such-round', now())).has(id)).toBe(true)
    // Any UPDATE, DELETE or TRUNCATE of visits moves the counter, even one that changes no row.
    await db().delete(visits).where(eq(visits.id, randomUUID()))
    expect(await visitsVersion()).not.toBe(asOf)
    expect((await cache.forBatch(db(), [id], 'no-such-round', now())).has(id)).toBe(false)
    expect(cache.size).toBe(0)
    // A batch that read the counter before the move may not put back what it read.
    cache.remember({ id, roundId: 1, unitId: 1, pointType: 'market', contentHash: 'h' }, asOf)
    expect(cache.size).toBe(0)
  })

  it("reads a round's stored visits at its first miss, and later ones by id", async () => {
    const stored = await queryRows<{ id: string }>(db(), sql`select v.id from visits v join rounds r on r.id = v.round_id where r.code = ${SAMPLE_ROUND}`)
    expect(stored.length).toBeGreaterThan(4)
    // Room for all of them: one batch naming one visit brings in the round's visits.
    const roomy = new VisitCache(2 * stored.length + 2)
    const first = await roomy.forBatch(db(), [stored[0]!.id], SAMPLE_ROUND, now())
    expect([...first.keys()]).toEqual([stored[0]!.id])
    expect(roomy.size).toBe(stored.length)
    // A visit stored after that read is found by its id.
    const visitId = randomUUID()
    await importRecords(db(), SAMPLE_ROUND, parseRecords({ visits: [{ id: visitId, point: 'P1', at: '2026-01-12' }] }), actor)
    const later = await roomy.forBatch(db(), [visitId, stored[1]!.id], SAMPLE_ROUND, now())
    expect(new Set(later.keys())).toEqual(new Set([visitId, stored[1]!.id]))
    expect(roomy.size).toBe(stored.length + 1)
    // Room for fewer: half the limit is read at once, and every visit is still found.
    const tight = new VisitCache(4)
    const all = await tight.forBatch(db(), [...stored, { id: visitId }].map((v) => v.id), SAMPLE_ROUND, now())
    expect(all.size).toBe(stored.length + 1)
  })
})
