/**
 * The Excel workflow through the real command: `template` writes the workbook, a user fills it,
 * `import` reads it, and the ranking equals the one from importing the same records as JSON.
 * A bad workbook is refused with every problem as sheet!cell and a marked copy.
 */
import fs from 'node:fs'
import path from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.js'
import { tempDir } from '../helpers/db.js'
import { freshChildDatabase, killChildren, runCli, type ChildDatabase } from '../helpers/process.js'
import { sampleRows } from '../excel/helpers.js'

const SET = 'indicators/sample-civility-2026.1.yaml'
const ROUND = 'test/fixtures/rounds/sample-2026-01.yaml'
const DATA = 'test/fixtures/rounds/sample-2026-01.data.json'

let viaExcel: ChildDatabase
let viaJson: ChildDatabase
const dir = tempDir('civindex-excel-cli-')
afterEach(killChildren)
afterAll(async () => {
  await killChildren()
  await viaExcel?.drop()
  await viaJson?.drop()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function prepare(db: ChildDatabase): Promise<void> {
  for (const args of [['indicators', 'load', SET], ['round', 'load', ROUND], ['round', 'open', '2026-01']]) {
    const r = await runCli(args, db.env)
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
  }
}

async function fill(template: string, out: string, rows: Record<string, ExcelJS.CellValue[][]>): Promise<void> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.readFile(template)
  for (const [sheet, list] of Object.entries(rows)) for (const r of list) wb.getWorksheet(sheet)!.addRow(r)
  await wb.xlsx.writeFile(out)
}

beforeAll(async () => {
  viaExcel = await freshChildDatabase()
  viaJson = await freshChildDatabase()
  await Promise.all([prepare(viaExcel), prepare(viaJson)])
}, 120_000)

describe('the Excel workflow of the civindex command', () => {
  it('writes a template, imports it filled, and ranks as the JSON path does', async () => {
    const template = path.join(dir, 'template.xlsx')
    const t = await runCli(['template', '2026-01', '--out', template], viaExcel.env)
    expect(t.code, t.stderr).toBe(0)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(template)
    expect(wb.worksheets.map((w) => w.name)).toEqual(expect.arrayContaining(['说明', '点位考察', '问题记录', '问卷得分', '计量数据', '材料审核']))

    const filled = path.join(dir, 'filled.xlsx')
    await fill(template, filled, sampleRows() as Record<string, ExcelJS.CellValue[][]>)
    const imported = await runCli(['import', '2026-01', filled], viaExcel.env)
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout).toMatch(/5 visits \(0 already there\), 3 findings \(0 already there\), 3 external scores, 3 measures, 3 direct scores/)
    expect(imported.stderr).toMatch(/rows read, [\d,]+ rows\/s/)
    // Importing the same workbook again changes nothing.
    expect((await runCli(['import', '2026-01', filled], viaExcel.env)).stdout).toMatch(/0 visits \(5 already there\)/)

    expect((await runCli(['import', '2026-01', DATA], viaJson.env)).code).toBe(0)
    const fromExcel = await runCli(['score', '2026-01', '--json'], viaExcel.env)
    const fromJson = await runCli(['score', '2026-01', '--json'], viaJson.env)
    expect(canonicalJson(JSON.parse(fromExcel.stdout))).toBe(canonicalJson(JSON.parse(fromJson.stdout)))
  })

  it('refuses a bad workbook with every problem as sheet!cell and writes a marked copy', async () => {
    const template = path.join(dir, 'template2.xlsx')
    expect((await runCli(['template', '2026-01', '--out', template], viaJson.env)).code).toBe(0)
    const bad = path.join(dir, 'bad.xlsx')
    await fill(template, bad, {
      点位考察: [['80000000-0000-4000-8000-000000000001', 'P9', '2026-01-08 09:00']],
      问题记录: [['81000000-0000-4000-8000-000000000001', '80000000-0000-4000-8000-000000000001', '01-01-01', 0]],
    })
    const r = await runCli(['import', '2026-01', bad], viaJson.env)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/点位考察!B\d+: unknown point "P9"/)
    expect(r.stderr).toMatch(/问题记录!D\d+: must be a whole number from 1 to 999/)
    const marked = bad.replace(/\.xlsx$/, '.errors.xlsx')
    expect(r.stderr).toContain(marked)
    const copy = new ExcelJS.Workbook()
    await copy.xlsx.readFile(marked)
    expect(copy.worksheets[0]!.name).toBe('错误清单')
    expect(copy.worksheets[0]!.rowCount).toBeGreaterThanOrEqual(3)
  })

  it('refuses a file that is not a workbook, storing nothing', async () => {
    const fake = path.join(dir, 'fake.xlsx')
    fs.writeFileSync(fake, 'not a zip at all')
    const r = await runCli(['import', '2026-01', fake], viaJson.env)
    expect(r.code).toBe(1)
    expect(r.stderr.length).toBeGreaterThan(0)
  })
})
