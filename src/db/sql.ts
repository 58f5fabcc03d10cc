/**
 * Raw SQL results differ by engine: postgres.js returns an array of rows with counts as
 * strings; PGlite returns `{ rows }` with counts as numbers. Everything raw goes through
 * here so callers see one shape.
 */
import type { SQL } from 'drizzle-orm'
import type { Queryable } from './client.js'

export async function queryRows<T extends Record<string, unknown>>(db: Queryable, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query)
  if (Array.isArray(result)) return result as T[]
  return (result as { rows?: T[] }).rows ?? []
}

/** A count or bigint column from either engine, as a JS number. */
export function toCount(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value)
  throw new TypeError(`not a count: ${String(value)}`)
}
