/** The workbook read back with exceljs, as a spreadsheet user (or an importer) would see it. */
import ExcelJS from 'exceljs'
import { beforeAll, describe, expect, it } from 'vitest'
import { sheetName } from '../../src/reports/sheet-name.js'
import { renderXlsx } from '../../src/reports/xlsx.js'
import { sampleInput, withHostileText } from './sample-input.js'

const input = withHostileText(sampleInput())
let wb: ExcelJS.Workbook

beforeAll(async () => {
  wb = new ExcelJS.Workbook()
  // exceljs' load() is typed for its own Buffer interface.
  await wb.xlsx.load((await renderXlsx(input)) as unknown as ArrayBuffer)
})

function sheet(name: string): ExcelJS.Worksheet {
  const ws = wb.getWorksheet(name)
  if (!ws) throw new Error(`no sheet ${name}; have ${wb.worksheets.map((w) => w.name).join(', ')}`)
  return ws
}

function cells(ws: ExcelJS.Worksheet): ExcelJS.Cell[] {
  const out: ExcelJS.Cell[] = []
  ws.eachRow((row) => row.eachCell((cell) => void out.push(cell)))
  return out
}

function header(ws: ExcelJS.Worksheet): string[] {
  const values: string[] = []
  ws.getRow(1).eachCell((c) => void values.push(c.text))
  return values
}

describe('XLSX workbook', () => {
  it('has a ranking sheet per group and the detail sheets', () => {
    expect(wb.worksheets.map((w) => w.name)).toEqual(['说明', '县区排名', '街道排名', '市直部门排名', '问题统计', '问题明细', '资金划转', '台账'])
  })

  it('keeps formula-like text as text, never as a formula', () => {
    const all = wb.worksheets.flatMap(cells)
    expect(all.filter((c) => c.type === ExcelJS.ValueType.Formula)).toEqual([])
    for (const text of ['=HYPERLINK("http://x")', '@SUM(A1:A9)', '-2+3 <img src=x onerror=alert(1)>']) {
      const found = cells(sheet('问题明细')).find((c) => c.value === text)
      expect(found, text).toBeDefined()
      expect(found!.type).toBe(ExcelJS.ValueType.String)
      expect(found!.formula).toBeUndefined()
    }
    const plus = input.snapshot.result.groups[0]!.ranking[1]!.name
    expect(plus.startsWith('+')).toBe(true)
    const name = cells(sheet('县区排名')).find((c) => c.value === plus)
    expect(name?.type).toBe(ExcelJS.ValueType.String)
    expect(cells(sheet('问题明细')).some((c) => c.value === plus && c.type === ExcelJS.ValueType.String)).toBe(true)
  })

  it('writes scores as numbers with two decimals, ranks and ties, lists and the unranked unit', () => {
    const ws = sheet('县区排名')
    expect(header(ws)).toEqual(['名次', '并列', '单位代码', '单位', '总分', '实地考察', '问卷调查', '材料审核', '问题数', '考察点次', '较上期', '名次区间(90%)', 'P(末位)', 'P(第一)', '总分90%区间', '标准误', '抽样情况', '红黑榜', '备注'])
    const ranking = input.snapshot.result.groups[0]!.ranking
    ranking.forEach((u, i) => {
      const row = ws.getRow(i + 2)
      expect(row.getCell(1).value).toBe(u.rank)
      expect(row.getCell(3).value).toBe(u.unit)
      const total = row.getCell(5)
      expect(total.type).toBe(ExcelJS.ValueType.Number)
      expect((total.value as number).toFixed(2)).toBe(u.total)
      expect(total.numFmt).toBe('0.00')
    })
    expect(ws.getRow(10).getCell(2).value).toBe('并列')
    expect(ws.getRow(2).getCell(18).value).toBe('红榜')
    expect(ws.getRow(11).getCell(18).value).toBe('黑榜')
    expect(ws.getRow(11).getCell(13).numFmt).toBe('0.0%')
    const dept = sheet('市直部门排名')
    const last = dept.getRow(dept.rowCount)
    expect(last.getCell(1).value).toBe('未参评')
    expect(last.getCell(19).value).toBe('缺少问卷调查得分，不参与排名')
  })

  it('gives each unit its total interval, standard error and what was sampled', () => {
    const ws = sheet('县区排名')
    const first = input.snapshot.result.groups[0]!.ranking[0]!
    const row = ws.getRow(2)
    expect(row.getCell(15).value).toBe(`${first.credibility!.total90[0]}–${first.credibility!.total90[1]}`)
    expect(row.getCell(16).type).toBe(ExcelJS.ValueType.Number)
    expect((row.getCell(16).value as number).toFixed(2)).toBe(first.credibility!.standardError)
    const market = first.credibility!.sample.find((x) => x.pointType === 'market')!
    expect(row.getCell(17).text).toContain(`农贸市场${market.points}/${market.registered}个点位、${market.visits}次`)
    // The departments' 社区 registry is unknown: the points visited only.
    expect(sheet('市直部门排名').getRow(2).getCell(17).text).toMatch(/社区\d+个点位、\d+次/)
  })

  it('carries the credibility sentences and the settle plan on the 说明 sheet', () => {
    const rows = new Map<string, string>()
    sheet('说明').eachRow((row) => void rows.set(row.getCell(1).text, row.getCell(2).text))
    expect(rows.get('排名可信度的计算')).toContain('两层抽样')
    expect(rows.get('街道排名可信度')).toContain('小于本次测评精度（1.20分），视为并列')
    expect(rows.get('街道补充考察建议')).toMatch(/^末位尚未确定：.*预计完成后确定末位的把握为93\.4%，可达到90%的要求。$/)
    expect(rows.has('市直部门补充考察建议')).toBe(false)
  })

  it('freezes the header row and the unit columns, and sizes columns for Chinese text', () => {
    const ws = sheet('县区排名')
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1, xSplit: 4 })
    expect(ws.getColumn(4).width).toBeGreaterThanOrEqual(10)
    expect(sheet('问题明细').views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect(ws.getRow(1).font?.bold).toBe(true)
  })

  it('lists every finding', () => {
    expect(sheet('问题明细').rowCount).toBe(input.findings.length + 1)
    const deduction = sheet('问题明细').getRow(2).getCell(9)
    expect(deduction.type).toBe(ExcelJS.ValueType.Number)
  })

  it('lists each transfer pair with its amount and the withheld rule with its reason', () => {
    const ws = sheet('资金划转')
    const rows: unknown[][] = []
    ws.eachRow((row, n) => {
      if (n > 1) rows.push((row.values as unknown[]).slice(1))
    })
    const pairs = input.snapshot.result.groups.flatMap((g) => g.transfers)
    const paid = rows.filter((r) => r[7] === '划拨')
    expect(paid).toHaveLength(pairs.length)
    expect(paid.reduce((sum: number, r) => sum + (r[6] as number), 0)).toBe(500000)
    const withheld = rows.find((r) => r[7] === '不划拨')!
    expect(withheld[0]).toBe('街道')
    expect(String(withheld[8])).toContain('排名末位的概率为62.0%')
  })

  it('keeps the ledger with a running balance per unit', () => {
    const ws = sheet('台账')
    expect(ws.rowCount).toBe(input.ledger.length + 1)
    const susong = input.ledger.filter((l) => l.unit === 'susong')
    expect(susong.map((l) => l.balance)).toEqual(['-200000.00', '-300000.00'])
    const amounts: number[] = []
    ws.eachRow((row, n) => {
      if (n > 1 && row.getCell(4).value === 'susong') amounts.push(row.getCell(8).value as number)
    })
    expect(amounts).toEqual([-200000, -300000])
  })

  it('explains itself with the title, revision and the full hash', () => {
    const values = cells(sheet('说明')).map((c) => c.value)
    expect(values).toContain('关于2017年第4次文明程度指数测评结果的通报')
    expect(values).toContain('第1版')
    expect(values).toContain(input.hash)
  })

  it('makes valid, unique sheet names', () => {
    const taken = new Set<string>()
    expect(sheetName('A/B:C?*[x]', taken)).toBe('A_B_C___x_')
    expect(sheetName('县区排名', taken)).toBe('县区排名')
    expect(sheetName('县区排名', taken)).toBe('县区排名_2')
    expect(sheetName('x'.repeat(40), taken)).toHaveLength(31)
  })
})
