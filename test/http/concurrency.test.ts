/**
 * Twenty clients post overlapping batches at the same time, each batch twice (a retry after a
 * lost answer). Every record must be stored exactly once; a clashing reuse of an id must be
 * refused without storing its batch.
 */
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queryRows, toCount } from '../../src/db/sql.js'
import { transitionRound } from '../../src/services/rounds.js'
import { bearer, createTestApp, type TestApp } from '../helpers/app.js'
import { engineName } from '../helpers/db.js'
import { loadSampleRound } from '../helpers/sample-round.js'

let t: TestApp
beforeAll(async () => {
  t = await createTestApp()
  await loadSampleRound(t.database.handle.db, { data: false })
})
afterAll(async () => t?.close())

const hex = (n: number, width = 12) => n.toString(16).padStart(width, '0')
const visitId = (n: number) => `70000000-0000-4000-8000-${hex(n)}`
const findingId = (n: number) => `71000000-0000-4000-8000-${hex(n)}`
const POINTS = ['P1', 'P3', 'P5'] // markets of 甲区, 乙区, 丙区

/** Visits 0..59 and three findings per visit, in overlapping windows per client. */
function batchFor(client: number) {
  const visits = []
  const findings = []
  for (let v = client * 3; v < client * 3 + 9; v++) {
    visits.push({ id: visitId(v), point: POINTS[v % 3]!, at: '2026-01-10T10:00:00+08:00', evaluator: `e${v % 4}` })
    for (let k = 0; k < 3; k++) findings.push({ id: findingId(v * 3 + k), visit: visitId(v), standard: ['01-01-01', '01-01-02', '01-01-03'][k]!, count: 1 + k, note: `第${v}次考察问题${k}` })
  }
  return { visits, findings }
}

async function count(table: 'visits' | 'findings' | 'visit_standard_totals'): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(t.database.handle.db, sql`select count(*) as n from ${sql.identifier(table)}`)
  return toCount(row!.n)
}

describe(`concurrent batches with retries (${engineName})`, () => {
  it('stores every record exactly once', async () => {
    const post = (body: unknown) => t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/records', headers: bearer(t.tokens.evaluator), payload: body as Record<string, unknown> })
    const clients = Array.from({ length: 20 }, (_, c) => c)
    const results = await Promise.all(clients.flatMap((c) => [post(batchFor(c)), post(batchFor(c))]))
    expect(results.map((r) => r.statusCode)).toEqual(results.map(() => 200))
    // Clients cover visits 0..65 (client 19 reaches 57 + 9 - 1 = 65).
    const distinctVisits = 66
    expect(await count('visits')).toBe(distinctVisits)
    expect(await count('findings')).toBe(distinctVisits * 3)
    const added = results.reduce((n, r) => n + (r.json().findings.added as number), 0)
    expect(added).toBe(distinctVisits * 3)
    // Closing fieldwork builds the per-visit totals from each finding once: three standards per visit.
    expect(await count('visit_standard_totals')).toBe(0)
    await transitionRound(t.database.handle.db, '2026-01', 'close', { id: null, name: 'test' })
    expect(await count('visit_standard_totals')).toBe(distinctVisits * 3)
    await transitionRound(t.database.handle.db, '2026-01', 'open', { id: null, name: 'test' })
  })

  it('refuses a batch that reuses an id with other content, storing none of it', async () => {
    const clash = {
      visits: [{ id: visitId(900), point: 'P1', at: '2026-01-11T10:00:00+08:00' }],
      findings: [{ id: findingId(0), visit: visitId(0), standard: '01-01-01', count: 9, note: '改过的内容' }],
    }
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/rounds/2026-01/records', headers: bearer(t.tokens.evaluator), payload: clash })
    expect(res.statusCode).toBe(409)
    expect(res.json().errors[0]).toMatchObject({ path: 'findings[0].id' })
    expect(await count('visits')).toBe(66)
  })
})
