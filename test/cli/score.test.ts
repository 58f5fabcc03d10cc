/**
 * `civindex score` as acceptance checks drive it (SPEC §4.5, §8): the real bin as child
 * processes on a fresh data directory (PGlite) or a fresh PostgreSQL database
 * (TEST_DATABASE_URL). The set, round and data go in through the CLI; `score --json` must be
 * the same document the server answers at GET /api/v1/rounds/:code/ranking; `score` without
 * --json prints the Chinese table; bad input exits 1 with the reason on stderr.
 *
 * The commands run one after another: an embedded data directory admits one process at a time.
 * No test relies on another: the loading test loads into a database of its own; the tests that
 * only read share one database loaded the same way on first use; the server test has its own.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.js'
import { engineName, tempDir } from '../helpers/db.js'
import { freshChildDatabase, killChildren, runCli, startCli, type ChildDatabase, type RunResult } from '../helpers/process.js'

const TIMEOUT = 60_000
const SET = 'indicators/sample-civility-2026.1.yaml'
const ROUND = 'test/fixtures/rounds/sample-2026-01.yaml'
const DATA = 'test/fixtures/rounds/sample-2026-01.data.json'

const work = tempDir('civindex-score-files-')
const databases: ChildDatabase[] = []

afterEach(async () => {
  await killChildren()
})

afterAll(async () => {
  await killChildren()
  for (const db of databases) await db.drop()
  fs.rmSync(work, { recursive: true, force: true })
})

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '')
const show = (r: RunResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function writeFile(name: string, text: string): string {
  const file = path.join(work, name)
  fs.writeFileSync(file, text)
  return file
}

async function ok(db: ChildDatabase, args: string[]): Promise<RunResult> {
  const r = await runCli(args, db.env)
  expect(r.code, `civindex ${args.join(' ')}\n${show(r)}`).toBe(0)
  return r
}

async function freshDatabase(): Promise<ChildDatabase> {
  const db = await freshChildDatabase()
  databases.push(db)
  return db
}

/** A fresh database with the set and the round loaded, fieldwork open and the data imported, all through the CLI. */
async function loadedDatabase(): Promise<ChildDatabase> {
  const db = await freshDatabase()
  for (const args of [['indicators', 'load', SET], ['round', 'load', ROUND], ['round', 'open', '2026-01'], ['import', '2026-01', DATA]]) await ok(db, args)
  return db
}

let shared: Promise<ChildDatabase> | null = null
/** One loaded database for the tests that only read it (or check that nothing was stored), loaded on first use. */
function readOnlyDatabase(): Promise<ChildDatabase> {
  shared ??= loadedDatabase()
  return shared
}

describe(`civindex score (${engineName})`, () => {
  it(
    'loads the set and the round, opens it and imports the data through the CLI',
    async () => {
      const db = await freshDatabase()
      await ok(db, ['indicators', 'load', SET])
      const round = await ok(db, ['round', 'load', ROUND])
      expect(round.stdout).toMatch(/loaded round 2026-01 /)
      await ok(db, ['round', 'open', '2026-01'])
      const imported = await ok(db, ['import', '2026-01', DATA])
      expect(imported.stdout).toContain('5 visits (0 already there), 3 findings (0 already there), 3 external scores, 3 measures, 3 direct scores')
    },
    TIMEOUT,
  )

  it(
    'score --json prints one JSON document in the SPEC §4.5 shape',
    async () => {
      const r = await ok(await readOnlyDatabase(), ['score', '2026-01', '--json'])
      expect(r.stderr).toBe('')
      expect(lines(r.stdout)).toHaveLength(1)
      const result = JSON.parse(r.stdout) as {
        round: string
        indicatorSet: string
        status: string
        groups: {
          code: string
          ranking: { unit: string; rank: number; tied: boolean; total: string; findings: number; visits: number; change: string }[]
          unranked: { unit: string }[]
          transfers: unknown[]
          withheld: unknown[]
          lists: unknown
          selfCriticism: string[]
        }[]
      }
      expect(result).toMatchObject({ round: '2026-01', indicatorSet: 'sample-civility@2026.1', status: 'computed' })
      const g = result.groups[0]!
      expect(g.ranking.map((u) => [u.unit, u.rank, u.tied, u.total, u.findings, u.visits, u.change])).toEqual([
        ['c', 1, false, '95.80', 0, 1, 'new'],
        ['a', 2, false, '91.25', 2, 2, 'new'],
        ['b', 3, false, '83.28', 2, 2, 'new'],
      ])
      expect(g.unranked.map((u) => u.unit)).toEqual(['d'])
      expect(g.transfers).toEqual([{ payer: 'b', payee: 'c', amount: '200000.00', rule: 0 }])
      expect(g.withheld).toEqual([])
      expect(g.lists).toEqual({ red: ['c'], black: ['b'] })
      expect(g.selfCriticism).toEqual(['b'])
    },
    TIMEOUT,
  )

  it(
    'score without --json prints the Chinese ranking table',
    async () => {
      const r = await ok(await readOnlyDatabase(), ['score', '2026-01'])
      expect(r.stderr).toBe('')
      const out = lines(r.stdout)
      const header = out.findIndex((l) => l.startsWith('名次'))
      expect(header, r.stdout).toBeGreaterThanOrEqual(0)
      expect(out[header]!.split(/\s+/)).toEqual(['名次', '单位', '总分', '实地考察', '材料审核', '问卷调查', '问题数', '考察点次', '较上期'])
      // Rows in rank order, right under the header.
      expect(out[header + 1]!.split(/\s+/)).toEqual(['1', '丙区', '95.80', '100.00', '80.00', '92.00', '0', '1', '新进'])
      expect(out[header + 2]!.split(/\s+/)).toEqual(['2', '甲区', '91.25', '92.86', '85.00', '90.00', '2', '2', '新进'])
      expect(out[header + 3]!.split(/\s+/)).toEqual(['3', '乙区', '83.28', '78.57', '100.00', '88.50', '2', '2', '新进'])
      expect(r.stdout).toContain('2026年第1次文明程度指数测评')
      expect(r.stdout).toContain('未参评：丁区')
      expect(r.stdout).toContain('末位单位乙区向第一名丙区拨付人民币20万元')
      expect(out).toContain('红榜：丙区')
      expect(out).toContain('黑榜：乙区')
      expect(r.stdout).toContain('乙区主要负责人李四须在市文明委会议上作公开检讨')
      expect(r.stdout).not.toContain('丁区主要负责人')
    },
    TIMEOUT,
  )

  it(
    'score of an unknown round exits 1 with the reason on stderr',
    async () => {
      const r = await runCli(['score', 'nosuch'], (await readOnlyDatabase()).env)
      expect(r.code, show(r)).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/no round nosuch/)
    },
    TIMEOUT,
  )

  it(
    'import of a bad file exits 1 listing every problem as <file>: <path>: <reason>, storing nothing',
    async () => {
      const db = await readOnlyDatabase()
      const before = await ok(db, ['score', '2026-01', '--json'])
      const bad = writeFile(
        'bad-data.json',
        JSON.stringify({
          visits: [
            { id: 'not-a-uuid', point: 'P1', at: '2026-01-05T09:10:00+08:00' },
            { id: '00000000-0000-4000-8000-0000000000aa', point: 'P77', at: '2026-01-05T09:10:00+08:00' },
          ],
          findings: [{ id: '10000000-0000-4000-8000-0000000000aa', visit: '00000000-0000-4000-8000-000000000002', standard: '01-01-01', count: 0 }],
          externalScores: [{ unit: 'a', component: 'survey', value: '101' }],
        }),
      )
      const r = await runCli(['import', '2026-01', bad], db.env)
      expect(r.code, show(r)).toBe(1)
      expect(r.stdout).toBe('')
      const expected: [string, string][] = [
        ['visits[0].id', 'must be a UUID'],
        ['visits[1].point', 'unknown point "P77"'],
        ['findings[0].standard', 'does not apply to point type road'],
        ['findings[0].count', 'must be a whole number from 1 to 999'],
        ['externalScores[0].value', 'must be from 0 to 100'],
      ]
      for (const [where, reason] of expected) {
        expect(r.stderr, `no "${bad}: ${where}: …${reason}…"`).toMatch(new RegExp(`^\\s*${escape(bad)}: ${escape(where)}: .*${escape(reason)}`, 'm'))
      }
      const reported = lines(r.stderr).filter((l) => new RegExp(`^\\s*${escape(bad)}: [^:]+: `).test(l))
      expect(reported, r.stderr).toHaveLength(expected.length)

      // Nothing was stored: the ranking is as before.
      const again = await ok(db, ['score', '2026-01', '--json'])
      expect(again.stdout).toBe(before.stdout)
    },
    TIMEOUT,
  )

  it(
    'import of a file that is not JSON exits 1',
    async () => {
      const db = await readOnlyDatabase()
      const notJson = writeFile('broken.json', '{ "visits": [ { "id": ')
      const broken = await runCli(['import', '2026-01', notJson], db.env)
      expect(broken.code, show(broken)).toBe(1)
      expect(broken.stdout).toBe('')
      expect(broken.stderr).toContain(`${notJson} is not valid JSON`)

      const yaml = writeFile('data.yaml', 'visits: []\n')
      const wrongKind = await runCli(['import', '2026-01', yaml], db.env)
      expect(wrongKind.code, show(wrongKind)).toBe(1)
      expect(wrongKind.stdout).toBe('')
      expect(wrongKind.stderr).toMatch(/must be \.json/)

      const missing = await runCli(['import', '2026-01', path.join(work, 'missing.json')], db.env)
      expect(missing.code, show(missing)).toBe(1)
      expect(missing.stderr).toMatch(/cannot read .*missing\.json/)
    },
    TIMEOUT,
  )

  it(
    'score --json and GET /api/v1/rounds/:code/ranking of the server on the same database are the same document',
    async () => {
      // The server's first start on this database prints the administrator's token: a database of its own.
      const db = await loadedDatabase()
      const scoreJson = (await ok(db, ['score', '2026-01', '--json'])).stdout
      expect(scoreJson).not.toBe('')
      const server = startCli(['serve'], { ...db.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' })
      const base = (await server.waitForStdout(/"address":"(http:\/\/[^"]+)"/, 45_000))[1]!
      const tokens = [...server.stdout.matchAll(/token: (civ_\S+)/g)].map((m) => m[1]!)
      expect(tokens, server.stdout).toHaveLength(1)
      const res = await fetch(`${base}/api/v1/rounds/2026-01/ranking`, { headers: { authorization: `Bearer ${tokens[0]!}` } })
      expect(res.status).toBe(200)
      const http = canonicalJson(await res.json())
      const cli = canonicalJson(JSON.parse(scoreJson))
      expect(http).toBe(cli)

      server.child.kill('SIGTERM')
      expect(await server.exited(20_000)).toMatchObject({ code: 0 })
    },
    TIMEOUT,
  )
})
