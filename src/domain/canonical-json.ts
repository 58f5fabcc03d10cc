/**
 * Canonical JSON: object keys sorted by code unit, no insignificant white space, `undefined`
 * members dropped. Used wherever a hash must not depend on key order (indicator-set content,
 * publication snapshots, the audit chain).
 */
import { createHash, hash } from 'node:crypto'

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite number in canonical JSON')
    if (typeof value === 'bigint') return value.toString()
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`
  if (value instanceof Date) return JSON.stringify(value.toISOString())
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

export function sha256Hex(text: string | Uint8Array): string {
  // The one-shot form is about twice as fast for the short texts of record hashes.
  return typeof text === 'string' ? hash('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex')
}

export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value))
}
