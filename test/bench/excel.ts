/**
 * Budget (issue 4): importing a workbook of 200,000 finding rows within 1.5× the time the exceljs
 * streaming reader alone takes to read the same file. The baseline walks every cell of every
 * row with exceljs's own sheet parser (src/excel/xlsx-stream.ts drives it; exceljs's public
 * WorkbookReader loses xl/workbook.xml on some files, exceljs #3064). Measured side by side:
 * reading only, readWorkbook (reading + normalising + checks), and the whole import into
 * PostgreSQL (readWorkbook + validation + storage).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
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
    const writer = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true })
    const sheet = writer.addWorksheet(SHEET_BY_KIND.get('findings')!.name)
    sheet.addRow(SHEET_BY_KIND.get('findings')!.columns.map((c) => c.header)).commit()
    for (let i = 0; i < ROWS; i++) {
      const v = visits[(i * 7919) % visits.length]!
      const options = byType.get(v.point_type)!
      const id = `90000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
      sheet.addRow([id, v.id, options[(i * 31) % options.length]!, 1 + (i % 3), null, '南门处地面存在垃圾']).commit()
    }
    await writer.commit()
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
  } finally {
    await handle.close()
    await pg.dropDatabase()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
