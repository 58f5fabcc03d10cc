/**
 * A fresh install, end to end: `civindex serve` as a child process on an empty data
 * directory (PGlite) or an empty PostgreSQL database (TEST_DATABASE_URL). It prints the first
 * administrator's token once, loads the bundled indicator sets, serves the API and its
 * OpenAPI document, stops cleanly on SIGTERM, and starts again without a new token.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freshChildDatabase, killChildren, startCli, type ChildDatabase, type LongRunning } from '../helpers/process.js'

const TIMEOUT = 60_000

interface Node {
  type: 'indicator' | 'standard'
  children?: Node[]
}

const countStandards = (nodes: Node[]): number => nodes.reduce((n, node) => n + (node.type === 'standard' ? 1 : countStandards(node.children ?? [])), 0)

/** The address the server reports once it listens (PORT=0: the system picks the port). */
async function listening(server: LongRunning): Promise<string> {
  const match = await server.waitForStdout(/"address":"(http:\/\/[^"]+)"/, 45_000)
  return match[1]!
}

/** Every test installs on its own empty database, so each runs alone and in any order. */
const databases: ChildDatabase[] = []
async function freshDatabase(): Promise<ChildDatabase> {
  const db = await freshChildDatabase()
  databases.push(db)
  return db
}

afterAll(async () => {
  await killChildren()
  for (const db of databases) await db.drop()
})

const serverEnv = (db: ChildDatabase): Record<string, string> => ({ ...db.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' })
const get = (base: string, url: string, token: string | null): Promise<Response> => fetch(`${base}${url}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })

/** `civindex serve` on the database, once it listens: the process and its address. */
async function serve(db: ChildDatabase): Promise<{ server: LongRunning; base: string }> {
  const server = startCli(['serve'], serverEnv(db))
  return { server, base: await listening(server) }
}

/** The administrator's token a first start printed, read once its output shows it. */
async function firstToken(server: LongRunning): Promise<string> {
  await server.waitForStdout(/token: civ_\S+/, 45_000)
  const tokens = [...server.stdout.matchAll(/token: (civ_\S+)/g)].map((m) => m[1]!)
  expect(tokens, server.stdout).toHaveLength(1)
  return tokens[0]!
}

describe('civindex serve on a fresh install', () => {
  it(
    'prints a one-time admin token and serves health, the bundled sets and the OpenAPI document',
    async () => {
      const db = await freshDatabase()
      const spawnedAt = performance.now()
      const { server, base } = await serve(db)
      let health = await fetch(`${base}/readyz`).catch(() => null)
      while (health?.status !== 200) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        health = await fetch(`${base}/readyz`).catch(() => null)
      }
      console.log(`civindex serve (${db.dataDir ? 'pglite' : 'postgres'}, fresh): first 200 from /readyz ${Math.round(performance.now() - spawnedAt)} ms after spawn`)
      expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok', engine: db.dataDir ? 'pglite' : 'postgres' })

      const token = await firstToken(server)
      expect(token).toMatch(/^civ_[A-Za-z0-9_-]{43}$/)

      const sets = await get(base, '/api/v1/indicator-sets', token)
      expect(sets.status).toBe(200)
      const refs = ((await sets.json()) as { ref: string }[]).map((s) => s.ref).sort((a, b) => a.localeCompare(b))
      expect(refs).toEqual(['city-mock@2026.1', 'sample-civility@2026.1'])

      const anonymous = await get(base, '/api/v1/indicator-sets', null)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(await anonymous.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' })

      const docs = await get(base, '/docs/json', null)
      expect(docs.status).toBe(200)
      const openapi = (await docs.json()) as { openapi: string; paths: Record<string, unknown> }
      expect(openapi.openapi).toMatch(/^3\./)
      expect(Object.keys(openapi.paths)).toContain('/api/v1/indicator-sets')
      const ui = await get(base, '/docs', null)
      expect(ui.status).toBeLessThan(400)

      const city = await get(base, '/api/v1/indicator-sets/city-mock/2026.1', token)
      expect(city.status).toBe(200)
      const body = (await city.json()) as { ref: string; standards: number; definition: { indicators: Node[] } }
      expect(body.ref).toBe('city-mock@2026.1')
      expect(body.standards).toBe(90)
      expect(countStandards(body.definition.indicators)).toBe(90)

      server.child.kill('SIGTERM')
      expect(await server.exited(15_000)).toEqual({ code: 0, signal: null })
    },
    TIMEOUT,
  )

  it(
    'stops with exit code 0 on SIGTERM and releases the data directory',
    async () => {
      const db = await freshDatabase()
      const { server: running } = await serve(db)
      if (db.dataDir) expect(fs.existsSync(path.join(db.dataDir, 'civindex.lock'))).toBe(true)
      const signalledAt = performance.now()
      running.child.kill('SIGTERM')
      const exit = await running.exited(15_000)
      expect(exit, running.stdout + running.stderr).toEqual({ code: 0, signal: null })
      expect(performance.now() - signalledAt).toBeLessThan(15_000)
      expect(running.stdout).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/)
      if (db.dataDir) expect(fs.existsSync(path.join(db.dataDir, 'civindex.lock'))).toBe(false)
    },
    TIMEOUT,
  )

  it(
    'starts again on the same data without a new token and still serves both sets',
    async () => {
      const db = await freshDatabase()
      const first = await serve(db)
      const token = await firstToken(first.server)
      first.server.child.kill('SIGTERM')
      expect(await first.server.exited(15_000)).toEqual({ code: 0, signal: null })

      const { server: again, base } = await serve(db)
      expect(again.stdout).not.toMatch(/token:/)
      expect(again.stdout).not.toMatch(/No users yet/)

      const sets = await get(base, '/api/v1/indicator-sets', token)
      expect(sets.status).toBe(200)
      const refs = ((await sets.json()) as { ref: string }[]).map((s) => s.ref).sort((a, b) => a.localeCompare(b))
      expect(refs).toEqual(['city-mock@2026.1', 'sample-civility@2026.1'])

      again.child.kill('SIGTERM')
      expect(await again.exited(15_000)).toEqual({ code: 0, signal: null })
      // Loading the bundled sets again changed nothing (read once the process is gone and its output complete).
      expect(again.stdout).toMatch(/"set":"city-mock@2026\.1","outcome":"unchanged"/)
      expect(again.stdout).toMatch(/"set":"sample-civility@2026\.1","outcome":"unchanged"/)
      expect(again.stdout).not.toMatch(/token:/)
    },
    TIMEOUT,
  )
})
