import fs from 'node:fs'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isDomainError } from '../../src/domain/errors.js'
import { nextStatus, type RoundStatus, type Transition } from '../../src/domain/round/lifecycle.js'
import { queryRows, toCount } from '../../src/db/sql.js'
import { loadIndicatorSetText } from '../../src/services/indicator-sets.js'
import { importRecords } from '../../src/services/records.js'
import { getRound, loadRound, transitionRound } from '../../src/services/rounds.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'

const actor = { id: null, name: 'test' }
const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/rounds/${name}`, import.meta.url), 'utf8')
const data = JSON.parse(fixture('sample-2026-01.data.json')) as Record<string, unknown[]>
let t: TestDatabase

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise
    return null
  } catch (error) {
    if (isDomainError(error)) return error.code
    throw error
  }
}

async function count(table: 'visits' | 'findings' | 'external_scores'): Promise<number> {
  const [row] = await queryRows<{ n: unknown }>(t.handle.db, sql`select count(*) as n from ${sql.identifier(table)}`)
  return toCount(row!.n)
}

beforeAll(async () => {
  t = await createTestDatabase()
  await loadIndicatorSetText(t.handle.db, fs.readFileSync(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url), 'utf8'), actor)
  await loadRound(t.handle.db, fixture('sample-2026-01.yaml'), actor)
})
afterAll(async () => t?.drop())

describe('lifecycle rules (pure)', () => {
  const cases: [RoundStatus, Transition, RoundStatus | null][] = [
    ['draft', 'open', 'fieldwork'],
    ['review', 'open', 'fieldwork'],
    ['fieldwork', 'open', null],
    ['published', 'open', null],
    ['fieldwork', 'close', 'review'],
    ['draft', 'close', null],
    ['review', 'close', null],
    ['review', 'publish', 'published'],
    ['fieldwork', 'publish', null],
    ['published', 'publish', null],
  ]
  for (const [from, transition, to] of cases) {
    it(`${transition} from ${from} → ${to ?? 'refused'}`, () => {
      if (to) expect(nextStatus('r', from, transition)).toBe(to)
      else expect(() => nextStatus('r', from, transition)).toThrow(/round r is/)
    })
  }
})

describe(`round lifecycle in the database (${engineName})`, () => {
  it('refuses field data while the round is a draft, storing nothing', async () => {
    expect(await codeOf(importRecords(t.handle.db, '2026-01', data, actor))).toBe('ROUND_STATE')
    expect(await count('visits')).toBe(0)
    expect(await count('external_scores')).toBe(0)
  })

  it('accepts field data in fieldwork, then only unit values in review', async () => {
    expect((await transitionRound(t.handle.db, '2026-01', 'open', actor)).status).toBe('fieldwork')
    await importRecords(t.handle.db, '2026-01', data, actor)
    expect(await count('visits')).toBe(5)
    expect((await transitionRound(t.handle.db, '2026-01', 'close', actor)).status).toBe('review')
    const lateVisit = { visits: [{ id: '30000000-0000-4000-8000-000000000001', point: 'P1', at: '2026-01-20T10:00:00+08:00' }] }
    expect(await codeOf(importRecords(t.handle.db, '2026-01', lateVisit, actor))).toBe('ROUND_STATE')
    expect(await count('visits')).toBe(5)
    const corrected = await importRecords(t.handle.db, '2026-01', { externalScores: [{ unit: 'a', component: 'survey', value: '91' }] }, actor)
    expect(corrected.externalScores).toBe(1)
    // Reopening fieldwork from review lets the late visit in.
    await transitionRound(t.handle.db, '2026-01', 'open', actor)
    await importRecords(t.handle.db, '2026-01', lateVisit, actor)
    expect(await count('visits')).toBe(6)
  })

  it('refuses transitions the state does not allow, leaving the state as it was', async () => {
    expect(await codeOf(transitionRound(t.handle.db, '2026-01', 'open', actor))).toBe('ROUND_STATE')
    expect((await getRound(t.handle.db, '2026-01')).status).toBe('fieldwork')
    expect(await codeOf(transitionRound(t.handle.db, 'no-such-round', 'close', actor))).toBe('NOT_FOUND')
  })
})
