/**
 * Reads a filled entry workbook (SPEC §6.2) as it streams (src/excel/xlsx-stream.ts: exceljs's
 * XML parser over the zip entries, row by row) and hands the records on in chunks
 * (readWorkbookChunks), so an import keeps about a chunk in memory, not the file. readWorkbook
 * collects the chunks into one result, for small files and tests.
 *
 * What it does: finds the five data sheets by their Chinese names (anything else — 说明, the
 * hidden list sheets, sheets the user added — is skipped, and a missing data sheet simply gives
 * no records of that kind) and reads them in the layout's order, 点位考察 first, whatever their
 * order in the file; checks each header row against the layout; skips empty rows; normalises
 * cells (trimming, full-width folding in id/code/number/time cells, numbers to decimal text,
 * Excel dates, serials and typed times to ISO 8601 in China time); gives rows with an empty 编号 a
 * deterministic UUID; resolves `#n` visit references (the visits are read by then); rejects
 * formula, error and merged cells in data rows. Problems are reported per cell (sheet, Excel
 * row, column letter) into an IssueList, which later checks of the same import can add to.
 *
 * What it does not do: check records against the round (unknown codes, UUID syntax, value
 * ranges…). That is src/domain/records/validate.ts; map its `findings[3].standard` paths back to
 * cells with `locateInChunk(chunk, path)` (or `result.locate(path)` of readWorkbook).
 *
 * Corrupt, truncated, empty and non-xlsx input rejects with an Error whose message says so.
 */
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { readUuid, uuidText } from '../domain/uuid.js'
import { SHEETS, SHEET_BY_KIND, SHEET_BY_NAME, columnLetter, columnNumber, type ColumnKind, type RecordKind, type SheetDef } from './layout.js'
import { deterministicUuid, excelDateToIso, foldWidth, numberText, serialToIso, textToIso, trimCell } from './normalise.js'
import { XlsxFileError, XlsxStream, copyString, describeFailure, type OpenedValues, type ValueRow } from './xlsx-stream.js'

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

export interface ChunkReadOptions extends ReadOptions {
  /** Records per chunk (default 10,000); a chunk holds records of one kind. */
  chunkSize?: number
  /** Where problems go; pass one to add the problems of later checks to the same list. */
  issues?: IssueList
}

/** Records of one kind, in sheet order, with the Excel row each came from. */
export interface RecordChunk {
  kind: RecordKind
  records: ImportedData[RecordKind]
  rows: number[]
}

const PROGRESS_EVERY = 1000
const DEFAULT_CHUNK = 10_000

const RECORD_PATH = /^(visits|findings|externalScores|measures|directScores)\[(\d+)\](?:\.([A-Za-z]+))?/

function cellOf(kind: RecordKind, row: number | undefined, field: string | undefined): CellLocation | null {
  const sheet = SHEET_BY_KIND.get(kind)
  if (row === undefined || !sheet) return null
  const index = field === undefined ? -1 : sheet.columns.findIndex((c) => c.field === field)
  return { sheet: sheet.name, row, column: columnLetter(index < 0 ? 1 : index + 1) }
}

/** Maps a validateRecords path such as `findings[3].photos[1]` to the cell it came from. */
export function locate(origins: Origins, path: string): CellLocation | null {
  const m = RECORD_PATH.exec(path)
  if (!m) return null
  const kind = m[1] as RecordKind
  return cellOf(kind, origins[kind][Number(m[2])]?.row, m[3])
}

/** The same for a path into one chunk (validateRecords run on `{ [chunk.kind]: chunk.records }`). */
export function locateInChunk(chunk: Pick<RecordChunk, 'kind' | 'rows'>, path: string): CellLocation | null {
  const m = RECORD_PATH.exec(path)
  if (!m || m[1] !== chunk.kind) return null
  return cellOf(chunk.kind, chunk.rows[Number(m[2])], m[3])
}

/** `问题记录!C5`, for an Issue path in the domain's error format. */
export function cellRef(loc: CellLocation): string {
  if (loc.sheet === '') return ''
  if (loc.row <= 0) return loc.sheet
  return `${loc.sheet}!${loc.column}${loc.row}`
}

const SHEET_ORDER = new Map(SHEETS.map((s, i) => [s.name, i + 1]))

/**
 * The problems of one import, whoever finds them (the sheet reader, record validation, the
 * store): at most `max` are listed, the rest counted.
 */
export class IssueList {
  private readonly found: (SheetIssue & { order: number; col: number })[] = []
  private unlisted = 0
  constructor(readonly max = 10_000) {}

  /** Problems found so far, listed or not. */
  get count(): number {
    return this.found.length + this.unlisted
  }

  add(sheet: string, row: number, column: string, message: string): void {
    if (this.found.length >= this.max) {
      this.unlisted++
      return
    }
    // A message may quote a cell, whose text can be a slice of a large piece of sheet XML:
    // a flat copy lets that go.
    this.found.push({ sheet, row, column, message: copyString(message), order: SHEET_ORDER.get(sheet) ?? 0, col: columnNumber(column) })
  }

  /** A problem with a record, at its cell when known, else with the record path spelled out. */
  addAt(at: CellLocation | null, path: string, message: string): void {
    if (at) this.add(at.sheet, at.row, at.column, message)
    else this.add('', 0, '', path === '' ? message : `${path}: ${message}`)
  }

  /** The problems in sheet, row and column order, then a line counting those not listed. */
  list(): SheetIssue[] {
    const sorted = [...this.found].sort((x, y) => x.order - y.order || x.row - y.row || x.col - y.col)
    const out: SheetIssue[] = sorted.map(({ sheet, row, column, message }) => ({ sheet, row, column, message }))
    if (this.unlisted > 0) out.push({ sheet: '', row: 0, column: '', message: `另有 ${this.unlisted} 个问题未列出（只列出前 ${this.max} 个）` })
    return out
  }
}

const enum CellType {
  Empty,
  Text,
  Number,
  Date,
  Formula,
  Error,
}

/** One cell as read: reused for every row, so reading allocates nothing per cell. */
interface CellSlot {
  t: CellType
  /** Text (trimmed), or the error code. */
  s: string
  n: number
  d: Date | null
}

function setText(slot: CellSlot, text: string): void {
  const trimmed = trimCell(text)
  if (trimmed === '') slot.t = CellType.Empty
  else {
    slot.t = CellType.Text
    slot.s = trimmed
  }
}

function classify(slot: CellSlot, v: unknown): void {
  if (v === null || v === undefined) slot.t = CellType.Empty
  else if (typeof v === 'string') setText(slot, v)
  else if (typeof v === 'number') {
    slot.t = CellType.Number
    slot.n = v
  } else if (typeof v === 'boolean') setText(slot, v ? 'TRUE' : 'FALSE')
  else if (v instanceof Date) {
    slot.t = CellType.Date
    slot.d = v
  } else if (typeof v === 'object') {
    const o = v as Record<string, unknown>
    if ('formula' in o || 'sharedFormula' in o) slot.t = CellType.Formula
    else if ('error' in o) {
      slot.t = CellType.Error
      slot.s = String(o.error)
    } else if (Array.isArray(o.richText)) {
      let text = ''
      for (const r of o.richText as { text?: unknown }[]) if (typeof r.text === 'string') text += r.text
      setText(slot, text)
    } else if (typeof o.text === 'string') setText(slot, o.text)
    else setText(slot, JSON.stringify(v) ?? '')
  } else if (typeof v === 'bigint') setText(slot, v.toString())
  else slot.t = CellType.Empty
}

/** Text of a header cell, trimmed. */
function headerText(v: unknown): string {
  const slot: CellSlot = { t: CellType.Empty, s: '', n: 0, d: null }
  classify(slot, v)
  if (slot.t === CellType.Text) return slot.s
  if (slot.t === CellType.Number) return numberText(slot.n)
  return ''
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

/** What reading a sheet needs of its layout, worked out once. */
interface SheetPlan {
  def: SheetDef
  kinds: ColumnKind[]
  fields: string[]
  letters: string[]
  /** 「header」, for messages. */
  labels: string[]
  hasId: boolean
}

const PLANS: ReadonlyMap<SheetDef, SheetPlan> = new Map(
  SHEETS.map((def) => [
    def,
    {
      def,
      kinds: def.columns.map((c) => c.kind),
      fields: def.columns.map((c) => c.field),
      letters: def.columns.map((_, i) => columnLetter(i + 1)),
      labels: def.columns.map((c) => `「${c.header}」`),
      hasId: def.columns.some((c) => c.kind === 'id'),
    },
  ]),
)

const VISIT_REF = /^#\s*(\d+)$/
const PHOTO_SEPARATORS = /[\s,;、]+/

/**
 * The id of each visit row read, for `#n` references: rows in order, ids as 128-bit words (an
 * id that is no lowercase UUID is kept as text), so a sheet of many visits stays small.
 */
class VisitRows {
  private rows = new Int32Array(1024)
  private words = new Uint32Array(4096)
  private readonly texts = new Map<number, string>()
  private count = 0

  add(row: number, id: string): void {
    if (this.count === this.rows.length) {
      const rows = new Int32Array(this.count * 2)
      rows.set(this.rows)
      this.rows = rows
      const words = new Uint32Array(this.count * 8)
      words.set(this.words)
      this.words = words
    }
    if (!readUuid(id, this.words, this.count * 4)) this.texts.set(this.count, id)
    this.rows[this.count++] = row
  }

  /** The id of the visit read from `row`, or null. */
  idAt(row: number): string | null {
    let lo = 0
    let hi = this.count - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const r = this.rows[mid]!
      if (r === row) return this.texts.get(mid) ?? uuidText(this.words, mid * 4)
      if (r < row) lo = mid + 1
      else hi = mid - 1
    }
    return null
  }
}

/** An error of the consumer of the chunks, passed on as it is (not as a file problem). */
class ConsumerFailure extends Error {
  constructor(readonly failure: unknown) {
    super('the consumer of the chunks failed')
  }
}

type Value = string | number | string[] | undefined

/** The reading of one workbook; see readWorkbookChunks. */
class WorkbookReading {
  rows = 0
  private kept = 0
  private stopped = false
  private readonly cells: CellSlot[] = Array.from({ length: 16 }, () => ({ t: CellType.Empty, s: '', n: 0, d: null }))
  private readonly values: Value[] = []
  private readonly visitRows = new VisitRows()
  private readonly maxRows: number
  private readonly roundCode: string
  private readonly chunkSize: number
  private chunk: RecordChunk | null = null
  private pending: Promise<void> | null = null

  constructor(
    private readonly book: XlsxStream,
    private readonly issues: IssueList,
    private readonly options: ChunkReadOptions,
    private readonly consume: (chunk: RecordChunk) => void | Promise<void>,
  ) {
    this.maxRows = options.maxRows ?? Number.POSITIVE_INFINITY
    this.roundCode = options.roundCode ?? ''
    this.chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK)
  }

  async readBook(): Promise<void> {
    const sheets = this.book.sheets
    let dataSheets = 0
    try {
      // In the layout's order, so that findings come after the visits they may refer to by row.
      for (const def of SHEETS) {
        for (let i = 0; i < sheets.length && !this.stopped; i++) {
          // Other sheets (说明, the hidden lists, the user's own) are never decompressed.
          if (SHEET_BY_NAME.get(trimCell(sheets[i]!.name)) !== def) continue
          const plan = PLANS.get(def)!
          const opened = this.book.openSheetValues(i, plan.kinds.length)
          if (!opened) continue
          dataSheets++
          await this.readSheet(plan, opened)
          await this.flush()
        }
      }
      await this.settle()
    } finally {
      // A consumer still at work is waited for, so nothing of it runs on after a failure.
      await this.pending?.catch(() => undefined)
    }
    if (dataSheets === 0)
      this.issues.add('', 0, '', `工作簿中没有数据工作表（${SHEETS.map((s) => s.name).join('、')}），请使用本轮测评的导入模板`)
    if (this.stopped || this.rows % PROGRESS_EVERY !== 0 || this.rows === 0) this.options.onProgress?.(this.rows)
  }

  private async readSheet(plan: SheetPlan, opened: OpenedValues): Promise<void> {
    const { def } = plan
    let header: 'none' | 'ok' | 'bad' = 'none'
    for await (const batch of opened.rows) {
      for (const row of batch) {
        if (header === 'none') header = this.checkHeader(plan, row)
        if (row.number === 1) continue
        this.rows++
        if (this.rows % PROGRESS_EVERY === 0) this.options.onProgress?.(this.rows)
        if (header === 'ok') {
          this.readRow(plan, row)
          if (this.chunk !== null && this.chunk.rows.length >= this.chunkSize) await this.flush()
        }
        if (this.stopped) return
      }
    }
    for (const ref of opened.merges) {
      const [from = '', to = from] = ref.split(':')
      const a = /^([A-Z]+)(\d+)$/.exec(from)
      const b = /^([A-Z]+)(\d+)$/.exec(to)
      if (!a || !b) continue
      const top = Math.min(Number(a[2]), Number(b[2]))
      const bottom = Math.max(Number(a[2]), Number(b[2]))
      const left = Math.min(columnNumber(a[1]!), columnNumber(b[1]!))
      if (bottom < 2 || left > def.columns.length) continue
      this.issues.add(def.name, Math.max(top, 2), columnLetter(left), `数据行中有合并单元格 ${ref}，请取消合并，每行每格分别填写`)
    }
  }

  private checkHeader(plan: SheetPlan, row: ValueRow): 'ok' | 'bad' {
    const { def } = plan
    if (row.number !== 1) {
      def.columns.forEach((c, i) => this.issues.add(def.name, 1, plan.letters[i]!, `缺少表头「${c.header}」：第 1 行必须是表头，请从模板复制`))
      return 'bad'
    }
    let header: 'ok' | 'bad' = 'ok'
    const names = new Set(def.columns.map((c) => c.header))
    def.columns.forEach((c, i) => {
      const letter = plan.letters[i]!
      const actual = headerText(row.values[i])
      if (actual === c.header) return
      header = 'bad'
      if (actual === '') this.issues.add(def.name, 1, letter, `缺少表头「${c.header}」（${letter} 列应为「${c.header}」）`)
      else if (names.has(actual)) this.issues.add(def.name, 1, letter, `${letter} 列应为表头「${c.header}」，现在是「${actual}」：列的顺序不能调整`)
      else this.issues.add(def.name, 1, letter, `表头「${actual}」不对，${letter} 列应为「${c.header}」`)
    })
    return header
  }

  private readRow(plan: SheetPlan, row: ValueRow): void {
    const { cells, values } = this
    const n = plan.kinds.length
    let empty = true
    for (let i = 0; i < n; i++) {
      const slot = cells[i]!
      classify(slot, row.values[i])
      if (slot.t !== CellType.Empty) empty = false
    }
    if (empty) return
    this.kept++
    if (this.kept > this.maxRows) {
      this.issues.add(plan.def.name, row.number, '', `数据超过一次导入的上限 ${this.maxRows} 行，请拆分成多个文件导入`)
      this.stopped = true
      return
    }
    const before = this.issues.count
    const record: Record<string, unknown> = plan.hasId ? { id: '' } : {}
    let emptyId = false
    let visitRow = -1
    let refColumn = -1
    for (let i = 0; i < n; i++) {
      const value = this.convert(plan, i, row.number, cells[i]!)
      values[i] = value
      const kind = plan.kinds[i]
      if (kind === 'id') {
        if (value === undefined) emptyId = cells[i]!.t === CellType.Empty
        else record.id = value
        continue
      }
      if (value === undefined) continue
      if (kind === 'ref' && typeof value === 'string' && value.charCodeAt(0) === 35 /* # */) {
        const m = VISIT_REF.exec(value)
        if (m) {
          visitRow = Number(m[1])
          refColumn = i
        }
      }
      record[plan.fields[i]!] = value
    }
    if (this.issues.count > before) return
    if (refColumn >= 0) {
      const visit = this.visitRows.idAt(visitRow)
      if (visit === null) {
        this.issues.add(plan.def.name, row.number, plan.letters[refColumn]!, `点位考察编号「#${visitRow}」：点位考察表第 ${visitRow} 行没有考察记录`)
        return
      }
      record.visit = visit
      values[refColumn] = visit
    }
    if (emptyId) record.id = this.generatedId(plan, n)
    if (plan.def.kind === 'visits') this.visitRows.add(row.number, record.id as string)
    if (this.chunk === null || this.chunk.kind !== plan.def.kind) this.chunk = { kind: plan.def.kind, records: [], rows: [] }
    ;(this.chunk.records as unknown[]).push(record)
    this.chunk.rows.push(row.number)
  }

  /** The id of a row whose 编号 is empty: from the round, the sheet and the row's other cells. */
  private generatedId(plan: SheetPlan, n: number): string {
    const parts: string[] = [this.roundCode, plan.def.name]
    for (let i = 0; i < n; i++) {
      if (plan.kinds[i] === 'id') continue
      const value = this.values[i]
      parts.push(value === undefined ? '' : Array.isArray(value) ? value.join(',') : String(value))
    }
    return deterministicUuid(parts)
  }

  private bad(plan: SheetPlan, i: number, row: number, message: string): undefined {
    this.issues.add(plan.def.name, row, plan.letters[i]!, message)
    return undefined
  }

  private convert(plan: SheetPlan, i: number, row: number, cell: CellSlot): Value {
    switch (cell.t) {
      case CellType.Empty:
        return undefined
      case CellType.Formula:
        return this.bad(plan, i, row, `${plan.labels[i]}是公式单元格，公式不能导入，请复制后“选择性粘贴 → 数值”`)
      case CellType.Error:
        return this.bad(plan, i, row, `${plan.labels[i]}是错误值 ${cell.s}，请填写实际内容`)
      default:
        break
    }
    switch (plan.kinds[i]) {
      case 'text':
        if (cell.t === CellType.Number) return numberText(cell.n)
        if (cell.t === CellType.Date) return excelDateToIso(cell.d!) ?? this.bad(plan, i, row, `${plan.labels[i]}的日期无效`)
        return cell.s
      case 'time': {
        const iso = cell.t === CellType.Date ? excelDateToIso(cell.d!) : cell.t === CellType.Number ? serialToIso(cell.n, this.book.date1904) : textToIso(cell.s)
        if (iso !== null) return iso
        if (cell.t === CellType.Date) return this.bad(plan, i, row, `${plan.labels[i]}的日期超出范围`)
        if (cell.t === CellType.Number) return this.bad(plan, i, row, `${plan.labels[i]}的数值 ${numberText(cell.n)} 不是有效的 Excel 日期`)
        return this.bad(plan, i, row, `${plan.labels[i]}「${cell.s}」不是有效的时间，请填写如 2017-08-03 09:10 或 Excel 日期时间`)
      }
      case 'count': {
        if (cell.t === CellType.Date) return this.bad(plan, i, row, `${plan.labels[i]}被 Excel 识别成了日期，请填写整数`)
        if (cell.t === CellType.Number) return cell.n
        const text = trimCell(foldWidth(cell.s))
        if (!/^[+-]?\d+(\.\d+)?$/.test(text)) return this.bad(plan, i, row, `${plan.labels[i]}「${text}」不是数字，请填写整数`)
        return Number(text)
      }
      case 'photos': {
        const text = cell.t === CellType.Number ? numberText(cell.n) : cell.t === CellType.Date ? '' : foldWidth(cell.s)
        const list = text.split(PHOTO_SEPARATORS).filter((p) => p !== '')
        return list.length === 0 ? undefined : list
      }
      default: {
        // id, ref, code, decimal
        if (cell.t === CellType.Date)
          return this.bad(
            plan,
            i,
            row,
            `${plan.labels[i]}被 Excel 识别成了日期，请把该列设为“文本”格式后重新输入（模板中此列已是文本格式，粘贴时请用“选择性粘贴 → 值”）`,
          )
        if (cell.t === CellType.Number) return numberText(cell.n)
        const text = trimCell(foldWidth(cell.s))
        if (plan.kinds[i] === 'code') {
          // A value picked as "code｜name" keeps the code.
          const bar = text.indexOf('|')
          return bar > 0 ? trimCell(text.slice(0, bar)) : text
        }
        if (plan.kinds[i] === 'decimal') return /\s/.test(text) ? text.replace(/\s+/g, '') : text
        return text
      }
    }
  }

  /** Hands the chunk read so far to the consumer, once the one before it is done with its own. */
  private async flush(): Promise<void> {
    const chunk = this.chunk
    this.chunk = null
    if (chunk === null || chunk.rows.length === 0) return
    await this.settle()
    let started: Promise<void>
    try {
      started = Promise.resolve(this.consume(chunk))
    } catch (e) {
      throw new ConsumerFailure(e)
    }
    // Its failure is taken up by the next flush or by settle(), not left unhandled meanwhile.
    started.catch(() => undefined)
    this.pending = started
  }

  /** Waits for the consumer's work on the last chunk; its failure ends the reading. */
  private async settle(): Promise<void> {
    const pending = this.pending
    this.pending = null
    if (pending === null) return
    try {
      await pending
    } catch (e) {
      throw new ConsumerFailure(e)
    }
  }
}

/**
 * Reads a filled entry workbook (see the module comment), handing the records to `consume` in
 * chunks of one kind. The reading goes on while `consume` works on a chunk (one at a time: the
 * next chunk waits for the promise of the one before), so storing overlaps with reading. When
 * `consume` fails, the reading stops and the failure is thrown as it is.
 */
export async function readWorkbookChunks(
  input: string | NodeJS.ReadableStream,
  options: ChunkReadOptions,
  consume: (chunk: RecordChunk) => void | Promise<void>,
): Promise<{ rows: number; issues: IssueList }> {
  const issues = options.issues ?? new IssueList(options.maxIssues)
  const spooled = typeof input === 'string' ? null : await spool(input)
  let book: XlsxStream
  try {
    book = await XlsxStream.open(spooled ? spooled.file : (input as string))
  } catch (e) {
    await spooled?.cleanup()
    throw new XlsxFileError(describeFailure(e))
  }
  const reading = new WorkbookReading(book, issues, options, consume)
  try {
    await reading.readBook()
  } catch (e) {
    if (e instanceof ConsumerFailure) throw e.failure
    throw new XlsxFileError(describeFailure(e))
  } finally {
    book.close()
    await spooled?.cleanup()
  }
  return { rows: reading.rows, issues }
}

/** Reads a filled entry workbook into memory; see the module comment. */
export async function readWorkbook(input: string | NodeJS.ReadableStream, options: ReadOptions = {}): Promise<ImportResult> {
  const data: ImportedData = { visits: [], findings: [], externalScores: [], measures: [], directScores: [] }
  const origins: Origins = { visits: [], findings: [], externalScores: [], measures: [], directScores: [] }
  const { rows, issues } = await readWorkbookChunks(input, options, (chunk) => {
    const list = data[chunk.kind] as unknown[]
    for (let i = 0; i < chunk.rows.length; i++) {
      list.push(chunk.records[i])
      origins[chunk.kind].push({ row: chunk.rows[i]! })
    }
  })
  return { data, issues: issues.list(), origins, rows, locate: (path: string) => locate(origins, path) }
}
