/**
 * Three `civindex serve` processes on one PostgreSQL database, as behind one address, must
 * behave as one server. What each keeps in memory between batches (a round's units and points,
 * stored visits) is never used after another server, or anyone with SQL, changed what it was
 * read from; a state change on one server holds on the others at once; and twenty clients
 * sending overlapping batches (the same ids in different orders), retries and clashing ids to all three at the same time leave
 * exactly one copy of every record, with a 409 for each clash and never a 5xx.
 *
 * PostgreSQL only: the embedded database is one process per data directory.
 */
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_DATABASE_URL, createPostgresDatabase } from '../helpers/db.js'
import { killChildren } from '../helpers/process.js'
import { sampleFixture } from '../helpers/sample-round.js'
import { startServers, stopServers, type Server } from '../helpers/servers.js'

const ROUND = '2026-01'
let servers: Server[] = []
let admin = ''
let evaluator = ''
let sql: postgres.Sql | null = null
let dropDatabase: (() => Promise<void>) | null = null
let databaseName = ''

/** What these tests read of the API's answers: problems, import summaries, users, rounds. */
interface Body {
  code?: string
  errors?: { path: string; message: string }[]
  visits?: { added: number; unchanged: number }
  findings?: { added: number; unchanged: number }
  id?: number
  token?: string
  status?: string
}

interface Answer {
  status: number
  body: Body
}

/** One request to server `index`; a string body is sent as YAML, anything else as JSON. */
async function call(index: number, method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'application/yaml' : 'application/json'
  const res = await fetch(`${servers[index]!.base}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Body) }
}

const records = (index: number, batch: unknown, round = ROUND): Promise<Answer> => call(index, 'POST', `/api/v1/rounds/${round}/records`, evaluator, batch)

/** Fails with the answer in the message, so a refusal says why. */
function expectStatus(answer: Answer, status: number): Answer {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status)
  return answer
}

const visitAt = (point: string, extra: Record<string, unknown> = {}) => ({ id: randomUUID(), point, at: '2026-01-10T09:00:00+08:00', ...extra })

async function visitUnit(id: string): Promise<string | null> {
  // The restore test ends every connection to the database, this test's own too: its first query
  // afterwards may meet the closed socket (ECONNRESET, or 57P01) before the client reconnects.
  for (let attempt = 1; ; attempt++) {
    try {
      const rows = await sql!`select u.code from visits v join units u on u.id = v.unit_id where v.id = ${id}`
      return (rows[0]?.code as string | undefined) ?? null
    } catch (error) {
      const code = (error as { code?: string }).code
      if (attempt === 3 || (code !== 'ECONNRESET' && code !== '57P01' && code !== 'CONNECTION_CLOSED')) throw error
    }
  }
}

describe.skipIf(!TEST_DATABASE_URL)('three servers on one PostgreSQL database', () => {
  beforeAll(async () => {
    const created = await createPostgresDatabase(TEST_DATABASE_URL!)
    dropDatabase = () => created.dropDatabase()
    databaseName = new URL(created.url).pathname.slice(1)
    sql = postgres(created.url, { max: 2, onnotice: () => undefined })
    const started = await startServers(3, { DATABASE_URL: created.url })
    servers = started.servers
    admin = started.adminToken
    // Each step on another server: none of them may depend on having done the one before.
    evaluator = expectStatus(await call(0, 'POST', '/api/v1/users', admin, { name: '测评员', role: 'evaluator' }), 201).body.token!
    expectStatus(await call(1, 'POST', '/api/v1/rounds', admin, sampleFixture('sample-2026-01.yaml')), 201)
    expectStatus(await call(2, 'POST', `/api/v1/rounds/${ROUND}/open`, admin), 200)
  }, 120_000)

  afterAll(async () => {
    await stopServers(servers).catch(() => undefined)
    await killChildren()
    // The restore test ends this client's connections under it: do not wait for a socket that is gone.
    await sql?.end({ timeout: 5 }).catch(() => undefined)
    await dropDatabase?.()
  }, 60_000)

  it('takes a point that another transaction added to a unit of the round, on every server, once it commits', async () => {
    // Every server reads the round's points with a batch and keeps them.
    for (const s of [0, 1, 2]) expectStatus(await records(s, { visits: [visitAt('P1')] }), 200)
    const tx = await sql!.reserve()
    try {
      await tx`begin`
      await tx`insert into points (code, name, point_type, unit_id) select 'P9', '新建农贸市场', 'market', id from units where code = 'a'`
      // While the change is open, server 1 takes a batch: it reads the round, and P9 is not there yet.
      expectStatus(await records(1, { visits: [visitAt('P1')] }), 200)
      expect(expectStatus(await records(1, { visits: [visitAt('P9')] }), 400).body.errors![0]!.message).toMatch(/unknown point "P9"/)
      await tx`commit`
    } finally {
      tx.release()
    }
    for (const s of [0, 1, 2]) {
      const visit = visitAt('P9')
      expectStatus(await records(s, { visits: [visit] }), 200)
      expect(await visitUnit(visit.id)).toBe('a')
    }
  })

  it('checks against the units and points of a draft round reloaded on another server', async () => {
    const draft = (extra: string, moved: string) =>
      sampleFixture('sample-2026-01.yaml')
        .replace('code: "2026-01"', 'code: "2026-02"')
        .replace('{ code: d, name: 丁区 }', `{ code: d, name: 丁区 }${extra}`)
        .replace('  - { code: P5, name: 西门市场, type: market, unit: c }', `  - { code: P5, name: 西门市场, type: market, unit: c }\n${moved}`)
    expectStatus(await call(0, 'POST', '/api/v1/rounds', admin, draft('', '  - { code: P20, name: 北门市场, type: market, unit: a }')), 201)
    // Servers 1 and 2 read the draft's units and points; a draft takes no records.
    for (const s of [1, 2]) expect(expectStatus(await records(s, { visits: [visitAt('P20')] }, '2026-02'), 409).body.code).toBe('ROUND_STATE')
    // Reloaded on server 2 with a new unit and point, and P20 moved to another unit; opened on server 0.
    const reloaded = draft(', { code: e, name: 戊区 }', '  - { code: P20, name: 北门市场, type: market, unit: b }\n  - { code: P21, name: 南门市场, type: market, unit: e }')
    expect(expectStatus(await call(2, 'POST', '/api/v1/rounds', admin, reloaded), 200).body.status).toBe('updated')
    expectStatus(await call(0, 'POST', '/api/v1/rounds/2026-02/open', admin), 200)
    for (const s of [1, 2]) {
      const moved = visitAt('P20')
      const added = visitAt('P21')
      expectStatus(await records(s, { visits: [moved, added] }, '2026-02'), 200)
      expect(await visitUnit(moved.id)).toBe('b')
      expect(await visitUnit(added.id)).toBe('e')
    }
  })

  it('stores again a visit removed with SQL when a server that remembers it is sent it again, with the same content or other', async () => {
    const visit = visitAt('P3')
    expect(expectStatus(await records(1, { visits: [visit] }), 200).body.visits).toEqual({ added: 1, unchanged: 0 })
    await sql!`delete from visits where id = ${visit.id}`
    expect(expectStatus(await records(1, { visits: [visit] }), 200).body.visits).toEqual({ added: 1, unchanged: 0 })
    expect(await visitUnit(visit.id)).toBe('b')
    // Removed again, the id is free for other content (another unit's point) with its findings.
    await sql!`delete from visits where id = ${visit.id}`
    const other = { ...visit, point: 'P5' }
    const finding = { id: randomUUID(), visit: visit.id, standard: '01-01-01' }
    expect(expectStatus(await records(1, { visits: [other], findings: [finding] }), 200).body.findings).toEqual({ added: 1, unchanged: 0 })
    expect(await visitUnit(visit.id)).toBe('c')
    // Every server now answers a resend as unchanged.
    for (const s of [0, 1, 2]) expect(expectStatus(await records(s, { visits: [other], findings: [finding] }), 200).body.visits).toEqual({ added: 0, unchanged: 1 })
  })

  it('checks against an indicator set changed with SQL on every server that read it before', async () => {
    const visit = visitAt('P1')
    const finding = () => ({ id: randomUUID(), visit: visit.id, standard: '01-01-01' })
    // Every server reads the round's set with a batch and keeps what the checks need of it.
    expectStatus(await records(0, { visits: [visit], findings: [finding()] }), 200)
    for (const s of [1, 2]) expectStatus(await records(s, { findings: [finding()] }), 200)
    const standard = sql!`code = '01-01-01' and set_id = (select id from indicator_sets where code = 'sample-civility')`
    const [before] = await sql!`select point_types from indicator_nodes where ${standard}`
    // The standard no longer applies to markets: a finding of it at a market is refused everywhere.
    await sql!`update indicator_nodes set point_types = '{road}' where ${standard}`
    try {
      for (const s of [0, 1, 2]) expect(expectStatus(await records(s, { findings: [finding()] }), 400).body.errors![0]!.path).toBe('findings[0].standard')
    } finally {
      await sql!`update indicator_nodes set point_types = ${before!.point_types as string[]} where ${standard}`
    }
    for (const s of [0, 1, 2]) expectStatus(await records(s, { findings: [finding()] }), 200)
  })

  it('forgets what it read once the database is replaced under the running servers, as by a restore', async () => {
    const copy = `${databaseName}_copy`
    const aside = `${databaseName}_aside`
    const owner = postgres(TEST_DATABASE_URL!, { max: 1, onnotice: () => undefined })
    /** Runs `action` with nobody connected to the databases it copies or renames: the servers' idle connections are ended (they reconnect at their next query). */
    const alone = async (action: () => Promise<unknown>): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        await owner`select pg_terminate_backend(pid) from pg_stat_activity where datname in (${databaseName}, ${copy}) and pid <> pg_backend_pid()`
        try {
          await action()
          return
        } catch (error) {
          // 55006: someone connected again meanwhile.
          if (attempt === 20 || (error as { code?: string }).code !== '55006') throw error
        }
      }
    }
    try {
      expectStatus(await records(1, { visits: [visitAt('P3')] }), 200)
      // A backup of the database as it is now …
      await alone(() => owner.unsafe(`create database ${copy} template ${databaseName}`))
      // … after which server 1 stores a visit and takes a new point, and keeps both in memory.
      const visit = visitAt('P3')
      expect(expectStatus(await records(1, { visits: [visit] }), 200).body.visits).toEqual({ added: 1, unchanged: 0 })
      await sql!`insert into points (code, name, point_type, unit_id) select 'P30', '后建农贸市场', 'market', id from units where code = 'a'`
      expectStatus(await records(1, { visits: [visitAt('P30')] }), 200)
      // The backup restored in its place: neither is in the database any more.
      await alone(async () => {
        await owner.unsafe(`alter database ${databaseName} rename to ${aside}`)
        await owner.unsafe(`alter database ${copy} rename to ${databaseName}`)
      })
      expect(await visitUnit(visit.id)).toBeNull()
      expect(expectStatus(await records(1, { visits: [visit] }), 200).body.visits).toEqual({ added: 1, unchanged: 0 })
      expect(await visitUnit(visit.id)).toBe('b')
      expect(expectStatus(await records(1, { visits: [visitAt('P30')] }), 400).body.errors![0]!.path).toBe('visits[0].point')
    } finally {
      await owner`select pg_terminate_backend(pid) from pg_stat_activity where datname in (${aside}, ${copy}) and pid <> pg_backend_pid()`
      await owner.unsafe(`drop database if exists ${aside}`)
      await owner.unsafe(`drop database if exists ${copy}`)
      await owner.end()
    }
  })

  it('refuses a disabled user on every server at once', async () => {
    const user = expectStatus(await call(0, 'POST', '/api/v1/users', admin, { name: '临时测评员', role: 'evaluator' }), 201).body
    for (const s of [0, 1, 2]) expectStatus(await call(s, 'GET', '/api/v1/me', user.token!), 200)
    await sql!`update users set disabled_at = now() where id = ${user.id!}`
    for (const s of [0, 1, 2]) expectStatus(await call(s, 'GET', '/api/v1/me', user.token!), 401)
  })

  it('refuses entry on every server as soon as one has closed the round, and takes it again as soon as one has reopened it', async () => {
    for (const s of [0, 1, 2]) expectStatus(await records(s, { visits: [visitAt('P1')] }), 200)
    expectStatus(await call(0, 'POST', `/api/v1/rounds/${ROUND}/close`, admin), 200)
    for (const s of [1, 2, 0]) {
      const visit = visitAt('P1')
      expect(expectStatus(await records(s, { visits: [visit] }), 409).body.code).toBe('ROUND_STATE')
      expect(await visitUnit(visit.id)).toBeNull()
    }
    expectStatus(await call(1, 'POST', `/api/v1/rounds/${ROUND}/open`, admin), 200)
    for (const s of [2, 0, 1]) expectStatus(await records(s, { visits: [visitAt('P1')] }), 200)
  })

  describe('twenty clients at once, round robin over the three', () => {
    const hex = (n: number) => n.toString(16).padStart(12, '0')
    const POINTS = ['P1', 'P3', 'P5'] // markets of 甲区, 乙区, 丙区
    const STANDARDS = ['01-01-01', '01-01-02', '01-01-03']
    // Ids by kind, so the database can be counted per kind.
    const visitId = (n: number) => `7a000000-0000-4000-8000-${hex(n)}`
    const findingId = (n: number) => `7b000000-0000-4000-8000-${hex(n)}`
    const refusedId = (n: number) => `7c000000-0000-4000-8000-${hex(n)}`
    const raceVisitId = (n: number) => `7d000000-0000-4000-8000-${hex(n)}`
    const raceFindingId = (n: number) => `7e000000-0000-4000-8000-${hex(n)}`
    const visit = (n: number) => ({ id: visitId(n), point: POINTS[n % 3]!, at: '2026-01-10T10:00:00+08:00', evaluator: `e${n % 4}` })
    const findingsOf = (n: number) => STANDARDS.map((standard, k) => ({ id: findingId(n * 3 + k), visit: visitId(n), standard, count: 1 + k, note: `第${n}次考察问题${k}` }))

    /** A seeded generator (mulberry32), so that every run sends the same batches. */
    function random(seed: number): () => number {
      let a = seed
      return () => {
        a = (a + 0x6d2b79f5) | 0
        let t = Math.imul(a ^ (a >>> 15), 1 | a)
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296
      }
    }
    function shuffled<T>(items: T[], next: () => number): T[] {
      const out = [...items]
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[out[i], out[j]] = [out[j]!, out[i]!]
      }
      return out
    }
    /**
     * Batch b of client c: 30 of the visits 0 … 89 with three findings each, visits and findings
     * in an order of their own, so that batches share ids in different orders.
     */
    function overlapping(c: number, b: number) {
      const next = random(1000 * c + b + 1)
      const ns = shuffled(Array.from({ length: 90 }, (_, n) => n), next).slice(0, 30)
      return { ns, batch: { visits: ns.map(visit), findings: shuffled(ns.flatMap(findingsOf), next) } }
    }

    async function countLike(table: 'visits' | 'findings', prefix: string): Promise<number> {
      const [row] = table === 'visits' ? await sql!`select count(*)::int as n from visits where id::text like ${`${prefix}%`}` : await sql!`select count(*)::int as n from findings where id::text like ${`${prefix}%`}`
      return row!.n as number
    }

    let next = 0
    const roundRobin = (): number => next++ % servers.length

    it('stores every record once, refuses every clash with 409 and answers nothing with 5xx', async () => {
      // Stored beforehand: visits 1000–1009 with their findings, the ids the clashing batches reuse.
      const stored = Array.from({ length: 10 }, (_, i) => 1000 + i)
      expectStatus(await records(0, { visits: stored.map(visit), findings: stored.flatMap(findingsOf) }), 200)

      type Sent = { kind: 'overlapping' | 'clash' | 'race'; label: string; answer: Answer }
      const sent: Sent[] = []
      const send = async (kind: Sent['kind'], label: string, batch: unknown): Promise<Answer> => {
        const answer = await records(roundRobin(), batch)
        sent.push({ kind, label, answer })
        return answer
      }
      /** Batches that must be refused whole: a stored visit or finding sent with other content, beside records of their own. */
      const clashing = (k: number) =>
        k % 2 === 0
          ? {
              visits: [visit(3 * k + 1), { ...visit(1000 + k), evaluator: '改过的测评员' }, { id: refusedId(k), point: 'P1', at: '2026-01-11' }],
              findings: [{ id: refusedId(100 + k), visit: refusedId(k), standard: '01-01-01' }],
            }
          : {
              visits: [visit(3 * k + 2), { id: refusedId(k), point: 'P3', at: '2026-01-11' }],
              findings: [{ id: refusedId(100 + k), visit: refusedId(k), standard: '01-01-02' }, { ...findingsOf(1000 + k)[0]!, count: 9 }],
            }
      /** Two new batches with the same ids and other content (another evaluator and counts; the last pair also another unit's point), sent together. */
      const racing = (j: number, side: 'p' | 'q') => ({
        visits: [{ id: raceVisitId(j), point: side === 'q' && j === 3 ? 'P3' : 'P1', at: '2026-01-12', evaluator: side }],
        findings: [0, 1].map((k) => ({ id: raceFindingId(2 * j + k), visit: raceVisitId(j), standard: STANDARDS[k]!, count: side === 'p' ? 1 : 2 })),
      })

      // Each client sends two batches and, at the same time, each batch again (as after a lost
      // answer); five also send a clashing batch, four a pair of racing batches.
      const covered = new Set<number>()
      await Promise.all(
        Array.from({ length: 20 }, async (_, c) => {
          const work = [0, 1].flatMap((b) => {
            const { ns, batch } = overlapping(c, b)
            for (const n of ns) covered.add(n)
            return [send('overlapping', `client ${c} batch ${b}`, batch), send('overlapping', `client ${c} batch ${b} again`, batch)]
          })
          if (c < 5) work.push(send('clash', `clash ${c}`, clashing(c)))
          else if (c < 9) work.push(send('race', `race ${c - 5} p`, racing(c - 5, 'p')), send('race', `race ${c - 5} q`, racing(c - 5, 'q')))
          await Promise.all(work)
        }),
      )

      expect(sent.filter((s) => s.answer.status >= 500).map((s) => `${s.label}: ${JSON.stringify(s.answer.body)}`)).toEqual([])
      const overlappingSent = sent.filter((s) => s.kind === 'overlapping')
      expect(overlappingSent.filter((s) => s.answer.status !== 200).map((s) => `${s.label}: ${s.answer.status} ${JSON.stringify(s.answer.body)}`)).toEqual([])
      // Each visit and finding the batches cover was added by exactly one of them.
      expect(covered.size).toBeGreaterThan(80)
      const added = (kind: 'visits' | 'findings') => overlappingSent.reduce((n, s) => n + s.answer.body[kind]!.added, 0)
      expect(added('visits')).toBe(covered.size)
      expect(added('findings')).toBe(covered.size * 3)

      for (const s of sent.filter((x) => x.kind === 'clash')) {
        expect(s.answer.status, `${s.label}: ${JSON.stringify(s.answer.body)}`).toBe(409)
        expect(s.answer.body.code).toBe('CONFLICT')
        const k = Number(s.label.split(' ')[1])
        expect(s.answer.body.errors).toContainEqual(expect.objectContaining({ path: k % 2 === 0 ? 'visits[1].id' : 'findings[1].id' }))
      }
      for (let j = 0; j < 4; j++) {
        const pair = sent.filter((s) => s.label.startsWith(`race ${j} `))
        expect(pair.map((s) => s.answer.status).sort((a, b) => a - b), JSON.stringify(pair.map((s) => s.answer.body))).toEqual([200, 409])
        expect(pair.find((s) => s.answer.status === 409)!.answer.body.code).toBe('CONFLICT')
        // The winner's content is what is stored, whole.
        const winner = pair.find((s) => s.answer.status === 200)!.label.endsWith(' p') ? 'p' : 'q'
        const [row] = await sql!`select evaluator from visits where id = ${raceVisitId(j)}`
        expect(row?.evaluator).toBe(winner)
        const counts = await sql!`select count from findings where visit_id = ${raceVisitId(j)}`
        expect(counts.map((r) => r.count as number)).toEqual([winner === 'p' ? 1 : 2, winner === 'p' ? 1 : 2])
      }

      expect(await countLike('visits', '7a000000')).toBe(covered.size + stored.length)
      expect(await countLike('findings', '7b000000')).toBe((covered.size + stored.length) * 3)
      expect(await countLike('visits', '7c000000')).toBe(0)
      expect(await countLike('findings', '7c000000')).toBe(0)
      expect(await countLike('visits', '7d000000')).toBe(4)
      expect(await countLike('findings', '7e000000')).toBe(8)
      // The stored visits and findings kept their content.
      const [unchanged] = await sql!`select count(*)::int as n from findings where id::text like '7b000000%' and count = 9`
      expect(unchanged!.n).toBe(0)
      const [renamed] = await sql!`select count(*)::int as n from visits where evaluator = '改过的测评员'`
      expect(renamed!.n).toBe(0)
    }, 150_000)

    it('refuses every batch sent after a close answered on one server, and keeps exactly the batches it took before', async () => {
      type Outcome = { afterClose: boolean; ids: { visits: string[]; findings: string[] }; answer: Answer }
      const outcomes: Outcome[] = []
      let closed = false
      let completed = 0
      let reachedHalfway: () => void = () => undefined
      const halfway = new Promise<void>((resolve) => (reachedHalfway = resolve))
      const closing = (async () => {
        await halfway
        expectStatus(await call(roundRobin(), 'POST', `/api/v1/rounds/${ROUND}/close`, admin), 200)
        closed = true
      })()
      const send = async (): Promise<Answer> => {
        const visits = [visitAt('P1'), visitAt('P3')]
        const findings = visits.map((v) => ({ id: randomUUID(), visit: v.id, standard: '03-01-01' }))
        const afterClose = closed
        const answer = await records(roundRobin(), { visits, findings })
        outcomes.push({ afterClose, ids: { visits: visits.map((v) => v.id), findings: findings.map((f) => f.id) }, answer })
        if (++completed === 30) reachedHalfway()
        return answer
      }
      // Each client sends small batches until one is refused, at most 50: the close, sent after the
      // 30th answer, must get through while they keep sending, not wait until they stop.
      const lastAnswers = await Promise.all(
        Array.from({ length: 20 }, async () => {
          let answer = await send()
          for (let i = 1; i < 50 && answer.status === 200; i++) answer = await send()
          return answer.status
        }),
      )
      expect(lastAnswers).toEqual(lastAnswers.map(() => 409))
      // Should the clients stop early (all refused), the close still goes out and the checks below say why.
      reachedHalfway()
      await closing
      // Once the close is answered, each client sends one more batch (round robin: to every server).
      await Promise.all(Array.from({ length: 20 }, () => send()))
      expect(outcomes.filter((o) => o.answer.status !== 200 && o.answer.status !== 409).map((o) => JSON.stringify(o.answer))).toEqual([])
      const refused = outcomes.filter((o) => o.answer.status === 409)
      expect(refused.map((o) => o.answer.body.code)).toEqual(refused.map(() => 'ROUND_STATE'))
      expect(outcomes.filter((o) => o.afterClose)).toHaveLength(20)
      expect(outcomes.filter((o) => o.afterClose && o.answer.status !== 409)).toEqual([])
      const taken = outcomes.filter((o) => o.answer.status === 200)
      // The thirty batches answered before the close was sent were all taken.
      expect(taken.length).toBeGreaterThanOrEqual(30)
      const present = async (ids: string[], table: 'visits' | 'findings'): Promise<number> => {
        const [row] = table === 'visits' ? await sql!`select count(*)::int as n from visits where id = any(${ids}::uuid[])` : await sql!`select count(*)::int as n from findings where id = any(${ids}::uuid[])`
        return row!.n as number
      }
      const takenIds = { visits: taken.flatMap((o) => o.ids.visits), findings: taken.flatMap((o) => o.ids.findings) }
      expect(await present(takenIds.visits, 'visits')).toBe(takenIds.visits.length)
      expect(await present(takenIds.findings, 'findings')).toBe(takenIds.findings.length)
      expect(await present(refused.flatMap((o) => o.ids.visits), 'visits')).toBe(0)
      expect(await present(refused.flatMap((o) => o.ids.findings), 'findings')).toBe(0)
      for (const s of [0, 1, 2]) expect(expectStatus(await call(s, 'GET', `/api/v1/rounds/${ROUND}`, admin), 200).body.status).toBe('review')
    })
  })
})
