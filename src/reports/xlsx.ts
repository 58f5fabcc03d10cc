/**
 * The round's workbook (exceljs): one ranking sheet per group, 问题统计, 问题明细 (every
 * accepted finding), 资金划转 (the transfers and the withheld ones), 台账 (ledger with running
 * balance) and 说明 (what the workbook is, with the snapshot hash).
 *
 * Scores and money are numeric cells with a fixed format ('0.00', '#,##0.00'), so they sort and
 * sum in a spreadsheet; the published text is what the decimal strings say, and a value is
 * converted to a number only here, at the edge. Every other cell is written as a plain string
 * value: exceljs stores it as text, so a note or a name that starts with = + - @ is shown as
 * typed and never evaluated as a formula (no cell is ever written with `formula`). Text longer
 * than a cell holds is cut with a visible marker (cellText); sheet names come from sheetName,
 * whatever the group is called.
 */
import ExcelJS from 'exceljs'
import { dec } from '../domain/decimal.js'
import { noticeModel, type NoticeGroup, type NoticeModel } from './model.js'
import { cutUtf16, sheetName } from './sheet-name.js'
import type { ReportInput } from './snapshot.js'
import { sampleOf, sampleWords, standardErrorOf } from './credibility-words.js'
import { dateWords, displayWidth } from './words.js'

type CellValue = string | number | null

interface Column {
  header: string
  /** Number format for numeric cells. */
  numFmt?: string
  /** Minimum width in characters. */
  min?: number
  /** Maximum width in characters (long text wraps). */
  max?: number
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDE4EE' } }
const RED_FONT: Partial<ExcelJS.Font> = { color: { argb: 'FFC8161D' }, bold: true }
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin', color: { argb: 'FFBBBBBB' } },
  bottom: { style: 'thin', color: { argb: 'FFBBBBBB' } },
  left: { style: 'thin', color: { argb: 'FFBBBBBB' } },
  right: { style: 'thin', color: { argb: 'FFBBBBBB' } },
}

/** Published decimal text → number for a numeric cell; '—' or empty → empty cell. */
function num(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text === '' || text === '—') return null
  return dec(text).toNumber()
}

/** Excel keeps at most 32,767 characters in a cell (UTF-16 code units); longer text would be cut or refused by it. */
export const CELL_TEXT_MAX = 32_767
export const CUT_MARKER = '…（已截断，全文见 JSON 通报）'

/** Text for a cell: as is, or cut to Excel's limit with a visible marker (the JSON snapshot keeps it whole). */
export function cellText(text: string): string {
  return text.length <= CELL_TEXT_MAX ? text : `${cutUtf16(text, CELL_TEXT_MAX - CUT_MARKER.length)}${CUT_MARKER}`
}

const cellValue = (v: CellValue): CellValue => (typeof v === 'string' ? cellText(v) : v)

function addTable(
  wb: ExcelJS.Workbook,
  taken: Set<string>,
  title: string,
  columns: Column[],
  rows: CellValue[][],
  options: { freezeColumns?: number; style?: (row: ExcelJS.Row, index: number) => void; sheetSuffix?: string } = {},
): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(sheetName(title, taken, options.sheetSuffix), {
    views: [{ state: 'frozen', xSplit: options.freezeColumns ?? 0, ySplit: 1 }],
  })
  const header = ws.addRow(columns.map((c) => cellText(c.header)))
  header.font = { bold: true }
  header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true }
  header.eachCell((cell) => {
    cell.fill = HEADER_FILL
    cell.border = THIN
  })
  rows.forEach((values, index) => {
    const row = ws.addRow(values.map(cellValue))
    columns.forEach((c, i) => {
      const cell = row.getCell(i + 1)
      cell.border = THIN
      if (c.numFmt && typeof values[i] === 'number') cell.numFmt = c.numFmt
      if (c.max !== undefined) cell.alignment = { wrapText: true, vertical: 'top' }
    })
    options.style?.(row, index)
  })
  columns.forEach((c, i) => {
    const longest = Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(r[i] === null || r[i] === undefined ? '' : typeof r[i] === 'number' ? r[i].toFixed(2) : String(r[i]))))
    ws.getColumn(i + 1).width = Math.min(c.max ?? 60, Math.max(c.min ?? 6, longest + 2))
  })
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1 + rows.length, column: columns.length } }
  return ws
}

function rankingSheet(wb: ExcelJS.Workbook, taken: Set<string>, input: ReportInput, g: NoticeGroup): void {
  const result = input.snapshot.result.groups.find((x) => x.code === g.code)
  if (!result) return
  const components = input.snapshot.components
  const columns: Column[] = [
    { header: '名次', min: 5 },
    { header: '并列', min: 5 },
    { header: '单位代码', min: 8 },
    { header: '单位', min: 10 },
    { header: '总分', numFmt: '0.00', min: 8 },
    ...components.map((c): Column => ({ header: c.name, numFmt: '0.00', min: 9 })),
    { header: '问题数', min: 7 },
    { header: '考察点次', min: 8 },
    { header: '较上期', min: 8 },
    { header: '名次区间(90%)', min: 10 },
    { header: 'P(末位)', numFmt: '0.0%', min: 8 },
    { header: 'P(第一)', numFmt: '0.0%', min: 8 },
    { header: '总分90%区间', min: 12 },
    { header: '标准误', numFmt: '0.00', min: 7 },
    { header: '抽样情况', max: 60 },
    { header: '红黑榜', min: 7 },
    { header: '备注', max: 40 },
  ]
  const pointTypes = new Map((input.snapshot.pointTypes ?? []).map((t) => [t.code, t.name]))
  const typeName = (code: string): string => pointTypes.get(code) ?? code
  const listOf = new Map(g.rows.map((r) => [r.unit, r.list]))
  const changeIndex = g.columns.findIndex((c) => c.key === 'change')
  const rank90Index = g.columns.findIndex((c) => c.key === 'rank90')
  const rows: CellValue[][] = result.ranking.map((u, i) => {
    const list = listOf.get(u.unit) ?? null
    const cells = g.rows[i]?.cells ?? []
    return [
      u.rank,
      u.tied ? '并列' : '',
      u.unit,
      u.name,
      num(u.total),
      ...components.map((c) => num(u.components[c.code])),
      u.findings,
      u.visits,
      cells[changeIndex] ?? '',
      rank90Index >= 0 ? (cells[rank90Index] ?? '') : '',
      u.credibility ? num(u.credibility.pLast) : null,
      u.credibility ? num(u.credibility.pFirst) : null,
      u.credibility ? `${u.credibility.total90[0]}–${u.credibility.total90[1]}` : '',
      num(standardErrorOf(u.credibility)),
      sampleOf(u.credibility)
        .map((x) => sampleWords(x, typeName))
        .join('；'),
      list === 'red' ? '红榜' : list === 'black' ? '黑榜' : '',
      '',
    ]
  })
  for (const u of g.unranked) rows.push(['未参评', '', u.unit, u.name, null, ...components.map(() => null), null, null, '', '', null, null, '', null, '', '', u.reason])
  const unitColumn = 4
  addTable(wb, taken, g.name, columns, rows, {
    sheetSuffix: '排名',
    freezeColumns: unitColumn,
    style: (row, index) => {
      const list = result.ranking[index] ? listOf.get(result.ranking[index].unit) : null
      if (list === 'red') row.getCell(unitColumn).font = RED_FONT
      if (list === 'black') row.getCell(unitColumn).font = { bold: true }
    },
  })
}

function transferRows(m: NoticeModel): CellValue[][] {
  const rows: CellValue[][] = []
  for (const g of m.groups) {
    for (const t of g.transfers)
      for (const p of t.pairs) rows.push([g.name, t.rule + 1, p.payer, p.payerName, p.payee, p.payeeName, num(p.amount), '划拨', t.sentence])
    for (const w of g.withheld) rows.push([g.name, w.rule + 1, '', '', '', '', null, '不划拨', w.text])
  }
  return rows
}

export async function renderXlsx(input: ReportInput): Promise<Buffer> {
  const m = noticeModel(input)
  const s = input.snapshot
  const wb = new ExcelJS.Workbook()
  wb.creator = s.round.evaluator
  wb.lastModifiedBy = s.round.evaluator
  // Fixed dates: the same snapshot gives the same workbook content.
  wb.created = new Date(s.publishedAt)
  wb.modified = new Date(s.publishedAt)
  wb.title = m.title
  wb.subject = `${s.round.code} 第${s.revision}版`
  const taken = new Set<string>()

  addTable(
    wb,
    taken,
    '说明',
    [{ header: '项目', min: 14 }, { header: '内容', max: 90 }],
    [
      ['标题', m.title],
      ['轮次', `${s.round.code}（${s.round.name}）`],
      ['测评周期', `${dateWords(s.round.period.from)}至${dateWords(s.round.period.to)}`],
      ['测评机构', s.round.evaluator],
      ['测评体系', s.round.indicatorSet],
      ['版本', m.footer.revision],
      ...(s.reason ? [['更正原因', s.reason] as CellValue[]] : []),
      ['发布时间', s.publishedAt],
      ['发布快照SHA-256', input.hash],
      ['原始记录', `${s.inputs.records}条，摘要SHA-256：${s.inputs.digest}`],
      ['说明', '分数为四舍五入保留两位小数的发布值；金额单位为元。文本单元格一律按文本保存，不含公式。'],
      ...(m.credibilityMethod ? [['排名可信度的计算', m.credibilityMethod] as CellValue[]] : []),
      ...m.groups.flatMap((g): CellValue[][] => [
        ...(g.credibility.length > 0 ? [[`${g.name}排名可信度`, g.credibility.join('')]] : []),
        ...(g.settle ? [[`${g.name}补充考察建议`, g.settle]] : []),
      ]),
    ],
  )
  for (const g of m.groups) rankingSheet(wb, taken, input, g)

  addTable(
    wb,
    taken,
    '问题统计',
    [{ header: '组别' }, { header: '标准' }, { header: '问题描述', max: 50 }, { header: '所属指标' }, { header: '出现次数' }, { header: '涉及单位' }],
    m.groups.flatMap((g) => g.problems.map((p): CellValue[] => [g.name, p.standard, p.text, p.indicator, p.occurrences, p.units])),
  )
  addTable(
    wb,
    taken,
    '问题明细',
    [
      { header: '单位代码' },
      { header: '单位' },
      { header: '点位代码' },
      { header: '点位', max: 30 },
      { header: '点位类型' },
      { header: '标准' },
      { header: '标准内容', max: 40 },
      { header: '次数' },
      { header: '扣分', numFmt: '0.00' },
      { header: '问题描述', max: 40 },
      { header: '时间', min: 20 },
      { header: '测评员' },
      { header: '状态' },
    ],
    input.findings.map((f) => [f.unit, f.unitName, f.point, f.pointName, f.pointType, f.standard, f.standardText, f.count, num(f.deduction), f.note, f.at, f.evaluator, f.status]),
    { freezeColumns: 2 },
  )
  addTable(
    wb,
    taken,
    '资金划转',
    [
      { header: '组别' },
      { header: '规则' },
      { header: '付款单位代码' },
      { header: '付款单位' },
      { header: '收款单位代码' },
      { header: '收款单位' },
      { header: '金额（元）', numFmt: '#,##0.00', min: 12 },
      { header: '状态' },
      { header: '说明', max: 60 },
    ],
    transferRows(m),
  )
  addTable(
    wb,
    taken,
    '台账',
    [
      { header: '时间', min: 20 },
      { header: '轮次' },
      { header: '版本' },
      { header: '单位代码' },
      { header: '单位' },
      { header: '对方单位' },
      { header: '金额（元）', numFmt: '#,##0.00;[Red]-#,##0.00', min: 12 },
      { header: '余额（元）', numFmt: '#,##0.00;[Red]-#,##0.00', min: 12 },
      { header: '摘要', max: 50 },
    ],
    input.ledger.map((l) => [l.at, l.round, l.revision, l.unit, l.unitName, l.counterparty, num(l.amount), num(l.balance), l.memo]),
    { freezeColumns: 1 },
  )

  const out = await wb.xlsx.writeBuffer()
  return Buffer.from(out)
}
