/**
 * Budget (issue 4): importing a workbook of 200,000 finding rows within 1.5× the time the exceljs
 * streaming reader alone takes to read the same file, and a 1,000,000-row import under 500 MB of
 * peak memory. The baseline walks every cell of every row with exceljs's WorksheetReader
 * (XlsxStream.openSheet in src/excel/xlsx-stream.ts drives it; exceljs's public WorkbookReader
 * loses xl/workbook.xml on some files, exceljs #3064). Measured side by side: reading only,
 * readWorkbook (reading + normalising + sheet checks, all records kept; it reads the same parser
 * events into plain values, XlsxStream.openSheetValues), and the whole import into PostgreSQL,
 * which streams the file in chunks through validation into the database, storing one chunk
 * while it reads the next, in one transaction. The peak is that of `civindex import` in a
 * process of its own, as a user runs it.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import ExcelJS from 'exceljs'
import { openDatabase } from '../../src/db/client.js'
import { queryRows } from '../../src/db/sql.js'
import { readWorkbook } from '../../src/excel/import.js'
import { SHEET_BY_KIND } from '../../src/excel/layout.js'
import { XlsxStream } from '../../src/excel/xlsx-stream.js'
import { importWorkbook } from '../../src/services/workbooks.js'
import { createPostgresDatabase } from '../helpers/db.js'
import { generateRound } from './generate.js'

const ROWS = Number(process.env.BENCH_EXCEL_ROWS ?? 200_000)
/** Rows of the workbook whose import's peak memory is measured (0 skips it). */
const LARGE_ROWS = Number(process.env.BENCH_EXCEL_LARGE_ROWS ?? 1_000_000)
const BIN = fileURLToPath(new URL('../../src/cli/civindex.js', import.meta.url))
/** Reports the peak resident set of the process it is loaded into when that process exits. */
const REPORT_PEAK = 'data:text/javascript,process.on("exit",()=>process.stderr.write("peak-rss-kib "+process.resourceUsage().maxRSS+"\\n"))'

async function writeFindingsWorkbook(file: string, rows: number, visits: { id: string; point_type: string }[], byType: Map<string, string[]>, idPrefix: string): Promise<void> {
  const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true })
  const sheet = writer.addWorksheet(SHEET_BY_KIND.get('findings')!.name)
  sheet.addRow(SHEET_BY_KIND.get('findings')!.columns.map((c) => c.header)).commit()
  for (let i = 0; i < rows; i++) {
    const v = visits[(i * 7919) % visits.length]!
    const options = byType.get(v.point_type)!
    const id = `${idPrefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
    sheet.addRow([id, v.id, options[(i * 31) % options.length]!, 1 + (i % 3), null, '南门处地面存在垃圾']).commit()
  }
  await writer.commit()
}

/** `civindex import` of the file in its own process, as a user runs it: its peak RSS in MiB. */
function importPeakMiB(databaseUrl: string, code: string, file: string): number {
  const child = spawnSync(process.execPath, ['--import', REPORT_PEAK, BIN, 'import', code, file], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  })
  if (child.status !== 0) throw new Error(`civindex import failed (${child.status}): ${child.stderr.slice(-2000)}`)
  const match = /peak-rss-kib (\d+)/.exec(child.stderr)
  if (!match?.[1]) throw new Error(`no peak reported: ${child.stderr.slice(-500)}`)
  return Number(match[1]) / 1024
}

async function readAll(file: string): Promise<number> {
  const book = await XlsxStream.open(file)
  let cells = 0
  try {
    for (let i = 0; i < book.sheets.length; i++) {
      const sheet = book.openSheet(i)
      if (!sheet) continue
      for await (const row of sheet.rows) for (let c = 1; c <= 9; c++) if (row.getCell(c).value !== null) cells++
    }
  } finally {
    book.close()
  }
  return cells
}

export async function run(): Promise<void> {
  const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const pg = await createPostgresDatabase(base)
  const handle = await openDatabase({ databaseUrl: pg.url, dataDir: '' })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civindex-bench-excel-'))
  try {
    const code = await generateRound(handle.db, { units: 200, groups: 4, standards: 500, visits: 40_000, findings: 0 })
    const visits = await queryRows<{ id: string; point_type: string }>(handle.db, sql`select id, point_type from visits`)
    const standards = await queryRows<{ code: string; point_types: string[] }>(handle.db, sql`select code, point_types from indicator_nodes where kind = 'standard'`)
    const byType = new Map<string, string[]>()
    for (const s of standards) for (const t of s.point_types) (byType.get(t) ?? byType.set(t, []).get(t)!).push(s.code)

    const file = path.join(dir, 'findings.xlsx')
    await writeFindingsWorkbook(file, ROWS, visits, byType, '90000000')
    console.log(`workbook: ${ROWS} finding rows, ${(fs.statSync(file).size / 2 ** 20).toFixed(1)} MiB`)

    const t0 = performance.now()
    const cells = await readAll(file)
    const readSeconds = (performance.now() - t0) / 1000
    const t1 = performance.now()
    const parsed = await readWorkbook(file, { roundCode: code })
    const parseSeconds = (performance.now() - t1) / 1000
    if (parsed.issues.length > 0) throw new Error(`unexpected issues: ${JSON.stringify(parsed.issues.slice(0, 3))}`)
    const t2 = performance.now()
    const summary = await importWorkbook(handle.db, code, file, { id: null, name: 'bench' })
    const importSeconds = (performance.now() - t2) / 1000
    console.log(`exceljs sheet reader alone: ${cells} cells in ${readSeconds.toFixed(2)} s (${Math.round(ROWS / readSeconds)} rows/s)`)
    console.log(`readWorkbook (read + normalise + sheet checks): ${parseSeconds.toFixed(2)} s = ${(parseSeconds / readSeconds).toFixed(2)}× the reader`)
    console.log(`import into PostgreSQL (read + validate + store ${summary.findings.added} findings): ${importSeconds.toFixed(2)} s = ${(importSeconds / readSeconds).toFixed(2)}× the reader (budget 1.5×)`)

    if (LARGE_ROWS > 0) {
      const large = path.join(dir, 'large.xlsx')
      await writeFindingsWorkbook(large, LARGE_ROWS, visits, byType, '91000000')
      const t3 = performance.now()
      const peak = importPeakMiB(pg.url, code, large)
      const [stored] = await queryRows<{ n: unknown }>(handle.db, sql`select count(*) as n from findings where id::text like '91000000-%'`)
      console.log(
        `civindex import of ${LARGE_ROWS} finding rows (${(fs.statSync(large).size / 2 ** 20).toFixed(1)} MiB, ${String(stored?.n)} stored) in ${((performance.now() - t3) / 1000).toFixed(1)} s: peak RSS ${peak.toFixed(0)} MiB (budget 500 MB = 477 MiB)`,
      )
    }
  } finally {
    await handle.close()
    await pg.dropDatabase()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
