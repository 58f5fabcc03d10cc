/**
 * The credibility analysis through the database gives exactly the figures of the pure analysis
 * over the same records (so the simulation checks of test/domain/credibility-simulation hold
 * on both engines), during fieldwork (findings aggregated) and after the close (per-visit
 * totals); the same seed gives the same figures on every run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.js'
import { analyseCredibility, visitSamples } from '../../src/domain/credibility/index.js'
import type { RoundDefinition } from '../../src/domain/round/validate.js'
import { buildRoundInput, type DataFile } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import { getIndicatorSet } from '../../src/services/indicator-sets.js'
import { getRound, transitionRound } from '../../src/services/rounds.js'
import { computeRanking } from '../../src/services/scoring.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { loadSampleRound, SAMPLE_ROUND, sampleData } from '../helpers/sample-round.js'

const OPTIONS = { replicates: 300, weightRuns: 100 }
let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
  await loadSampleRound(t.handle.db)
})
afterAll(async () => t?.drop())

async function pureAnalysis(): Promise<string> {
  const round = await getRound(t.handle.db, SAMPLE_ROUND)
  const set = (await getIndicatorSet(t.handle.db, round.setCode, round.setVersion)).definition
  const def = round.source as RoundDefinition
  const data = sampleData() as DataFile
  const input = buildRoundInput(set, def, data)
  return canonicalJson(analyseCredibility(input, visitSamples(set, def, data), scoreRound(input), { seed: SAMPLE_ROUND, ...OPTIONS }))
}

describe(`credibility through the database (${engineName})`, () => {
  it('equals the pure analysis of the same records, before and after fieldwork closes', async () => {
    const expected = await pureAnalysis()
    const during = canonicalJson(await computeRanking(t.handle.db, SAMPLE_ROUND, { credibility: true, ...OPTIONS }))
    expect(during).toBe(expected)
    await transitionRound(t.handle.db, SAMPLE_ROUND, 'close', { id: null, name: 'test' })
    const after = canonicalJson(await computeRanking(t.handle.db, SAMPLE_ROUND, { credibility: true, ...OPTIONS }))
    expect(after).toBe(expected)
    const parsed = JSON.parse(after) as { groups: { credibility?: { replicates: number }; ranking: { credibility?: unknown }[] }[] }
    expect(parsed.groups.every((g) => g.credibility?.replicates === OPTIONS.replicates && g.ranking.every((u) => u.credibility !== undefined))).toBe(true)
  })

  it('leaves it out unless asked for', async () => {
    const plain = await computeRanking(t.handle.db, SAMPLE_ROUND)
    expect(plain.groups.every((g) => g.credibility === undefined)).toBe(true)
  })
})
