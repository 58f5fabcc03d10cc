/**
 * A 50,000-row 问题记录 sheet (plus 1,000 visits), written with shared strings as Excel does,
 * streams through readWorkbook: every row read, progress reported along the way, memory growth
 * modest. Timing and memory are printed, not asserted (beyond a generous ceiling on growth).
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import ExcelJS from 'exceljs'
import { afterAll, describe, expect, it } from 'vitest'
import { readWorkbook } from '../../src/excel/import.js'
import { SHEET_BY_KIND } from '../../src/excel/layout.js'
import { tempDir } from './helpers.js'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const FINDINGS = 50_000
const VISITS = 1_000
const STANDARDS = ['01-01-01', '01-01-02', '01-01-03', '03-01-01']
const NOTES = ['占道经营', '地面有垃圾', '未设公平秤', '无公益广告', '乱贴乱画']

async function writeLarge(file: string): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true })
  const visits = wb.addWorksheet('点位考察')
  visits.addRow(SHEET_BY_KIND.get('visits')!.columns.map((c) => c.header)).commit()
  const visitIds: string[] = []
  for (let i = 0; i < VISITS; i++) {
    const id = randomUUID()
    visitIds.push(id)
    visits.addRow([id, 'P1', new Date(Date.UTC(2026, 0, 1 + (i % 28), 9, i % 60)), `e${i % 20}`]).commit()
  }
  visits.commit()
  const findings = wb.addWorksheet('问题记录')
  findings.addRow(SHEET_BY_KIND.get('findings')!.columns.map((c) => c.header)).commit()
  for (let i = 0; i < FINDINGS; i++) {
    findings
      .addRow([randomUUID(), visitIds[i % VISITS], STANDARDS[i % STANDARDS.length], 1 + (i % 3), i % 7 === 0 ? 0.5 : null, NOTES[i % NOTES.length], `e${i % 20}`, `2026-01-${String(1 + (i % 28)).padStart(2, '0')} 10:${String(i % 60).padStart(2, '0')}`])
      .commit()
  }
  findings.commit()
  await wb.commit()
}

/** Open file descriptors of this process (Linux), or null. */
const openFds = (): number | null => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : null)

describe('a large workbook', () => {
  const file = tmp.file('large.xlsx')

  it(`streams ${FINDINGS.toLocaleString()} findings with progress and modest memory growth`, async () => {
    let t = performance.now()
    await writeLarge(file)
    const writeMs = performance.now() - t

    const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`
    const rssBefore = process.memoryUsage().rss
    let peak = rssBefore
    const progress: number[] = []
    t = performance.now()
    const result = await readWorkbook(file, {
      roundCode: 'big',
      onProgress: (rows) => {
        progress.push(rows)
        peak = Math.max(peak, process.memoryUsage().rss)
      },
    })
    const readMs = performance.now() - t
    peak = Math.max(peak, process.memoryUsage().rss)

    expect(result.issues).toEqual([])
    expect(result.data.findings).toHaveLength(FINDINGS)
    expect(result.data.visits).toHaveLength(VISITS)
    expect(result.origins.findings[FINDINGS - 1]).toEqual({ row: FINDINGS + 1 })
    expect(result.data.findings[7]).toMatchObject({ standard: STANDARDS[3], count: 2, deduction: '0.5', note: NOTES[2], at: '2026-01-08T10:07:00+08:00' })
    expect(progress.length).toBeGreaterThanOrEqual(Math.floor((FINDINGS + VISITS) / 1000))
    expect(progress.at(-1)).toBe(FINDINGS + VISITS)
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]!)
    expect(peak - rssBefore, 'RSS growth while reading').toBeLessThan(400 * 1024 * 1024)

    console.log(
      `[excel] ${(FINDINGS + VISITS).toLocaleString()} rows, file ${mb(statSync(file).size)}: written in ${writeMs.toFixed(0)} ms, ` +
        `read in ${readMs.toFixed(0)} ms (${Math.round(((FINDINGS + VISITS) / readMs) * 1000).toLocaleString()} rows/s); ` +
        `RSS ${mb(rssBefore)} → peak ${mb(peak)} (+${mb(peak - rssBefore)}), ${progress.length} progress calls`,
    )
  })

  it('stops early at maxRows without leaving files open or errors behind', async () => {
    const before = openFds()
    for (let i = 0; i < 3; i++) {
      const result = await readWorkbook(file, { maxRows: 1500 })
      expect(result.issues).toEqual([{ sheet: '问题记录', row: 502, column: '', message: '数据超过一次导入的上限 1500 行，请拆分成多个文件导入' }])
    }
    await sleep(300) // a late error from a stream stopped midway would surface here
    if (before !== null) expect(openFds()).toBeLessThanOrEqual(before)
  })
})
