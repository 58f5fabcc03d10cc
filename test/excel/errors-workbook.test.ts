/**
 * The marked copy of a rejected workbook (src/excel/errors-workbook.ts): issues from the import
 * and from validateRecords (mapped with locate) come back as light-red cells with a note giving
 * the reason, and a first sheet 错误清单 lists them all; the rest of the workbook (data, hidden
 * lists, dropdowns) is kept. Large inputs get the list only.
 */
import ExcelJS from 'exceljs'
import { afterAll, describe, expect, it } from 'vitest'
import { validateRecords } from '../../src/domain/records/validate.js'
import { markErrors, type MarkIssue } from '../../src/excel/errors-workbook.js'
import { readWorkbook } from '../../src/excel/import.js'
import { filledTemplate, recordContext, sampleData, sampleRows, tempDir } from './helpers.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

async function open(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.readFile(file)
  return wb
}

const listRows = (wb: ExcelJS.Workbook): unknown[][] => {
  const out: unknown[][] = []
  wb.getWorksheet('错误清单')!.eachRow((r) => void out.push((r.values as unknown[]).slice(1)))
  return out
}

describe('markErrors', () => {
  it('fills bad cells light red with a note, and lists every issue on a first 错误清单 sheet', async () => {
    const data = sampleData()
    data.findings[1]!.standard = '04-01-01'
    const input = await filledTemplate(tmp.file('bad.xlsx'), sampleRows(data), (wb) => {
      wb.getWorksheet('问卷得分')!.getCell('C3').value = { formula: '80+8.5', result: 88.5 }
    })
    const read = await readWorkbook(input)
    expect(read.issues).toHaveLength(1)
    // As the import service would: import issues, plus validator issues mapped to cells.
    const fixed = await readWorkbook(await filledTemplate(tmp.file('bad-no-formula.xlsx'), sampleRows(data)))
    const validation = validateRecords(fixed.data, recordContext()).issues.map((i): MarkIssue => ({ ...fixed.locate(i.path)!, message: i.message }))
    expect(validation).toHaveLength(1)
    const issues: MarkIssue[] = [...read.issues, ...validation, { sheet: '', row: 0, column: '', message: '整个文件的问题' }]

    const out = tmp.file('bad.errors.xlsx')
    const result = await markErrors(input, issues, out)
    expect(result).toEqual({ copied: true, marked: 2 })

    const wb = await open(out)
    expect(wb.worksheets[0]!.name).toBe('错误清单')
    expect(wb.worksheets.map((w) => w.name).slice(1, 7)).toEqual(['说明', '点位考察', '问题记录', '问卷得分', '计量数据', '材料审核'])
    expect(listRows(wb)).toEqual([
      ['工作表', '行', '列', '原因'],
      ['问卷得分', 3, 'C', '「得分」是公式单元格，公式不能导入，请复制后“选择性粘贴 → 数值”'],
      ['问题记录', 3, 'C', 'standard 04-01-01 is a measure standard, scored per unit, not from findings'],
      ['（整个文件）', undefined, undefined, '整个文件的问题'],
    ])

    const formula = wb.getWorksheet('问卷得分')!.getCell('C3')
    expect(formula.fill).toMatchObject({ type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFC7CE' } })
    expect(formula.note).toContain('公式单元格')
    expect(formula.formula).toBe('80+8.5') // the content itself is left alone
    const standard = wb.getWorksheet('问题记录')!.getCell('C3')
    expect(standard.fill).toMatchObject({ fgColor: { argb: 'FFFFC7CE' } })
    expect(standard.note).toContain('measure standard')
    expect(standard.value).toBe('04-01-01')
    // Untouched cells stay unmarked; the hidden lists and dropdowns survive.
    for (const address of ['C2', 'C4', 'B3', 'D3']) {
      const fill = wb.getWorksheet('问题记录')!.getCell(address).fill as { fgColor?: { argb?: string } } | undefined
      expect(fill?.fgColor?.argb, address).not.toBe('FFFFC7CE')
    }
    expect(wb.getWorksheet('列表-点位')!.state).toBe('hidden')
    const validations = (wb.getWorksheet('点位考察') as unknown as { dataValidations: { model: Record<string, unknown> } }).dataValidations.model
    expect(validations.B2).toMatchObject({ type: 'list' })
  })

  it('puts several reasons for one cell into one note, and marks header cells too', async () => {
    const input = await filledTemplate(tmp.file('header.xlsx'), sampleRows(), (wb) => {
      wb.getWorksheet('点位考察')!.getCell('C1').value = '考察日期'
    })
    const { issues } = await readWorkbook(input)
    const out = tmp.file('header.errors.xlsx')
    await markErrors(input, [...issues, { sheet: '点位考察', row: 1, column: 'C', message: '第二个原因' }], out)
    const cell = (await open(out)).getWorksheet('点位考察')!.getCell('C1')
    expect(cell.note).toBe('必填：Excel 日期时间，或文本 2017-08-03 09:10（北京时间）\n表头「考察日期」不对，C 列应为「考察时间」\n第二个原因')
    expect(cell.fill).toMatchObject({ fgColor: { argb: 'FFFFC7CE' } })
  })

  it('replaces the 错误清单 of a file that was marked before', async () => {
    const input = await filledTemplate(tmp.file('again.xlsx'), sampleRows())
    const once = tmp.file('again.1.xlsx')
    const twice = tmp.file('again.2.xlsx')
    await markErrors(input, [{ sheet: '点位考察', row: 2, column: 'B', message: '第一次' }], once)
    await markErrors(once, [{ sheet: '点位考察', row: 3, column: 'B', message: '第二次' }], twice)
    const wb = await open(twice)
    expect(wb.worksheets.filter((w) => w.name === '错误清单')).toHaveLength(1)
    expect(listRows(wb).slice(1)).toEqual([['点位考察', 3, 'B', '第二次']])
  })

  it('writes only the list for an input larger than maxBytes', async () => {
    const input = await filledTemplate(tmp.file('large.xlsx'), sampleRows())
    const out = tmp.file('large.errors.xlsx')
    const result = await markErrors(input, [{ sheet: '点位考察', row: 2, column: 'B', message: '原因' }], out, { maxBytes: 100 })
    expect(result).toEqual({ copied: false, marked: 0 })
    const wb = await open(out)
    expect(wb.worksheets.map((w) => w.name)).toEqual(['错误清单'])
    expect(listRows(wb)[1]).toEqual(['点位考察', 2, 'B', '原因'])
    expect(String(listRows(wb)[2]![3])).toContain('没有生成标注副本')
  })
})
