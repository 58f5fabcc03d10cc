/**
 * Cell-value normalisation for the Excel import: trimming (including the full-width space),
 * folding full-width ASCII (０-９ Ａ-Ｚ ａ-ｚ ． － ： ， ／ ＃ …) to ASCII, numbers to decimal
 * text, Excel dates and serials and the usual hand-typed time spellings to ISO 8601 in China
 * time, and the deterministic UUID given to rows whose id was left empty.
 */
import { createHash } from 'node:crypto'

const EDGE_SPACE = /^[\s\u200b\ufeff]+|[\s\u200b\ufeff]+$/g
const FULL_WIDTH = /[\uff01-\uff5e\u3000]/

/** Whether a character may be trimmed by EDGE_SPACE (control characters are left to it to decide). */
const mayBeSpace = (c: number): boolean =>
  c <= 0x20 ||
  (c >= 0xa0 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff))

/** Trims white space at both ends, including U+3000, no-break and zero-width spaces. */
export function trimCell(text: string): string {
  // Most cells have nothing to trim: settle that without a regular expression.
  if (text.length === 0 || (!mayBeSpace(text.charCodeAt(0)) && !mayBeSpace(text.charCodeAt(text.length - 1)))) return text
  return text.replace(EDGE_SPACE, '')
}

/** Folds the full-width forms U+FF01–U+FF5E to ASCII and U+3000 to a space. */
export function foldWidth(text: string): string {
  if (!FULL_WIDTH.test(text)) return text
  let out = ''
  for (const ch of text) {
    const c = ch.charCodeAt(0)
    out += c >= 0xff01 && c <= 0xff5e ? String.fromCharCode(c - 0xfee0) : c === 0x3000 ? ' ' : ch
  }
  return out
}

/**
 * A number as decimal text, as Excel shows it: 15 significant digits (so binary noise such as
 * 0.30000000000000004 disappears) and never in exponent form.
 */
export function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n)
  const rounded = Number(n.toPrecision(15))
  const text = String(rounded)
  if (!/e/i.test(text)) return text
  // Exponent form: spell it out in full.
  const [mantissa = '', expText = '0'] = text.toLowerCase().split('e')
  const exp = Number(expText)
  const negative = mantissa.startsWith('-')
  const [intPart = '', fracPart = ''] = mantissa.replace('-', '').split('.')
  const digits = intPart + fracPart
  const point = intPart.length + exp
  let out: string
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length)
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`
  out = out.includes('.') ? out.replace(/0+$/, '').replace(/\.$/, '') : out
  return negative ? `-${out}` : out
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/**
 * The same ASCII text as one flat string. Text built by concatenation is a tree of pieces in V8
 * (about 140 bytes for a time stamp instead of 48), which adds up over a million rows.
 */
export function flat(ascii: string): string {
  return Buffer.from(ascii, 'latin1').toString('latin1')
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1900 || y > 9999) return false
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return d <= last
}

/**
 * The wall-clock time of an Excel date cell as ISO 8601 in China time. Excel stores no time
 * zone; exceljs gives the wall clock as the UTC fields of a Date, rounded here to the second.
 */
export function excelDateToIso(d: Date): string | null {
  const ms = d.getTime()
  if (Number.isNaN(ms)) return null
  const t = new Date(Math.round(ms / 1000) * 1000)
  const y = t.getUTCFullYear()
  if (y < 1900 || y > 9999) return null
  return flat(`${pad(y, 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}+08:00`)
}

/** An Excel date serial (days since 1899-12-30, or since 1904-01-01 in 1904 workbooks). */
export function serialToIso(serial: number, date1904 = false): string | null {
  if (!Number.isFinite(serial) || serial <= 0 || serial >= 2958466) return null
  const ms = Math.round((serial - 25569 + (date1904 ? 1462 : 0)) * 86400) * 1000
  return excelDateToIso(new Date(ms))
}

const TEXT_TIME =
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:(?:[ T]+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i
const CHINESE_TIME = /^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})秒?)?分?)?$/

/**
 * Reads a hand-typed time: `2017-08-03 09:10`, `2017/8/3 9:10`, `2017-08-03T09:10:00+08:00`,
 * `2017年8月3日 9:10`. Without an offset the time is China time (+08:00). A date alone stays a
 * date (`2017-08-03`), which the record validator takes as 00:00 China time. Null when the text
 * is no such time or names an impossible date.
 */
export function textToIso(raw: string): string | null {
  const text = trimCell(foldWidth(raw))
  const m = TEXT_TIME.exec(text) ?? CHINESE_TIME.exec(text)
  if (!m) return null
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  if (!validDate(y, mo, d)) return null
  const date = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`
  if (m[4] === undefined) return m[7] === undefined ? flat(date) : null
  const h = Number(m[4])
  const mi = Number(m[5])
  const s = m[6] === undefined ? 0 : Number(m[6])
  if (h > 23 || mi > 59 || s > 59) return null
  let offset = '+08:00'
  const z = m[7]
  if (z !== undefined) {
    if (z.toUpperCase() === 'Z') offset = 'Z'
    else {
      const digits = z.replace(':', '')
      const oh = Number(digits.slice(1, 3))
      const om = Number(digits.slice(3, 5))
      if (oh > 14 || om > 59) return null
      offset = `${digits[0]}${digits.slice(1, 3)}:${digits.slice(3, 5)}`
    }
  }
  return flat(`${date}T${pad(h)}:${pad(mi)}:${pad(s)}${offset}`)
}

/** RFC 4122 namespace of the ids that the import gives to rows without one (a fixed random UUID). */
const NAMESPACE = Buffer.from('6f1d3c2a9b8e4f7da1c05e2b7d9f3a61', 'hex')

/**
 * A name-based (version 5, SHA-1) UUID of the given parts, so the same row of the same file
 * of the same round always gets the same id and a re-import is recognised as a retry.
 */
export function deterministicUuid(parts: readonly string[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(parts.join('\u001f'), 'utf8').digest()
  hash[6] = (hash[6]! & 0x0f) | 0x50
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const h = hash.subarray(0, 16).toString('hex')
  return flat(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`)
}
