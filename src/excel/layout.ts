/**
 * The layout of the Excel entry workbook (SPEC §6.1–§6.2), shared by the template writer, the
 * streaming import and the error marker: one sheet per record kind, with fixed Chinese headers
 * in a fixed order, each column mapped to a field of src/domain/records/validate.ts.
 */

export type RecordKind = 'visits' | 'findings' | 'externalScores' | 'measures' | 'directScores'

export const RECORD_KINDS: readonly RecordKind[] = ['visits', 'findings', 'externalScores', 'measures', 'directScores']

/**
 * How a column's cells are read:
 * - id: a UUID; full-width characters folded to ASCII; empty → a deterministic UUID
 * - ref: the id of a visit, or `#n` (row n of 点位考察) for a visit whose id was left empty
 * - code: a code from a dropdown; full-width folded; `code｜name` is cut to `code`
 * - text: free text, trimmed only
 * - decimal: a number, kept as its decimal text
 * - count: a whole number, returned as a JSON number
 * - time: an Excel date-time, a date serial or text; returned as ISO 8601 with +08:00
 * - photos: SHA-256 hashes separated by commas, semicolons or white space
 */
export type ColumnKind = 'id' | 'ref' | 'code' | 'text' | 'decimal' | 'count' | 'time' | 'photos'

export interface ColumnDef {
  header: string
  field: string
  kind: ColumnKind
  required: boolean
  width: number
  /** One line for the header's note and the 说明 sheet. */
  hint: string
}

export interface SheetDef {
  kind: RecordKind
  name: string
  purpose: string
  columns: ColumnDef[]
}

const col = (header: string, field: string, kind: ColumnKind, required: boolean, width: number, hint: string): ColumnDef => ({ header, field, kind, required, width, hint })

export const SHEETS: readonly SheetDef[] = [
  {
    kind: 'visits',
    name: '点位考察',
    purpose: '每次到点位实地考察填一行（即使没有发现问题，也要登记考察，否则该点位不计入应考察数）。',
    columns: [
      col('编号', 'id', 'id', false, 40, 'UUID；可留空，导入时按内容生成固定编号'),
      col('点位代码', 'point', 'code', true, 14, '从下拉列表选择点位代码'),
      col('考察时间', 'at', 'time', true, 20, 'Excel 日期时间，或文本 2017-08-03 09:10（北京时间）'),
      col('测评员', 'evaluator', 'text', false, 12, '测评员姓名或工号'),
      col('备注', 'note', 'text', false, 30, '选填'),
      col('纬度', 'lat', 'decimal', false, 12, '选填，小数，如 30.5123'),
      col('经度', 'lng', 'decimal', false, 12, '选填，小数，如 117.0456'),
    ],
  },
  {
    kind: 'findings',
    name: '问题记录',
    purpose: '考察中发现的每一处问题填一行，通过“点位考察编号”挂在某次考察下。',
    columns: [
      col('编号', 'id', 'id', false, 40, 'UUID；可留空，导入时按内容生成固定编号'),
      col('点位考察编号', 'visit', 'ref', true, 40, '所属考察的编号；该考察编号留空时填 #行号，如 #5'),
      col('测评标准代码', 'standard', 'code', true, 16, '从下拉列表选择（只列实地考察类标准）'),
      col('问题数量', 'count', 'count', false, 10, '整数，留空为 1'),
      col('扣分', 'deduction', 'decimal', false, 10, '选填；留空按测评标准自动计算'),
      col('问题描述', 'note', 'text', false, 30, '如：占道经营'),
      col('测评员', 'evaluator', 'text', false, 12, '选填'),
      col('发现时间', 'at', 'time', false, 20, '选填；格式同考察时间'),
      col('照片', 'photos', 'photos', false, 40, '已上传照片的 SHA-256，多个用逗号、分号或空格分隔'),
    ],
  },
  {
    kind: 'externalScores',
    name: '问卷得分',
    purpose: '第三方提供的外部测评得分（如问卷调查），每个单位每种测评方式一行。',
    columns: [
      col('单位代码', 'unit', 'code', true, 14, '从下拉列表选择单位代码'),
      col('测评方式代码', 'component', 'code', true, 16, '从下拉列表选择（只列外部提供得分的测评方式）'),
      col('得分', 'value', 'decimal', true, 10, '0–100，最多 4 位小数'),
    ],
  },
  {
    kind: 'measures',
    name: '计量数据',
    purpose: '计量类测评标准的原始数值（如投诉件数），每个单位每条标准一行，系统按标准换算得分。',
    columns: [
      col('单位代码', 'unit', 'code', true, 14, '从下拉列表选择单位代码'),
      col('测评标准代码', 'standard', 'code', true, 16, '从下拉列表选择（只列计量类标准）'),
      col('数值', 'value', 'decimal', true, 10, '不小于 0 的数'),
    ],
  },
  {
    kind: 'directScores',
    name: '材料审核',
    purpose: '材料审核类测评标准直接给分，每个单位每条标准一行。',
    columns: [
      col('单位代码', 'unit', 'code', true, 14, '从下拉列表选择单位代码'),
      col('测评标准代码', 'standard', 'code', true, 16, '从下拉列表选择（只列材料审核类标准）'),
      col('得分', 'value', 'decimal', true, 10, '0 到该标准的分值'),
      col('说明', 'note', 'text', false, 30, '选填，如扣分理由'),
    ],
  },
]

export const SHEET_BY_KIND: ReadonlyMap<RecordKind, SheetDef> = new Map(SHEETS.map((s) => [s.kind, s]))
export const SHEET_BY_NAME: ReadonlyMap<string, SheetDef> = new Map(SHEETS.map((s) => [s.name, s]))

export const INSTRUCTIONS_SHEET = '说明'
export const ERRORS_SHEET = '错误清单'

/** 1 → A, 27 → AA. */
export function columnLetter(n: number): string {
  let s = ''
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s
  return s
}

/** A → 1, AA → 27; 0 for anything else. */
export function columnNumber(letters: string): number {
  if (!/^[A-Z]{1,3}$/.test(letters)) return 0
  let n = 0
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64)
  return n
}
