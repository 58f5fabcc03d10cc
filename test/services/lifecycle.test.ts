/**
 * The round lifecycle: the pure transition rules, then what each state lets into the database.
 * Every database test makes its own round (test/helpers/factories.ts) and counts only its rows.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isDomainError } from '../../src/domain/errors.js'
import { nextStatus, type RoundStatus, type Transition } from '../../src/domain/round/lifecycle.js'
import { importRecords } from '../../src/services/records.js'
import { getRound, transitionRound } from '../../src/services/rounds.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { createSampleRound, roundRowCounts } from '../helpers/factories.js'
import { parseRecords } from '../../src/domain/records/parse.js'

const actor = { id: null, name: 'test' }
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

beforeAll(async () => {
  t = await createTestDatabase()
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
    const round = await createSampleRound(t.handle.db, { open: false })
    expect(await codeOf(importRecords(t.handle.db, round.code, parseRecords(round.data), actor))).toBe('ROUND_STATE')
    expect(await roundRowCounts(t.handle.db, round.code)).toEqual({ visits: 0, findings: 0, externalScores: 0, measures: 0, directScores: 0 })
  })

  it('accepts field data in fieldwork, then only unit values in review', async () => {
    const round = await createSampleRound(t.handle.db, { open: false })
    const visits = async () => (await roundRowCounts(t.handle.db, round.code)).visits
    expect((await transitionRound(t.handle.db, round.code, 'open', actor)).status).toBe('fieldwork')
    await importRecords(t.handle.db, round.code, parseRecords(round.data), actor)
    expect(await visits()).toBe(5)
    expect((await transitionRound(t.handle.db, round.code, 'close', actor)).status).toBe('review')
    const lateVisit = { visits: [{ id: randomUUID(), point: 'P1', at: '2026-01-20T10:00:00+08:00' }] }
    expect(await codeOf(importRecords(t.handle.db, round.code, parseRecords(lateVisit), actor))).toBe('ROUND_STATE')
    expect(await visits()).toBe(5)
    const corrected = await importRecords(t.handle.db, round.code, parseRecords({ externalScores: [{ unit: 'a', component: 'survey', value: '91' }] }), actor)
    expect(corrected.externalScores).toBe(1)
    // Reopening fieldwork from review lets the late visit in.
    await transitionRound(t.handle.db, round.code, 'open', actor)
    await importRecords(t.handle.db, round.code, parseRecords(lateVisit), actor)
    expect(await visits()).toBe(6)
  })

  it('refuses transitions the state does not allow, leaving the state as it was', async () => {
    const round = await createSampleRound(t.handle.db, { data: false })
    expect((await getRound(t.handle.db, round.code)).status).toBe('fieldwork')
    expect(await codeOf(transitionRound(t.handle.db, round.code, 'open', actor))).toBe('ROUND_STATE')
    expect((await getRound(t.handle.db, round.code)).status).toBe('fieldwork')
    expect(await codeOf(transitionRound(t.handle.db, 'no-such-round', 'close', actor))).toBe('NOT_FOUND')
  })
})
