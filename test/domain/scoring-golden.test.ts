/**
 * Golden scoring fixtures (SPEC §4): every file in test/fixtures/scoring/ is parsed with the
 * production readers (decimal-preserving YAML → validateIndicatorSetValue / validateRoundValue),
 * turned into a RoundInput with buildRoundInput, scored with scoreRound, and compared with the
 * fixture's hand-checked `expect` block. The arithmetic behind every expected number is written
 * out in the fixture itself; see test/fixtures/README.md for the format.
 *
 * A fixture with `knownBug:` asserts SPEC behaviour the product does not have yet; its
 * comparison runs as it.fails, so the suite stays green until the bug is fixed and then tells
 * us to drop the marker.
 */
import { describe, expect, it } from 'vitest'
import { buildRoundInput } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type { RoundResult } from '../../src/domain/scoring/types.js'
import { compareWithExpected as compare, listScoringFixtures, loadScoringFixture, type ScoringFixture } from '../helpers/scoring-fixtures.js'

const files = listScoringFixtures()

function score(fx: ScoringFixture): RoundResult {
  return scoreRound(buildRoundInput(fx.set, fx.round, fx.data, fx.history))
}

/** Yuan text with at most 2 decimals → fen, without floats. */
function fen(amount: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount)
  if (!m) throw new Error(`not an amount: ${amount}`)
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? '').padEnd(2, '0'))
}

describe('golden scoring fixtures (test/fixtures/scoring)', () => {
  it('has at least 25 fixtures, each named NN-short-name.yaml with a unique number', () => {
    expect(files.length).toBeGreaterThanOrEqual(25)
    const numbers = files.map((f) => f.slice(0, 2))
    expect(new Set(numbers).size).toBe(numbers.length)
  })

  for (const file of files) {
    let fx: ScoringFixture | null = null
    let loadError: unknown = null
    try {
      fx = loadScoringFixture(file)
    } catch (e) {
      loadError = e
    }
    if (!fx) {
      it(`${file}: loads`, () => {
        throw loadError
      })
      continue
    }
    const fixture = fx
    describe(file, () => {
      it('is documented: a title and the arithmetic written out', () => {
        expect(fixture.title.trim()).not.toBe('')
        expect(fixture.arithmetic.trim().split('\n').length).toBeGreaterThanOrEqual(3)
      })

      const run = fixture.knownBug ? it.fails : it
      run(`${fixture.title}${fixture.knownBug ? ` [known product bug: ${fixture.knownBug}]` : ''}`, () => {
        compare(fixture, score(fixture))
      })

      it('each transfer rule moves exactly its amount (fen, BigInt), or nothing when withheld', () => {
        const result = score(fixture)
        for (const group of result.groups) {
          const def = fixture.round.groups.find((g) => g.code === group.code)!
          const rules = (def.consequences ?? fixture.round.consequences).transfers
          for (const t of group.transfers) expect(rules[t.rule], `${group.code}: transfer of unknown rule ${t.rule}`).toBeDefined()
          rules.forEach((rule, index) => {
            const amount = fen(rule.amount)
            const moved = group.transfers.filter((t) => t.rule === index).reduce((s, t) => s + fen(t.amount), 0n)
            const withheld = group.withheld.some((w) => w.rule === index)
            expect(moved % amount, `${group.code} rule ${index}: a whole multiple of ${rule.amount}`).toBe(0n)
            expect(moved, `${group.code} rule ${index}: ${withheld ? 'withheld, nothing moves' : 'moves its amount in full'}`).toBe(withheld ? 0n : amount)
            for (const t of group.transfers.filter((x) => x.rule === index)) expect(fen(t.amount) > 0n).toBe(true)
          })
        }
      })
    })
  }
})
