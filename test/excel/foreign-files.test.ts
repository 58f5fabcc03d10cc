/**
 * Workbooks not written by our own template path: a hand-assembled file in the shape Excel
 * writes (workbook.xml first, sheets named through relationships out of file order, built-in
 * date format 22, inline strings, shared formulas, merged cells), one from the exceljs streaming
 * writer (inline strings, no shared strings), and repeated reads of an exceljs-written file, whose
 * xl/workbook.xml comes last — the layout on which exceljs's own streaming WorkbookReader loses
 * entries now and then (exceljs issue #3064). The plain-values sheet reader gives what exceljs's
 * WorksheetReader gives on all of them, and on a sheet of odd cells; text whose UTF-8 bytes
 * straddle two chunks of inflated XML comes back whole.
 */
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import ExcelJS from 'exceljs'
import { afterAll, describe, expect, it } from 'vitest'
import { readWorkbook } from '../../src/excel/import.js'
import { SHEETS } from '../../src/excel/layout.js'
import { XlsxStream } from '../../src/excel/xlsx-stream.js'
import { filledTemplate, sampleData, sampleRows, tempDir } from './helpers.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

interface Zip {
  file(name: string, data: string): void
  generateAsync(o: { type: 'nodebuffer'; compression: 'DEFLATE' }): Promise<Buffer>
}
const require = createRequire(import.meta.url)
const JSZip = createRequire(require.resolve('exceljs'))('jszip') as new () => Zip

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

/** A zip with the package parts every workbook has: content types and the link to xl/workbook.xml. */
function packageZip(): Zip {
  const zip = new JSZip()
  zip.file(
    '[Content_Types].xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`,
  )
  zip.file(
    '_rels/.rels',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  )
  return zip
}

/** One relationship of xl/_rels/workbook.xml.rels. */
const rel = (id: string, type: string, target: string): string => `<Relationship Id="${id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${target}"/>`
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** An Excel-shaped workbook: sheets 说明 (sheet3.xml), 问卷得分 (sheet1.xml), 点位考察 (sheet2.xml). */
async function excelStyleWorkbook(file: string): Promise<void> {
  const shared = ['编号', '点位代码', '考察时间', '测评员', '备注', '纬度', '经度', 'P1', '单位代码', '测评方式代码', '得分', 'survey']
  const s = (text: string): string => `<c t="s"><v>${shared.indexOf(text)}</v></c>`.replace('<c ', '<c r="§" ')
  const row = (r: number, cells: string[]): string => {
    let i = 0
    return `<row r="${r}">${cells.map((c) => c.replace('§', `${String.fromCharCode(65 + i++)}${r}`)).join('')}</row>`
  }
  const inline = (text: string): string => `<c r="§" t="inlineStr"><is><t>${esc(text)}</t></is></c>`
  const num = (v: number, style = 0): string => `<c r="§"${style ? ` s="${style}"` : ''}><v>${v}</v></c>`
  const blank = '<c r="§"/>'

  const visits = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet ${NS}><dimension ref="A1:G4"/><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" state="frozen"/></sheetView></sheetViews><sheetData>
${row(1, ['编号', '点位代码', '考察时间', '测评员', '备注', '纬度', '经度'].map(s))}
${row(2, [inline('00000000-0000-4000-8000-000000000001'), s('P1'), num(46027.381944444445, 1), inline('张三'), blank, num(30.5123), num(117.0456)])}
${row(3, [blank, inline('P3'), inline('2026/1/6 9:10'), blank, inline('两格合并'), blank])}
${row(4, [inline('00000000-0000-4000-8000-000000000004'), inline('Ｐ４'), num(46028.5, 1)])}
</sheetData><mergeCells count="1"><mergeCell ref="E3:F3"/></mergeCells><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`

  const scores = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet ${NS}><sheetData>
${row(1, ['单位代码', '测评方式代码', '得分'].map(s))}
${row(2, [inline('a'), s('survey'), '<c r="§"><f>80+10</f><v>90</v></c>'])}
${row(3, [inline('b'), s('survey'), '<c r="§"><f t="shared" ref="C3:C4" si="0">C2-1</f><v>89</v></c>'])}
${row(4, [inline('c'), s('survey'), '<c r="§"><f t="shared" si="0"/><v>88</v></c>'])}
${row(5, [inline('d'), s('survey'), num(77.25)])}
</sheetData></worksheet>`

  const instructions = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet ${NS}><sheetData>${row(1, [inline('说明')])}</sheetData><mergeCells count="1"><mergeCell ref="A2:C9"/></mergeCells></worksheet>`

  const zip = packageZip()
  zip.file(
    'xl/workbook.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ${NS}><workbookPr/><bookViews><workbookView activeTab="1"/></bookViews><sheets><sheet name="说明" sheetId="3" r:id="rId9"/><sheet name="问卷得分" sheetId="1" r:id="rId1"/><sheet name="点位考察" sheetId="7" r:id="rId2"/></sheets></workbook>`,
  )
  zip.file(
    'xl/_rels/workbook.xml.rels',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rel('rId2', 'worksheet', 'worksheets/sheet2.xml')}${rel('rId1', 'worksheet', '/xl/worksheets/sheet1.xml')}${rel('rId9', 'worksheet', 'worksheets/sheet3.xml')}${rel('rId4', 'styles', 'styles.xml')}${rel('rId5', 'sharedStrings', 'sharedStrings.xml')}</Relationships>`,
  )
  zip.file('xl/worksheets/sheet1.xml', scores)
  zip.file('xl/worksheets/sheet2.xml', visits)
  zip.file('xl/worksheets/sheet3.xml', instructions)
  zip.file(
    'xl/styles.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
  )
  zip.file(
    'xl/sharedStrings.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${shared.length}" uniqueCount="${shared.length}">${shared.map((t) => `<si><t>${esc(t)}</t><phoneticPr fontId="1" type="noConversion"/></si>`).join('')}</sst>`,
  )
  writeFileSync(file, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }))
}

describe('workbooks from other writers', () => {
  it('reads an Excel-shaped file: sheets found through relationships, date format 22, inline strings, shared formulas, merges', async () => {
    const file = tmp.file('excel-style.xlsx')
    await excelStyleWorkbook(file)
    const result = await readWorkbook(file, { roundCode: 'r' })
    expect(result.issues).toEqual([
      { sheet: '点位考察', row: 3, column: 'E', message: '数据行中有合并单元格 E3:F3，请取消合并，每行每格分别填写' },
      { sheet: '问卷得分', row: 2, column: 'C', message: '「得分」是公式单元格，公式不能导入，请复制后“选择性粘贴 → 数值”' },
      { sheet: '问卷得分', row: 3, column: 'C', message: '「得分」是公式单元格，公式不能导入，请复制后“选择性粘贴 → 数值”' },
      { sheet: '问卷得分', row: 4, column: 'C', message: '「得分」是公式单元格，公式不能导入，请复制后“选择性粘贴 → 数值”' },
    ])
    expect(result.data.visits).toEqual([
      { id: '00000000-0000-4000-8000-000000000001', point: 'P1', at: '2026-01-05T09:10:00+08:00', evaluator: '张三', lat: '30.5123', lng: '117.0456' },
      { id: expect.stringMatching(/^[0-9a-f-]{36}$/), point: 'P3', at: '2026-01-06T09:10:00+08:00', note: '两格合并' },
      { id: '00000000-0000-4000-8000-000000000004', point: 'P4', at: '2026-01-06T12:00:00+08:00' },
    ])
    expect(result.data.externalScores).toEqual([{ unit: 'd', component: 'survey', value: '77.25' }])
    expect(result.origins.externalScores).toEqual([{ row: 5 }])
  })

  it('reads a file from the exceljs streaming writer (inline strings)', async () => {
    const file = tmp.file('stream-writer.xlsx')
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: true })
    const data = sampleData()
    for (const sheet of SHEETS) {
      const ws = wb.addWorksheet(sheet.name)
      ws.addRow(sheet.columns.map((c) => c.header)).commit()
      for (const r of data[sheet.kind] ?? []) ws.addRow(sheet.columns.map((c) => (r[c.field] === undefined ? null : (r[c.field] as ExcelJS.CellValue)))).commit()
      ws.commit()
    }
    await wb.commit()

    // Its cells are inline strings (t="str"): slices of the XML that the import copies before keeping.
    const book = await XlsxStream.open(file)
    try {
      const opened = book.openSheet(book.sheets.findIndex((s) => s.name === '问题记录'))!
      for await (const _ of opened.rows) void _
      expect(opened.inlineStrings).toBe(true)
    } finally {
      book.close()
    }
    const shared = await XlsxStream.open(await filledTemplate(tmp.file('shared.xlsx'), sampleRows()))
    try {
      const opened = shared.openSheet(shared.sheets.findIndex((s) => s.name === '问题记录'))!
      for await (const _ of opened.rows) void _
      expect(opened.inlineStrings).toBe(false)
    } finally {
      shared.close()
    }

    const result = await readWorkbook(file)
    expect(result.issues).toEqual([])
    expect(result.data.visits).toEqual(data.visits)
    expect(result.data.findings).toEqual(data.findings)
    expect(result.data.measures).toEqual(data.measures)
  })

  it('reads an exceljs-written workbook (xl/workbook.xml stored last) the same way every time', async () => {
    const file = await filledTemplate(tmp.file('repeat.xlsx'), sampleRows())
    const first = await readWorkbook(file)
    expect(first.issues).toEqual([])
    for (let i = 0; i < 25; i++) {
      const again = await readWorkbook(file)
      expect(again.data, `read ${i + 2}`).toEqual(first.data)
    }
  })
})

/** A workbook of the given sheets (XML of <sheetData> and what follows), with Excel's date style 22 as style 1. */
async function handMade(file: string, sheets: { name: string; body: string }[], shared: string[] = []): Promise<void> {
  const zip = packageZip()
  zip.file(
    'xl/workbook.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ${NS}><sheets>${sheets.map((sh, i) => `<sheet name="${sh.name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
  )
  zip.file(
    'xl/_rels/workbook.xml.rels',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets.map((_, i) => rel(`rId${i + 1}`, 'worksheet', `worksheets/sheet${i + 1}.xml`)).join('')}${rel('rId90', 'styles', 'styles.xml')}${rel('rId91', 'sharedStrings', 'sharedStrings.xml')}</Relationships>`,
  )
  sheets.forEach((sh, i) => zip.file(`xl/worksheets/sheet${i + 1}.xml`, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet ${NS}>${sh.body}</worksheet>`))
  zip.file(
    'xl/styles.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
  )
  zip.file(
    'xl/sharedStrings.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${shared.length}" uniqueCount="${shared.length}">${shared.map((t) => `<si><t>${esc(t)}</t></si>`).join('')}</sst>`,
  )
  writeFileSync(file, await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }))
}

const COLUMNS = 9
/** A value as compared: shared strings resolved, formulas by their presence only (exceljs adds the cached result). */
function comparable(v: unknown, book: XlsxStream): unknown {
  if (v === undefined) return null
  if (typeof v !== 'object' || v === null || v instanceof Date) return v
  if ('sharedString' in v) return book.sharedString((v as { sharedString: number }).sharedString) ?? null
  if ('formula' in v || 'sharedFormula' in v) return 'formula'
  return v
}

/** Every sheet's rows, as [row number, values of columns 1–9], read both ways. */
async function bothWays(file: string): Promise<{ exceljs: unknown[]; values: unknown[] }> {
  const book = await XlsxStream.open(file)
  const exceljs: unknown[] = []
  const values: unknown[] = []
  try {
    for (let i = 0; i < book.sheets.length; i++) {
      for await (const row of book.openSheet(i)!.rows) exceljs.push([i, row.number, Array.from({ length: COLUMNS }, (_, c) => comparable(row.getCell(c + 1).value, book))])
      for await (const batch of book.openSheetValues(i, COLUMNS)!.rows)
        for (const row of batch) values.push([i, row.number, Array.from({ length: COLUMNS }, (_, c) => comparable(row.values[c], book))])
    }
  } finally {
    book.close()
  }
  return { exceljs, values }
}

describe('the plain-values sheet reader', () => {
  it('gives the values exceljs gives, on files of every writer and on odd cells', async () => {
    const odd = tmp.file('odd-cells.xlsx')
    const c = (ref: string, attrs: string, inner: string): string => `<c r="${ref}"${attrs}>${inner}</c>`
    await handMade(
      odd,
      [
        {
          name: '点位考察',
          body: `<sheetData>
  <row r="2" s="1" customFormat="1">
    ${c('A2', '', '<v>46027.5</v>')}
    ${c('B2', ' s="0"', '<v>46027.25</v>')}
    ${c('C2', ' s="1"', '<v>46028</v>')}
    ${c('D2', ' t="b"', '<v>1</v>')}
    ${c('E2', ' t="e"', '<v>#DIV/0!</v>')}
    ${c('F2', ' t="str"', '<f>A2&amp;"x"</f><v>abc</v>')}
    ${c('G2', ' t="inlineStr"', '<is><r><t>甲</t></r><r><t xml:space="preserve"> 乙 </t></r></is>')}
  </row>
  <row r="4">
    ${c('A4', ' t="inlineStr"', '<is><t>&amp;lt;不是标签&amp;gt;</t></is>')}
    ${c('B4', ' t="s"', '<v>1</v>')}
    ${c('C4', ' s="9"', '<v>12.5</v>')}
    ${c('D4', ' t="n"', '<v>-0.000001</v>')}
    ${c('E4', ' s="1"', '')}
    ${c('H4', ' t="inlineStr"', '<is><t>第八列</t></is>')}
    ${c('K4', ' t="inlineStr"', '<is><t>表外</t></is>')}
  </row>
  <row r="5"/>
</sheetData>`,
        },
      ],
      ['甲区', '乙区 '],
    )
    const streamed = tmp.file('odd-stream-writer.xlsx')
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: streamed, useSharedStrings: false, useStyles: true })
    for (const sheet of SHEETS) {
      const ws = wb.addWorksheet(sheet.name)
      ws.addRow(sheet.columns.map((col) => col.header)).commit()
      for (const r of sampleData()[sheet.kind] ?? []) ws.addRow(sheet.columns.map((col) => (r[col.field] === undefined ? null : (r[col.field] as ExcelJS.CellValue)))).commit()
      ws.commit()
    }
    await wb.commit()
    const excelStyle = tmp.file('excel-style-again.xlsx')
    await excelStyleWorkbook(excelStyle)
    const template = await filledTemplate(tmp.file('both-ways.xlsx'), sampleRows(), (w) => {
      w.getWorksheet('问卷得分')!.getCell('C3').value = { formula: '80+8.5', result: 88.5 }
      w.getWorksheet('点位考察')!.getCell('C3').value = new Date(Date.UTC(2026, 0, 5, 9, 10))
      w.getWorksheet('计量数据')!.getCell('C2').value = { error: '#N/A' }
    })
    for (const file of [odd, streamed, excelStyle, template]) {
      const { exceljs, values } = await bothWays(file)
      expect(values, file).toEqual(exceljs)
      expect(values.length, file).toBeGreaterThan(0)
    }
    // What the odd sheet holds, to be sure the comparison saw each case.
    const { values } = await bothWays(odd)
    expect(values).toEqual([
      [
        0,
        2,
        [
          new Date(Date.UTC(2026, 0, 5, 12)), // no style of its own: the row's date style
          new Date(Date.UTC(2026, 0, 5, 6)), // style 0 counts as none, as in exceljs
          new Date(Date.UTC(2026, 0, 6)),
          true,
          { error: '#DIV/0!' },
          'formula',
          ' 乙 ', // of a rich inline string, exceljs keeps the last run
          null,
          null,
        ],
      ],
      [0, 4, ['<不是标签>', '乙区 ', 12.5, -0.000001, null, null, null, '第八列', null]],
      [0, 5, [null, null, null, null, null, null, null, null, null]],
    ])
  })

  it('keeps text whole whose UTF-8 bytes straddle two chunks of the inflated XML', async () => {
    const notes = Array.from({ length: 3000 }, (_, i) => `第${i}处：南门地面存在垃圾，店外经营占道（编号${i}）`)
    for (const useSharedStrings of [true, false]) {
      const file = tmp.file(`long-text-${String(useSharedStrings)}.xlsx`)
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings })
      const ws = wb.addWorksheet('材料审核')
      ws.addRow(SHEETS.find((s) => s.kind === 'directScores')!.columns.map((col) => col.header)).commit()
      for (const note of notes) ws.addRow(['a', '04-01-02', 1, note]).commit()
      ws.commit()
      await wb.commit()
      const result = await readWorkbook(file)
      expect(result.issues).toEqual([])
      expect(result.data.directScores.map((r) => r.note)).toEqual(notes)
    }
  })
})
