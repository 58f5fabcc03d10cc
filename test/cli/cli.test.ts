/**
 * The `civindex` command as acceptance checks drive it (SPEC §8): the real bin as a child
 * process on a fresh data directory (PGlite) or a fresh PostgreSQL database
 * (TEST_DATABASE_URL), asserting exit codes, stdout and stderr.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { engineName, TEST_DATABASE_URL, tempDir } from '../helpers/db.js'
import { freshChildDatabase, killChildren, ROOT, runCli, type ChildDatabase, type RunResult } from '../helpers/process.js'

const TIMEOUT = 60_000
const SAMPLE = 'indicators/sample-civility-2026.1.yaml'
const CITY = 'indicators/city-mock-2026.1.yaml'
const TOKEN = /^civ_[A-Za-z0-9_-]{43}$/

const work = tempDir('civindex-cli-files-')
const databases: ChildDatabase[] = []

async function freshDb(): Promise<ChildDatabase> {
  const db = await freshChildDatabase()
  databases.push(db)
  return db
}

afterEach(async () => {
  await killChildren()
})

afterAll(async () => {
  await killChildren()
  await Promise.all(databases.map((db) => db.drop()))
  fs.rmSync(work, { recursive: true, force: true })
})

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '')
const show = (r: RunResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Six defects, one per line noted. */
const BAD_SET = `code: bad-set
version: "1"
name: 有缺陷的体系
components:
  - { code: field, name: 实地考察, weight: "0.6", source: findings }
  - { code: survey, name: 问卷调查, weight: "0.3", source: external }
pointTypes:
  - { code: road, name: 主次干道 }
indicators:
  - code: "01"
    name: 公共环境
    component: field
    pointTypes: [road, river]
    children:
      - code: "01-01"
        text: 路面无垃圾
        points: 1
        rule: { kind: deduct, per: 2 }
      - code: "01-01"
        text: 无乱贴乱画
        points: 2
        rule: { kind: check }
      - code: "01-03"
        text: 没有计分规则
        points: 1
      - code: "01-04"
        text: 规则种类不存在
        points: 1
        rule: { kind: score }
`

/** [path, a fragment of the reason, line] for each defect of BAD_SET, top to bottom. */
const BAD_SET_DEFECTS: [string, string, number][] = [
  ['components', 'component weights must sum to exactly 1 (they sum to 0.9)', 5],
  ['indicators[0].pointTypes[1]', 'unknown point type "river"', 13],
  ['indicators[0].children[0].rule.per', "per (2) is greater than the standard's points (1)", 18],
  ['indicators[0].children[1].code', 'duplicate code "01-01"', 19],
  ['indicators[0].children[2]', 'a standard needs a "rule"', 23],
  ['indicators[0].children[3].rule.kind', 'must be one of deduct, check, gate, measure, direct', 29],
]

function writeFile(name: string, text: string): string {
  const file = path.join(work, name)
  fs.writeFileSync(file, text)
  return file
}

function expectDefects(stderr: string, file: string): void {
  const reported = lines(stderr).filter((l) => l.startsWith(`${file}: `) && !/: \d+ problem\(s\)$/.test(l))
  for (const [where, reason, line] of BAD_SET_DEFECTS) {
    const pattern = new RegExp(`^${escape(file)}: ${escape(where)}: .*${escape(reason)}.* \\(line ${line}\\)$`)
    expect(
      reported.some((l) => pattern.test(l)),
      `no "${where}: … ${reason} (line ${line})" in\n${stderr}`,
    ).toBe(true)
  }
  // Every reported line has the form `<file>: <path>: <reason> (line N)`.
  for (const l of reported) expect(l).toMatch(new RegExp(`^${escape(file)}: [^:]+: .+ \\(line \\d+\\)$`))
  expect(reported).toHaveLength(BAD_SET_DEFECTS.length)
}

describe('civindex indicators validate', () => {
  let db: ChildDatabase
  let bad: string
  beforeAll(async () => {
    db = await freshDb()
    bad = writeFile('bad-set-validate.yaml', BAD_SET)
  })

  it(
    'lists every defect with its path and line, a count, nothing on stdout, and stores nothing',
    async () => {
      const r = await runCli(['indicators', 'validate', bad], db.env)
      expect(r.code, show(r)).toBe(1)
      expect(r.stdout).toBe('')
      expectDefects(r.stderr, bad)
      expect(lines(r.stderr)).toContain(`${bad}: ${BAD_SET_DEFECTS.length} problem(s)`)
      expect(lines(r.stderr)).toHaveLength(BAD_SET_DEFECTS.length + 1)

      const list = await runCli(['indicators', 'list'], { ...db.env, LOG_LEVEL: 'warn' })
      expect(list.code, show(list)).toBe(0)
      expect(list.stdout).toBe('no indicator sets loaded\n')
    },
    TIMEOUT,
  )

  it(
    'accepts a good file with an ok line naming the set',
    async () => {
      const r = await runCli(['indicators', 'validate', SAMPLE], db.env)
      expect(r.code, show(r)).toBe(0)
      expect(r.stderr).toBe('')
      expect(lines(r.stdout)).toHaveLength(1)
      expect(r.stdout).toMatch(new RegExp(`^${escape(SAMPLE)}: ok — sample-civility@2026\\.1 .*\\b10 standards\\b`))
    },
    TIMEOUT,
  )

  it(
    'fails when one of several files is bad and still reports the good one as ok',
    async () => {
      const r = await runCli(['indicators', 'validate', SAMPLE, bad], db.env)
      expect(r.code, show(r)).toBe(1)
      expect(lines(r.stdout)).toHaveLength(1)
      expect(r.stdout).toMatch(new RegExp(`^${escape(SAMPLE)}: ok — sample-civility@2026\\.1 `))
      expectDefects(r.stderr, bad)
      expect(r.stderr).toContain(`${bad}: ${BAD_SET_DEFECTS.length} problem(s)`)
      expect(r.stderr).not.toContain(SAMPLE)
    },
    TIMEOUT,
  )
})

describe('civindex indicators load', () => {
  const listJson = async (db: ChildDatabase): Promise<{ ref: string; contentHash: string; standards: number }[]> => {
    const r = await runCli(['indicators', 'list', '--json'], db.env)
    expect(r.code, show(r)).toBe(0)
    return JSON.parse(r.stdout) as { ref: string; contentHash: string; standards: number }[]
  }

  // The tests that must leave the stored sets as they are share one database with both bundled
  // sets, loaded on first use; the test of the first load has a database of its own.
  let loaded: Promise<{ db: ChildDatabase; hashes: Record<string, string> }> | null = null
  const bundledSets = (): Promise<{ db: ChildDatabase; hashes: Record<string, string> }> =>
    (loaded ??= (async () => {
      const db = await freshDb()
      const r = await runCli(['indicators', 'load', CITY, SAMPLE], db.env)
      expect(r.code, show(r)).toBe(0)
      const sets = await listJson(db)
      return { db, hashes: Object.fromEntries(sets.map((s) => [s.ref, s.contentHash])) }
    })())

  it(
    'loads both bundled sets, then reports them unchanged on a second load',
    async () => {
      const db = await freshDb()
      const first = await runCli(['indicators', 'load', CITY, SAMPLE], db.env)
      expect(first.code, show(first)).toBe(0)
      expect(lines(first.stdout)).toEqual([`${CITY}: loaded city-mock@2026.1 (90 standards)`, `${SAMPLE}: loaded sample-civility@2026.1 (10 standards)`])

      const again = await runCli(['indicators', 'load', CITY, SAMPLE], db.env)
      expect(again.code, show(again)).toBe(0)
      expect(lines(again.stdout)).toEqual([
        `${CITY}: already loaded, unchanged city-mock@2026.1 (90 standards)`,
        `${SAMPLE}: already loaded, unchanged sample-civility@2026.1 (10 standards)`,
      ])

      const sets = await listJson(db)
      expect(sets.map((s) => s.ref).sort((a, b) => a.localeCompare(b))).toEqual(['city-mock@2026.1', 'sample-civility@2026.1'])
      for (const s of sets) expect(s.contentHash).toMatch(/^[0-9a-f]{64}$/)
    },
    TIMEOUT,
  )

  it(
    'refuses a changed copy of a loaded version and keeps the original',
    async () => {
      const { db, hashes } = await bundledSets()
      const original = fs.readFileSync(path.join(ROOT, SAMPLE), 'utf8')
      expect(original).toContain('text: 设置公平秤，明码标价\n')
      const changed = writeFile('sample-changed.yaml', original.replace('text: 设置公平秤，明码标价\n', 'text: 设置公平秤，明码标价，价签清楚\n'))

      const r = await runCli(['indicators', 'load', changed], db.env)
      expect(r.code, show(r)).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain('sample-civility@2026.1 is already loaded with different content')
      expect(r.stderr).toMatch(/never changes/)
      expect(r.stderr).toMatch(/new version/)

      const sets = await listJson(db)
      expect(Object.fromEntries(sets.map((s) => [s.ref, s.contentHash]))).toEqual(hashes)
    },
    TIMEOUT,
  )

  it(
    'stores nothing when one of the files is bad',
    async () => {
      const { db, hashes } = await bundledSets()
      const bad = writeFile('bad-set-validate.yaml', BAD_SET)
      const original = fs.readFileSync(path.join(ROOT, SAMPLE), 'utf8')
      expect(original).toContain('version: "2026.1"\n')
      const goodNew = writeFile('sample-2026.9.yaml', original.replace('version: "2026.1"\n', 'version: "2026.9"\n'))

      const check = await runCli(['indicators', 'validate', goodNew], db.env)
      expect(check.code, show(check)).toBe(0) // the good file really is good on its own

      const r = await runCli(['indicators', 'load', goodNew, bad], db.env)
      expect(r.code, show(r)).toBe(1)
      expect(r.stdout).toBe('')
      expectDefects(r.stderr, bad)
      expect(r.stderr).toContain('nothing stored: 1 file(s) have problems')

      const sets = await listJson(db)
      expect(sets.map((s) => s.ref).sort((a, b) => a.localeCompare(b))).toEqual(['city-mock@2026.1', 'sample-civility@2026.1'])
      expect(Object.fromEntries(sets.map((s) => [s.ref, s.contentHash]))).toEqual(hashes)
    },
    TIMEOUT,
  )

  it(
    'lists the stored sets as text',
    async () => {
      const { db } = await bundledSets()
      const r = await runCli(['indicators', 'list'], db.env)
      expect(r.code, show(r)).toBe(0)
      const rows = lines(r.stdout)
      expect(rows).toHaveLength(2)
      expect(rows.find((l) => l.startsWith('city-mock@2026.1\t'))).toMatch(/\t\d+ indicators, 90 standards\t/)
      expect(rows.find((l) => l.startsWith('sample-civility@2026.1\t'))).toMatch(/\t9 indicators, 10 standards\t实地考察 0\.7 \/ 材料审核 0\.15 \/ 问卷调查 0\.15$/)
    },
    TIMEOUT,
  )
})

describe('civindex users', () => {
  it(
    'adds a user: one token line on stdout, the rest on stderr',
    async () => {
      const db = await freshDb()
      const r = await runCli(['users', 'add', '--name', '张三', '--role', 'evaluator'], db.env)
      expect(r.code, show(r)).toBe(0)
      expect(r.stdout.endsWith('\n')).toBe(true)
      expect(lines(r.stdout)).toHaveLength(1)
      expect(r.stdout.trimEnd()).toMatch(TOKEN)
      expect(r.stderr).toMatch(/^created user \d+ \(张三, evaluator\); the token below is shown only once:\n$/)
    },
    TIMEOUT,
  )

  it(
    'rejects an unknown role and a unit user without a unit, creating nobody',
    async () => {
      const db = await freshDb()
      const added = await runCli(['users', 'add', '--name', '张三', '--role', 'evaluator'], db.env)
      expect(added.code, show(added)).toBe(0)
      // One after the other: an embedded data directory admits one process at a time.
      const king = await runCli(['users', 'add', '--name', '国王', '--role', 'king'], db.env)
      const unit = await runCli(['users', 'add', '--name', '某单位', '--role', 'unit'], db.env)
      expect(king.code, show(king)).toBe(1)
      expect(king.stdout).toBe('')
      expect(king.stderr).toMatch(/role: must be one of admin, evaluator, reviewer, leader, unit \(got "king"\)/)

      expect(unit.code, show(unit)).toBe(1)
      expect(unit.stdout).toBe('')
      expect(unit.stderr).toMatch(/unit: a unit user needs the code of its unit/)

      const list = await runCli(['users', 'list'], db.env)
      expect(list.code, show(list)).toBe(0)
      expect(lines(list.stdout)).toEqual([expect.stringMatching(/^\d+\t张三\tevaluator$/)])
    },
    TIMEOUT,
  )
})

describe('civindex commands and environment', () => {
  it(
    'fails on an unknown command and shows help',
    async () => {
      const [bogus, help] = await Promise.all([runCli(['bogus'], {}), runCli(['--help'], {})])
      expect(bogus.code, show(bogus)).toBe(1)
      expect(bogus.stderr).toMatch(/unknown command 'bogus'/)
      expect(bogus.stdout).toBe('')

      expect(help.code, show(help)).toBe(0)
      expect(help.stdout).toMatch(/^Usage: civindex /)
      for (const command of ['serve', 'db', 'indicators', 'users']) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'))
    },
    TIMEOUT,
  )

  it(
    'reports every bad environment variable and exits 1',
    async () => {
      const db = await freshDb()
      const env = { ...db.env, PORT: 'abc', LOG_LEVEL: 'loud' }
      const [list, serve] = await Promise.all([runCli(['indicators', 'list'], env), runCli(['serve'], env)])
      for (const r of [list, serve]) {
        expect(r.code, show(r)).toBe(1)
        expect(r.stdout).toBe('')
        expect(r.stderr).toMatch(/^civindex: 配置有误$/m)
        expect(r.stderr).toMatch(/^ {2}PORT: must be a whole number from 0 to 65535 \(got "abc"\)$/m)
        expect(r.stderr).toMatch(/^ {2}LOG_LEVEL: must be one of .*\(got "loud"\)$/m)
      }
    },
    TIMEOUT,
  )

  it(
    'db migrate applies the migrations',
    async () => {
      const db = await freshDb()
      const r = await runCli(['db', 'migrate'], db.env)
      expect(r.code, show(r)).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^migrations applied \\(${engineName}: .+\\)\\n$`))
      if (db.dataDir) expect(r.stdout).toContain(db.dataDir)
    },
    TIMEOUT,
  )
})

describe.skipIf(TEST_DATABASE_URL !== null)('the embedded data directory lock', () => {
  it(
    'refuses a directory a live process holds and takes over one a dead process left',
    async () => {
      const db = await freshDb()
      const dataDir = db.dataDir!
      const lockFile = path.join(dataDir, 'civindex.lock')
      fs.mkdirSync(dataDir, { recursive: true })

      // This test process is alive, and to the child it is another process.
      fs.writeFileSync(lockFile, `${process.pid}\n`)
      const busy = await runCli(['indicators', 'list'], db.env)
      expect(busy.code, show(busy)).toBe(1)
      expect(busy.stdout).toBe('')
      expect(busy.stderr).toContain(`the embedded database in ${dataDir} is in use by process ${process.pid}`)
      expect(fs.readFileSync(lockFile, 'utf8')).toBe(`${process.pid}\n`) // not taken, not removed

      const deadPid = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
        child.on('error', reject)
        child.on('exit', () => resolve(child.pid!))
      })
      fs.writeFileSync(lockFile, `${deadPid}\n`)
      const taken = await runCli(['indicators', 'list'], db.env)
      expect(taken.code, show(taken)).toBe(0)
      expect(taken.stdout).toBe('no indicator sets loaded\n')
      expect(fs.existsSync(lockFile)).toBe(false) // released on close
    },
    TIMEOUT,
  )
})
