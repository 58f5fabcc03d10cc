/**
 * Row-by-row reading of an .xlsx file with the exceljs streaming reader, made dependable.
 *
 * Why not just `new ExcelJS.stream.xlsx.WorkbookReader(file)`: its single pass over the zip
 * loses the last entries now and then on Node ≥ 18 (exceljs issue #3064, reproduced here on files
 * written by exceljs itself, whose xl/workbook.xml comes last: "Cannot read properties of
 * undefined (reading 'sheets')"). So the zip is opened through its central directory (unzipper,
 * the library exceljs itself uses), the workbook parts (relationships, workbook.xml with sheet
 * names and visibility, shared strings, styles) are parsed first with the WorkbookReader's own
 * parsers, and then each wanted worksheet is streamed through exceljs's WorksheetReader. Sheets
 * nobody asks for are never decompressed, and no sheet goes through a temporary file.
 *
 * Also: <mergeCells> (ignored by the exceljs streaming reader) are picked out of the raw sheet
 * XML as it streams by; every file stream opened is closed at the end, whatever happened.
 */
import { closeSync, createReadStream, openSync, readSync, type ReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Readable } from 'node:stream'
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
const unzipper = createRequire(require.resolve('exceljs'))('unzipper') as Unzipper

export interface StreamRow {
  number: number
  getCell(col: number): { value: unknown }
}
interface WorksheetReader extends AsyncIterable<StreamRow> {
  name?: string
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
  _parseWorksheet(iterator: AsyncIterable<Buffer | string>, sheetNo: string): Iterator<{ eventType: string; value: WorksheetReader }>
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
   * Whether the sheet XML seen so far holds inline strings. Their text is a slice of a 64 KB
   * chunk of XML, which stays in memory as long as the slice does: copy what you keep.
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
  private readonly strings: unknown[] = []

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
    return this.strings[index]
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
    // Parsed strings are slices of the XML text: kept as flat copies, that text can go at once
    // (a third less memory than exceljs's own cache, and no peak while both exist).
    if (strings)
      for await (const { index, text } of this.reader._parseSharedStrings(strings)) this.strings[index] = typeof text === 'string' ? copyString(text) : text
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

  /** Streams the rows of the sheet at `index` of `sheets`; null when its part is missing. */
  openSheet(index: number): OpenedSheet | null {
    const sheet = this.sheetParts[index]
    const entry = sheet?.part ? this.entries.get(sheet.part) : undefined
    if (!sheet || !entry) return null
    const stream = entry.stream()
    this.opened.push(stream)
    const seen = { merges: new Set<string>(), inlineStrings: false }
    const sheetNo = /sheet(\d+)\.xml$/.exec(sheet.part ?? '')?.[1] ?? String(index + 1)
    const made = this.reader._parseWorksheet(tapSheet(stream, seen), sheetNo).next()
    if (made.done) return null
    const rows = made.value.value
    return {
      rows,
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

/** A flat copy of a string that may be a slice of (and so keep alive) a much larger one. */
export function copyString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8')
}

/**
 * Passes the raw sheet XML through, noting <mergeCell ref="…"> (they follow the rows) and
 * whether inline strings occur. The chunk is looked at before the XML parser gets it, so the
 * flag is set before the rows of that chunk come out. Reads with destroyOnReturn off, so
 * stopping early leaves the stream to close().
 */
async function* tapSheet(source: Readable, seen: { merges: Set<string>; inlineStrings: boolean }): AsyncGenerator<Buffer | string> {
  let tail = Buffer.alloc(0)
  const pattern = /<(?:[A-Za-z]\w*:)?mergeCell\b[^>]*?\bref\s*=\s*["']([A-Z]+\d+(?::[A-Z]+\d+)?)["']/g
  for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    const joined = tail.length > 0 ? Buffer.concat([tail, buf]) : buf
    // Inline strings: t="inlineStr" (Excel, LibreOffice) or t="str" (exceljs without shared strings).
    if (!seen.inlineStrings && (joined.includes('inlineStr') || joined.includes('t="str"') || joined.includes("t='str'"))) seen.inlineStrings = true
    if (joined.includes('mergeCell')) {
      const text = joined.toString('latin1')
      for (const m of text.matchAll(pattern)) seen.merges.add(m[1]!)
    }
    tail = Buffer.from(joined.subarray(Math.max(0, joined.length - 512)))
    yield chunk
  }
}
