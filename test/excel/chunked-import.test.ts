/**
 * The workbook import streams in chunks inside one transaction (src/services/workbooks.ts): with
 * a small chunk size, a 30,000-row file goes through dozens of chunks. A problem in its last rows
 * undoes what the earlier chunks stored; an id seen in two chunks is reported at the second
 * cell; a retried file changes nothing; `#n` references resolve whatever chunk the visit row
 * fell into and wherever the sheets stand in the file; a clash with a stored record names its
 * cell; a round that no longer takes visits refuses the file. Every test imports into a round
 * of its own (test/helpers/factories.ts), with ids under prefixes of its own.
 */
import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DomainError } from '../../src/domain/errors.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { SHEET_BY_KIND, type RecordKind } from '../../src/excel/layout.js'
import { importWorkbook, WorkbookRejected } from '../../src/services/workbooks.js'
import { transitionRound } from '../../src/services/rounds.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { thrownBy } from '../helpers/errors.js'
import { createSampleRound } from '../helpers/factories.js'
import { tempDir } from './helpers.js'

const actor = { id: null, name: 'chunked-import-test' }
const tmp = tempDir()
let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
}, 60_000)
afterAll(async () => {
  await t?.drop()
  tmp.cleanup()
})

const db = () => t.handle.db
const CHUNK = 1_000
const uuid = (prefix: string, n: number): string => `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
/** Eight hex digits no other test's ids start with. */
const prefix = (): string => randomBytes(4).toString('hex')
/** A round in fieldwork, without records. */
const freshRound = async (): Promise<string> => (await createSampleRound(db(), { data: false })).code
/** Sample points with a standard that applies to their type. */
const POINTS = [
  { code: 'P1', standard: '01-01-01' },
  { code: 'P2', standard: '01-02-01' },
  { code: 'P3', standard: '01-01-02' },
  { code: 'P4', standard: '02-01-01' },
  { code: 'P5', standard: '01-01-01' },
]

let n = 0
/** Writes the sheets in the order given, as Excel would store them (shared strings). */
async function writeBook(sheets: Partial<Record<RecordKind, ExcelJS.CellValue[][]>>): Promise<string> {
  const file = tmp.file(`chunked-${++n}.xlsx`)
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true })
  for (const [kind, rows] of Object.entries(sheets) as [RecordKind, ExcelJS.CellValue[][]][]) {
    const def = SHEET_BY_KIND.get(kind)!
    const ws = wb.addWorksheet(def.name)
    ws.addRow(def.columns.map((c) => c.header)).commit()
    for (const r of rows) ws.addRow(r).commit()
    ws.commit()
  }
  await wb.commit()
  return file
}

/** 100 visits and `count` findings spread over them, with ids under the given prefixes. */
function largeBook(count: number, prefix: { visit: string; finding: string }): { visits: ExcelJS.CellValue[][]; findings: ExcelJS.CellValue[][] } {
  const visits = Array.from({ length: 100 }, (_, i) => [uuid(prefix.visit, i), POINTS[i % 5]!.code, `2026-01-${String(1 + (i % 28)).padStart(2, '0')} 09:${String(i % 60).padStart(2, '0')}`])
  const findings = Array.from({ length: count }, (_, i) => [uuid(prefix.finding, i), uuid(prefix.visit, i % 100), POINTS[i % 5]!.standard, 1 + (i % 3), null, '地面有垃圾'])
  return { visits, findings }
}

async function stored(prefix: string, table: 'visits' | 'findings'): Promise<number> {
  const rows =
    table === 'visits'
      ? await queryRows<{ n: unknown }>(db(), sql`select count(*) as n from visits where id::text like ${`${prefix}-%`}`)
      : await queryRows<{ n: unknown }>(db(), sql`select count(*) as n from findings where id::text like ${`${prefix}-%`}`)
  return toCount(rows[0]!.n)
}

const rejected = (call: Promise<unknown>): Promise<WorkbookRejected> => thrownBy(call, WorkbookRejected)

describe(`the workbook import in chunks (${engineName})`, () => {
  it('undoes every chunk stored before a problem in the last rows, and lists the problem by cell', async () => {
    const code = await freshRound()
    const ids = { visit: prefix(), finding: prefix() }
    const { visits, findings } = largeBook(30_000, ids)
    findings[29_999]![2] = '09-09-09' // the very last row: an unknown standard
    const progress: number[] = []
    const error = await rejected(importWorkbook(db(), code, await writeBook({ visits, findings }), actor, { chunkSize: CHUNK, onProgress: (rows) => progress.push(rows) }))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.message).toBe('1 problem(s) in the workbook; nothing was stored')
    expect(error.issues).toEqual([{ path: '问题记录!C30001', message: 'unknown standard "09-09-09"' }])
    expect(error.marks).toEqual([{ sheet: '问题记录', row: 30_001, column: 'C', message: 'unknown standard "09-09-09"' }])
    expect(progress.at(-1)).toBe(30_100)
    expect(await stored(ids.visit, 'visits')).toBe(0)
    expect(await stored(ids.finding, 'findings')).toBe(0)

    // The same file without the problem goes in whole.
    findings[29_999]![2] = POINTS[29_999 % 5]!.standard
    const file = await writeBook({ visits, findings })
    const summary = await importWorkbook(db(), code, file, actor, { chunkSize: CHUNK })
    expect(summary).toEqual({
      round: code,
      visits: { added: 100, unchanged: 0 },
      findings: { added: 30_000, unchanged: 0 },
      externalScores: 0,
      measures: 0,
      directScores: 0,
      rows: 30_100,
    })
    expect(await stored(ids.finding, 'findings')).toBe(30_000)

    // A retry of the whole file is a no-op: every visit and finding is already there, unchanged.
    const again = await importWorkbook(db(), code, file, actor, { chunkSize: CHUNK })
    expect(again).toMatchObject({ visits: { added: 0, unchanged: 100 }, findings: { added: 0, unchanged: 30_000 } })
    expect(await stored(ids.finding, 'findings')).toBe(30_000)
  }, 240_000)

  it('reports an id that appears in two chunks, at its second cell, and other problems with it', async () => {
    const code = await freshRound()
    const ids = { visit: prefix(), finding: prefix() }
    const { visits, findings } = largeBook(12_000, ids)
    findings[11_500]![0] = findings[3]![0]! // row 11,502 repeats the id of row 5
    visits.push([uuid(ids.visit, 2), 'P5', '2026-01-20 10:00']) // and a visit id twice
    findings[6_000]![3] = 0 // a count that is no count
    const error = await rejected(importWorkbook(db(), code, await writeBook({ visits, findings }), actor, { chunkSize: CHUNK }))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(error.issues).toEqual([
      { path: '点位考察!A102', message: `visit ${uuid(ids.visit, 2)} appears twice in this file` },
      { path: '问题记录!D6002', message: 'must be a whole number from 1 to 999 (got 0)' },
      { path: '问题记录!A11502', message: `finding ${uuid(ids.finding, 3)} appears twice in this file` },
    ])
    expect(await stored(ids.visit, 'visits')).toBe(0)
    expect(await stored(ids.finding, 'findings')).toBe(0)
  }, 120_000)

  it('resolves #n references to visits of any chunk, with the findings sheet before the visits sheet', async () => {
    const round = await createSampleRound(db(), { data: false })
    const code = round.code
    // 3,000 visits without ids (three chunks of them), and findings pointing at them by row.
    const visits = Array.from({ length: 3_000 }, (_, i) => [null, POINTS[i % 5]!.code, `2026-01-${String(1 + (i % 28)).padStart(2, '0')} 10:00`, `e${i}`])
    const findings = Array.from({ length: 4_000 }, (_, i) => {
      const v = (i * 7) % 3_000
      return [null, `#${v + 2}`, POINTS[v % 5]!.standard, 1, null, `to e${v} #${i}`]
    })
    const file = await writeBook({ findings, visits })
    const summary = await importWorkbook(db(), code, file, actor, { chunkSize: CHUNK })
    expect(summary).toMatchObject({ visits: { added: 3_000, unchanged: 0 }, findings: { added: 4_000, unchanged: 0 } })
    const [matched] = await queryRows<{ n: unknown }>(
      db(),
      sql`select count(*) as n from findings f join visits v on v.id = f.visit_id where f.round_id = ${round.id} and f.note like 'to e%' and split_part(f.note, ' ', 2) = v.evaluator`,
    )
    expect(toCount(matched!.n)).toBe(4_000)
    // Generated ids are the same on a retry, so nothing is added.
    expect(await importWorkbook(db(), code, file, actor, { chunkSize: CHUNK })).toMatchObject({
      visits: { added: 0, unchanged: 3_000 },
      findings: { added: 0, unchanged: 4_000 },
    })
  }, 120_000)

  it('refuses ids stored with other content (CONFLICT naming the cells), keeping the stored records', async () => {
    const code = await freshRound()
    const ids = { visit: prefix(), finding: prefix() }
    // 3,000 findings stored in three chunks; then the same rows again, two ids with other counts.
    const { visits, findings } = largeBook(3_000, ids)
    await importWorkbook(db(), code, await writeBook({ visits, findings }), actor, { chunkSize: CHUNK })
    expect(await stored(ids.finding, 'findings')).toBe(3_000)
    findings[10]![3] = 3
    findings[2_500]![3] = 1
    const error = await rejected(importWorkbook(db(), code, await writeBook({ visits, findings }), actor, { chunkSize: CHUNK }))
    expect(error.code).toBe('CONFLICT')
    expect(error.kind).toBe('conflict')
    expect(error.issues).toEqual([
      { path: '问题记录!A12', message: `finding ${uuid(ids.finding, 10)} is already recorded with different content` },
      { path: '问题记录!A2502', message: `finding ${uuid(ids.finding, 2_500)} is already recorded with different content` },
    ])
    const [row] = await queryRows<{ count: unknown }>(db(), sql`select count from findings where id = ${uuid(ids.finding, 10)}::uuid`)
    expect(toCount(row!.count)).toBe(2)
    expect(await stored(ids.finding, 'findings')).toBe(3_000)
  }, 120_000)

  it('refuses visits once the round is under review (ROUND_STATE), storing nothing', async () => {
    const code = await freshRound()
    await transitionRound(db(), code, 'close', actor)
    const ids = { visit: prefix(), finding: prefix() }
    const { visits, findings } = largeBook(10, ids)
    const error = await importWorkbook(db(), code, await writeBook({ visits, findings }), actor).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DomainError)
    expect((error as DomainError).code).toBe('ROUND_STATE')
    expect(await stored(ids.visit, 'visits')).toBe(0)
    // Unit values are still taken in review.
    const scores = await importWorkbook(db(), code, await writeBook({ externalScores: [['a', 'survey', 91]] }), actor)
    expect(scores).toMatchObject({ externalScores: 1, visits: { added: 0, unchanged: 0 } })
  }, 60_000)
})
