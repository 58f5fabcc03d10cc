/**
 * The entry template of a round (src/excel/template.ts), from the sample set and round: sheet
 * order and visibility, exact Chinese headers, frozen and styled header rows, text format on
 * id/code columns, dropdowns (data validation) on the code columns fed by hidden list sheets that
 * show code｜name, and a 说明 sheet that explains the rules. Read back with the exceljs
 * (non-streaming) reader, as Excel would see it.
 */
import { createWriteStream, statSync } from 'node:fs'
import ExcelJS from 'exceljs'
import { afterAll, describe, expect, it } from 'vitest'
import { SHEETS } from '../../src/excel/layout.js'
import { writeTemplate } from '../../src/excel/template.js'
import { context, tempDir } from './helpers.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

async function template(rows?: number): Promise<ExcelJS.Workbook> {
  const file = tmp.file(`template-${rows ?? 'default'}.xlsx`)
  await writeTemplate(rows === undefined ? context : { ...context, rows }, file)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.readFile(file)
  return wb
}

type Validations = { model: Record<string, ExcelJS.DataValidation | undefined> }
const validationsOf = (ws: ExcelJS.Worksheet): Validations['model'] => (ws as unknown as { dataValidations: Validations }).dataValidations.model

describe('the entry template', () => {
  it('has 说明, the five data sheets with their exact headers, then hidden list sheets', async () => {
    const wb = await template(50)
    const names = wb.worksheets.map((ws) => ws.name)
    expect(names.slice(0, 6)).toEqual(['说明', '点位考察', '问题记录', '问卷得分', '计量数据', '材料审核'])
    expect(names.slice(6)).toEqual(['列表-单位', '列表-点位', '列表-点位类型', '列表-考察标准', '列表-计量标准', '列表-材料标准', '列表-测评方式'])
    for (const ws of wb.worksheets.slice(0, 6)) expect(ws.state, ws.name).toBe('visible')
    for (const ws of wb.worksheets.slice(6)) expect(ws.state, ws.name).toBe('hidden')

    const headers = (name: string): unknown[] => (wb.getWorksheet(name)!.getRow(1).values as unknown[]).slice(1)
    expect(headers('点位考察')).toEqual(['编号', '点位代码', '考察时间', '测评员', '备注', '纬度', '经度'])
    expect(headers('问题记录')).toEqual(['编号', '点位考察编号', '测评标准代码', '问题数量', '扣分', '问题描述', '测评员', '发现时间', '照片'])
    expect(headers('问卷得分')).toEqual(['单位代码', '测评方式代码', '得分'])
    expect(headers('计量数据')).toEqual(['单位代码', '测评标准代码', '数值'])
    expect(headers('材料审核')).toEqual(['单位代码', '测评标准代码', '得分', '说明'])
  })

  it('freezes and styles the header row, sizes the columns, and formats id and code columns as text', async () => {
    const wb = await template(50)
    for (const sheet of SHEETS) {
      const ws = wb.getWorksheet(sheet.name)!
      expect(ws.views[0], sheet.name).toMatchObject({ state: 'frozen', ySplit: 1 })
      sheet.columns.forEach((c, i) => {
        const header = ws.getRow(1).getCell(i + 1)
        expect(header.font?.bold, `${sheet.name} ${c.header}`).toBe(true)
        expect(header.fill).toMatchObject({ type: 'pattern', pattern: 'solid' })
        expect(header.note as string, `${sheet.name} ${c.header} note`).toMatch(c.required ? /^必填/ : /^选填/)
        expect(ws.getColumn(i + 1).width, `${sheet.name} ${c.header} width`).toBe(c.width)
        if (['id', 'ref', 'code'].includes(c.kind)) expect(ws.getColumn(i + 1).numFmt, `${sheet.name} ${c.header}`).toBe('@')
        if (c.kind === 'time') expect(ws.getColumn(i + 1).numFmt).toBe('yyyy-mm-dd hh:mm')
      })
    }
  })

  it('puts list dropdowns on the code columns, fed by the hidden list sheets', async () => {
    const wb = await template(50)
    const expectList = (sheet: string, column: string, range: string): void => {
      const model = validationsOf(wb.getWorksheet(sheet)!)
      for (const row of [2, 30, 51]) {
        const v = model[`${column}${row}`]
        expect(v, `${sheet}!${column}${row}`).toBeDefined()
        expect(v).toMatchObject({ type: 'list', allowBlank: true, showErrorMessage: true, formulae: [range] })
      }
      expect(model[`${column}52`], `${sheet}!${column}52 is past the dropdown rows`).toBeUndefined()
    }
    expectList('点位考察', 'B', "'列表-点位'!$A$2:$A$6")
    expectList('问题记录', 'C', "'列表-考察标准'!$A$2:$A$9")
    expectList('问卷得分', 'A', "'列表-单位'!$A$2:$A$5")
    expectList('问卷得分', 'B', "'列表-测评方式'!$A$2:$A$2")
    expectList('计量数据', 'A', "'列表-单位'!$A$2:$A$5")
    expectList('计量数据', 'B', "'列表-计量标准'!$A$2:$A$2")
    expectList('材料审核', 'A', "'列表-单位'!$A$2:$A$5")
    expectList('材料审核', 'B', "'列表-材料标准'!$A$2:$A$2")
    // No dropdown on free-text or id columns.
    expect(validationsOf(wb.getWorksheet('问题记录')!).B2).toBeUndefined()

    const rows = (name: string): unknown[][] => {
      const out: unknown[][] = []
      wb.getWorksheet(name)!.eachRow((r) => void out.push((r.values as unknown[]).slice(1)))
      return out
    }
    expect(rows('列表-单位')).toEqual([
      ['代码', '名称', '代码｜名称'],
      ['a', '甲区', 'a｜甲区'],
      ['b', '乙区', 'b｜乙区'],
      ['c', '丙区', 'c｜丙区'],
      ['d', '丁区', 'd｜丁区'],
    ])
    expect(rows('列表-点位')[1]).toEqual(['P1', '菱湖农贸市场', 'market｜农贸市场', 'a｜甲区', 'P1｜菱湖农贸市场'])
    expect(rows('列表-点位类型').map((r) => r[2])).toEqual(['代码｜名称', 'market｜农贸市场', 'road｜主次干道', 'alley｜背街小巷', 'bus-stop｜公交站台'])
    const visitStandards = rows('列表-考察标准').slice(1)
    expect(visitStandards.map((r) => r[0])).toEqual(['01-01-01', '01-01-02', '01-01-03', '01-02-01', '01-02-02', '02-01-01', '02-01-02', '03-01-01'])
    expect(visitStandards[0]).toEqual(['01-01-01', '摊位摆放整齐，无占道经营、店外经营', '扣分', '2', 'market｜农贸市场', '01-01-01｜摊位摆放整齐，无占道经营、店外经营'])
    expect(rows('列表-计量标准').slice(1).map((r) => r[0])).toEqual(['04-01-01'])
    expect(rows('列表-材料标准').slice(1).map((r) => r[0])).toEqual(['04-01-02'])
    expect(rows('列表-测评方式').slice(1)).toEqual([['survey', '问卷调查', 'survey｜问卷调查']])
  })

  it('gives dropdowns to 10,000 rows by default', async () => {
    const wb = await template()
    const model = validationsOf(wb.getWorksheet('点位考察')!)
    expect(model.B10001).toBeDefined()
    expect(model.B10002).toBeUndefined()
  })

  it('explains the rules, the columns and the codes in Chinese on the 说明 sheet', async () => {
    const wb = await template(50)
    const text: string[] = []
    wb.getWorksheet('说明')!.eachRow((r) => void text.push((r.values as unknown[]).slice(1).join(' ')))
    const all = text.join('\n')
    expect(text[0]).toBe('2026年第1次文明程度指数测评（2026-01）数据录入模板')
    for (const fragment of [
      '2026-01-01 至 2026-01-31',
      '江州市某某调查咨询有限公司',
      '2017-08-03 09:10',
      '北京时间',
      '“编号”可以留空',
      '测评轮次代码 + 工作表 + 该行内容',
      '同一文件重复导入得到相同编号',
      '#5',
      '全角',
      '不要使用公式',
      '不要合并单元格',
      '【问题记录】',
      '照片',
      'P1 菱湖农贸市场 market｜农贸市场',
      '01-01-01 摊位摆放整齐',
      '04-01-01',
    ])
      expect(all, fragment).toContain(fragment)
  })

  it('writes to a stream as well as to a path', async () => {
    const file = tmp.file('streamed.xlsx')
    await writeTemplate({ ...context, rows: 20 }, createWriteStream(file))
    expect(statSync(file).size).toBeGreaterThan(5000)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.readFile(file)
    expect(wb.getWorksheet('问题记录')).toBeDefined()
  })
})
