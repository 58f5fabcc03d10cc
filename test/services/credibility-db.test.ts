/**
 * The credibility analysis through the database gives exactly the figures of the pure analysis
 * over the same records (so the simulation checks of test/domain/credibility-simulation hold
 * on both engines), during fieldwork (findings aggregated) and after the close (per-visit
 * totals); the same seed gives the same figures on every run. Every test makes its own rounds
 * (test/helpers/factories.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.js'
import { analyseCredibility, visitSamples } from '../../src/domain/credibility/index.js'
import type { RoundDefinition } from '../../src/domain/round/validate.js'
import { buildRoundInput, type DataFile } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import { getIndicatorSet } from '../../src/services/indicator-sets.js'
import { importRecords } from '../../src/services/records.js'
import { getRound, loadRound, transitionRound } from '../../src/services/rounds.js'
import { computeRanking } from '../../src/services/scoring.js'
import { createTestDatabase, engineName, type TestDatabase } from '../helpers/db.js'
import { createSampleRound, loadSampleSet, uniqueCode, type SampleRound } from '../helpers/factories.js'
import { parseRecords } from '../../src/domain/records/parse.js'
import { registryOf } from '../helpers/registry.js'
import { designRoundText, designValues, designVisits, type DesignUnit } from '../helpers/design-round.js'

const actor = { id: null, name: 'test' }

const OPTIONS = { replicates: 300, weightRuns: 100 }
let t: TestDatabase
beforeAll(async () => {
  t = await createTestDatabase()
})
afterAll(async () => t?.drop())

/** The pure analysis of the round's records and registry, seeded with its code as the database path is. */
async function pureAnalysis(sample: SampleRound): Promise<string> {
  const round = await getRound(t.handle.db, sample.code)
  const set = (await getIndicatorSet(t.handle.db, round.setCode, round.setVersion)).definition
  const def = round.source as RoundDefinition
  const data = sample.data as DataFile
  const input = buildRoundInput(set, def, data)
  return canonicalJson(analyseCredibility(input, visitSamples(set, def, data), scoreRound(input), { seed: sample.code, registry: registryOf(def), ...OPTIONS }))
}

describe(`credibility through the database (${engineName})`, () => {
  it('equals the pure analysis of the same records, before and after fieldwork closes', async () => {
    const sample = await createSampleRound(t.handle.db)
    const expected = await pureAnalysis(sample)
    const during = canonicalJson(await computeRanking(t.handle.db, sample.code, { credibility: true, ...OPTIONS }))
    expect(during).toBe(expected)
    await transitionRound(t.handle.db, sample.code, 'close', { id: null, name: 'test' })
    const after = canonicalJson(await computeRanking(t.handle.db, sample.code, { credibility: true, ...OPTIONS }))
    expect(after).toBe(expected)
    const parsed = JSON.parse(after) as { groups: { credibility?: { replicates: number }; ranking: { credibility?: unknown }[] }[] }
    expect(parsed.groups.every((g) => g.credibility?.replicates === OPTIONS.replicates && g.ranking.every((u) => u.credibility !== undefined))).toBe(true)
  })

  it('leaves it out unless asked for', async () => {
    const sample = await createSampleRound(t.handle.db)
    const plain = await computeRanking(t.handle.db, sample.code)
    expect(plain.groups.length).toBeGreaterThan(0)
    expect(plain.groups.every((g) => g.credibility === undefined)).toBe(true)
  })

  it('runs it whenever a transfer rule carries minConfidence, and the gate decides the transfer', async () => {
    await loadSampleSet(t.handle.db)
    // Rounds with a real two-stage design (test/helpers/design-round.ts): one whose first and last
    // units are far from the others (the gate asks both to hold their places), one with two units
    // close at the bottom.
    const gated = async (units: DesignUnit[], min: string): Promise<string> => {
      const code = uniqueCode('gated')
      const prefix = uniqueCode('g')
      await loadRound(t.handle.db, designRoundText({ code, series: uniqueCode('series'), prefix, units, minConfidence: min }), actor)
      await transitionRound(t.handle.db, code, 'open', actor)
      await importRecords(t.handle.db, code, parseRecords({ ...designVisits({ prefix, units }), ...designValues(prefix, units) }), actor)
      return code
    }
    const clear = await gated(
      [
        { code: 'a', name: '甲区', level: 0.02 },
        { code: 'b', name: '乙区', level: 1.5 },
        { code: 'c', name: '丙区', level: 5 },
      ],
      '0.9',
    )
    const kept = await computeRanking(t.handle.db, clear, OPTIONS)
    expect(kept.groups[0]!.credibility).toBeDefined()
    expect(kept.groups[0]!.transfers.length).toBe(1)
    expect(kept.groups[0]!.withheld).toEqual([])

    const close = await gated(
      [
        { code: 'a', name: '甲区', level: 0.1 },
        { code: 'b', name: '乙区', level: 0.3 },
        { code: 'c', name: '丙区', level: 0.7 },
        { code: 'd', name: '丁区', level: 0.8 },
      ],
      '0.9',
    )
    const doubtful = await computeRanking(t.handle.db, close, OPTIONS)
    const last = doubtful.groups[0]!.ranking.find((u) => u.bottom === 1)!
    expect(Number(last.credibility!.pLast)).toBeLessThan(0.9)
    expect(doubtful.groups[0]!.transfers).toEqual([])
    expect(doubtful.groups[0]!.withheld.map((w) => w.rule)).toEqual([0])
  })
})
