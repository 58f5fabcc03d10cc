/**
 * Row-by-row reading of an .xlsx file with the exceljs streaming reader, made dependable.
 *
 * Why not just `new ExcelJS.stream.xlsx.WorkbookReader(file)`: its single pass over the zip
 * loses the last entries now and then on Node ≥ 18 (exceljs issue #3064, reproduced here on files
 * written by exceljs itself, whose xl/workbook.xml comes last: "Cannot read properties of
 * undefined (reading 'sheets')"). So the zip is opened through its central directory (unzipper,
 * the library exceljs itself uses), the workbook parts (relationships, workbook.xml with sheet
 * names and visibility, shared strings, styles) are parsed first with the WorkbookReader's own
 * parsers, and then each wanted worksheet is streamed through exceljs's XML parser. Sheets
 * nobody asks for are never decompressed, and no sheet goes through a temporary file.
 *
 * Two ways to read a sheet: openSheet gives the rows as exceljs's WorksheetReader builds them
 * (Row and Cell objects with styles); openSheetValues reads the same parser events into plain
 * arrays of cell values, which takes about a third less time than building those objects, and
 * follows WorksheetReader's rules for each value (see sheetRows), so both give the same values.
 *
 * Also: the XML is decoded as a stream (a character split between two chunks stays whole) and
 * handed to the parser in small pieces (see decodeXml); shared strings are kept as UTF-8 outside
 * the JavaScript heap (see SharedStrings); <mergeCells> (ignored by the exceljs streaming reader)
 * are picked out of the raw sheet XML as it streams by; every file stream opened is closed at
 * the end, whatever happened.
 */
import { closeSync, createReadStream, openSync, readSync, type ReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import ExcelJS from 'exceljs'

interface ZipEntry {
  path: string
  type: string
  stream(): Readable
}
interface Unzipper {
  Open: {
    custom(source: { stream(offset: number, length?: number): Readable; size(): Promise<number> }): Promise<{ files: ZipEntry[] }>
  }
}
// unzipper as exceljs resolves it (its own dependency, the version it was built with).
const require = createRequire(import.meta.url)
const fromExceljs = createRequire(require.resolve('exceljs'))
const unzipper = fromExceljs('unzipper') as Unzipper
/** exceljs's SAX driver (saxes), yielding the events of each piece of XML in one array. */
const parseSax = fromExceljs('./lib/utils/parse-sax') as (xml: AsyncIterable<string>) => AsyncIterable<SaxEvent[]>
/** exceljs's own value rules, so both ways of reading a sheet agree. */
const cellRules = fromExceljs('./lib/utils/utils') as { isDateFmt(format: unknown): boolean; excelToDate(serial: number, date1904: boolean): Date; xmlDecode(text: string): string }

type SaxEvent =
  | { eventType: 'opentag'; value: { name: string; attributes: Record<string, string | undefined> } }
  | { eventType: 'closetag'; value: { name: string } }
  | { eventType: 'text'; value: string }

export interface StreamRow {
  number: number
  getCell(col: number): { value: unknown }
}
interface WorksheetReader extends AsyncIterable<StreamRow> {
  name?: string
}

/** A data row as openSheetValues reads it: values[c - 1] is the value of column c, as exceljs gives it. */
export interface ValueRow {
  number: number
  values: unknown[]
}

export interface OpenedValues {
  /** Rows in batches (those of one piece of XML), in sheet order. */
  rows: AsyncIterable<ValueRow[]>
  merges: Set<string>
  readonly inlineStrings: boolean
}
/** The parts of exceljs's WorkbookReader used (underscore methods are its own parsers). */
interface ReaderInternals {
  model?: { sheets?: { name?: string; id?: number; rId?: string; state?: string }[] }
  workbookRels?: { Id?: string; Target?: string; Type?: string }[]
  properties?: { model?: { date1904?: boolean } }
  _parseRels(entry: Readable): Promise<void>
  _parseWorkbook(entry: Readable): Promise<void>
  _parseSharedStrings(entry: Readable): AsyncIterable<{ index: number; text: unknown }>
  _parseStyles(entry: Readable): Promise<void>
  styles?: { getStyleModel(id: number): { numFmt?: unknown } | null | undefined }
  _parseWorksheet(iterator: AsyncIterable<string>, sheetNo: string): Iterator<{ eventType: string; value: WorksheetReader }>
}

export interface SheetInfo {
  name: string
  /** visible | hidden | veryHidden */
  state: string
}

export interface OpenedSheet {
  rows: AsyncIterable<StreamRow>
  /** Merged ranges (`B2:B3`) seen so far; complete once the rows are read. */
  merges: Set<string>
  /**
   * Whether the sheet XML seen so far holds inline strings. Their text is a slice of a piece of
   * the XML, which stays in memory as long as the slice does: copy what you keep for long.
   */
  readonly inlineStrings: boolean
}

export class XlsxFileError extends Error {
  override name = 'XlsxFileError'
}

/** First bytes of a file, to tell an .xls, a CSV or an empty file from a damaged .xlsx. */
function head(file: string): Buffer {
  const fd = openSync(file, 'r')
  try {
    const buf = Buffer.alloc(8)
    const n = readSync(fd, buf, 0, 8, 0)
    return buf.subarray(0, n)
  } finally {
    closeSync(fd)
  }
}

function notXlsx(first: Buffer): string | null {
  if (first.length === 0) return '文件是空的，不是 Excel（.xlsx）文件'
  if (first.length >= 4 && first.readUInt32BE(0) === 0xd0cf11e0)
    return '这不是 .xlsx 文件：可能是旧版 .xls 文件或加了密码的工作簿，请在 Excel 中另存为“Excel 工作簿（*.xlsx）”且不设密码'
  if (!(first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04))
    return '这不是 Excel（.xlsx）文件（可能是 CSV、文本或其他文件改了扩展名），请使用导入模板另存为 .xlsx'
  return null
}

/** A failure inside the zip or the XML, in words for the user. */
export function describeFailure(e: unknown): string {
  if (e instanceof XlsxFileError) return e.message
  const message = e instanceof Error ? e.message : String(e)
  if (/FILE_ENDED|unexpected end|end of (data|file)|premature|Z_BUF_ERROR|truncat|end of central dir/i.test(message))
    return `文件不完整（可能是上传或复制中断），请重新保存后再导入（${message}）`
  return `无法读取 Excel 文件，文件可能已损坏：${message}`
}

/** An opened workbook: sheet list first, then rows of the sheets asked for. Call close() always. */
export class XlsxStream {
  private readonly streams = new Set<ReadStream>()
  private readonly entries = new Map<string, ZipEntry>()
  private readonly reader: ReaderInternals
  private sheetParts: { info: SheetInfo; part: string | null }[] = []
  private opened: Readable[] = []
  private readonly strings = new SharedStrings()

  private constructor(private readonly file: string) {
    this.reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
      worksheets: 'emit',
      // Emitted one by one and kept here as flat copies (see load()).
      sharedStrings: 'emit',
      styles: 'cache',
      hyperlinks: 'ignore',
      entries: 'ignore',
    }) as unknown as ReaderInternals
  }

  /** Opens `file`; rejects with an XlsxFileError (or a zip error) when it is no readable .xlsx. */
  static async open(file: string): Promise<XlsxStream> {
    let size: number
    try {
      const info = await stat(file)
      if (!info.isFile()) throw new XlsxFileError(`${file} 不是文件`)
      size = info.size
    } catch (e) {
      if (e instanceof XlsxFileError) throw e
      throw new XlsxFileError(`无法打开文件 ${file}：${e instanceof Error ? e.message : String(e)}`)
    }
    const problem = notXlsx(size === 0 ? Buffer.alloc(0) : head(file))
    if (problem) throw new XlsxFileError(problem)
    const book = new XlsxStream(file)
    try {
      await book.load(size)
    } catch (e) {
      book.close()
      throw e
    }
    return book
  }

  get date1904(): boolean {
    return this.reader.properties?.model?.date1904 === true
  }

  /** Cell values of shared-string cells come as `{ sharedString: index }`: this is their value. */
  sharedString(index: number): unknown {
    return this.strings.get(index)
  }

  get sheets(): SheetInfo[] {
    return this.sheetParts.map((s) => s.info)
  }

  private async load(size: number): Promise<void> {
    const directory = await unzipper.Open.custom({
      stream: (offset: number, length?: number) => {
        const s = createReadStream(this.file, { start: offset, ...(length ? { end: offset + length } : {}) })
        this.streams.add(s)
        s.on('close', () => this.streams.delete(s))
        return s
      },
      size: async () => size,
    })
    for (const entry of directory.files) this.entries.set(entry.path.replace(/\\/g, '/').replace(/^\//, ''), entry)

    const part = (name: string): Readable | null => {
      const entry = this.entries.get(name)
      if (!entry) return null
      const s = entry.stream()
      this.opened.push(s)
      return s
    }
    const workbook = part('xl/workbook.xml')
    if (!workbook) throw new XlsxFileError('这不是 Excel 工作簿：压缩包中没有 xl/workbook.xml（可能是其他 Office 文件或普通 zip 文件）')
    const rels = part('xl/_rels/workbook.xml.rels')
    if (rels) await this.reader._parseRels(rels)
    await this.reader._parseWorkbook(workbook)

    const target = (type: string, fallback: string): string => {
      const rel = (this.reader.workbookRels ?? []).find((r) => typeof r.Type === 'string' && r.Type.endsWith(`/${type}`))
      return rel?.Target ? this.resolve(rel.Target) : fallback
    }
    const strings = part(target('sharedStrings', 'xl/sharedStrings.xml'))
    if (strings) for await (const { index, text } of this.reader._parseSharedStrings(xmlStream(strings))) this.strings.set(index, text)
    const styles = part(target('styles', 'xl/styles.xml'))
    if (styles) await this.reader._parseStyles(styles)

    const relById = new Map((this.reader.workbookRels ?? []).map((r) => [r.Id, r.Target]))
    this.sheetParts = (this.reader.model?.sheets ?? []).map((s) => {
      const t = s.rId === undefined ? undefined : relById.get(s.rId)
      return { info: { name: s.name ?? '', state: s.state ?? 'visible' }, part: t ? this.resolve(t) : null }
    })
  }

  /** A relationship target of the workbook part as a path in the zip. */
  private resolve(target: string): string {
    return target.startsWith('/') ? target.slice(1) : path.posix.normalize(`xl/${target}`)
  }

  /** The XML of the sheet at `index`, tapped for merges and inline strings; null when its part is missing. */
  private openPart(index: number): { part: string; xml: AsyncGenerator<string>; seen: { merges: Set<string>; inlineStrings: boolean } } | null {
    const part = this.sheetParts[index]?.part
    const entry = part ? this.entries.get(part) : undefined
    if (!part || !entry) return null
    const stream = entry.stream()
    this.opened.push(stream)
    const seen = { merges: new Set<string>(), inlineStrings: false }
    return { part, xml: tapSheet(stream, seen), seen }
  }

  /** Streams the rows of the sheet at `index` of `sheets`; null when its part is missing. */
  openSheet(index: number): OpenedSheet | null {
    const opened = this.openPart(index)
    if (!opened) return null
    const sheetNo = /sheet(\d+)\.xml$/.exec(opened.part)?.[1] ?? String(index + 1)
    const made = this.reader._parseWorksheet(opened.xml, sheetNo).next()
    if (made.done) return null
    const { seen } = opened
    return {
      rows: made.value.value,
      merges: seen.merges,
      get inlineStrings() {
        return seen.inlineStrings
      },
    }
  }

  /**
   * Streams the values of the sheet at `index`, columns 1 to `columns` only (the others are
   * parsed past); null when its part is missing. Shared strings come resolved.
   */
  openSheetValues(index: number, columns: number): OpenedValues | null {
    const opened = this.openPart(index)
    if (!opened) return null
    const { seen } = opened
    return {
      rows: sheetRows(parseSax(opened.xml), { columns, date1904: this.date1904, styles: this.reader.styles, strings: this.strings }),
      merges: seen.merges,
      get inlineStrings() {
        return seen.inlineStrings
      },
    }
  }

  /** Closes every file stream opened for this workbook. */
  close(): void {
    // A stream stopped midway may still report an error from the unzip pipeline: not ours to throw.
    const ignore = (): void => undefined
    for (const s of this.opened) s.on('error', ignore).destroy()
    for (const s of this.streams) s.on('error', ignore).destroy()
    this.opened = []
    this.streams.clear()
  }
}

/**
 * The shared strings of a workbook, as UTF-8 in 1 MB blocks outside the JavaScript heap. A
 * workbook whose ids are shared strings has a million of them for a million rows: as strings
 * they would be some 60 MB of long-lived heap, which the garbage collector scans and sizes the
 * heap by. A string is decoded when a cell asks for it; a small cache keeps the ones asked for
 * again and again (codes, notes, the ids of visits) from being decoded each time. Values that
 * are not plain text (rich text) are kept as they are.
 */
class SharedStrings {
  private static readonly BLOCK = 1 << 20
  private static readonly CACHE = 1 << 16
  private readonly blocks: Buffer[] = []
  private used = SharedStrings.BLOCK
  /** Per index: offset of the text (block × BLOCK + position) and its length in bytes. */
  private offsets = new Float64Array(1024)
  private lengths = new Int32Array(1024).fill(-1)
  private readonly others = new Map<number, unknown>()
  private readonly cacheKeys = new Int32Array(SharedStrings.CACHE).fill(-1)
  private readonly cacheValues: string[] = new Array<string>(SharedStrings.CACHE).fill('')

  set(index: number, value: unknown): void {
    if (index >= this.lengths.length) this.grow(index)
    this.lengths[index] = -1
    if (typeof value !== 'string') {
      this.others.set(index, value)
      return
    }
    const size = Buffer.byteLength(value, 'utf8')
    if (size > SharedStrings.BLOCK / 4) {
      this.others.set(index, copyString(value))
      return
    }
    if (this.used + size > SharedStrings.BLOCK) {
      this.blocks.push(Buffer.allocUnsafe(SharedStrings.BLOCK))
      this.used = 0
    }
    const block = this.blocks.length - 1
    this.blocks[block]!.write(value, this.used, 'utf8')
    this.offsets[index] = block * SharedStrings.BLOCK + this.used
    this.lengths[index] = size
    this.used += size
  }

  get(index: number): unknown {
    if (index < 0 || index >= this.lengths.length) return undefined
    const size = this.lengths[index]!
    if (size < 0) return this.others.get(index)
    const slot = index & (SharedStrings.CACHE - 1)
    if (this.cacheKeys[slot] === index) return this.cacheValues[slot]
    const offset = this.offsets[index]!
    const block = Math.floor(offset / SharedStrings.BLOCK)
    const at = offset - block * SharedStrings.BLOCK
    const text = size === 0 ? '' : this.blocks[block]!.toString('utf8', at, at + size)
    this.cacheKeys[slot] = index
    this.cacheValues[slot] = text
    return text
  }

  private grow(index: number): void {
    let size = this.lengths.length * 2
    while (size <= index) size *= 2
    const offsets = new Float64Array(size)
    offsets.set(this.offsets)
    this.offsets = offsets
    // Indexes never set read as "no value" (-1 with nothing in `others`).
    const lengths = new Int32Array(size).fill(-1)
    lengths.set(this.lengths)
    this.lengths = lengths
  }
}

/** The column number of a cell reference (`AB12` → 28); 0 when it has no letters. */
function columnOfRef(ref: string): number {
  let n = 0
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i)
    if (c < 65 || c > 90) break
    n = n * 26 + (c - 64)
  }
  return n
}

/**
 * Rows of sheet XML events, by the rules of exceljs's WorksheetReader (lib/stream/xlsx/
 * worksheet-reader.js), so that a value read here is the value it would give:
 * - rows and cells count only inside <sheetData>; row and cell numbers come from their `r`
 *   (a cell without one takes the next column, a row without one the next row);
 * - text goes to the <f>, <v>, <is> or <t> opened last in the cell, each of them starting it
 *   anew (so of a rich inline string only the last run is kept, as there);
 * - a cell with <f> is a formula ({ formula }); with a value, by its type `t`: `s` the shared
 *   string, `inlineStr` and `str` the XML-decoded text, `e` an error ({ error }), `b` a boolean,
 *   otherwise a number, or a Date when the cell's number format is a date format (the format
 *   of the cell's style `s`, or else of its row's);
 * - a cell with neither is empty (null).
 */
async function* sheetRows(
  events: AsyncIterable<SaxEvent[]>,
  options: { columns: number; date1904: boolean; styles: ReaderInternals['styles']; strings: SharedStrings },
): AsyncGenerator<ValueRow[]> {
  const { columns, date1904, styles, strings } = options
  const dateStyles = new Map<number, boolean>()
  const isDateStyle = (id: number): boolean | undefined => {
    let date = dateStyles.get(id)
    if (date === undefined) {
      const model = styles?.getStyleModel(id)
      if (!model) return undefined
      date = cellRules.isDateFmt(model.numFmt)
      dateStyles.set(id, date)
    }
    return date
  }
  let inRows = false
  let row: ValueRow | null = null
  let lastRow = 0
  let rowIsDate = false
  let lastColumn = 0
  // The cell open: its column (0 when beyond `columns`), type, style, and its parts.
  let inCell = false
  let column = 0
  let type: string | undefined
  let style = 0
  let formula = false
  let value: string | null = null
  /** Where text goes: 1 the formula, 2 the value, 0 nowhere yet. */
  let current = 0
  let formulaText = ''
  for await (const batch of events) {
    const rows: ValueRow[] = []
    for (const event of batch) {
      if (event.eventType === 'text') {
        if (current === 2) value += event.value
        else if (current === 1) formulaText += event.value
      } else if (event.eventType === 'opentag') {
        const { name, attributes } = event.value
        switch (name) {
          case 'sheetData':
            inRows = true
            break
          case 'row':
            if (inRows) {
              const r = attributes.r === undefined ? NaN : parseInt(attributes.r, 10)
              lastRow = Number.isNaN(r) ? lastRow + 1 : r
              row = { number: lastRow, values: [] }
              current = 0
              rowIsDate = attributes.s !== undefined && isDateStyle(parseInt(attributes.s, 10)) === true
              lastColumn = 0
            }
            break
          case 'c':
            if (row) {
              const at = attributes.r === undefined ? 0 : columnOfRef(attributes.r)
              lastColumn = at > 0 ? at : lastColumn + 1
              inCell = true
              column = lastColumn <= columns ? lastColumn : 0
              type = attributes.t
              style = attributes.s === undefined ? 0 : parseInt(attributes.s, 10)
              formula = false
              value = null
              current = 0
            }
            break
          case 'f':
            if (inCell) {
              formula = true
              formulaText = ''
              current = 1
            }
            break
          case 'v':
          case 'is':
          case 't':
            if (inCell) {
              value = ''
              current = 2
            }
            break
          default:
            break
        }
      } else {
        switch (event.value.name) {
          case 'sheetData':
            inRows = false
            break
          case 'row':
            if (row) {
              rows.push(row)
              row = null
            }
            break
          case 'c':
            if (inCell && row) {
              inCell = false
              if (column > 0) row.values[column - 1] = cellValue()
            }
            break
          default:
            break
        }
      }
    }
    if (rows.length > 0) yield rows
  }

  function cellValue(): unknown {
    if (formula) return { formula: formulaText }
    if (value === null) return null
    switch (type) {
      case 's':
        return strings.get(parseInt(value, 10)) ?? null
      case 'inlineStr':
      case 'str':
        return cellRules.xmlDecode(value)
      case 'e':
        return { error: value }
      case 'b':
        return parseInt(value, 10) !== 0
      default: {
        const n = parseFloat(value)
        const date = style ? (isDateStyle(style) ?? rowIsDate) : rowIsDate
        return date ? cellRules.excelToDate(n, date1904) : n
      }
    }
  }
}

/** A flat copy of a string that may be a slice of (and so keep alive) a much larger one. */
export function copyString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8')
}

/** Characters of XML handed to the parser at a time (see decodeXml). */
const PIECE = 8192

/**
 * The XML of a zip entry as text, for exceljs's parser: decoded with a streaming decoder, so a
 * character whose UTF-8 bytes straddle two chunks of the inflated data stays whole (exceljs
 * decodes each chunk on its own, which turns such a character into U+FFFD), and cut after a `>`
 * into pieces of about PIECE characters. The parser turns each piece into events that live
 * until the rows built from them are read: small pieces keep that short-lived (the garbage
 * collector reclaims it young), where 16 KB chunks of XML made tens of megabytes of it outlive
 * a collection and pile up. Reads with destroyOnReturn off, so stopping early leaves the
 * stream to close(). `look` sees each decoded chunk with the end of the one before.
 */
async function* decodeXml(source: Readable, look?: (text: string, tail: string) => void): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  let tail = ''
  const split = function* (text: string): Generator<string> {
    for (let at = 0; at < text.length; ) {
      let end = at + PIECE
      if (end >= text.length) end = text.length
      else {
        const gt = text.indexOf('>', end)
        end = gt < 0 ? text.length : gt + 1
      }
      yield text.slice(at, end)
      at = end
    }
  }
  for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk)
    if (text === '') continue
    look?.(text, tail)
    tail = text.length >= 512 ? text.slice(-512) : (tail + text).slice(-512)
    yield* split(text)
  }
  const rest = decoder.end()
  if (rest !== '') {
    look?.(rest, tail)
    yield rest
  }
}

/** A stream of the decoded XML of an entry, for the parsers of exceljs that take a stream. */
function xmlStream(source: Readable): Readable {
  return Readable.from(decodeXml(source), { objectMode: true })
}

const MERGE_CELL = /<(?:[A-Za-z]\w*:)?mergeCell\b[^>]*?\bref\s*=\s*["']([A-Z]+\d+(?::[A-Z]+\d+)?)["']/g

/**
 * The sheet XML for the parser, noting <mergeCell ref="…"> (they follow the rows) and whether
 * inline strings occur. Each chunk is looked at before the parser gets it, so the flag is set
 * before the rows of that chunk come out.
 */
function tapSheet(source: Readable, seen: { merges: Set<string>; inlineStrings: boolean }): AsyncGenerator<string> {
  return decodeXml(source, (text, tail) => {
    // Across the boundary with the chunk before: its last characters and this chunk's first.
    const edge = tail === '' ? '' : tail + text.slice(0, 512)
    // Inline strings: t="inlineStr" (Excel, LibreOffice) or t="str" (exceljs without shared strings).
    if (!seen.inlineStrings && [text, edge].some((t) => t.includes('inlineStr') || t.includes('t="str"') || t.includes("t='str'"))) seen.inlineStrings = true
    if (text.includes('mergeCell') || edge.includes('mergeCell')) for (const m of (tail + text).matchAll(MERGE_CELL)) seen.merges.add(m[1]!)
  })
}
