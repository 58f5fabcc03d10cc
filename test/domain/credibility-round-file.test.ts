/**
 * The confidence gate in the round file (SPEC §4.4, §5): a transfer rule's optional
 * `minConfidence` is a probability in (0, 1], read as canonical decimal text into
 * Consequences.transfers (round and group rules), and anything else is reported with its path
 * and line. Pure: the indicator set is indicators/sample-civility-2026.1.yaml, parsed here.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Issue } from '../../src/domain/errors.js'
import { parseIndicatorSetText } from '../../src/domain/indicator-set/validate.js'
import { readRoundText, validateRoundValue, type RoundDefinition } from '../../src/domain/round/validate.js'

const SAMPLE_SET = fileURLToPath(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url))
const parsedSet = parseIndicatorSetText(readFileSync(SAMPLE_SET, 'utf8'))
if (!parsedSet.ok) throw new Error(`the sample set does not validate: ${JSON.stringify(parsedSet.issues)}`)
const set = parsedSet.set

const HEADER = `code: "2026-03"
series: demo-monthly
name: 2026年第3次文明程度指数测评
indicatorSet: sample-civility@2026.1
period: { from: "2026-03-01", to: "2026-03-31" }
evaluator: 江州市某某调查咨询有限公司
`

function validate(text: string): { ok: true; round: RoundDefinition } | { ok: false; issues: Issue[] } {
  const read = readRoundText(text)
  expect(read.issues).toEqual([])
  return validateRoundValue(read.value, set, read.doc, read.lines)
}

/** A round whose round-level rule has the given minConfidence line (YAML text after the key). */
function withConfidence(value: string): string {
  return `${HEADER}consequences:
  transfers:
    - payer: last
      payee: first
      amount: "200000"
      minConfidence: ${value}
groups:
  - code: district
    name: 县区
    units: [{ code: a, name: 甲区 }, { code: b, name: 乙区 }]
`
}

describe('minConfidence of a transfer rule', () => {
  it.each([
    ['"0.9"', '0.9'],
    ['0.90', '0.9'],
    ['" 0.95 "', '0.95'],
    ['1', '1'],
    ['1.000', '1'],
    ['0.001', '0.001'],
  ])('reads %s as %s and keeps it in Consequences.transfers', (yaml, expected) => {
    const outcome = validate(withConfidence(yaml))
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues))
    expect(outcome.round.consequences.transfers).toEqual([{ payer: 'last', payee: 'first', amount: '200000.00', ties: 'split', minConfidence: expected }])
  })

  it('is absent from rules that do not set it', () => {
    const outcome = validate(`${HEADER}consequences:
  transfers: [{ payer: last, payee: first, amount: "1" }]
groups:
  - code: district
    name: 县区
    consequences:
      transfers: [{ payer: { fromBottom: 2 }, payee: { rank: 2 }, amount: "2", minConfidence: "0.8" }]
    units: [{ code: a, name: 甲区 }]
`)
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.issues))
    expect('minConfidence' in outcome.round.consequences.transfers[0]!).toBe(false)
    expect(outcome.round.groups[0]!.consequences!.transfers).toEqual([{ payer: { fromBottom: 2 }, payee: { rank: 2 }, amount: '2.00', ties: 'split', minConfidence: '0.8' }])
  })

  it.each(['0', '"0.0"', '1.01', '"-0.5"', '"90%"', '"abc"', '" "', '"1e-1"'])('rejects %s with a clear message, its path and line', (yaml) => {
    const outcome = validate(withConfidence(yaml))
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.issues).toHaveLength(1)
    expect(outcome.issues[0]).toMatchObject({ path: 'consequences.transfers[0].minConfidence', line: 12 })
    expect(outcome.issues[0]!.message).toContain('must be a probability greater than 0 and at most 1, such as "0.9"')
  })

  it('rejects a value that is not text or a number, and empty text, through the shape check', () => {
    for (const yaml of ['[0.9]', '""']) {
      const outcome = validate(withConfidence(yaml))
      expect(outcome.ok, yaml).toBe(false)
      if (outcome.ok) continue
      expect(outcome.issues.some((i) => i.path.startsWith('consequences.transfers[0].minConfidence')), yaml).toBe(true)
    }
  })

  it('reports a bad value in a group rule at the group path', () => {
    const outcome = validate(`${HEADER}groups:
  - code: district
    name: 县区
    consequences:
      transfers: [{ payer: last, payee: first, amount: "1", minConfidence: "2" }]
    units: [{ code: a, name: 甲区 }]
`)
    expect(outcome.ok).toBe(false)
    if (outcome.ok) return
    expect(outcome.issues.map((i) => i.path)).toEqual(['groups[0].consequences.transfers[0].minConfidence'])
  })
})
