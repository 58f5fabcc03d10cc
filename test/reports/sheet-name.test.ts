/**
 * Worksheet names from hostile text: every name must be one exceljs accepts (it applies Excel's
 * rules and throws otherwise) and one Excel accepts (no trailing apostrophe, ≤ 31 UTF-16 units,
 * unique ignoring case, not History).
 */
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { SHEET_NAME_MAX, sheetName } from '../../src/reports/sheet-name.js'

/** Excel's rules, checked independently of the function under test. */
function expectValid(name: string): void {
  expect(name.length, name).toBeGreaterThan(0)
  expect(name.length, name).toBeLessThanOrEqual(31)
  expect(name, name).not.toMatch(/[:\\/?*[\]\p{Cc}]/u)
  expect(name.startsWith("'") || name.endsWith("'"), name).toBe(false)
  expect(name.toLowerCase()).not.toBe('history')
  // No half of a surrogate pair left behind.
  expect(name, name).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/)
}

const HOSTILE: [string, string][] = [
  ["'历史'", '排名'],
  ["'历史", ''],
  ["历史'", ''],
  ["''", ''],
  ["' '", '排名'],
  ['a:b\\c/d?e*f[g]h', '排名'],
  [':\\/?*[]', ''],
  ['', ''],
  ['   ', ''],
  ['组\u0001别\u007f', '排名'],
  ['\ud83d', '排名'],
  ['历'.repeat(40), '排名'],
  ['/'.repeat(40), ''],
  ['History', ''],
  ['history', ''],
  ['HISTORY', ''],
  [`${'a'.repeat(28)}'bc`, ''],
  [`${'甲'.repeat(28)}😀😀`, ''],
  [`${'甲'.repeat(28)}😀😀`, '排名'],
  ['x'.repeat(5), "'".repeat(40)],
]

describe('sheetName', () => {
  it('turns every hostile name into one Excel takes, and exceljs accepts all of them in one workbook', () => {
    const taken = new Set<string>()
    const wb = new ExcelJS.Workbook()
    const names = HOSTILE.map(([stem, suffix]) => sheetName(stem, taken, suffix))
    for (const name of names) {
      expectValid(name)
      expect(() => wb.addWorksheet(name), name).not.toThrow()
    }
    expect(wb.worksheets.map((w) => w.name)).toEqual(names)
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length)
  })

  it('drops apostrophes at the ends of the stem, replaces forbidden characters, keeps the suffix', () => {
    expect(sheetName("'历史'", new Set(), '排名')).toBe('历史排名')
    expect(sheetName("'历史'", new Set())).toBe('历史')
    expect(sheetName('a:b\\c/d?e*f[g]h', new Set())).toBe('a_b_c_d_e_f_g_h')
  })

  it('cuts at 31 UTF-16 units keeping the suffix, never inside a surrogate pair', () => {
    const cjk = sheetName('历'.repeat(40), new Set(), '排名')
    expect(cjk).toBe(`${'历'.repeat(SHEET_NAME_MAX - 2)}排名`)
    // 28 + 2×2 = 32 units: the second emoji cannot fit whole, so it goes, not half of it.
    expect(sheetName(`${'甲'.repeat(28)}😀😀`, new Set())).toBe(`${'甲'.repeat(28)}😀`)
    // With the suffix 29 units are left for the stem: after 28 of them only half an emoji would fit.
    expect(sheetName(`${'甲'.repeat(28)}😀😀`, new Set(), '排名')).toBe(`${'甲'.repeat(28)}排名`)
    expect(sheetName(`${'甲'.repeat(27)}😀😀`, new Set(), '排名')).toBe(`${'甲'.repeat(27)}😀排名`)
  })

  it('keeps names unique when they only become equal after cleaning or differ only in case', () => {
    const taken = new Set<string>()
    expect(sheetName('A/B', taken)).toBe('A_B')
    expect(sheetName('A:B', taken)).toBe('A_B_2')
    expect(sheetName('a_b', taken)).toBe('a_b_3')
    expect(sheetName('Straße', taken)).toBe('Straße')
    expect(sheetName('STRASSE', taken)).toBe('STRASSE_2')
    const long = 'Ü'.repeat(40)
    const first = sheetName(long, taken)
    const second = sheetName(long.toLowerCase(), taken)
    expect(first).toHaveLength(31)
    expect(second).toBe(`${'ü'.repeat(29)}_2`)
  })

  it('never names a sheet History, in any case', () => {
    const taken = new Set<string>()
    expect(sheetName('History', taken)).toBe('History_2')
    expect(sheetName('hIsToRy', taken)).toBe('hIsToRy_3')
  })

  it('falls back to a name for an empty or all-apostrophe stem', () => {
    const taken = new Set<string>()
    expect(sheetName('', taken)).toBe('工作表')
    expect(sheetName("'''", taken)).toBe('工作表_2')
    expect(sheetName("'", taken, '排名')).toBe('排名')
  })
})
