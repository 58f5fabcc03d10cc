/**
 * The streaming import (src/excel/import.ts): the sample round's template filled with the rows
 * of test/fixtures/rounds/sample-2026-01.data.json reads back to exactly those records (which
 * then pass validateRecords), and the cell-level rules: normalisation of full-width characters,
 * spaces, Excel dates, serials and typed times; generated ids; `#n` visit references; header
 * checks; formula, error and merged cells; empty rows; extra and missing sheets; locate(); and
 * clear rejections of corrupt, truncated, empty and non-xlsx input.
 */
import { createReadStream, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import ExcelJS from 'exceljs'
import { afterAll, describe, expect, it } from 'vitest'
import { validateRecords } from '../../src/domain/records/validate.js'
import { readWorkbook } from '../../src/excel/import.js'
import { deterministicUuid, trimCell } from '../../src/excel/normalise.js'
import { filledTemplate, recordContext, sampleData, sampleRows, tempDir, type Fill } from './helpers.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

let n = 0
const next = (): string => tmp.file(`book-${++n}.xlsx`)

const V1 = '00000000-0000-4000-8000-000000000001'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The data file with numbers (other than counts) written as their decimal text. */
function expectedFromJson(): Record<string, unknown[]> {
  const data = sampleData()
  const out: Record<string, unknown[]> = {}
  for (const [kind, list] of Object.entries(data))
    out[kind] = list.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && k !== 'count' ? String(v) : v])))
  return out
}

describe('reading a filled template', () => {
  it('gives back exactly the records of the JSON data file, which then validate', async () => {
    const file = await filledTemplate(next(), sampleRows())
    const progress: number[] = []
    const result = await readWorkbook(file, { roundCode: '2026-01', onProgress: (r) => progress.push(r) })
    expect(result.issues).toEqual([])
    expect(result.data).toEqual(expectedFromJson())
    expect(result.origins.visits.map((o) => o.row)).toEqual([2, 3, 4, 5, 6])
    expect(result.origins.directScores.map((o) => o.row)).toEqual([2, 3, 4])
    expect(result.rows).toBe(17)
    expect(progress.at(-1)).toBe(17)

    const checked = validateRecords(result.data, recordContext())
    expect(checked.issues).toEqual([])
    expect(checked.records.findings).toHaveLength(3)
  })

  it('maps validateRecords paths back to sheet, row and column with locate()', async () => {
    const data = sampleData()
    data.findings[1]!.standard = '04-01-01' // a measure standard: rejected for a finding
    data.measures[2]!.value = '-1'
    const file = await filledTemplate(next(), sampleRows(data))
    const result = await readWorkbook(file)
    expect(result.issues).toEqual([])
    const { issues } = validateRecords(result.data, recordContext())
    expect(issues.map((i) => ({ ...result.locate(i.path), path: i.path }))).toEqual([
      { path: 'findings[1].standard', sheet: '问题记录', row: 3, column: 'C' },
      { path: 'measures[2].value', sheet: '计量数据', row: 4, column: 'C' },
    ])
    expect(result.locate('visits[4].at')).toEqual({ sheet: '点位考察', row: 6, column: 'C' })
    expect(result.locate('findings[0].photos[1]')).toEqual({ sheet: '问题记录', row: 2, column: 'I' })
    expect(result.locate('externalScores[2]')).toEqual({ sheet: '问卷得分', row: 4, column: 'A' })
    expect(result.locate('findings[9].standard')).toBeNull()
    expect(result.locate('visits')).toBeNull()
  })

  it('reads from a stream too', async () => {
    const file = await filledTemplate(next(), sampleRows())
    const result = await readWorkbook(createReadStream(file))
    expect(result.data).toEqual(expectedFromJson())
  })
})

describe('cell normalisation', () => {
  it('trims exactly what the white-space pattern trims, for every character at either edge', () => {
    const EDGE = /^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$/g
    const differing: number[] = []
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c)
      for (const text of [`${ch}ab`, `ab${ch}`, ch, `a${ch}b`, `${ch}${ch}`]) if (trimCell(text) !== text.replace(EDGE, '')) differing.push(c)
    }
    expect(differing).toEqual([])
  })

  it('trims spaces (also full-width) and folds full-width digits, letters and punctuation in id, code, number and time cells', async () => {
    const file = await filledTemplate(next(), {
      点位考察: [['\u3000００００００００－００００－４０００－８０００－０００００００００００１ ', ' Ｐ１\u3000', '２０２６－０１－０５　０９：１０', '  e01 ', ' 　有备注　', '３０．５１２３', '117.0456 ']],
      问题记录: [[' 10000000-0000-4000-8000-000000000001', V1, '０１－０１－０１', '２', '０．５', '　占道经营，店外经营　', '', '2026/1/5 9:15', 'AB12， cd34；ef56  ab99、77']],
      问卷得分: [['ａ', 'ｓｕｒｖｅｙ', '９６．６５']],
      计量数据: [['b｜乙区', '04-01-01｜投诉件数', ' 3 ']],
      材料审核: [['c', '04-01-02', 4.5, '  材料齐全 ']],
    })
    const { data, issues } = await readWorkbook(file)
    expect(issues).toEqual([])
    expect(data.visits).toEqual([{ id: V1, point: 'P1', at: '2026-01-05T09:10:00+08:00', evaluator: 'e01', note: '有备注', lat: '30.5123', lng: '117.0456' }])
    expect(data.findings).toEqual([
      {
        id: '10000000-0000-4000-8000-000000000001',
        visit: V1,
        standard: '01-01-01',
        count: 2,
        deduction: '0.5',
        note: '占道经营，店外经营', // free text keeps its full-width punctuation
        at: '2026-01-05T09:15:00+08:00',
        photos: ['AB12', 'cd34', 'ef56', 'ab99', '77'],
      },
    ])
    expect(data.externalScores).toEqual([{ unit: 'a', component: 'survey', value: '96.65' }])
    expect(data.measures).toEqual([{ unit: 'b', standard: '04-01-01', value: '3' }])
    expect(data.directScores).toEqual([{ unit: 'c', standard: '04-01-02', value: '4.5', note: '材料齐全' }])
  })

  it('reads Excel date cells, date serials and typed times as ISO 8601 in China time', async () => {
    const id = (i: number): string => `00000000-0000-4000-8000-00000000001${i}`
    const file = await filledTemplate(next(), {
      点位考察: [
        [id(0), 'P1', new Date(Date.UTC(2026, 0, 5, 9, 10, 0))],
        [id(1), 'P1', 46027.38194444444], // serial of 2026-01-05 09:10 in a General cell
        [id(2), 'P1', '2017-08-03 09:10'],
        [id(3), 'P1', '2017/8/3 9:10'],
        [id(4), 'P1', '2017-08-03T09:10:00+08:00'],
        [id(5), 'P1', '2017-08-03T01:10:00Z'],
        [id(6), 'P1', '2017年8月3日 9:10'],
        [id(7), 'P1', '2017-08-03'],
        [id(8), 'P1', '2017.8.3 09:10:30'],
        [id(9), 'P1', new Date(Date.UTC(2026, 0, 5, 9, 9, 59, 999))], // float noise rounds to the second
      ],
    }, (wb) => {
      // The serial sits in a General-formatted cell, as when pasted from another system.
      wb.getWorksheet('点位考察')!.getCell('C3').numFmt = 'General'
    })
    const { data, issues } = await readWorkbook(file)
    expect(issues).toEqual([])
    expect(data.visits.map((v) => v.at)).toEqual([
      '2026-01-05T09:10:00+08:00',
      '2026-01-05T09:10:00+08:00',
      '2017-08-03T09:10:00+08:00',
      '2017-08-03T09:10:00+08:00',
      '2017-08-03T09:10:00+08:00',
      '2017-08-03T01:10:00Z',
      '2017-08-03T09:10:00+08:00',
      '2017-08-03',
      '2017-08-03T09:10:30+08:00',
      '2026-01-05T09:10:00+08:00',
    ])
  })

  it('reports times it cannot read, codes that Excel turned into dates, and counts that are not numbers', async () => {
    const file = await filledTemplate(next(), {
      点位考察: [
        [V1, 'P1', '2017-13-03 09:10'],
        ['00000000-0000-4000-8000-000000000002', 'P1', '下午三点'],
      ],
      问题记录: [['10000000-0000-4000-8000-000000000001', V1, new Date(Date.UTC(2001, 0, 1)), '两处']],
    }, (wb) => {
      // As when 01-01-01 is typed into a General cell outside the template's text columns.
      wb.getWorksheet('问题记录')!.getCell('C2').numFmt = 'yyyy-mm-dd'
    })
    const { issues } = await readWorkbook(file)
    expect(issues).toEqual([
      { sheet: '点位考察', row: 2, column: 'C', message: expect.stringContaining('「2017-13-03 09:10」不是有效的时间') },
      { sheet: '点位考察', row: 3, column: 'C', message: expect.stringContaining('「下午三点」不是有效的时间') },
      { sheet: '问题记录', row: 2, column: 'C', message: expect.stringContaining('被 Excel 识别成了日期') },
      { sheet: '问题记录', row: 2, column: 'D', message: expect.stringContaining('「两处」不是数字') },
    ])
  })
})

describe('ids left empty', () => {
  const rows: Fill = {
    点位考察: [
      ['', 'P1', '2026-01-05 09:10', 'e01'],
      [null, 'P3', '2026-01-06 09:10'],
    ],
    问题记录: [
      ['', '#2', '01-01-01', 2, null, '占道经营'],
      ['', '#3', '01-01-03'],
      ['', '#2', '03-01-01'],
    ],
  }

  it('get a deterministic UUID from round, sheet and row content, the same on every import', async () => {
    const file = await filledTemplate(next(), rows)
    const first = await readWorkbook(file, { roundCode: '2026-01' })
    const again = await readWorkbook(file, { roundCode: '2026-01' })
    const otherRound = await readWorkbook(file, { roundCode: '2026-02' })
    expect(first.issues).toEqual([])
    const ids = [...first.data.visits.map((v) => v.id), ...first.data.findings.map((f) => f.id)]
    for (const id of ids) expect(id).toMatch(UUID)
    expect(new Set(ids).size).toBe(5)
    expect(again.data).toEqual(first.data)
    expect(otherRound.data.visits[0]!.id).not.toBe(first.data.visits[0]!.id)
    expect(first.data.visits[0]!.id).toBe(deterministicUuid(['2026-01', '点位考察', 'P1', '2026-01-05T09:10:00+08:00', 'e01', '', '', '']))
    // The same row content typed differently (full-width, spaces) is the same record.
    const retyped = await readWorkbook(
      await filledTemplate(next(), { 点位考察: [['', ' Ｐ１ ', '2026/1/5 9:10', 'e01']] }),
      { roundCode: '2026-01' },
    )
    expect(retyped.data.visits[0]!.id).toBe(first.data.visits[0]!.id)
  })

  it('let findings point at a visit by its row (#n), and the result validates', async () => {
    const file = await filledTemplate(next(), rows)
    const { data, issues } = await readWorkbook(file, { roundCode: '2026-01' })
    expect(issues).toEqual([])
    expect(data.findings.map((f) => f.visit)).toEqual([data.visits[0]!.id, data.visits[1]!.id, data.visits[0]!.id])
    expect(validateRecords(data, recordContext()).issues).toEqual([])
  })

  it('report a #n that names no visit row', async () => {
    const file = await filledTemplate(next(), { 点位考察: [['', 'P1', '2026-01-05 09:10']], 问题记录: [['', '#7', '01-01-01']] })
    const { issues } = await readWorkbook(file)
    expect(issues).toEqual([{ sheet: '问题记录', row: 2, column: 'B', message: '点位考察编号「#7」：点位考察表第 7 行没有考察记录' }])
  })
})

describe('structure checks', () => {
  it('reports formula and error cells in data rows with sheet, row and column', async () => {
    const data = sampleData()
    const file = await filledTemplate(next(), sampleRows(data), (wb) => {
      wb.getWorksheet('问卷得分')!.getCell('C3').value = { formula: '80+8.5', result: 88.5 }
      wb.getWorksheet('点位考察')!.getCell('B4').value = { formula: 'UPPER("p3")', result: 'P3' }
      wb.getWorksheet('计量数据')!.getCell('C2').value = { error: '#N/A' }
    })
    const { issues } = await readWorkbook(file)
    expect(issues).toEqual([
      { sheet: '点位考察', row: 4, column: 'B', message: '「点位代码」是公式单元格，公式不能导入，请复制后“选择性粘贴 → 数值”' },
      { sheet: '问卷得分', row: 3, column: 'C', message: '「得分」是公式单元格，公式不能导入，请复制后“选择性粘贴 → 数值”' },
      { sheet: '计量数据', row: 2, column: 'C', message: '「数值」是错误值 #N/A，请填写实际内容' },
    ])
  })

  it('reports merged cells in data rows (not merges in the header or beyond the columns)', async () => {
    const file = await filledTemplate(
      next(),
      {
        问题记录: [
          ['10000000-0000-4000-8000-000000000001', V1, '01-01-01'],
          ['10000000-0000-4000-8000-000000000002', null, '01-01-02'],
          ['10000000-0000-4000-8000-000000000003', V1, '01-01-02'],
        ],
      },
      (wb) => {
        const ws = wb.getWorksheet('问题记录')!
        ws.mergeCells('B2:B3')
        ws.mergeCells('F4:G4')
        ws.mergeCells('M2:N9')
      },
    )
    const { issues } = await readWorkbook(file)
    expect(issues).toEqual([
      { sheet: '问题记录', row: 2, column: 'B', message: '数据行中有合并单元格 B2:B3，请取消合并，每行每格分别填写' },
      { sheet: '问题记录', row: 4, column: 'F', message: '数据行中有合并单元格 F4:G4，请取消合并，每行每格分别填写' },
    ])
  })

  it('reports each wrong header naming the expected one, and reads no rows from that sheet', async () => {
    const file = await filledTemplate(next(), sampleRows(), (wb) => {
      const visits = wb.getWorksheet('点位考察')!
      visits.getCell('C1').value = '考察日期' // misspelled
      visits.getCell('F1').value = '经度' // reordered
      visits.getCell('G1').value = '纬度'
      const scores = wb.getWorksheet('问卷得分')!
      scores.getCell('C1').value = null // missing
      wb.getWorksheet('材料审核')!.getCell('A1').value = '  单位代码\u3000' // spaces are fine
    })
    const result = await readWorkbook(file)
    expect(result.issues).toEqual([
      { sheet: '点位考察', row: 1, column: 'C', message: '表头「考察日期」不对，C 列应为「考察时间」' },
      { sheet: '点位考察', row: 1, column: 'F', message: 'F 列应为表头「纬度」，现在是「经度」：列的顺序不能调整' },
      { sheet: '点位考察', row: 1, column: 'G', message: 'G 列应为表头「经度」，现在是「纬度」：列的顺序不能调整' },
      { sheet: '问卷得分', row: 1, column: 'C', message: '缺少表头「得分」（C 列应为「得分」）' },
    ])
    expect(result.data.visits).toEqual([])
    expect(result.data.externalScores).toEqual([])
    expect(result.data.findings).toHaveLength(3)
    expect(result.data.directScores).toHaveLength(3)
  })

  it('reports a sheet whose first row is not the header', async () => {
    const file = await filledTemplate(next(), {}, (wb) => {
      wb.removeWorksheet(wb.getWorksheet('问卷得分')!.id)
      const ws = wb.addWorksheet('问卷得分')
      ws.getCell('A3').value = 'a'
      ws.getCell('B3').value = 'survey'
      ws.getCell('C3').value = 90
    })
    const { issues, data } = await readWorkbook(file)
    expect(issues.map((i) => `${i.sheet}!${i.column}${i.row} ${i.message}`)).toEqual([
      '问卷得分!A1 缺少表头「单位代码」：第 1 行必须是表头，请从模板复制',
      '问卷得分!B1 缺少表头「测评方式代码」：第 1 行必须是表头，请从模板复制',
      '问卷得分!C1 缺少表头「得分」：第 1 行必须是表头，请从模板复制',
    ])
    expect(data.externalScores).toEqual([])
  })

  it('skips empty rows (also rows of spaces or with only formatting) and keeps Excel row numbers', async () => {
    const file = await filledTemplate(
      next(),
      {
        问卷得分: [['a', 'survey', 90], [null, null, null], ['  ', '\u3000', ''], ['b', 'survey', 88.5]],
      },
      (wb) => {
        const ws = wb.getWorksheet('问卷得分')!
        ws.getCell('A8').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFFF00' } }
        ws.getCell('B9').value = 'survey'
        ws.getCell('A9').value = 'c'
        ws.getCell('C9').value = 92
        ws.getCell('F9').value = '表外的备注' // beyond the sheet's columns: ignored
      },
    )
    const { data, origins, issues } = await readWorkbook(file)
    expect(issues).toEqual([])
    expect(data.externalScores).toEqual([
      { unit: 'a', component: 'survey', value: '90' },
      { unit: 'b', component: 'survey', value: '88.5' },
      { unit: 'c', component: 'survey', value: '92' },
    ])
    expect(origins.externalScores).toEqual([{ row: 2 }, { row: 5 }, { row: 9 }])
  })

  it('ignores extra sheets and gives no records for a missing sheet', async () => {
    const file = await filledTemplate(next(), sampleRows(), (wb) => {
      wb.removeWorksheet(wb.getWorksheet('计量数据')!.id)
      const extra = wb.addWorksheet('我的草稿')
      extra.addRow(['编号', '随便写'])
      extra.addRow([{ formula: '1+1', result: 2 }])
      extra.mergeCells('A3:B4')
    })
    const { data, issues } = await readWorkbook(file)
    expect(issues).toEqual([])
    expect(data.measures).toEqual([])
    expect(data.visits).toHaveLength(5)
  })

  it('reports a workbook without any data sheet', async () => {
    const wb = new ExcelJS.Workbook()
    wb.addWorksheet('Sheet1').addRow(['hello'])
    const file = next()
    await wb.xlsx.writeFile(file)
    const { issues } = await readWorkbook(file)
    expect(issues).toEqual([{ sheet: '', row: 0, column: '', message: expect.stringContaining('没有数据工作表') }])
  })

  it('stops at maxRows with an issue', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ['a', 'survey', i])
    const file = await filledTemplate(next(), { 问卷得分: rows })
    const { issues } = await readWorkbook(file, { maxRows: 25 })
    expect(issues).toEqual([{ sheet: '问卷得分', row: 27, column: '', message: '数据超过一次导入的上限 25 行，请拆分成多个文件导入' }])
  })

  it('caps the listed issues', async () => {
    const rows = Array.from({ length: 30 }, () => ['00000000-0000-4000-8000-000000000001', 'P1', '不是时间'])
    const file = await filledTemplate(next(), { 点位考察: rows })
    const { issues } = await readWorkbook(file, { maxIssues: 10 })
    expect(issues).toHaveLength(11)
    expect(issues[10]).toEqual({ sheet: '', row: 0, column: '', message: '另有 20 个问题未列出（只列出前 10 个）' })
  })
})

describe('input that is not a readable xlsx', () => {
  /** Rejects, in time, with a message matching `pattern`. */
  async function rejects(input: string | NodeJS.ReadableStream, pattern: RegExp): Promise<void> {
    const outcome = await Promise.race([
      readWorkbook(input).then(
        () => 'resolved',
        (e: unknown) => (e instanceof Error ? e.message : `non-Error ${String(e)}`),
      ),
      new Promise<string>((resolve) => setTimeout(() => resolve('timed out'), 10_000)),
    ])
    expect(outcome).toMatch(pattern)
  }

  it('rejects random bytes', async () => {
    const file = tmp.file('random.xlsx')
    writeFileSync(file, randomBytes(20_000))
    await rejects(file, /这不是 Excel（\.xlsx）文件/)
  })

  it('rejects an empty file, from a path and from a stream', async () => {
    const file = tmp.file('empty.xlsx')
    writeFileSync(file, '')
    await rejects(file, /文件是空的/)
    await rejects(createReadStream(file), /文件是空的/)
  })

  it('rejects a CSV file renamed .xlsx', async () => {
    const file = tmp.file('data.xlsx')
    writeFileSync(file, '编号,点位代码,考察时间\n,P1,2026-01-05 09:10\n')
    await rejects(file, /可能是 CSV/)
  })

  it('rejects an old .xls (OLE2) file', async () => {
    const file = tmp.file('old.xlsx')
    writeFileSync(file, Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), randomBytes(4000)]))
    await rejects(file, /旧版 \.xls/)
  })

  it('rejects a missing file', async () => {
    await rejects(tmp.file('no-such.xlsx'), /无法打开文件/)
  })

  it('rejects truncated files cleanly, wherever they are cut', async () => {
    const whole = readFileSync(await filledTemplate(next(), sampleRows()))
    for (const fraction of [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.97, 0.999]) {
      const file = tmp.file(`cut-${fraction}.xlsx`)
      writeFileSync(file, whole.subarray(0, Math.floor(whole.length * fraction)))
      await rejects(file, /文件不完整/)
    }
  })

  it('rejects a zip that is not a workbook, and a damaged one', async () => {
    const good = await filledTemplate(next(), sampleRows())
    const bytes = readFileSync(good)
    // Overwrite the compressed data of the 点位考察 sheet, keeping the zip directory intact.
    const damaged = Buffer.from(bytes)
    const at = damaged.indexOf('xl/worksheets/sheet2.xml') + 'xl/worksheets/sheet2.xml'.length
    damaged.fill(0xff, at, at + 64)
    const file = tmp.file('damaged.xlsx')
    writeFileSync(file, damaged)
    await rejects(file, /文件可能已损坏/)

    const wb = new ExcelJS.Workbook()
    wb.addWorksheet('x')
    const buffer = Buffer.from(await wb.xlsx.writeBuffer())
    // Rename xl/workbook.xml inside the zip (same length, so offsets stay valid).
    const renamed = Buffer.from(buffer.toString('latin1').replaceAll('xl/workbook.xml', 'xl/workbook.xmm'), 'latin1')
    const other = tmp.file('other.zip.xlsx')
    writeFileSync(other, renamed)
    await rejects(other, /压缩包中没有 xl\/workbook\.xml/)
  })

  it('leaves no file open, whether reading succeeds or fails', async () => {
    if (!existsSync('/proc/self/fd')) return
    const count = (): number => readdirSync('/proc/self/fd').length
    const good = await filledTemplate(next(), sampleRows())
    const cut = tmp.file('cut-for-fds.xlsx')
    writeFileSync(cut, readFileSync(good).subarray(0, 3000))
    const damaged = Buffer.from(readFileSync(good))
    const at = damaged.indexOf('xl/worksheets/sheet2.xml') + 30
    damaged.fill(0xff, at, at + 64)
    const bad = tmp.file('damaged-for-fds.xlsx')
    writeFileSync(bad, damaged)
    const before = count()
    for (let i = 0; i < 3; i++) {
      await readWorkbook(good)
      await readWorkbook(cut).catch(() => undefined)
      await readWorkbook(bad).catch(() => undefined)
      await readWorkbook(createReadStream(good))
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(count()).toBeLessThanOrEqual(before)
  })
})
