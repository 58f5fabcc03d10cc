/**
 * The data-entry template of a round (SPEC §6.2): a 说明 sheet in Chinese, one sheet per record
 * kind with the fixed headers of ./layout.ts, and hidden list sheets that feed the dropdowns
 * (data validation) of the code columns. Dropdowns offer codes; the list sheets and the 说明
 * sheet show each code with its name (`code｜name`).
 */
import type { Stream } from 'node:stream'
import { finished } from 'node:stream/promises'
import ExcelJS from 'exceljs'
import type { IndicatorSet } from '../domain/indicator-set/model.js'
import { standardsOf } from '../domain/indicator-set/model.js'
import type { RoundDefinition } from '../domain/round/validate.js'
import { INSTRUCTIONS_SHEET, SHEETS, SHEET_BY_KIND, columnLetter, type ColumnDef, type RecordKind } from './layout.js'

export interface TemplateContext {
  round: { code: string; name: string; period: { from: string; to: string }; evaluator: string }
  units: { code: string; name: string }[]
  points: { code: string; name: string; type: string; unit: string }[]
  pointTypes: { code: string; name: string }[]
  components: { code: string; name: string; source: string }[]
  /** kind: deduct | check | gate | measure | direct */
  standards: { code: string; text: string; kind: string; points: string; pointTypes: string[] }[]
  /** Data rows (from row 2) that get dropdowns; default 10,000. */
  rows?: number
}

/** The template context of a validated round and its indicator set. */
export function templateContext(set: IndicatorSet, round: RoundDefinition): TemplateContext {
  return {
    round: { code: round.code, name: round.name, period: round.period, evaluator: round.evaluator },
    units: round.groups.flatMap((g) => g.units.map((u) => ({ code: u.code, name: u.name }))),
    points: round.points.map((p) => ({ code: p.code, name: p.name, type: p.type, unit: p.unit })),
    pointTypes: set.pointTypes.map((p) => ({ code: p.code, name: p.name })),
    components: set.components.map((c) => ({ code: c.code, name: c.name, source: c.source })),
    standards: standardsOf(set).map((s) => ({ code: s.code, text: s.text, kind: s.rule.kind, points: s.points, pointTypes: s.pointTypes })),
  }
}

const KIND_NAMES: Record<string, string> = {
  deduct: '扣分',
  check: '符合/不符合',
  gate: '不得分项',
  measure: '计量',
  direct: '材料审核打分',
}
const VISIT_KINDS = new Set(['deduct', 'check', 'gate'])

const HEADER_REQUIRED = 'FF1F4E79'
const HEADER_OPTIONAL = 'FF5B7DB1'
const THIN = { style: 'thin' as const, color: { argb: 'FFBFBFBF' } }

/** A list sheet: hidden, its first column feeds a dropdown. Returns the range of that column. */
function addList(wb: ExcelJS.Workbook, name: string, headers: string[], widths: number[], rows: string[][]): string | null {
  const ws = wb.addWorksheet(name, { state: 'hidden', views: [{ state: 'frozen', ySplit: 1 }] })
  ws.columns = headers.map((header, i) => ({ header, width: widths[i] ?? 14, style: { numFmt: '@' } }))
  ws.getRow(1).font = { bold: true }
  for (const r of rows) ws.addRow(r)
  return rows.length === 0 ? null : `'${name}'!$A$2:$A$${rows.length + 1}`
}

function styleHeader(cell: ExcelJS.Cell, required: boolean): void {
  cell.font = { bold: true, color: { argb: 'FFFFFFFF' } }
  cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: required ? HEADER_REQUIRED : HEADER_OPTIONAL } }
  cell.alignment = { vertical: 'middle', horizontal: 'center' }
  cell.border = { top: THIN, left: THIN, bottom: THIN, right: THIN }
}

function numFmtOf(column: ColumnDef): string | undefined {
  switch (column.kind) {
    case 'id':
    case 'ref':
    case 'code':
    case 'text':
    case 'photos':
      return '@'
    case 'time':
      return 'yyyy-mm-dd hh:mm'
    default:
      return undefined
  }
}

export async function writeTemplate(ctx: TemplateContext, out: string | NodeJS.WritableStream): Promise<void> {
  const wb = buildTemplate(ctx)
  if (typeof out === 'string') {
    await wb.xlsx.writeFile(out)
    return
  }
  const done = finished(out)
  await wb.xlsx.write(out as unknown as NodeJS.WritableStream & Stream)
  await done
}

/** The template workbook, for callers that want to add to it before writing. */
export function buildTemplate(ctx: TemplateContext): ExcelJS.Workbook {
  const rows = Math.max(1, ctx.rows ?? 10_000)
  const wb = new ExcelJS.Workbook()
  wb.creator = 'civindex'
  wb.title = `${ctx.round.name} 数据录入模板`
  wb.views = [{ x: 0, y: 0, width: 20000, height: 12000, firstSheet: 0, activeTab: 0, visibility: 'visible' }]

  const unitName = new Map(ctx.units.map((u) => [u.code, u.name]))
  const typeName = new Map(ctx.pointTypes.map((t) => [t.code, t.name]))
  const external = ctx.components.filter((c) => c.source === 'external')
  const visitStandards = ctx.standards.filter((s) => VISIT_KINDS.has(s.kind))
  const measureStandards = ctx.standards.filter((s) => s.kind === 'measure')
  const directStandards = ctx.standards.filter((s) => s.kind === 'direct')

  writeInstructions(wb.addWorksheet(INSTRUCTIONS_SHEET), ctx, rows)

  // Data sheets first (so they follow 说明), lists after.
  const dataSheets = new Map<RecordKind, ExcelJS.Worksheet>()
  for (const sheet of SHEETS) {
    const ws = wb.addWorksheet(sheet.name, { views: [{ state: 'frozen', ySplit: 1 }] })
    ws.columns = sheet.columns.map((c) => {
      const numFmt = numFmtOf(c)
      return { header: c.header, key: c.field, width: c.width, ...(numFmt ? { style: { numFmt } } : {}) }
    })
    const header = ws.getRow(1)
    header.height = 22
    sheet.columns.forEach((c, i) => {
      const cell = header.getCell(i + 1)
      styleHeader(cell, c.required)
      cell.numFmt = '@'
      cell.note = `${c.required ? '必填' : '选填'}：${c.hint}`
    })
    dataSheets.set(sheet.kind, ws)
  }

  const standardRow = (s: TemplateContext['standards'][number]): string[] => [
    s.code,
    s.text,
    KIND_NAMES[s.kind] ?? s.kind,
    s.points,
    s.pointTypes.map((t) => `${t}｜${typeName.get(t) ?? t}`).join('、'),
    `${s.code}｜${s.text}`,
  ]
  const standardHeaders = ['代码', '内容', '计分方式', '分值', '适用点位类型', '代码｜内容']
  const standardWidths = [12, 50, 12, 8, 30, 60]
  const lists = {
    unit: addList(wb, '列表-单位', ['代码', '名称', '代码｜名称'], [14, 20, 30], ctx.units.map((u) => [u.code, u.name, `${u.code}｜${u.name}`])),
    point: addList(
      wb,
      '列表-点位',
      ['代码', '名称', '点位类型', '单位', '代码｜名称'],
      [14, 24, 20, 20, 36],
      ctx.points.map((p) => [p.code, p.name, `${p.type}｜${typeName.get(p.type) ?? p.type}`, `${p.unit}｜${unitName.get(p.unit) ?? p.unit}`, `${p.code}｜${p.name}`]),
    ),
    pointType: addList(wb, '列表-点位类型', ['代码', '名称', '代码｜名称'], [14, 20, 30], ctx.pointTypes.map((t) => [t.code, t.name, `${t.code}｜${t.name}`])),
    visitStandard: addList(wb, '列表-考察标准', standardHeaders, standardWidths, visitStandards.map(standardRow)),
    measureStandard: addList(wb, '列表-计量标准', standardHeaders, standardWidths, measureStandards.map(standardRow)),
    directStandard: addList(wb, '列表-材料标准', standardHeaders, standardWidths, directStandards.map(standardRow)),
    component: addList(wb, '列表-测评方式', ['代码', '名称', '代码｜名称'], [14, 20, 30], external.map((c) => [c.code, c.name, `${c.code}｜${c.name}`])),
  }

  const dropdown = (kind: RecordKind, field: string, range: string | null, what: string): void => {
    if (range === null) return
    const sheet = SHEET_BY_KIND.get(kind)!
    const index = sheet.columns.findIndex((c) => c.field === field)
    const letter = columnLetter(index + 1)
    // Range-addressed validation (exceljs has it, its typings do not).
    ;(dataSheets.get(kind) as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations.add(`${letter}2:${letter}${rows + 1}`, {
      type: 'list',
      allowBlank: true,
      formulae: [range],
      showInputMessage: true,
      promptTitle: sheet.columns[index]!.header,
      prompt: `请从下拉列表选择${what}；代码与名称的对照见“说明”工作表`,
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: '不在列表中',
      error: `请从下拉列表选择${what}`,
    })
  }
  dropdown('visits', 'point', lists.point, '点位代码')
  dropdown('findings', 'standard', lists.visitStandard, '实地考察类测评标准代码')
  dropdown('externalScores', 'unit', lists.unit, '单位代码')
  dropdown('externalScores', 'component', lists.component, '测评方式代码')
  dropdown('measures', 'unit', lists.unit, '单位代码')
  dropdown('measures', 'standard', lists.measureStandard, '计量类测评标准代码')
  dropdown('directScores', 'unit', lists.unit, '单位代码')
  dropdown('directScores', 'standard', lists.directStandard, '材料审核类测评标准代码')
  void lists.pointType
  return wb
}

function writeInstructions(ws: ExcelJS.Worksheet, ctx: TemplateContext, rows: number): void {
  ws.columns = [{ width: 18 }, { width: 40 }, { width: 14 }, { width: 10 }, { width: 30 }]
  const line = (values: string[], style: 'title' | 'section' | 'table-header' | 'plain' = 'plain'): void => {
    const row = ws.addRow(values)
    if (style === 'title') row.font = { bold: true, size: 14 }
    if (style === 'section') row.font = { bold: true, size: 12, color: { argb: 'FF1F4E79' } }
    if (style === 'table-header')
      values.forEach((_, i) => {
        const cell = row.getCell(i + 1)
        cell.font = { bold: true }
        cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } }
        cell.border = { bottom: THIN }
      })
  }
  const blank = (): void => void ws.addRow([])
  const { round } = ctx

  line([`${round.name}（${round.code}）数据录入模板`], 'title')
  line([`测评周期：${round.period.from} 至 ${round.period.to}\u3000\u3000测评机构：${round.evaluator}`])
  blank()
  line(['填写规则'], 'section')
  const rules = [
    '1. 本文件用于一次性导入本轮测评的实地考察、问题记录、问卷得分、计量数据和材料审核得分，每类数据填在同名工作表中；不用的工作表留空即可，不要删除或改名。',
    '2. 每个工作表第 1 行是表头，不能修改、删除或调整顺序；从第 2 行起每行一条记录，空行会被忽略。深蓝色表头为必填列，浅蓝色为选填列。',
    '3. 代码列（点位代码、测评标准代码、单位代码、测评方式代码）请从下拉列表选择；代码与名称的对照见本页下方。',
    '4. 时间：可填 Excel 日期时间，也可填文本 2017-08-03 09:10（或 2017/8/3 9:10、2017-08-03T09:10:00+08:00），一律按北京时间理解；只填日期视为当天 0:00。',
    '5. 编号为 UUID（如 3f2b8c1e-6a4d-4e0b-9c7a-1d2e3f4a5b6c），由录入系统或手机端生成。点位考察和问题记录的“编号”可以留空：导入时按“测评轮次代码 + 工作表 + 该行内容”生成固定的 UUID，同一文件重复导入得到相同编号，不会重复计数；但改动该行任何内容后再导入，会被当作一条新记录，需要日后修改的记录请填写编号。',
    '6. 问题记录的“点位考察编号”填所属考察的编号；若该考察的编号留空，可填 #行号（如 #5 表示“点位考察”表第 5 行的考察）。',
    '7. 数字、字母和标点可以是全角（如 ３．５），导入时自动转为半角；单元格首尾的空格（含全角空格）会被去掉。',
    '8. 不要使用公式（请复制后“选择性粘贴 → 数值”），不要合并单元格；含公式或合并单元格的行无法导入。',
    '9. 导入是整体的：任何一行有错，整个文件都不导入，所有错误会一并列出（工作表、行、列、原因），并可导出一份把出错单元格标红、附批注的副本。',
    `10. 下拉列表预设到第 ${rows + 1} 行；更多行可复制已有单元格，或直接填写代码。`,
  ]
  for (const r of rules) line([r])
  blank()

  line(['各工作表的列'], 'section')
  for (const sheet of SHEETS) {
    line([`【${sheet.name}】`, sheet.purpose], 'plain')
    ws.lastRow!.getCell(1).font = { bold: true }
    line(['列', '说明'], 'table-header')
    for (const c of sheet.columns) line([c.header, `${c.required ? '必填' : '选填'}：${c.hint}`])
    blank()
  }

  const table = (title: string, headers: string[], body: string[][]): void => {
    line([title], 'section')
    line(headers, 'table-header')
    for (const r of body) line(r)
    if (body.length === 0) line(['（无）'])
    blank()
  }
  const typeName = new Map(ctx.pointTypes.map((t) => [t.code, t.name]))
  const unitName = new Map(ctx.units.map((u) => [u.code, u.name]))
  table('单位', ['代码', '名称'], ctx.units.map((u) => [u.code, u.name]))
  table(
    '点位',
    ['代码', '名称', '点位类型', '', '单位'],
    ctx.points.map((p) => [p.code, p.name, `${p.type}｜${typeName.get(p.type) ?? p.type}`, '', `${p.unit}｜${unitName.get(p.unit) ?? p.unit}`]),
  )
  table('点位类型', ['代码', '名称'], ctx.pointTypes.map((t) => [t.code, t.name]))
  table(
    '测评方式',
    ['代码', '名称', '得分来源'],
    ctx.components.map((c) => [c.code, c.name, c.source === 'external' ? '外部提供（问卷得分表）' : '由测评标准计算']),
  )
  table(
    '测评标准',
    ['代码', '内容', '计分方式', '分值', '适用点位类型 / 填写位置'],
    ctx.standards.map((s) => [
      s.code,
      s.text,
      KIND_NAMES[s.kind] ?? s.kind,
      s.points,
      VISIT_KINDS.has(s.kind) ? s.pointTypes.map((t) => typeName.get(t) ?? t).join('、') : s.kind === 'measure' ? '计量数据表' : '材料审核表',
    ]),
  )
  // Codes as text so that 01-01-01 is never shown as a date.
  ws.getColumn(1).numFmt = '@'
  ws.getColumn(2).alignment = { wrapText: false, vertical: 'top' }
}
