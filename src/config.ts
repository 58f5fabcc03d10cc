/**
 * The environment, parsed and validated once. Nothing else in civindex reads process.env.
 * A bad value stops start-up with a message naming the variable; every bad variable is
 * reported, not just the first.
 */
import path from 'node:path'
import { DomainError } from './domain/errors.js'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export interface Config {
  /** PostgreSQL connection string; null = the embedded PGlite database in `dataDir`. */
  databaseUrl: string | null
  /** Directory of the embedded database (CIVINDEX_DATA, default ./data). */
  dataDir: string
  /** Where uploaded photos are stored by their SHA-256 (CIVINDEX_STORAGE, default <dataDir>/photos). */
  storageDir: string
  port: number
  host: string
  logLevel: LogLevel
  /** Largest accepted request body in bytes (CIVINDEX_BODY_LIMIT, default 64 MiB). */
  bodyLimit: number
  /** Largest accepted photo in bytes (CIVINDEX_MAX_PHOTO_BYTES, default 10 MB). */
  maxPhotoBytes: number
  /** Load the bundled indicator sets of indicators/ at server start (CIVINDEX_SEED_SETS, default on). */
  seedSets: boolean
  /** Serve Prometheus metrics at GET /metrics (CIVINDEX_METRICS, default on). */
  metrics: boolean
  /**
   * Bearer token /metrics asks for (CIVINDEX_METRICS_TOKEN). Unset: no token, but only clients on
   * the loopback interface are answered.
   */
  metricsToken: string | null
}

type Env = Record<string, string | undefined>

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: { path: string; message: string }[] = []
  const bad = (name: string, message: string): void => {
    problems.push({ path: name, message })
  }
  const text = (name: string): string | undefined => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name)
    if (raw === undefined) return fallback
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      bad(name, `must be a whole number from ${min} to ${max} (got "${raw}")`)
      return fallback
    }
    return Number(raw)
  }

  let databaseUrl: string | null = text('DATABASE_URL') ?? null
  if (databaseUrl !== null) {
    let ok = false
    try {
      const url = new URL(databaseUrl)
      ok = url.protocol === 'postgres:' || url.protocol === 'postgresql:'
    } catch {
      ok = false
    }
    if (!ok) {
      bad('DATABASE_URL', 'must be a postgres:// or postgresql:// connection string (unset it to use the embedded database)')
      databaseUrl = null
    }
  }

  const dataDir = path.resolve(cwd, text('CIVINDEX_DATA') ?? 'data')
  const storageDir = path.resolve(cwd, text('CIVINDEX_STORAGE') ?? path.join(dataDir, 'photos'))
  const port = integer('PORT', 3000, 0, 65535)
  const host = text('HOST') ?? '127.0.0.1'
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) bad('HOST', `is not a host name or address (got "${host}")`)

  const level = text('LOG_LEVEL') ?? 'info'
  let logLevel: LogLevel = 'info'
  if ((LOG_LEVELS as readonly string[]).includes(level)) logLevel = level as LogLevel
  else bad('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${level}")`)

  const bodyLimit = integer('CIVINDEX_BODY_LIMIT', 64 * 1024 * 1024, 1024, 2 ** 31 - 1)
  const maxPhotoBytes = integer('CIVINDEX_MAX_PHOTO_BYTES', 10 * 1000 * 1000, 1024, 2 ** 31 - 1)

  const seedRaw = (text('CIVINDEX_SEED_SETS') ?? '1').toLowerCase()
  const seedSets = ['1', 'true', 'yes', 'on'].includes(seedRaw)
  if (!seedSets && !['0', 'false', 'no', 'off'].includes(seedRaw)) bad('CIVINDEX_SEED_SETS', `must be 1 or 0 (got "${seedRaw}")`)

  const metricsRaw = (text('CIVINDEX_METRICS') ?? '1').toLowerCase()
  const metrics = ['1', 'true', 'yes', 'on'].includes(metricsRaw)
  if (!metrics && !['0', 'false', 'no', 'off'].includes(metricsRaw)) bad('CIVINDEX_METRICS', `must be 1 or 0 (got "${metricsRaw}")`)
  const metricsToken = text('CIVINDEX_METRICS_TOKEN') ?? null
  if (metricsToken !== null && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) bad('CIVINDEX_METRICS_TOKEN', 'must be at least 16 printable ASCII characters without spaces')

  if (problems.length > 0) {
    throw new DomainError('CONFIG_INVALID', problems.map((p) => `${p.path} ${p.message}`).join('; '), problems)
  }
  return { databaseUrl, dataDir, storageDir, port, host, logLevel, bodyLimit, maxPhotoBytes, seedSets, metrics, metricsToken }
}
