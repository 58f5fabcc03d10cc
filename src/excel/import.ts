/**
 * Reads a filled entry workbook (SPEC §6.2) with the exceljs streaming reader, so memory stays
 * proportional to the records kept, not to the file (no worksheet model is built).
 *
 * What it does: finds the five data sheets by their Chinese names (anything else — 说明, the
 * hidden list sheets, sheets the user added — is skipped, and a missing data sheet simply gives
 * no records of that kind); checks each header row against the layout; skips empty rows;
 * normalises cells (trimming, full-width folding in id/code/number/time cells, numbers to decimal
 * text, Excel dates, serials and typed times to ISO 8601 in China time); gives rows with an
 * empty 编号 a deterministic UUID; resolves `#n` visit references; rejects formula, error and
 * merged cells in data rows. Problems are reported per cell (sheet, Excel row, column letter).
 *
 * What it does not do: check records against the round (unknown codes, UUID syntax, value
 * ranges…). That is src/domain/records/validate.ts; map its `findings[3].standard` paths back to
 * cells with `result.locate(path)`.
 *
 * Corrupt, truncated, empty and non-xlsx input rejects with an Error whose message says so.
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { SHEETS, SHEET_BY_KIND, SHEET_BY_NAME, columnLetter, columnNumber, type ColumnDef, type RecordKind, type SheetDef } from './layout.js'
import { deterministicUuid, excelDateToIso, foldWidth, numberText, serialToIso, textToIso, trimCell } from './normalise.js'
import { XlsxFileError, XlsxStream, copyString, describeFailure, type OpenedSheet, type StreamRow } from './xlsx-stream.js'

export interface ImportedVisit {
  id: string
  point?: string
  at?: string
  evaluator?: string
  note?: string
  lat?: string
  lng?: string
}

export interface ImportedFinding {
  id: string
  visit?: string
  standard?: string
  count?: number
  deduction?: string
  note?: string
  evaluator?: string
  at?: string
  photos?: string[]
}

export interface ImportedData {
  visits: ImportedVisit[]
  findings: ImportedFinding[]
  externalScores: { unit?: string; component?: string; value?: string }[]
  measures: { unit?: string; standard?: string; value?: string }[]
  directScores: { unit?: string; standard?: string; value?: string; note?: string }[]
}

/** A problem with one cell (or row, or the file when sheet is ''); row as Excel shows it. */
export interface SheetIssue {
  sheet: string
  row: number
  column: string
  message: string
}

export interface CellLocation {
  sheet: string
  row: number
  column: string
}

/** For each record, the Excel row it came from: origins.findings[3].row is the 4th finding's row. */
export type Origins = Record<RecordKind, { row: number }[]>

export interface ImportResult {
  data: ImportedData
  issues: SheetIssue[]
  origins: Origins
  /** Data rows read (header rows not counted, empty rows counted). */
  rows: number
  /** Maps a record path of validateRecords (`findings[3].standard`) to its cell, or null. */
  locate(path: string): CellLocation | null
}

export interface ReadOptions {
  /** Called every 1,000 data rows and once at the end with the rows read so far. */
  onProgress?: (rows: number) => void
  /** More non-empty data rows than this is an issue and stops the reading. */
  maxRows?: number
  /** Part of the generated ids; pass the round code so equal rows of two rounds differ. */
  roundCode?: string
  /** At most this many issues are listed (default 10,000), then a count of the rest. */
  maxIssues?: number
}

const PROGRESS_EVERY = 1000

/** Maps a validateRecords path such as `findings[3].photos[1]` to the cell it came from. */
export function locate(origins: Origins, path: string): CellLocation | null {
  const m = /^(visits|findings|externalScores|measures|directScores)\[(\d+)\](?:\.([A-Za-z]+))?/.exec(path)
  if (!m) return null
  const kind = m[1] as RecordKind
  const origin = origins[kind][Number(m[2])]
  const sheet = SHEET_BY_KIND.get(kind)
  if (!origin || !sheet) return null
  const index = m[3] === undefined ? -1 : sheet.columns.findIndex((c) => c.field === m[3])
  return { sheet: sheet.name, row: origin.row, column: columnLetter(index < 0 ? 1 : index + 1) }
}

/** `问题记录!C5`, for an Issue path in the domain's error format. */
export function cellRef(loc: CellLocation): string {
  if (loc.sheet === '') return ''
  if (loc.row <= 0) return loc.sheet
  return `${loc.sheet}!${loc.column}${loc.row}`
}

type Cell =
  | { t: 'empty' }
  | { t: 'text'; s: string }
  | { t: 'number'; n: number }
  | { t: 'date'; d: Date }
  | { t: 'formula' }
  | { t: 'error'; e: string }

const EMPTY: Cell = { t: 'empty' }

function classify(v: unknown, book: XlsxStream): Cell {
  if (v === null || v === undefined) return EMPTY
  if (typeof v === 'string') return trimCell(v) === '' ? EMPTY : { t: 'text', s: v }
  if (typeof v === 'number') return { t: 'number', n: v }
  if (typeof v === 'boolean') return { t: 'text', s: v ? 'TRUE' : 'FALSE' }
  if (v instanceof Date) return { t: 'date', d: v }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>
    if (typeof o.sharedString === 'number') return classify(book.sharedString(o.sharedString) ?? null, book)
    if ('formula' in o || 'sharedFormula' in o) return { t: 'formula' }
    if ('error' in o) return { t: 'error', e: String(o.error) }
    if (Array.isArray(o.richText)) {
      const s = (o.richText as { text?: unknown }[]).map((r) => (typeof r.text === 'string' ? r.text : '')).join('')
      return trimCell(s) === '' ? EMPTY : { t: 'text', s }
    }
    if (typeof o.text === 'string') return trimCell(o.text) === '' ? EMPTY : { t: 'text', s: o.text }
    return { t: 'text', s: JSON.stringify(v) ?? '' }
  }
  return typeof v === 'bigint' ? { t: 'text', s: v.toString() } : EMPTY
}

/** Text of a header cell, trimmed. */
function headerText(v: unknown, book: XlsxStream): string {
  const c = classify(v, book)
  if (c.t === 'text') return trimCell(c.s)
  if (c.t === 'number') return numberText(c.n)
  return ''
}

/**
 * Short repeated strings (codes, names, times, visit ids) are kept once, not once per row. With
 * `copy`, what is kept is a flat copy (see OpenedSheet.inlineStrings).
 */
class Interner {
  private readonly map = new Map<string, string>()
  constructor(
    private readonly limit: number,
    private readonly maxLength = 64,
  ) {}
  get(s: string, copy: boolean): string {
    if (s.length > this.maxLength) return copy ? copyString(s) : s
    const hit = this.map.get(s)
    if (hit !== undefined) return hit
    const kept = copy && s.length >= 13 ? copyString(s) : s
    if (this.map.size < this.limit) this.map.set(kept, kept)
    return kept
  }
}

/** A stream input is spooled to a temporary file: the zip is read through its central directory. */
async function spool(input: NodeJS.ReadableStream): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'civindex-import-'))
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true })
  const file = path.join(dir, 'upload.xlsx')
  try {
    await pipeline(input, createWriteStream(file))
  } catch (e) {
    await cleanup()
    throw new Error(`读取上传的文件时出错：${e instanceof Error ? e.message : String(e)}`)
  }
  return { file, cleanup }
}

interface PendingRef {
  index: number
  visitRow: number
  row: number
  column: string
  /** Content of the finding for its id, when the id is to be generated after resolving. */
  parts: string[] | null
}

/** Reads a filled entry workbook; see the module comment. */
export async function readWorkbook(input: string | NodeJS.ReadableStream, options: ReadOptions = {}): Promise<ImportResult> {
  const maxIssues = options.maxIssues ?? 10_000
  const maxRows = options.maxRows ?? Number.POSITIVE_INFINITY
  const roundCode = options.roundCode ?? ''

  const data: ImportedData = { visits: [], findings: [], externalScores: [], measures: [], directScores: [] }
  const origins: Origins = { visits: [], findings: [], externalScores: [], measures: [], directScores: [] }
  type Found = SheetIssue & { order: number; col: number }
  const found: Found[] = []
  let unlisted = 0
  const sheetOrder = new Map(SHEETS.map((s, i) => [s.name, i + 1]))
  const issue = (sheet: string, row: number, column: string, message: string): void => {
    if (found.length >= maxIssues) {
      unlisted++
      return
    }
    found.push({ sheet, row, column, message, order: sheetOrder.get(sheet) ?? 0, col: columnNumber(column) })
  }

  const spooled = typeof input === 'string' ? null : await spool(input)
  let book: XlsxStream
  try {
    book = await XlsxStream.open(spooled ? spooled.file : (input as string))
  } catch (e) {
    await spooled?.cleanup()
    throw new XlsxFileError(describeFailure(e))
  }

  const intern = new Interner(100_000)
  const internRef = new Interner(500_000)
  /** Whether strings of the current sheet must be copied before they are kept. */
  let copy = false
  const pending: PendingRef[] = []
  let rows = 0
  let kept = 0
  let dataSheets = 0
  let stopped = false

  const convert = (sheet: SheetDef, column: ColumnDef, letter: string, row: number, cell: Cell): string | number | string[] | undefined => {
    const bad = (message: string): undefined => void issue(sheet.name, row, letter, message)
    const label = `「${column.header}」`
    switch (cell.t) {
      case 'empty':
        return undefined
      case 'formula':
        return bad(`${label}是公式单元格，公式不能导入，请复制后“选择性粘贴 → 数值”`)
      case 'error':
        return bad(`${label}是错误值 ${cell.e}，请填写实际内容`)
      default:
        break
    }
    switch (column.kind) {
      case 'text':
        if (cell.t === 'number') return numberText(cell.n)
        if (cell.t === 'date') return excelDateToIso(cell.d) ?? bad(`${label}的日期无效`)
        return intern.get(trimCell(cell.s), copy)
      case 'time': {
        const iso = cell.t === 'date' ? excelDateToIso(cell.d) : cell.t === 'number' ? serialToIso(cell.n, book.date1904) : textToIso(cell.s)
        if (iso !== null) return intern.get(iso, false)
        if (cell.t === 'date') return bad(`${label}的日期超出范围`)
        if (cell.t === 'number') return bad(`${label}的数值 ${numberText(cell.n)} 不是有效的 Excel 日期`)
        return bad(`${label}「${trimCell(cell.s)}」不是有效的时间，请填写如 2017-08-03 09:10 或 Excel 日期时间`)
      }
      case 'count': {
        if (cell.t === 'date') return bad(`${label}被 Excel 识别成了日期，请填写整数`)
        if (cell.t === 'number') return cell.n
        const text = trimCell(foldWidth(cell.s))
        if (!/^[+-]?\d+(\.\d+)?$/.test(text)) return bad(`${label}「${text}」不是数字，请填写整数`)
        return Number(text)
      }
      case 'photos': {
        const text = cell.t === 'number' ? numberText(cell.n) : cell.t === 'date' ? '' : foldWidth(cell.s)
        const list = text.split(/[\s,;、]+/).filter((p) => p !== '')
        return list.length === 0 ? undefined : list.map((p) => (copy ? copyString(p) : p))
      }
      default: {
        // id, ref, code, decimal
        if (cell.t === 'date')
          return bad(`${label}被 Excel 识别成了日期，请把该列设为“文本”格式后重新输入（模板中此列已是文本格式，粘贴时请用“选择性粘贴 → 值”）`)
        if (cell.t === 'number') return intern.get(numberText(cell.n), false)
        let text = trimCell(foldWidth(cell.s))
        if (column.kind === 'code') {
          // A value picked as "code｜name" keeps the code.
          const bar = text.indexOf('|')
          if (bar > 0) text = trimCell(text.slice(0, bar))
          return intern.get(text, copy)
        }
        if (column.kind === 'decimal') return intern.get(text.replace(/\s+/g, ''), copy)
        if (column.kind === 'ref') return internRef.get(text, copy)
        return copy ? copyString(text) : text
      }
    }
  }

  const readRow = (sheet: SheetDef, row: StreamRow): void => {
    const cells = sheet.columns.map((_, i) => classify(row.getCell(i + 1).value, book))
    if (cells.every((c) => c.t === 'empty')) return
    kept++
    if (kept > maxRows) {
      issue(sheet.name, row.number, '', `数据超过一次导入的上限 ${maxRows} 行，请拆分成多个文件导入`)
      stopped = true
      return
    }
    const before = found.length + unlisted
    const record: Record<string, unknown> = {}
    const parts: string[] = [roundCode, sheet.name]
    let emptyId = false
    let visitRef: { visitRow: number; column: string } | null = null
    sheet.columns.forEach((column, i) => {
      const letter = columnLetter(i + 1)
      const value = convert(sheet, column, letter, row.number, cells[i]!)
      if (column.kind === 'id') {
        if (value === undefined && cells[i]!.t === 'empty') emptyId = true
        else if (value !== undefined) record[column.field] = value
        return
      }
      parts.push(value === undefined ? '' : Array.isArray(value) ? value.join(',') : String(value))
      if (value === undefined) return
      if (column.kind === 'ref' && typeof value === 'string') {
        const m = /^#\s*(\d+)$/.exec(value)
        if (m) visitRef = { visitRow: Number(m[1]), column: letter }
      }
      record[column.field] = value
    })
    if (found.length + unlisted > before) return
    const index = data[sheet.kind].length
    const ref = visitRef as { visitRow: number; column: string } | null
    if (emptyId) {
      if (ref) record.id = '' // generated once the reference is resolved
      else record.id = deterministicUuid(parts)
    }
    if (ref) pending.push({ index, visitRow: ref.visitRow, row: row.number, column: ref.column, parts: emptyId ? parts : null })
    ;(data[sheet.kind] as unknown[]).push(record)
    origins[sheet.kind].push({ row: row.number })
  }

  const readSheet = async (sheet: SheetDef, opened: OpenedSheet): Promise<void> => {
    const { rows: rowsOf, merges } = opened
    let header: 'none' | 'ok' | 'bad' = 'none'
    for await (const row of rowsOf) {
      if (header === 'none') {
        header = 'ok'
        if (row.number !== 1) {
          header = 'bad'
          sheet.columns.forEach((c, i) => issue(sheet.name, 1, columnLetter(i + 1), `缺少表头「${c.header}」：第 1 行必须是表头，请从模板复制`))
        } else {
          const names = new Set(sheet.columns.map((c) => c.header))
          sheet.columns.forEach((c, i) => {
            const letter = columnLetter(i + 1)
            const actual = headerText(row.getCell(i + 1).value, book)
            if (actual === c.header) return
            header = 'bad'
            if (actual === '') issue(sheet.name, 1, letter, `缺少表头「${c.header}」（${letter} 列应为「${c.header}」）`)
            else if (names.has(actual)) issue(sheet.name, 1, letter, `${letter} 列应为表头「${c.header}」，现在是「${actual}」：列的顺序不能调整`)
            else issue(sheet.name, 1, letter, `表头「${actual}」不对，${letter} 列应为「${c.header}」`)
          })
          continue
        }
      }
      if (row.number === 1) continue
      rows++
      if (rows % PROGRESS_EVERY === 0) options.onProgress?.(rows)
      if (header === 'ok') {
        copy = opened.inlineStrings
        readRow(sheet, row)
      }
      if (stopped) return
    }
    for (const ref of merges) {
      const [from = '', to = from] = ref.split(':')
      const a = /^([A-Z]+)(\d+)$/.exec(from)
      const b = /^([A-Z]+)(\d+)$/.exec(to)
      if (!a || !b) continue
      const top = Math.min(Number(a[2]), Number(b[2]))
      const bottom = Math.max(Number(a[2]), Number(b[2]))
      const left = Math.min(columnNumber(a[1]!), columnNumber(b[1]!))
      if (bottom < 2 || left > sheet.columns.length) continue
      issue(sheet.name, Math.max(top, 2), columnLetter(left), `数据行中有合并单元格 ${ref}，请取消合并，每行每格分别填写`)
    }
  }

  try {
    const sheets = book.sheets
    for (let i = 0; i < sheets.length && !stopped; i++) {
      // Other sheets (说明, the hidden lists, the user's own) are never decompressed.
      const sheet = SHEET_BY_NAME.get(trimCell(sheets[i]!.name))
      if (!sheet) continue
      const opened = book.openSheet(i)
      if (!opened) continue
      dataSheets++
      await readSheet(sheet, opened)
    }
  } catch (e) {
    throw new XlsxFileError(describeFailure(e))
  } finally {
    book.close()
    await spooled?.cleanup()
  }
  if (dataSheets === 0)
    issue('', 0, '', `工作簿中没有数据工作表（${SHEETS.map((s) => s.name).join('、')}），请使用本轮测评的导入模板`)

  // Resolve `#n` references to visits whose id was generated.
  const visitRows = origins.visits
  for (const p of pending) {
    const finding = data.findings[p.index]!
    let lo = 0
    let hi = visitRows.length - 1
    let hit = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const r = visitRows[mid]!.row
      if (r === p.visitRow) {
        hit = mid
        break
      }
      if (r < p.visitRow) lo = mid + 1
      else hi = mid - 1
    }
    if (hit < 0) {
      issue(SHEET_BY_KIND.get('findings')!.name, p.row, p.column, `点位考察编号「#${p.visitRow}」：点位考察表第 ${p.visitRow} 行没有考察记录`)
      continue
    }
    finding.visit = data.visits[hit]!.id
    if (p.parts) {
      const column = SHEET_BY_KIND.get('findings')!.columns.findIndex((c) => c.kind === 'ref')
      // parts: round, sheet, then the non-id columns in order; the ref is the first of those.
      p.parts[2 + column - 1] = finding.visit
      finding.id = deterministicUuid(p.parts)
    }
  }

  if (stopped || rows % PROGRESS_EVERY !== 0 || rows === 0) options.onProgress?.(rows)
  found.sort((x, y) => x.order - y.order || x.row - y.row || x.col - y.col)
  const issues: SheetIssue[] = found.map(({ sheet, row, column, message }) => ({ sheet, row, column, message }))
  if (unlisted > 0) issues.push({ sheet: '', row: 0, column: '', message: `另有 ${unlisted} 个问题未列出（只列出前 ${maxIssues} 个）` })
  return { data, issues, origins, rows, locate: (path: string) => locate(origins, path) }
}

