/**
 * Photos, stored by content: the file is named by its SHA-256 under the storage directory
 * (<dir>/ab/abcdef…), so the same photo uploaded twice is stored once and a finding refers to it
 * by hash. The type is judged from the bytes; anything but JPEG, PNG or WebP is refused.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { DomainError } from '../domain/errors.js'
import { SHA256_HEX, sniffPhotoType, type PhotoType } from '../domain/photo.js'
import type { Database } from '../db/client.js'
import { photos } from '../db/schema/index.js'
import type { Actor } from '../db/queries/audit.js'

export interface StoredPhoto {
  hash: string
  mime: PhotoType
  bytes: number
  status: 'stored' | 'existing'
}

export function photoPath(storageDir: string, hash: string): string {
  return path.join(storageDir, hash.slice(0, 2), hash)
}

/**
 * Streams an upload to a temporary file while hashing it, then checks the type and moves it
 * into place. `tooLarge` reports whether the stream was cut at the size limit.
 */
export async function storePhoto(db: Database, storageDir: string, upload: AsyncIterable<Buffer>, tooLarge: () => boolean, actor: Actor): Promise<StoredPhoto> {
  fs.mkdirSync(storageDir, { recursive: true })
  const temp = path.join(storageDir, `.upload-${process.pid}-${randomBytes(6).toString('hex')}`)
  const hash = createHash('sha256')
  let bytes = 0
  let head = Buffer.alloc(0)
  const out = fs.createWriteStream(temp)
  try {
    for await (const chunk of upload) {
      const buffer = chunk
      if (head.length < 16) head = Buffer.concat([head, buffer.subarray(0, 16 - head.length)])
      hash.update(buffer)
      bytes += buffer.length
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
    }
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
    if (tooLarge()) throw new DomainError('PHOTO_TOO_LARGE', 'the photo is larger than the limit (CIVINDEX_MAX_PHOTO_BYTES)')
    if (bytes === 0) throw new DomainError('VALIDATION_FAILED', 'the photo is empty', [{ path: 'photo', message: 'no bytes' }])
    const mime = sniffPhotoType(head)
    if (!mime) throw new DomainError('VALIDATION_FAILED', 'the file is not a JPEG, PNG or WebP image', [{ path: 'photo', message: 'not a JPEG, PNG or WebP image (judged from its bytes)' }])
    const digest = hash.digest('hex')
    const final = photoPath(storageDir, digest)
    fs.mkdirSync(path.dirname(final), { recursive: true })
    fs.renameSync(temp, final)
    const inserted = await db.insert(photos).values({ hash: digest, mime, bytes, uploadedBy: actor.id }).onConflictDoNothing().returning({ hash: photos.hash })
    return { hash: digest, mime, bytes, status: inserted.length > 0 ? 'stored' : 'existing' }
  } finally {
    out.destroy()
    fs.rmSync(temp, { force: true })
  }
}

export async function findPhoto(db: Database, storageDir: string, hash: string): Promise<{ file: string; mime: string; bytes: number }> {
  const h = hash.toLowerCase()
  if (!SHA256_HEX.test(h)) throw new DomainError('NOT_FOUND', `no photo ${hash}`)
  const [row] = await db.select().from(photos).where(eq(photos.hash, h)).limit(1)
  const file = photoPath(storageDir, h)
  if (!row || !fs.existsSync(file)) throw new DomainError('NOT_FOUND', `no photo ${hash}`)
  return { file, mime: row.mime, bytes: row.bytes }
}
