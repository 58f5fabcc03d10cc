/**
 * A published round whose group names are hostile as sheet names ('历史' in apostrophes, 40
 * characters with a /, two names equal in their first 29 characters) still gets its workbook:
 * GET /report/xlsx answers 200 and the file reads back with one valid ranking sheet per group.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadIndicatorSetText } from '../../src/services/indicator-sets.js'
import { loadRound, transitionRound } from '../../src/services/rounds.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName } from '../helpers/db.js'

const actor = { id: null, name: 'test' }
const tag = randomBytes(4).toString('hex')
const code = `names-${tag}`
const LONG = '市直部门/窗口服务单位甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥天地玄黄宇'
const LONG_TWIN = `${LONG.slice(0, 39)}宙`

interface GroupSpec {
  name: string
  units: string[]
}
const GROUPS: GroupSpec[] = [
  { name: "'历史'", units: [`h1-${tag}`, `h2-${tag}`] },
  { name: LONG, units: [`l1-${tag}`, `l2-${tag}`] },
  { name: LONG_TWIN, units: [`t1-${tag}`, `t2-${tag}`] },
]

/** A round file and its records: each unit a market point, one visit with a finding, and the other scores. */
function roundFile(): string {
  return JSON.stringify({
    code,
    series: code,
    name: '工作表名称测试轮次',
    indicatorSet: 'sample-civility@2026.1',
    period: { from: '2026-03-01', to: '2026-03-31' },
    evaluator: '测试测评机构',
    groups: GROUPS.map((g, gi) => ({ code: `g${gi}-${tag}`, name: g.name, units: g.units.map((u, ui) => ({ code: u, name: `单位${gi}${ui}` })) })),
    points: GROUPS.flatMap((g) => g.units.map((u) => ({ code: `p-${u}`, name: `市场${u}`, type: 'market', unit: u }))),
  })
}

function records(): Record<string, unknown[]> {
  const units = GROUPS.flatMap((g) => g.units)
  const id = (prefix: string, i: number): string => `${prefix}-0000-4000-8000-${tag}${String(i).padStart(4, '0')}`
  return {
    visits: units.map((u, i) => ({ id: id('a0000000', i), point: `p-${u}`, at: '2026-03-05T09:00:00+08:00' })),
    findings: units.map((_, i) => ({ id: id('b0000000', i), visit: id('a0000000', i), standard: '01-01-01', count: 1 + (i % 3), note: '占道经营' })),
    externalScores: units.map((u, i) => ({ unit: u, component: 'survey', value: String(80 + i) })),
    measures: units.map((u, i) => ({ unit: u, standard: '04-01-01', value: String(1 + (i % 4)) })),
    directScores: units.map((u) => ({ unit: u, standard: '04-01-02', value: '5' })),
  }
}

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
  const db = t.database.handle.db
  await loadIndicatorSetText(db, fs.readFileSync(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url), 'utf8'), actor)
  await loadRound(db, roundFile(), actor)
  await transitionRound(db, code, 'open', actor)
  const stored = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${code}/records`, headers: bearer(t.tokens.admin), payload: records() })
  if (stored.statusCode !== 200) throw new Error(`records refused: ${stored.body}`)
  await transitionRound(db, code, 'close', actor)
})
afterAll(async () => t?.close())

describe(`the workbook of a round with hostile group names (${engineName})`, () => {
  it('publishes and serves the xlsx with one valid, distinct ranking sheet per group', async () => {
    const published = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${code}/publish`, headers: bearer(t.tokens.admin), payload: { replicates: 50 } })
    expect(published.statusCode, published.body).toBe(200)

    const res = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${code}/report/xlsx`, headers: bearer(t.tokens.admin) })
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer)

    const names = wb.worksheets.map((w) => w.name)
    for (const name of names) {
      expect(name.length, name).toBeLessThanOrEqual(31)
      expect(name, name).not.toMatch(/[:\\/?*[\]]/)
      expect(name.startsWith("'") || name.endsWith("'"), name).toBe(false)
    }
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length)
    expect(names).toContain('历史排名')

    // Each group's units are on exactly one sheet, and each group has its own.
    const sheetOf = GROUPS.map((g) => {
      const holding = wb.worksheets.filter((ws) => {
        const codes: unknown[] = []
        ws.getColumn(3).eachCell((c) => void codes.push(c.value))
        return g.units.every((u) => codes.includes(u))
      })
      expect(holding.map((ws) => ws.name), g.name).toHaveLength(1)
      return holding[0]!.name
    })
    expect(new Set(sheetOf).size).toBe(GROUPS.length)
    expect(sheetOf[1]).toBe(`${LONG.slice(0, 29).replace('/', '_')}排名`)
    expect(sheetOf[2]).toBe(`${LONG.slice(0, 27).replace('/', '_')}排名_2`)
  })
})
