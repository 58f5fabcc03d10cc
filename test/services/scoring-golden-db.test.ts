/**
 * Every golden fixture through the database path, on the engine under test: the inline set and
 * round are loaded, the records imported, and the ranking computed from the aggregates the
 * database keeps. Round, series and set codes get a per-fixture suffix so all fixtures share one
 * database; fixture ids ("v1") become deterministic UUIDs. Fixtures that give history directly
 * (rather than earlier rounds) are compared without `change` and `escalation`.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { loadIndicatorSet } from '../../src/services/indicator-sets.js'
import { storeRound, transitionRound } from '../../src/services/rounds.js'
import { importRecords } from '../../src/services/records.js'
import { computeRanking } from '../../src/services/scoring.js'
import type { DataFile } from '../../src/domain/scoring/from-records.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { compareWithExpected, listScoringFixtures, loadScoringFixture } from '../helpers/scoring-fixtures.js'
import { parseRecords } from '../../src/domain/records/parse.js'

const actor = { id: null, name: 'golden' }
let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => t?.drop())

function uuidFor(scope: string, id: string): string {
  const h = createHash('sha256').update(`${scope}/${id}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function toRecords(scope: string, data: DataFile, at: string): Record<string, unknown[]> {
  return {
    visits: (data.visits ?? []).map((v) => ({ ...v, id: uuidFor(scope, v.id), at: v.at ?? at })),
    findings: (data.findings ?? []).map((f) => ({ ...f, id: uuidFor(scope, f.id), visit: uuidFor(scope, f.visit) })),
    externalScores: data.externalScores ?? [],
    measures: data.measures ?? [],
    directScores: data.directScores ?? [],
  }
}

describe(`golden scoring fixtures through the database (${engineName})`, () => {
  for (const file of listScoringFixtures()) {
    it(file, async () => {
      const fx = loadScoringFixture(file)
      const suffix = file.slice(0, 2)
      const set = { ...fx.set, code: `${fx.set.code}-g${suffix}` }
      const round = { ...fx.round, code: `${fx.round.code}-g${suffix}`, series: `${fx.round.series}-g${suffix}`, indicatorSet: { code: set.code, version: set.version } }
      await loadIndicatorSet(t.handle.db, set, null, actor)
      await storeRound(t.handle.db, round, actor)
      await transitionRound(t.handle.db, round.code, 'open', actor)
      await importRecords(t.handle.db, round.code, parseRecords(toRecords(file, fx.data, `${round.period.from}T09:00:00+08:00`)), actor)
      const skip = Object.keys(fx.history).length > 0 ? new Set(['change', 'escalation']) : new Set<string>()
      // During fieldwork the ranking aggregates the findings; after the close, the per-visit totals.
      compareWithExpected(fx, await computeRanking(t.handle.db, round.code), skip)
      await transitionRound(t.handle.db, round.code, 'close', actor)
      compareWithExpected(fx, await computeRanking(t.handle.db, round.code), skip)
    })
  }
})
