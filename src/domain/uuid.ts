/**
 * UUIDs as civindex stores record ids: canonical text (lower case, with dashes) read into four
 * 32-bit words, and compact tables keyed by them. Client-generated ids arrive by the thousand in
 * a batch and by the million in a workbook, so the reader avoids allocating and the tables keep
 * 20 bytes a slot where a string key in a Map costs about a hundred.
 */
/** The 128 bits of the UUID last parsed by readUuid, as four 32-bit words. */
const WORDS = new Uint32Array(4)
/**
 * The last two texts parsed into WORDS, and whether each was a UUID: validating a finding looks
 * up its own id and its visit's id, each more than once.
 */
let lastText: string | null = null
let lastOk = false
let otherText: string | null = null
let otherOk = false
const OTHER_WORDS = new Uint32Array(4)

const HEX = new Int8Array(128).fill(-1)
for (let c = 0; c < 10; c++) HEX[48 + c] = c
for (let c = 0; c < 6; c++) HEX[97 + c] = 10 + c

/** The value of the hex digits of `text` from `start` to `end`, after `word`; -1 on anything else. */
function hexRun(text: string, start: number, end: number, word: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    const d = c < 128 ? HEX[c]! : -1
    if (d < 0) return -1
    word = word * 16 + d
  }
  return word
}

/** Reads a canonical UUID (lowercase, with dashes) into `out` at `at`; false for anything else. */
export function readUuid(id: string, out: Uint32Array = WORDS, at = 0): boolean {
  if (out !== WORDS || at !== 0) return parseUuid(id, out, at)
  if (id === lastText) return lastOk
  if (id === otherText) {
    // Swap the two: WORDS takes the other's words.
    const text = lastText
    const ok = lastOk
    lastText = otherText
    lastOk = otherOk
    otherText = text
    otherOk = ok
    for (let k = 0; k < 4; k++) {
      const w = WORDS[k]!
      WORDS[k] = OTHER_WORDS[k]!
      OTHER_WORDS[k] = w
    }
    return lastOk
  }
  OTHER_WORDS.set(WORDS)
  otherText = lastText
  otherOk = lastOk
  lastText = id
  lastOk = parseUuid(id, WORDS, 0)
  return lastOk
}

function parseUuid(id: string, out: Uint32Array, at: number): boolean {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return false
  const w0 = hexRun(id, 0, 8, 0)
  const w1a = w0 < 0 ? -1 : hexRun(id, 9, 13, 0)
  const w1 = w1a < 0 ? -1 : hexRun(id, 14, 18, w1a)
  const w2a = w1 < 0 ? -1 : hexRun(id, 19, 23, 0)
  const w2 = w2a < 0 ? -1 : hexRun(id, 24, 28, w2a)
  const w3 = w2 < 0 ? -1 : hexRun(id, 28, 36, 0)
  if (w3 < 0) return false
  out[at] = w0
  out[at + 1] = w1
  out[at + 2] = w2
  out[at + 3] = w3
  return true
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

/** The canonical text of the UUID stored as four words in `words` at `at`. */
export function uuidText(words: Uint32Array, at: number): string {
  let out = ''
  for (let k = 0; k < 4; k++) {
    const w = words[at + k]!
    out += HEX_BYTE[w >>> 24]! + HEX_BYTE[(w >>> 16) & 0xff]!
    if (k === 1 || k === 2) out += '-'
    out += HEX_BYTE[(w >>> 8) & 0xff]! + HEX_BYTE[w & 0xff]!
    if (k === 0 || k === 1) out += '-'
  }
  // One flat string, not a tree of the pieces it was built from.
  return Buffer.from(out, 'latin1').toString('latin1')
}

/**
 * A map from UUIDs to non-negative integers in typed arrays: 20 bytes a slot where a string key
 * in a Map costs about a hundred, which matters at a million ids. Open addressing with linear
 * probing, kept at most half full. Only canonical UUIDs (see readUuid) go in; any other text is
 * never found.
 */
export class UuidTable {
  private words: Uint32Array
  private values: Int32Array
  private mask: number
  private count = 0

  constructor(capacity = 1024) {
    let size = 16
    while (size < capacity * 2) size *= 2
    this.words = new Uint32Array(size * 4)
    this.values = new Int32Array(size).fill(-1)
    this.mask = size - 1
  }

  get size(): number {
    return this.count
  }

  /** The value stored for `id`, or -1. */
  get(id: string): number {
    if (!readUuid(id)) return -1
    const slot = this.find()
    return this.values[slot]!
  }

  /** Stores `value` (≥ 0) for `id`; false when `id` is no canonical UUID. */
  set(id: string, value: number): boolean {
    if (!readUuid(id)) return false
    const slot = this.find()
    if (this.values[slot]! < 0) {
      this.words.set(WORDS, slot * 4)
      this.count++
    }
    this.values[slot] = value
    if (this.count * 2 > this.mask + 1) this.grow()
    return true
  }

  /** The slot of the UUID in WORDS: where it is, or the empty slot where it belongs. */
  private find(): number {
    const w0 = WORDS[0]!
    const w1 = WORDS[1]!
    const w2 = WORDS[2]!
    const w3 = WORDS[3]!
    let h = (Math.imul(w0, 0x9e3779b1) ^ Math.imul(w1, 0x85ebca77) ^ Math.imul(w2, 0xc2b2ae3d) ^ Math.imul(w3, 0x27d4eb2f)) | 0
    h ^= h >>> 16
    h = Math.imul(h, 0x85ebca6b)
    h ^= h >>> 13
    h = Math.imul(h, 0xc2b2ae35)
    h ^= h >>> 16
    const { words, values, mask } = this
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      if (values[slot]! < 0) return slot
      const at = slot * 4
      if (words[at] === w0 && words[at + 1] === w1 && words[at + 2] === w2 && words[at + 3] === w3) return slot
    }
  }

  private grow(): void {
    lastText = null // WORDS is used below for other ids
    otherText = null
    const { words, values } = this
    const size = (this.mask + 1) * 2
    this.words = new Uint32Array(size * 4)
    this.values = new Int32Array(size).fill(-1)
    this.mask = size - 1
    for (let slot = 0; slot < values.length; slot++) {
      if (values[slot]! < 0) continue
      const at = slot * 4
      WORDS[0] = words[at]!
      WORDS[1] = words[at + 1]!
      WORDS[2] = words[at + 2]!
      WORDS[3] = words[at + 3]!
      const to = this.find()
      this.words.set(WORDS, to * 4)
      this.values[to] = values[slot]!
    }
  }
}

/** A set of UUIDs, compactly (see UuidTable). */
export class UuidSet {
  private readonly table = new UuidTable(1 << 15)
  get size(): number {
    return this.table.size
  }
  has(id: string): boolean {
    return this.table.get(id) >= 0
  }
  add(id: string): this {
    this.table.set(id, 0)
    return this
  }
}
