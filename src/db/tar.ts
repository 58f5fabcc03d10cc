/**
 * The little of POSIX ustar that an embedded-database backup needs: directories and regular
 * files, written as a stream and read back as a stream, so a backup never holds the database in
 * memory. The reader is strict, because its input may be damaged: every header's checksum is
 * verified, paths may not climb out of the target (no absolute paths, no `..`), a file cut
 * short or a missing end-of-archive marker is an error, and nothing but directories and
 * regular files is accepted.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'

const BLOCK = 512
const SMALL_FILE = 4 << 20

export class TarFormatError extends Error {}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

/** A ustar header; names longer than 100 bytes go into the 155-byte prefix field. */
export function tarHeader(name: string, kind: 'file' | 'directory', size: number, mode: number, mtime: Date): Buffer {
  const header = Buffer.alloc(BLOCK, 0)
  let base = kind === 'directory' && !name.endsWith('/') ? `${name}/` : name
  let prefix = ''
  if (Buffer.byteLength(base) > 100) {
    const cut = base.lastIndexOf('/', base.length - 2)
    prefix = base.slice(0, cut)
    base = base.slice(cut + 1)
    if (cut < 0 || Buffer.byteLength(base) > 100 || Buffer.byteLength(prefix) > 155) throw new TarFormatError(`path too long for a tar header: ${name}`)
  }
  header.write(base, 0, 100, 'utf8')
  header.write(octal(mode & 0o7777, 8), 100, 'ascii')
  header.write(octal(0, 8), 108, 'ascii')
  header.write(octal(0, 8), 116, 'ascii')
  header.write(octal(kind === 'file' ? size : 0, 12), 124, 'ascii')
  header.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii')
  header.write('        ', 148, 'ascii')
  header.write(kind === 'file' ? '0' : '5', 156, 'ascii')
  header.write('ustar\u000000', 257, 'ascii')
  header.write(prefix, 345, 155, 'utf8')
  let sum = 0
  for (const byte of header) sum += byte
  header.write(octal(sum, 7) + ' ', 148, 'ascii')
  return header
}

export const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0)
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK, 0)

/**
 * Every directory and regular file under `root` as tar entries named `<as>/<relative path>`,
 * depth first in name order; `skip` gets each path relative to root.
 */
export async function* tarTree(root: string, as: string, skip: (relative: string) => boolean): AsyncGenerator<Buffer> {
  const walk = async function* (relative: string): AsyncGenerator<Buffer> {
    const dir = path.join(root, relative)
    const names = fs.readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    for (const name of names) {
      const rel = relative === '' ? name : `${relative}/${name}`
      if (skip(rel)) continue
      const full = path.join(root, rel)
      const stat = fs.lstatSync(full)
      if (stat.isDirectory()) {
        yield tarHeader(`${as}/${rel}`, 'directory', 0, stat.mode, stat.mtime)
        yield* walk(rel)
      } else if (stat.isFile()) {
        yield tarHeader(`${as}/${rel}`, 'file', stat.size, stat.mode, stat.mtime)
        let written = 0
        if (stat.size <= SMALL_FILE) {
          // Most data files are a few pages: one read each, without a stream's set-up.
          const data = await fs.promises.readFile(full)
          written = data.length
          yield data
        } else {
          for await (const chunk of fs.createReadStream(full, { highWaterMark: 1 << 20 })) {
            written += (chunk as Buffer).length
            yield chunk as Buffer
          }
        }
        if (written !== stat.size) throw new Error(`${full} changed size while it was read`)
        yield padding(stat.size)
      }
    }
  }
  yield tarHeader(as, 'directory', 0, 0o700, new Date())
  yield* walk('')
}

export interface TarEntry {
  name: string
  kind: 'file' | 'directory'
  size: number
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end < 0 ? length : end).toString('utf8')
}

function parseOctal(block: Buffer, start: number, length: number): number {
  const text = field(block, start, length).trim()
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError('a tar header holds a malformed number')
  return Number.parseInt(text, 8)
}

/**
 * A writable that takes a tar stream. `open` decides for each entry whether and where its
 * content goes: a file path to write it to, a collector for small entries, or null to refuse
 * the entry (it throws). Finishing without the end-of-archive marker is an error.
 */
export class TarReader extends Writable {
  private pending: Buffer = Buffer.alloc(0)
  private current: { entry: TarEntry; remaining: number; fd: number | null; collect: Buffer[] | null; done: ((data: Buffer) => void) | null } | null = null
  private skipPad = 0
  private ended = false
  readonly entries: TarEntry[] = []

  constructor(private readonly target: (entry: TarEntry) => { file: string } | { collect: (data: Buffer) => void } | { directory: string }) {
    super()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.take(chunk)
      callback()
    } catch (error) {
      this.closeCurrent()
      callback(error as Error)
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.closeCurrent()
    if (!this.ended) callback(new TarFormatError(this.current ? `the archive ends inside ${this.current.entry.name}` : 'the archive has no end marker: it is cut short'))
    else callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closeCurrent()
    callback(error)
  }

  private closeCurrent(): void {
    if (this.current?.fd != null) fs.closeSync(this.current.fd)
    if (this.current) this.current.fd = null
  }

  private take(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    this.pending = Buffer.alloc(0)
    while (data.length > 0) {
      if (this.ended) {
        if (data.some((b) => b !== 0)) throw new TarFormatError('data follows the end of the archive')
        return
      }
      if (this.current) {
        const n = Math.min(this.current.remaining, data.length)
        const piece = data.subarray(0, n)
        if (this.current.fd !== null) fs.writeSync(this.current.fd, piece)
        else this.current.collect?.push(Buffer.from(piece))
        this.current.remaining -= n
        data = data.subarray(n)
        if (this.current.remaining === 0) this.finishCurrent()
        continue
      }
      if (this.skipPad > 0) {
        const n = Math.min(this.skipPad, data.length)
        this.skipPad -= n
        data = data.subarray(n)
        continue
      }
      if (data.length < BLOCK) {
        this.pending = Buffer.from(data)
        return
      }
      const block = data.subarray(0, BLOCK)
      data = data.subarray(BLOCK)
      if (block.every((b) => b === 0)) {
        this.ended = true
        continue
      }
      this.header(block)
    }
  }

  private header(block: Buffer): void {
    const stored = parseOctal(block, 148, 8)
    let sum = 0
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!
    if (sum !== stored) throw new TarFormatError('a tar header is damaged (its checksum does not match)')
    const type = String.fromCharCode(block[156]!)
    const prefix = field(block, 345, 155)
    const name = (prefix ? `${prefix}/` : '') + field(block, 0, 100)
    const kind = type === '5' ? 'directory' : type === '0' || type === '\0' ? 'file' : null
    if (!kind) throw new TarFormatError(`${name}: only directories and regular files are expected in a backup`)
    const clean = name.replace(/\/+$/, '')
    if (clean === '' || clean.startsWith('/') || clean.split('/').some((part) => part === '..' || part === '')) throw new TarFormatError(`${name}: not a relative path inside the backup`)
    const entry: TarEntry = { name: clean, kind, size: kind === 'file' ? parseOctal(block, 124, 12) : 0 }
    this.entries.push(entry)
    const where = this.target(entry)
    if ('directory' in where) {
      fs.mkdirSync(where.directory, { recursive: true, mode: 0o700 })
      return
    }
    if ('file' in where) {
      fs.mkdirSync(path.dirname(where.file), { recursive: true, mode: 0o700 })
      this.current = { entry, remaining: entry.size, fd: fs.openSync(where.file, 'wx', 0o600), collect: null, done: null }
    } else {
      this.current = { entry, remaining: entry.size, fd: null, collect: [], done: where.collect }
    }
    if (entry.size === 0) this.finishCurrent()
  }

  private finishCurrent(): void {
    const current = this.current!
    if (current.fd !== null) fs.closeSync(current.fd)
    current.fd = null
    if (current.collect && current.done) current.done(Buffer.concat(current.collect))
    this.skipPad = (BLOCK - (current.entry.size % BLOCK)) % BLOCK
    this.current = null
  }
}
