/**
 * Shared set-up of the Excel workflow tests: the sample indicator set and round, a template
 * written from them, and a way to fill it programmatically (as a user would in Excel) and save
 * the result.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ExcelJS from 'exceljs'
import type { IndicatorSet } from '../../src/domain/indicator-set/model.js'
import { parseIndicatorSetText } from '../../src/domain/indicator-set/validate.js'
import type { RecordContext } from '../../src/domain/records/validate.js'
import { readRoundText, validateRoundValue, type RoundDefinition } from '../../src/domain/round/validate.js'
import { standardsOf } from '../../src/domain/indicator-set/model.js'
import { SHEET_BY_KIND, type RecordKind } from '../../src/excel/layout.js'
import { templateContext, writeTemplate, type TemplateContext } from '../../src/excel/template.js'

export const SAMPLE_SET = fileURLToPath(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url))
export const SAMPLE_ROUND = fileURLToPath(new URL('../fixtures/rounds/sample-2026-01.yaml', import.meta.url))
export const SAMPLE_DATA = fileURLToPath(new URL('../fixtures/rounds/sample-2026-01.data.json', import.meta.url))

export function sampleSet(): IndicatorSet {
  const parsed = parseIndicatorSetText(readFileSync(SAMPLE_SET, 'utf8'))
  if (!parsed.ok) throw new Error(`sample set invalid: ${JSON.stringify(parsed.issues)}`)
  return parsed.set
}

export function sampleRound(set: IndicatorSet): RoundDefinition {
  const read = readRoundText(readFileSync(SAMPLE_ROUND, 'utf8'))
  const parsed = validateRoundValue(read.value, set, read.doc, read.lines)
  if (!parsed.ok) throw new Error(`sample round invalid: ${JSON.stringify(parsed.issues)}`)
  return parsed.round
}

export type SampleData = Record<RecordKind, Record<string, unknown>[]>

export function sampleData(): SampleData {
  return JSON.parse(readFileSync(SAMPLE_DATA, 'utf8')) as SampleData
}

export const set = sampleSet()
export const round = sampleRound(set)
export const context: TemplateContext = templateContext(set, round)

/** A RecordContext for validateRecords from the sample set and round, with made-up ids. */
export function recordContext(): RecordContext {
  const standards = new Map(standardsOf(set).map((s, i) => [s.code, { id: i + 1, kind: s.rule.kind, points: s.points, pointTypes: s.pointTypes }]))
  const units = new Map(round.groups.flatMap((g) => g.units).map((u, i) => [u.code, i + 1]))
  const points = new Map(round.points.map((p, i) => [p.code, { id: i + 1, type: p.type, unitId: units.get(p.unit)! }]))
  return {
    standards,
    components: new Map(set.components.map((c) => [c.code, c.source])),
    points,
    units,
    storedVisits: new Map(),
    photos: new Set(),
  }
}

export function tempDir(): { dir: string; file(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'civindex-excel-'))
  return { dir, file: (name) => path.join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** The cells of a data row in the sheet's column order, from a record of the JSON data file. */
export function rowOf(kind: RecordKind, record: Record<string, unknown>): ExcelJS.CellValue[] {
  return SHEET_BY_KIND.get(kind)!.columns.map((c) => {
    const v = record[c.field]
    if (v === undefined) return null
    if (Array.isArray(v)) return v.join(',')
    return v as ExcelJS.CellValue
  })
}

export type Fill = Partial<Record<string, ExcelJS.CellValue[][]>>

/**
 * Writes the sample template (few dropdown rows, to keep the tests quick unless asked), opens it
 * with exceljs, appends the given rows to the named sheets, lets `edit` change anything else,
 * and saves it.
 */
export async function filledTemplate(out: string, rows: Fill, edit?: (wb: ExcelJS.Workbook) => void, ctx: TemplateContext = { ...context, rows: 200 }): Promise<string> {
  const templatePath = `${out}.template.xlsx`
  await writeTemplate(ctx, templatePath)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.readFile(templatePath)
  for (const [sheet, list] of Object.entries(rows)) {
    const ws = wb.getWorksheet(sheet)
    if (!ws) throw new Error(`no sheet ${sheet} in the template`)
    for (const r of list ?? []) ws.addRow(r)
  }
  edit?.(wb)
  await wb.xlsx.writeFile(out)
  return out
}

/** Rows of the sample data file, per sheet name. */
export function sampleRows(data: SampleData = sampleData()): Fill {
  const out: Fill = {}
  for (const [kind, sheet] of SHEET_BY_KIND) out[sheet.name] = (data[kind] ?? []).map((r) => rowOf(kind, r))
  return out
}
