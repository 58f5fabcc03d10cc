import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { isDomainError } from '../src/domain/errors.js'

function problemsOf(env: Record<string, string>): { path: string; message: string }[] {
  try {
    loadConfig(env, '/srv/civindex')
  } catch (error) {
    if (isDomainError(error) && error.code === 'CONFIG_INVALID') return error.issues
    throw error
  }
  return []
}

describe('configuration', () => {
  it('defaults to the embedded database in ./data and a local port', () => {
    const c = loadConfig({}, '/srv/civindex')
    expect(c).toMatchObject({ databaseUrl: null, dataDir: '/srv/civindex/data', storageDir: '/srv/civindex/data/photos', port: 3000, host: '127.0.0.1', logLevel: 'info', seedSets: true })
    expect(c.maxPhotoBytes).toBe(10_000_000)
    // /metrics is on, for loopback clients without a token.
    expect(c).toMatchObject({ metrics: true, metricsToken: null })
  })

  it('reads every variable', () => {
    const c = loadConfig(
      {
        DATABASE_URL: 'postgres://u:p@db:5432/civ',
        CIVINDEX_DATA: 'var/db',
        CIVINDEX_STORAGE: '/mnt/photos',
        PORT: '8080',
        HOST: '0.0.0.0',
        LOG_LEVEL: 'debug',
        CIVINDEX_BODY_LIMIT: '1048576',
        CIVINDEX_MAX_PHOTO_BYTES: '5000000',
        CIVINDEX_SEED_SETS: '0',
        CIVINDEX_METRICS: 'off',
        CIVINDEX_METRICS_TOKEN: 'prometheus-scrape-token-1',
      },
      '/srv/civindex',
    )
    expect(c).toEqual({
      databaseUrl: 'postgres://u:p@db:5432/civ',
      dataDir: path.resolve('/srv/civindex', 'var/db'),
      storageDir: '/mnt/photos',
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'debug',
      bodyLimit: 1048576,
      maxPhotoBytes: 5000000,
      seedSets: false,
      metrics: false,
      metricsToken: 'prometheus-scrape-token-1',
    })
  })

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '  ', PORT: '' }, '/x')).toMatchObject({ databaseUrl: null, port: 3000 })
  })

  it('names every bad variable at once', () => {
    const problems = problemsOf({ DATABASE_URL: 'mysql://x', PORT: '70000', LOG_LEVEL: 'loud', HOST: 'a b', CIVINDEX_BODY_LIMIT: '1k', CIVINDEX_SEED_SETS: 'maybe', CIVINDEX_METRICS: 'maybe', CIVINDEX_METRICS_TOKEN: 'short' })
    expect(problems.map((p) => p.path).sort((a, b) => (a < b ? -1 : 1))).toEqual(['CIVINDEX_BODY_LIMIT', 'CIVINDEX_METRICS', 'CIVINDEX_METRICS_TOKEN', 'CIVINDEX_SEED_SETS', 'DATABASE_URL', 'HOST', 'LOG_LEVEL', 'PORT'])
    expect(problems.find((p) => p.path === 'PORT')?.message).toMatch(/0 to 65535.*70000/)
  })

  it('rejects a connection string that is not a URL', () => {
    expect(problemsOf({ DATABASE_URL: 'not a url' }).map((p) => p.path)).toEqual(['DATABASE_URL'])
  })
})
