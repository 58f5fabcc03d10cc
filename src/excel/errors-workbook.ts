/**
 * A copy of a rejected workbook with its bad cells filled light red, each with a note giving the
 * reason, and a first sheet 错误清单 listing every issue (sheet, row, column, reason).
 *
 * This loads the whole workbook with the non-streaming exceljs reader, which is fine for the
 * files it is meant for (ones that failed, typically a few thousand rows) but not for huge ones:
 * above `maxBytes` (default 20 MB) the input is not loaded and the output holds only the
 * 错误清单 sheet. Issues the import produced (sheet/row/column) and validateRecords issues mapped
 * with `locate` both work; issues with an empty sheet (the whole file) are listed only.
 */
import { stat } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { ERRORS_SHEET, columnNumber } from './layout.js'

export interface MarkIssue {
  sheet: string
  row: number
  column: string
  message: string
}

export interface MarkOptions {
  /** Inputs larger than this get an error list without a marked copy (default 20 MB). */
  maxBytes?: number
  /** At most this many issues are marked and listed (default 10,000). */
  maxIssues?: number
}

export interface MarkResult {
  /** False when the input was too large to copy and only the 错误清单 sheet was written. */
  copied: boolean
  /** Cells that got a fill and a note. */
  marked: number
}

const ERROR_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } }

export async function markErrors(inputPath: string, issues: readonly MarkIssue[], outPath: string, options: MarkOptions = {}): Promise<MarkResult> {
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024
  const maxIssues = options.maxIssues ?? 10_000
  const listed = issues.slice(0, maxIssues)

  const size = (await stat(inputPath)).size
  const copied = size <= maxBytes
  const wb = new ExcelJS.Workbook()
  if (copied) {
    try {
      await wb.xlsx.readFile(inputPath)
    } catch (e) {
      throw new Error(`无法读取 Excel 文件 ${inputPath}：${e instanceof Error ? e.message : String(e)}`)
    }
  }

  // Notes per cell, several issues on one cell sharing one note.
  const reasons = new Map<string, { ws: ExcelJS.Worksheet; row: number; col: number; messages: string[] }>()
  if (copied)
    for (const issue of listed) {
      const col = columnNumber(issue.column)
      const ws = issue.sheet === '' ? undefined : wb.getWorksheet(issue.sheet)
      if (!ws || issue.row < 1 || col < 1) continue
      const key = `${ws.id}:${issue.row}:${col}`
      const entry = reasons.get(key) ?? { ws, row: issue.row, col, messages: [] }
      entry.messages.push(issue.message)
      reasons.set(key, entry)
    }
  for (const { ws, row, col, messages } of reasons.values()) {
    const cell = ws.getRow(row).getCell(col)
    // A fresh style object: cells read from a file share theirs with every cell of the same style.
    cell.style = { ...cell.style, fill: ERROR_FILL }
    const previous = typeof cell.note === 'string' ? cell.note : ''
    const text = messages.join('\n')
    cell.note = previous === '' ? text : `${previous}\n${text}`
  }

  const old = wb.getWorksheet(ERRORS_SHEET)
  if (old) wb.removeWorksheet(old.id)
  // exceljs orders sheets by their (untyped) orderNo: put the list before the first one.
  type Ordered = ExcelJS.Worksheet & { orderNo: number }
  const firstOrder = wb.worksheets.reduce((min, ws) => Math.min(min, (ws as Ordered).orderNo), 1)
  const list = wb.addWorksheet(ERRORS_SHEET, { views: [{ state: 'frozen', ySplit: 1 }], properties: { tabColor: { argb: 'FFC00000' } } })
  ;(list as Ordered).orderNo = firstOrder - 1
  list.columns = [
    { header: '工作表', width: 14 },
    { header: '行', width: 8 },
    { header: '列', width: 8 },
    { header: '原因', width: 80 },
  ]
  list.getRow(1).eachCell((cell) => {
    cell.font = { bold: true, color: { argb: 'FFFFFFFF' } }
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFC00000' } }
  })
  for (const issue of listed) list.addRow([issue.sheet === '' ? '（整个文件）' : issue.sheet, issue.row > 0 ? issue.row : null, issue.column === '' ? null : issue.column, issue.message])
  if (issues.length > listed.length) list.addRow([null, null, null, `另有 ${issues.length - listed.length} 个问题未列出`])
  if (!copied) list.addRow([null, null, null, `原文件较大（${Math.round(size / 1024 / 1024)} MB），没有生成标注副本，请按本清单修改原文件`])

  // Open on the error list.
  wb.views = [{ x: 0, y: 0, width: 20000, height: 12000, firstSheet: 0, activeTab: 0, visibility: 'visible' }]
  for (const ws of wb.worksheets) ws.views = (ws.views ?? []).map((v) => ({ ...v, tabSelected: ws === list }))
  await wb.xlsx.writeFile(outPath)
  return { copied, marked: reasons.size }
}
