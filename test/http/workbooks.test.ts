import { randomUUID } from 'node:crypto'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { createSampleRound } from '../helpers/factories.js'
import { sampleRows } from '../excel/helpers.js'

// One app and database for the file; every test makes its own round (test/helpers/factories.ts).
let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => t?.close())

function multipart(file: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----civindex-xlsx'
  return {
    payload: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="filled.xlsx"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  }
}

async function filled(template: Buffer, rows: Record<string, ExcelJS.CellValue[][]>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(template as unknown as ArrayBuffer)
  for (const [sheet, list] of Object.entries(rows)) for (const r of list) wb.getWorksheet(sheet)!.addRow(r)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** The entry template of a round, as an evaluator downloads it. */
async function templateOf(code: string): Promise<Buffer> {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${code}/template`, headers: bearer(t.tokens.evaluator) })
  expect(res.statusCode).toBe(200)
  return res.rawPayload
}

async function ranking(code: string): Promise<[string, string][]> {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${code}/ranking`, headers: bearer(t.tokens.admin) })
  expect(res.statusCode).toBe(200)
  const rows: { unit: string; total: string }[] = res.json().groups[0].ranking
  return rows.map((u) => [u.unit, u.total])
}

describe('Excel over HTTP', () => {
  it('downloads the template of a round', async () => {
    const round = await createSampleRound(t.database.handle.db, { data: false })
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${round.code}/template`, headers: bearer(t.tokens.evaluator) })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/spreadsheetml/)
    const template = res.rawPayload
    expect(template.subarray(0, 2).toString()).toBe('PK')
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/rounds/${round.code}/template`, headers: bearer(t.tokens.leader) })).statusCode).toBe(403)
  })

  it('refuses a bad workbook with sheet!cell problems and a marked copy to download, storing nothing', async () => {
    const round = await createSampleRound(t.database.handle.db, { data: false })
    const bad = await filled(await templateOf(round.code), { 点位考察: [[randomUUID(), 'P9', '2026-01-08 09:00']] })
    const { payload, headers } = multipart(bad)
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${round.code}/import`, payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })
    expect(res.statusCode).toBe(400)
    const problem = res.json()
    expect(problem.errors[0].path).toMatch(/^点位考察!B\d+$/)
    const copy = await t.app.inject({ method: 'GET', url: problem.errorWorkbook, headers: bearer(t.tokens.evaluator) })
    expect(copy.statusCode).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(copy.rawPayload as unknown as ArrayBuffer)
    expect(wb.worksheets[0]!.name).toBe('错误清单')
    expect(await ranking(round.code)).toEqual([])
  })

  it('imports a filled workbook and ranks it', async () => {
    const round = await createSampleRound(t.database.handle.db, { data: false })
    const good = await filled(await templateOf(round.code), sampleRows(round.data) as Record<string, ExcelJS.CellValue[][]>)
    const { payload, headers } = multipart(good)
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${round.code}/import`, payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ visits: { added: 5 }, findings: { added: 3 }, externalScores: 3 })
    expect(await ranking(round.code)).toEqual([
      ['c', '95.80'],
      ['a', '91.25'],
      ['b', '83.28'],
    ])
  })

  it('refuses a workbook reusing a stored id with other content: 409 naming the cell, with a marked copy', async () => {
    const round = await createSampleRound(t.database.handle.db)
    const data = structuredClone(round.data)
    expect(data.visits[1]!.at).toBe('2026-01-05T10:10:00+08:00')
    data.visits[1]!.at = '2026-01-05T11:00:00+08:00' // stored at 10:10
    const { payload, headers } = multipart(await filled(await templateOf(round.code), sampleRows(data) as Record<string, ExcelJS.CellValue[][]>))
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${round.code}/import`, payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })
    expect(res.statusCode).toBe(409)
    const problem = res.json()
    expect(problem.code).toBe('CONFLICT')
    expect(problem.errors).toEqual([{ path: '点位考察!A3', message: `visit ${data.visits[1]!.id} is already recorded with different content` }])
    expect((await t.app.inject({ method: 'GET', url: problem.errorWorkbook, headers: bearer(t.tokens.evaluator) })).statusCode).toBe(200)
    // The rest of the file was a retry: nothing changed.
    expect(await ranking(round.code)).toEqual([
      ['c', '95.80'],
      ['a', '91.25'],
      ['b', '83.28'],
    ])
  })

  it('answers a file that is not a workbook with 400, and keeps serving', async () => {
    const round = await createSampleRound(t.database.handle.db, { data: false })
    const { payload, headers } = multipart(Buffer.from('definitely not a zip'))
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${round.code}/import`, payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })
    expect(res.statusCode).toBe(400)
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  })
})
