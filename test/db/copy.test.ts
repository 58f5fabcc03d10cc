/**
 * COPY's binary rows: decimals in PostgreSQL's base-10000 form, and values that validation
 * should have refused are a fault thrown at once, never a half-sent COPY or a silent fallback.
 */
import { randomUUID } from 'node:crypto'
import { eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BinaryRows, numericParts } from '../../src/db/copy.js'
import { insertRecords } from '../../src/db/queries/records.js'
import { findings, rounds } from '../../src/db/schema/index.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { SAMPLE_ROUND, loadSampleRound } from '../helpers/sample-round.js'

describe('numeric parts of decimal text', () => {
  it.each([
    ['0', { digits: [], weight: 0, negative: false, scale: 0 }],
    ['0.000', { digits: [], weight: 0, negative: false, scale: 3 }],
    ['-0', { digits: [], weight: 0, negative: false, scale: 0 }],
    ['7', { digits: [7], weight: 0, negative: false, scale: 0 }],
    ['10000', { digits: [1], weight: 1, negative: false, scale: 0 }],
    ['12345.6', { digits: [1, 2345, 6000], weight: 1, negative: false, scale: 1 }],
    ['9999.9999', { digits: [9999, 9999], weight: 0, negative: false, scale: 4 }],
    ['0.0001', { digits: [1], weight: -1, negative: false, scale: 4 }],
    ['0.00000001', { digits: [1], weight: -2, negative: false, scale: 8 }],
    ['-2.50', { digits: [2, 5000], weight: 0, negative: true, scale: 2 }],
    ['+.5', { digits: [5000], weight: -1, negative: false, scale: 1 }],
    ['121.', { digits: [121], weight: 0, negative: false, scale: 0 }],
    ['000123', { digits: [123], weight: 0, negative: false, scale: 0 }],
    ['1e-7', { digits: [10], weight: -2, negative: false, scale: 7 }],
    ['1e+21', { digits: [10], weight: 5, negative: false, scale: 0 }],
  ])('%s', (text, parts) => {
    expect(numericParts(text)).toEqual(parts)
  })

  it('refuses what is not a decimal', () => {
    for (const text of ['', '.', 'abc', '1,5', '--1', 'NaN', 'Infinity', '-Infinity']) expect(() => numericParts(text), text).toThrow(/not a decimal/)
  })
})

describe('binary rows', () => {
  it('refuses values the columns cannot take', () => {
    const out = new BinaryRows(8)
    expect(() => out.int4(2 ** 31)).toThrow(/32-bit/)
    expect(() => out.int4(1.5)).toThrow(/32-bit/)
    expect(() => out.uuid('not-a-uuid')).toThrow(/UUID/)
    expect(() => out.timestamptz(new Date(Number.NaN))).toThrow(/time/)
  })

  it('grows past its first buffer and hands each piece over once', () => {
    const out = new BinaryRows(8)
    out.row(2)
    out.text('南门处地面存在垃圾'.repeat(10))
    out.int4(null)
    const piece = out.take()
    expect(piece.length).toBe(2 + 4 + 270 + 4)
    expect(piece.readInt16BE(0)).toBe(2)
    expect(piece.readInt32BE(2)).toBe(270)
    expect(piece.subarray(6, 276).toString('utf8')).toBe('南门处地面存在垃圾'.repeat(10))
    expect(piece.readInt32BE(276)).toBe(-1)
    expect(out.take().length).toBe(0)
  })
})

describe(`a row that cannot be written (${engineName})`, () => {
  let t: TestDatabase
  beforeAll(async () => {
    t = await createTestDatabase()
    await loadSampleRound(t.handle.db)
  })
  afterAll(async () => t?.drop())

  it('fails its transaction with nothing stored, and the connection stays usable', async () => {
    const db = t.handle.db
    const [round] = await db.select({ id: rounds.id }).from(rounds).where(eq(rounds.code, SAMPLE_ROUND))
    const [visit] = await queryRows<{ id: string; unit_id: unknown }>(db, sql`select id, unit_id from visits where round_id = ${round!.id} limit 1`)
    const [standard] = await queryRows<{ id: unknown }>(db, sql`select id from indicator_nodes where kind = 'standard' limit 1`)
    const ofRound = eq(findings.roundId, round!.id)
    const before = await db.$count(findings, ofRound)
    const good = Array.from({ length: 1_500 }, () => ({ id: randomUUID(), visitId: visit!.id, unitId: toCount(visit!.unit_id), standardId: toCount(standard!.id), count: 1, deduction: null, note: null, evaluator: null, at: null, photos: [] }))
    // The bad row comes in the second piece, after the first has gone out.
    const records = { visits: [], findings: [...good, { ...good[0]!, id: randomUUID(), count: 2 ** 31 }], externalScores: [], measures: [], directScores: [] }
    const hashes = { visits: [], findings: records.findings.map(() => 'c'.repeat(64)) }
    const failure = await db.transaction((tx) => insertRecords(tx, round!.id, records, hashes, null)).then(
      () => null,
      (error: unknown) => error,
    )
    // On PostgreSQL the COPY writer refuses the value; on PGlite the database does.
    expect(failure).toBeInstanceOf(Error)
    if (engineName === 'postgres') expect((failure as Error).message).toMatch(/not a 32-bit integer/)
    expect(await db.$count(findings, ofRound)).toBe(before)
    const [row] = await queryRows<{ n: unknown }>(db, sql`select 1 as n`)
    expect(toCount(row!.n)).toBe(1)
  })
})
