/**
 * Upload temp files: they live under the storage directory, never in the system temp folder;
 * every request removes its own (success, refused workbook, unreadable file, client abort); and
 * a server start sweeps what a crashed process left, sparing what a live server may still read.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROCESS_SCOPE, uploadFileName } from '../../src/http/upload-files.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { tempDir } from '../helpers/db.js'
import { loadSampleRound } from '../helpers/sample-round.js'
import { sampleRows } from '../excel/helpers.js'

const HOUR = 3600 * 1000
const storage = tempDir('civindex-storage-')
const uploads = path.join(storage, 'import-uploads')
const otherScope = PROCESS_SCOPE === 'f'.repeat(12) ? 'e'.repeat(12) : 'f'.repeat(12)

/**
 * A pid that is not running: above Linux's PID_MAX_LIMIT (2²² = 4,194,304), so no process has
 * it. (A child that has exited will do on a quiet machine, but its pid may be handed out again
 * while the whole suite starts processes: pid_max here is 32,768.)
 */
const deadPid = 4_194_305

function leftover(name: string, ageMs: number): string {
  const file = path.join(uploads, name)
  fs.writeFileSync(file, 'PK left behind')
  const at = new Date(Date.now() - ageMs)
  fs.utimesSync(file, at, at)
  return path.basename(file)
}

fs.mkdirSync(uploads, { recursive: true })
const LEFT = {
  deadHere: leftover(path.basename(uploadFileName(uploads, 'xlsx', deadPid)), 0),
  staleElsewhere: leftover(`upload-${otherScope}-${process.pid}-0123456789abcdef.xlsx`, 2 * HOUR),
  staleUnknown: leftover('civindex-import-0123456789ab.xlsx', 2 * HOUR),
  freshElsewhere: leftover(`upload-${otherScope}-${deadPid}-0123456789abcdef.xlsx`, 5 * 60 * 1000),
  aliveHere: leftover(path.basename(uploadFileName(uploads, 'xlsx', process.ppid)), 0),
}

let t: TestApp
let template: Buffer
/** The system temp folder seen by the server during the requests below: TMPDIR points here. */
const systemTemp = tempDir('civindex-systemp-')
const savedTmp = process.env.TMPDIR

beforeAll(async () => {
  t = await createTestApp({ CIVINDEX_STORAGE: storage })
  await loadSampleRound(t.database.handle.db, { data: false })
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/rounds/2026-01/template', headers: bearer(t.tokens.evaluator) })
  expect(res.statusCode).toBe(200)
  template = res.rawPayload
  process.env.TMPDIR = systemTemp
  expect(os.tmpdir()).toBe(systemTemp)
})
afterAll(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR
  else process.env.TMPDIR = savedTmp
  await t?.close()
  fs.rmSync(storage, { recursive: true, force: true })
  fs.rmSync(systemTemp, { recursive: true, force: true })
})

const MULTIPART_HEAD = (boundary: string): Buffer =>
  Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="filled.xlsx"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n`,
  )

function multipart(file: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----civindex-upload'
  return {
    payload: Buffer.concat([MULTIPART_HEAD(boundary), file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  }
}

async function filled(rows: Record<string, ExcelJS.CellValue[][]>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(template as unknown as ArrayBuffer)
  for (const [sheet, list] of Object.entries(rows)) for (const r of list) wb.getWorksheet(sheet)!.addRow(r)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/**
 * Runs `request` while watching the storage's upload folder and the system temp folder; returns
 * the names that appeared in each. inotify reports a file created and removed at once too.
 */
async function watching<T>(request: () => Promise<T>): Promise<{ result: T; inUploads: Set<string>; inTemp: Set<string> }> {
  const inUploads = new Set<string>()
  const inTemp = new Set<string>()
  const a = fs.watch(uploads, (_event, name) => void (name && inUploads.add(name.toString())))
  const b = fs.watch(systemTemp, (_event, name) => void (name && inTemp.add(name.toString())))
  try {
    const result = await request()
    await new Promise((resolve) => setTimeout(resolve, 100)) // late events, late file operations
    return { result, inUploads, inTemp }
  } finally {
    a.close()
    b.close()
  }
}

const post = (payload: Buffer | Readable, headers: Record<string, string>) =>
  t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/import', payload, headers: { ...headers, ...bearer(t.tokens.evaluator) } })

const uploadFiles = (): string[] => fs.readdirSync(uploads).filter((n) => n.startsWith('upload-')).sort((x, y) => x.localeCompare(y))

describe('upload temp files', () => {
  it('at start, removes what dead processes and stale uploads left, and keeps what a live server may be reading', () => {
    const left = new Set(fs.readdirSync(uploads))
    expect(left.has(LEFT.deadHere)).toBe(false)
    expect(left.has(LEFT.staleElsewhere)).toBe(false)
    expect(left.has(LEFT.staleUnknown)).toBe(false)
    expect(left.has(LEFT.freshElsewhere)).toBe(true)
    expect(left.has(LEFT.aliveHere)).toBe(true)
  })

  it('writes a refused workbook to the storage folder, not the system temp folder, and leaves no file', async () => {
    const before = uploadFiles()
    const bad = await filled({ 点位考察: [['80000000-0000-4000-8000-000000000001', 'P9', '2026-01-08 09:00']] })
    const { payload, headers } = multipart(bad)
    const { result, inUploads, inTemp } = await watching(() => post(payload, headers))
    expect(result.statusCode).toBe(400)
    expect(result.json<{ code: string }>().code).toBe('VALIDATION_FAILED')
    expect([...inUploads].filter((n) => n.startsWith('upload-'))).toHaveLength(1)
    expect([...inTemp]).toEqual([])
    expect(uploadFiles()).toEqual(before)
  })

  it('leaves no file after a file that is not a workbook, or a successful import', async () => {
    const before = uploadFiles()
    const junk = multipart(Buffer.from('definitely not a zip'))
    const refused = await watching(() => post(junk.payload, junk.headers))
    expect(refused.result.statusCode).toBe(400)
    const good = multipart(await filled(sampleRows() as Record<string, ExcelJS.CellValue[][]>))
    const stored = await watching(() => post(good.payload, good.headers))
    expect(stored.result.statusCode).toBe(200)
    for (const run of [refused, stored]) {
      expect([...run.inUploads].filter((n) => n.startsWith('upload-'))).toHaveLength(1)
      expect([...run.inTemp]).toEqual([])
    }
    expect(uploadFiles()).toEqual(before)
  })

  it('leaves no file when the client goes away in the middle of the upload', async () => {
    const before = uploadFiles()
    const boundary = '----civindex-upload'
    const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` }
    const body = (): Readable => {
      const stream = new Readable({ read() {} })
      stream.push(MULTIPART_HEAD(boundary))
      stream.push(template.subarray(0, 1000))
      return stream
    }
    // Once the server has created its file (and is waiting for the rest), the client goes away.
    for (let i = 0; i < 3; i++) {
      const stream = body()
      const started = fs.watch(uploads, (_event, name) => {
        if (name?.toString().startsWith('upload-')) stream.destroy(new Error('client went away'))
      })
      const late = setTimeout(() => stream.destroy(new Error('the upload never started')), 15_000)
      try {
        const { inTemp, result } = await watching(() => post(stream, headers).catch((error: unknown) => error))
        expect((result as Error).message).toBe('client went away')
        expect([...inTemp]).toEqual([])
      } finally {
        started.close()
        clearTimeout(late)
      }
    }
    // And at once, before the server may have got that far.
    for (let i = 0; i < 3; i++) {
      const stream = body()
      setImmediate(() => stream.destroy(new Error('client went away')))
      const { inTemp } = await watching(() => post(stream, headers).catch((error: unknown) => error))
      expect([...inTemp]).toEqual([])
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(uploadFiles()).toEqual(before)
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  })
})
