/**
 * The credibility analysis in worker threads (src/services/credibility-pool.ts) gives exactly the
 * in-process figures on every golden fixture, hands domain errors back as domain errors, and
 * refuses a job at once when its workers are busy and its queue is full. Packing the samples for
 * the worker keeps what the analysis reads.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.js'
import { analyseCredibility, MAX_REPLICATES, visitSamples, type CredibilityOptions, type RoundSamples } from '../../src/domain/credibility/index.js'
import { packSamples, unpackSamples } from '../../src/domain/credibility/packed-samples.js'
import { DomainError } from '../../src/domain/errors.js'
import { buildRoundInput } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type { RoundInput } from '../../src/domain/scoring/types.js'
import { CredibilityPool } from '../../src/services/credibility-pool.js'
import { listScoringFixtures, loadScoringFixture } from '../helpers/scoring-fixtures.js'

const fixtures = listScoringFixtures().map((file) => {
  const fx = loadScoringFixture(file)
  return { file, input: buildRoundInput(fx.set, fx.round, fx.data, fx.history), samples: visitSamples(fx.set, fx.round, fx.data), seed: fx.round.code }
})

const inProcess = (input: RoundInput, samples: RoundSamples, options: CredibilityOptions): string => canonicalJson(analyseCredibility(input, samples, scoreRound(input), options))

const pools: CredibilityPool[] = []
const pool = (options: ConstructorParameters<typeof CredibilityPool>[0] = {}): CredibilityPool => {
  const p = new CredibilityPool(options)
  pools.push(p)
  return p
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
})

describe('credibility worker pool', () => {
  it('gives the in-process figures on every golden fixture', async () => {
    const p = pool({ size: 2, maxQueued: fixtures.length })
    expect(fixtures.length).toBeGreaterThan(20)
    const options = (seed: string): CredibilityOptions => ({ seed, replicates: 200, weightRuns: 50 })
    const viaWorkers = await Promise.all(fixtures.map(async (f) => canonicalJson(await p.run(f.input, f.samples, options(f.seed)))))
    fixtures.forEach((f, i) => expect(viaWorkers[i], f.file).toBe(inProcess(f.input, f.samples, options(f.seed))))
    // Two workers at most, and every job was handed out and answered.
    expect(p.stats()).toMatchObject({ size: 2, workers: 2, busy: 0, queued: 0 })
  })

  it('hands back a domain error as the same domain error', async () => {
    const f = fixtures[0]!
    const error = await pool({ size: 1 })
      .run(f.input, f.samples, { seed: f.seed, replicates: MAX_REPLICATES + 1 })
      .then(
        () => null,
        (e: unknown) => e,
      )
    expect(error).toBeInstanceOf(DomainError)
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining(`from 1 to ${MAX_REPLICATES}`) as unknown })
  })

  it('queues jobs beyond its workers and refuses one beyond the queue with CREDIBILITY_BUSY, before any finishes', async () => {
    const p = pool({ size: 1, maxQueued: 1 })
    const f = fixtures[0]!
    const options = { seed: f.seed, replicates: 100, weightRuns: 10 }
    const running = p.run(f.input, f.samples, options)
    const waiting = p.run(f.input, f.samples, options)
    expect(p.stats()).toMatchObject({ busy: 1, queued: 1 })
    const refused = await p.run(f.input, f.samples, options).then(
      () => null,
      (e: unknown) => e,
    )
    expect(refused).toBeInstanceOf(DomainError)
    expect((refused as DomainError).code).toBe('CREDIBILITY_BUSY')
    expect((refused as DomainError).kind).toBe('unavailable')
    // The refusal came while the first two were still in the pool; both then finish alike.
    expect(p.stats()).toMatchObject({ busy: 1, queued: 1 })
    const [a, b] = await Promise.all([running, waiting])
    expect(canonicalJson(a)).toBe(canonicalJson(b))
    expect(p.stats()).toMatchObject({ busy: 0, queued: 0 })
  })

  it('packs samples into typed arrays and back without changing what the analysis reads', () => {
    for (const f of fixtures) {
      const back = unpackSamples(packSamples(f.samples))
      expect(Object.keys(back), f.file).toEqual(Object.keys(f.samples))
      for (const [unit, visits] of Object.entries(f.samples))
        expect(
          back[unit]!.map((v) => ({ pointType: v.pointType, standards: v.standards.map((s) => ({ ...s, deduction: Number(s.deduction) })) })),
          `${f.file} ${unit}`,
        ).toEqual(visits.map((v) => ({ pointType: v.pointType, standards: v.standards.map((s) => ({ ...s, deduction: Number(s.deduction) })) })))
    }
  })
})
