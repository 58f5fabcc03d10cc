/**
 * Excel's limits in the round workbook, read back with exceljs: a cell holds at most 32,767
 * characters, and group names become sheet names whatever they are.
 */
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { snapshotHash } from '../../src/reports/snapshot.js'
import { renderXlsx } from '../../src/reports/xlsx.js'
import { sampleInput } from './sample-input.js'

const LIMIT = 32_767
const MARKER = '…（已截断，全文见 JSON 通报）'
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

async function readBack(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(buffer as unknown as ArrayBuffer)
  return wb
}

function column(ws: ExcelJS.Worksheet, header: string): ExcelJS.Cell[] {
  let index = 0
  ws.getRow(1).eachCell((c, n) => {
    if (c.value === header) index = n
  })
  expect(index, header).toBeGreaterThan(0)
  const out: ExcelJS.Cell[] = []
  ws.eachRow((row, n) => {
    if (n > 1) out.push(row.getCell(index))
  })
  return out
}

describe('XLSX limits', () => {
  // Emoji (two UTF-16 units each) around the cut, starting at an even and at an odd offset from it.
  it.each([0, 1])('cuts a 40,000-character note to the cell limit with a marker, as text, never splitting an emoji (shift %i)', async (shift) => {
    const input = structuredClone(sampleInput())
    const head = `=SUM(A1)${'问'.repeat(LIMIT - MARKER.length - 20 - 8 + shift)}${'😀'.repeat(20)}`
    const long = `${head}${'题'.repeat(40_000 - head.length)}`
    expect(long).toHaveLength(40_000)
    input.findings[0]!.note = long
    const short = input.findings[1]!.note
    input.hash = snapshotHash(input.snapshot)

    const ws = (await readBack(await renderXlsx(input))).getWorksheet('问题明细')!
    const notes = column(ws, '问题描述')
    const cut = notes[0]!
    expect(cut.type).toBe(ExcelJS.ValueType.String)
    expect(cut.formula).toBeUndefined()
    const text = cut.value as string
    expect(text.length).toBeLessThanOrEqual(LIMIT)
    expect(text.length).toBeGreaterThanOrEqual(LIMIT - 1)
    expect(text.endsWith(MARKER)).toBe(true)
    const kept = text.slice(0, -MARKER.length)
    expect(long.startsWith(kept)).toBe(true)
    expect(kept).not.toMatch(LONE_SURROGATE)
    // Other notes stay whole.
    expect(notes[1]!.value).toBe(short)
  })

  it('writes a long or hostile group name into cells within the limit and into a valid sheet name', async () => {
    const input = structuredClone(sampleInput())
    const group = input.snapshot.result.groups[0]!
    const name = `'${'组'.repeat(40_000)}'`
    group.name = name
    input.hash = snapshotHash(input.snapshot)

    const wb = await readBack(await renderXlsx(input))
    for (const ws of wb.worksheets) {
      expect(ws.name.length).toBeLessThanOrEqual(31)
      expect(ws.name.startsWith("'") || ws.name.endsWith("'")).toBe(false)
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          if (typeof cell.value === 'string') expect(cell.value.length, `${ws.name}!${cell.address}`).toBeLessThanOrEqual(LIMIT)
        }),
      )
    }
    expect(wb.worksheets.map((w) => w.name)).toContain(`${'组'.repeat(29)}排名`)
  })
})
