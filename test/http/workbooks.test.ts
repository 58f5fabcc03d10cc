import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { loadSampleRound } from '../helpers/sample-round.js'
import { sampleData, sampleRows } from '../excel/helpers.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
  await loadSampleRound(t.database.handle.db, { data: false })
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

describe('Excel over HTTP', () => {
  let template: Buffer
  it('downloads the template of a round', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/template', headers: bearer(t.tokens.evaluator) })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/spreadsheetml/)
    template = res.rawPayload
    expect(template.subarray(0, 2).toString()).toBe('PK')
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/template', headers: bearer(t.tokens.leader) })).statusCode).toBe(403)
  })

  it('refuses a bad workbook with sheet!cell problems and a marked copy to download, storing nothing', async () => {
    const bad = await filled(template, { 点位考察: [['80000000-0000-4000-8000-000000000001', 'P9', '2026-01-08 09:00']] })
    const { payload, headers } = multipart(bad)
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/import', payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })
    expect(res.statusCode).toBe(400)
    const problem = res.json()
    expect(problem.errors[0].path).toMatch(/^点位考察!B\d+$/)
    const copy = await t.app.inject({ method: 'GET', url: problem.errorWorkbook, headers: bearer(t.tokens.evaluator) })
    expect(copy.statusCode).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(copy.rawPayload as unknown as ArrayBuffer)
    expect(wb.worksheets[0]!.name).toBe('错误清单')
    const ranking = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/ranking', headers: bearer(t.tokens.admin) })
    expect(ranking.json().groups[0].ranking).toEqual([])
  })

  it('imports a filled workbook and ranks it', async () => {
    const good = await filled(template, sampleRows() as Record<string, ExcelJS.CellValue[][]>)
    const { payload, headers } = multipart(good)
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/import', payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ visits: { added: 5 }, findings: { added: 3 }, externalScores: 3 })
    const ranking = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/ranking', headers: bearer(t.tokens.admin) })
    expect(ranking.json().groups[0].ranking.map((u: { unit: string; total: string }) => [u.unit, u.total])).toEqual([
      ['c', '95.80'],
      ['a', '91.25'],
      ['b', '83.28'],
    ])
  })

  it('refuses a workbook reusing a stored id with other content: 409 naming the cell, with a marked copy', async () => {
    const data = sampleData()
    data.visits[1]!.at = '2026-01-05T11:00:00+08:00' // stored at 10:10
    const { payload, headers } = multipart(await filled(template, sampleRows(data) as Record<string, ExcelJS.CellValue[][]>))
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/import', payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })
    expect(res.statusCode).toBe(409)
    const problem = res.json()
    expect(problem.code).toBe('CONFLICT')
    expect(problem.errors).toEqual([{ path: '点位考察!A3', message: `visit ${String(data.visits[1]!.id)} is already recorded with different content` }])
    expect((await t.app.inject({ method: 'GET', url: problem.errorWorkbook, headers: bearer(t.tokens.evaluator) })).statusCode).toBe(200)
    // The rest of the file was a retry: nothing changed.
    const ranking = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/ranking', headers: bearer(t.tokens.admin) })
    expect(ranking.json().groups[0].ranking.map((u: { unit: string; total: string }) => [u.unit, u.total])).toEqual([
      ['c', '95.80'],
      ['a', '91.25'],
      ['b', '83.28'],
    ])
  })

  it('answers a file that is not a workbook with 400, and keeps serving', async () => {
    const { payload, headers } = multipart(Buffer.from('definitely not a zip'))
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/import', payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })
    expect(res.statusCode).toBe(400)
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  })
})
