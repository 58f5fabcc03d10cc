import fs from 'node:fs'
import { createHash, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { photoPath } from '../../src/services/photos.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { tempDir } from '../helpers/db.js'
import { createSampleRound } from '../helpers/factories.js'

let t: TestApp
let storage: string
beforeAll(async () => {
  storage = tempDir('civindex-photos-')
  t = await createTestApp({ CIVINDEX_STORAGE: storage, CIVINDEX_MAX_PHOTO_BYTES: '4096' })
})
afterAll(async () => {
  await t?.close()
  fs.rmSync(storage, { recursive: true, force: true })
})

// Photos are stored by content: each test makes images nobody else uploads, so the first upload is its own.
const png = (): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(`IHDR fake image body 南门处地面存在垃圾 ${randomUUID()}`)])
const jpeg = (): Buffer => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`jpeg body ${randomUUID()}`)])
const webp = (): Buffer => Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x10, 0, 0, 0]), Buffer.from(`WEBPVP8 body ${randomUUID()}`)])
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

function multipart(file: Buffer, filename = 'photo.png', type = 'image/png'): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----civindex-test-boundary'
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

async function upload(file: Buffer, token = t.tokens.evaluator, filename?: string, type?: string) {
  const { payload, headers } = multipart(file, filename, type)
  return t.app.inject({ method: 'POST', url: '/api/v1/photos', payload, headers: { ...headers, ...bearer(token) } })
}

describe('photos', () => {
  it('stores a photo under its SHA-256 and recognises it the second time', async () => {
    const PNG = png()
    const hash = sha256(PNG)
    const first = await upload(PNG)
    expect(first.statusCode).toBe(201)
    expect(first.json()).toEqual({ hash, mime: 'image/png', bytes: PNG.length, status: 'stored' })
    expect(fs.readFileSync(photoPath(storage, hash))).toEqual(PNG)
    const again = await upload(PNG, t.tokens.admin, 'other-name.jpg', 'image/jpeg')
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ hash, status: 'existing', mime: 'image/png' })
    expect(fs.readdirSync(storage).filter((n) => n.startsWith('.upload-'))).toEqual([])
  })

  it('judges JPEG and WebP from the bytes, not the declared type', async () => {
    expect((await upload(jpeg(), t.tokens.evaluator, 'x.png', 'image/png')).json()).toMatchObject({ mime: 'image/jpeg' })
    expect((await upload(webp(), t.tokens.evaluator, 'x.bin', 'application/octet-stream')).json()).toMatchObject({ mime: 'image/webp' })
  })

  it('refuses a file that is not an image, and an empty one, keeping nothing', async () => {
    const text = await upload(Buffer.from('just text pretending to be a photo'), t.tokens.evaluator, 'fake.png', 'image/png')
    expect(text.statusCode).toBe(400)
    expect(text.json().errors[0].message).toMatch(/not a JPEG, PNG or WebP/)
    expect((await upload(Buffer.alloc(0))).statusCode).toBe(400)
    const files = fs.readdirSync(storage, { recursive: true }).map(String)
    expect(files.filter((f) => f.includes('.upload-'))).toEqual([])
  })

  it('refuses a photo above the size limit with 413 and keeps serving', async () => {
    const big = Buffer.concat([png(), Buffer.alloc(5000, 1)])
    const res = await upload(big)
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'PHOTO_TOO_LARGE' })
    expect(fs.existsSync(photoPath(storage, sha256(big)))).toBe(false)
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
  })

  it('serves a stored photo to allowed roles, 404 otherwise', async () => {
    const PNG = png()
    const hash = sha256(PNG)
    expect((await upload(PNG)).statusCode).toBe(201)
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/photos/${hash}`, headers: bearer(t.tokens.reviewer) })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('image/png')
    expect(res.rawPayload).toEqual(PNG)
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/photos/${'0'.repeat(64)}`, headers: bearer(t.tokens.reviewer) })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/photos/../../etc/passwd', headers: bearer(t.tokens.reviewer) })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/photos/${hash}`, headers: bearer(t.tokens.unit) })).statusCode).toBe(403)
  })

  it('lets findings refer to uploaded photos only', async () => {
    const round = await createSampleRound(t.database.handle.db)
    const PNG = png()
    const hash = sha256(PNG)
    expect((await upload(PNG)).statusCode).toBe(201)
    // The round's second visit is at P2, a road.
    const road = round.data.visits[1]!
    expect(road.point).toBe('P2')
    const finding = (id: string, photos: string[]) => ({
      findings: [{ id, visit: road.id, standard: '01-02-01', note: '路面有垃圾', photos }],
    })
    const ok = await t.app.inject({ method: 'POST', url: `/api/v1/rounds/${round.code}/records`, headers: bearer(t.tokens.evaluator), payload: finding(randomUUID(), [hash]) })
    expect(ok.statusCode).toBe(200)
    const missing = await t.app.inject({
      method: 'POST',
      url: `/api/v1/rounds/${round.code}/records`,
      headers: bearer(t.tokens.evaluator),
      payload: finding(randomUUID(), ['a'.repeat(64)]),
    })
    expect(missing.statusCode).toBe(400)
    expect(missing.json().errors[0]).toMatchObject({ path: 'findings[0].photos[0]' })
  })
})
