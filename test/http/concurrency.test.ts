/**
 * Twenty clients post overlapping batches at the same time, each batch twice (a retry after a
 * lost answer). Every record must be stored exactly once; a clashing reuse of an id must be
 * refused without storing its batch. Each test has its own round and ids (test/helpers/factories.ts).
 */
import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryRows, toCount } from '../../src/db/sql.js'
import { transitionRound } from '../../src/services/rounds.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName } from '../helpers/db.js'
import { createSampleRound, type SampleRound } from '../helpers/factories.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
})
afterAll(async () => t?.close())

const hex = (n: number, width = 12) => n.toString(16).padStart(width, '0')
const POINTS = ['P1', 'P3', 'P5'] // markets of 甲区, 乙区, 丙区

/** Visit and finding ids of one test: numbered, under prefixes nobody else uses. */
function idsOfTest() {
  const visit = randomBytes(4).toString('hex')
  const finding = randomBytes(4).toString('hex')
  return { visitId: (n: number) => `${visit}-0000-4000-8000-${hex(n)}`, findingId: (n: number) => `${finding}-0000-4000-8000-${hex(n)}` }
}
type Ids = ReturnType<typeof idsOfTest>

/** Visits client*3 .. client*3+8 and three findings per visit: overlapping windows per client. */
function batchFor(ids: Ids, client: number) {
  const visits = []
  const findings = []
  for (let v = client * 3; v < client * 3 + 9; v++) {
    visits.push({ id: ids.visitId(v), point: POINTS[v % 3]!, at: '2026-01-10T10:00:00+08:00', evaluator: `e${v % 4}` })
    for (let k = 0; k < 3; k++) findings.push({ id: ids.findingId(v * 3 + k), visit: ids.visitId(v), standard: ['01-01-01', '01-01-02', '01-01-03'][k]!, count: 1 + k, note: `第${v}次考察问题${k}` })
  }
  return { visits, findings }
}

/** Rows of the round in a table: never a count over the whole table. */
async function count(round: SampleRound, table: 'visits' | 'findings' | 'visit_standard_totals'): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(t.database.handle.db, sql`select count(*) as n from ${sql.identifier(table)} where round_id = ${round.id}`)
  return toCount(row!.n)
}

const post = (round: SampleRound, body: unknown) =>
  t.app.inject({ method: 'POST', url: `/api/v1/rounds/${round.code}/records`, headers: bearer(t.tokens.evaluator), payload: body as Record<string, unknown> })

describe(`concurrent batches with retries (${engineName})`, () => {
  it('stores every record exactly once', async () => {
    const round = await createSampleRound(t.database.handle.db, { data: false })
    const ids = idsOfTest()
    const clients = Array.from({ length: 20 }, (_, c) => c)
    const results = await Promise.all(clients.flatMap((c) => [post(round, batchFor(ids, c)), post(round, batchFor(ids, c))]))
    expect(results.map((r) => r.statusCode)).toEqual(results.map(() => 200))
    // Clients cover visits 0..65 (client 19 reaches 57 + 9 - 1 = 65).
    const distinctVisits = 66
    expect(await count(round, 'visits')).toBe(distinctVisits)
    expect(await count(round, 'findings')).toBe(distinctVisits * 3)
    const added = results.reduce((n, r) => n + (r.json().findings.added as number), 0)
    expect(added).toBe(distinctVisits * 3)
    // Closing fieldwork builds the per-visit totals from each finding once: three standards per visit.
    expect(await count(round, 'visit_standard_totals')).toBe(0)
    await transitionRound(t.database.handle.db, round.code, 'close', { id: null, name: 'test' })
    expect(await count(round, 'visit_standard_totals')).toBe(distinctVisits * 3)
  })

  it('refuses a batch that reuses an id with other content, storing none of it', async () => {
    const round = await createSampleRound(t.database.handle.db, { data: false })
    const ids = idsOfTest()
    const stored = batchFor(ids, 0)
    expect((await post(round, stored)).statusCode).toBe(200)
    expect(await count(round, 'visits')).toBe(stored.visits.length)
    const clash = {
      visits: [{ id: ids.visitId(900), point: 'P1', at: '2026-01-11T10:00:00+08:00' }],
      findings: [{ id: ids.findingId(0), visit: ids.visitId(0), standard: '01-01-01', count: 9, note: '改过的内容' }],
    }
    const res = await post(round, clash)
    expect(res.statusCode).toBe(409)
    expect(res.json().errors[0]).toMatchObject({ path: 'findings[0].id' })
    expect(await count(round, 'visits')).toBe(stored.visits.length)
  })
})
