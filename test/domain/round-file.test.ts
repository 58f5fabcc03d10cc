/**
 * Round files (SPEC §6.1, §4.4): reading with the decimal-preserving YAML reader, validation
 * against the indicator set, normalisation of a valid file, and every defect of a bad file
 * reported at once with its path, a message naming the problem, and its line.
 *
 * Pure: the indicator set is indicators/sample-civility-2026.1.yaml (components field,
 * material, survey; point types market, road, alley, bus-stop), parsed here, never stored.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Issue } from '../../src/domain/errors.js'
import type { IndicatorSet } from '../../src/domain/indicator-set/model.js'
import { parseIndicatorSetText } from '../../src/domain/indicator-set/validate.js'
import { readRoundText, validateRoundValue, type RoundDefinition, type RoundParse } from '../../src/domain/round/validate.js'

const SAMPLE_SET = fileURLToPath(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url))
const SAMPLE_ROUND = fileURLToPath(new URL('../fixtures/rounds/sample-2026-01.yaml', import.meta.url))

function sampleSet(): IndicatorSet {
  const parsed = parseIndicatorSetText(readFileSync(SAMPLE_SET, 'utf8'))
  if (!parsed.ok) throw new Error(`the sample set does not validate: ${JSON.stringify(parsed.issues)}`)
  return parsed.set
}
const set = sampleSet()

/** Reads the text as production does and validates it against `against` (null: set not loaded). */
function validate(text: string, against: IndicatorSet | null = set): RoundParse {
  const read = readRoundText(text)
  expect(read.issues, 'the text is readable YAML').toEqual([])
  return validateRoundValue(read.value, against, read.doc, read.lines)
}

function ok(text: string): RoundDefinition {
  const outcome = validate(text)
  if (!outcome.ok) throw new Error(`expected a valid round, got:\n${outcome.issues.map((i) => `${i.path}: ${i.message} (line ${i.line})`).join('\n')}`)
  return outcome.round
}

function issuesOf(text: string, against: IndicatorSet | null = set): Issue[] {
  const outcome = validate(text, against)
  if (outcome.ok) throw new Error('expected the round to be rejected')
  return outcome.issues
}

const show = (issues: Issue[]): string => issues.map((i) => `${i.path}: ${i.message} (line ${i.line ?? '?'})`).join('\n')

/** Each expected [path, fragment of the message, line] is reported exactly, and nothing else. */
function expectExactly(issues: Issue[], expected: [string, string, number][]): void {
  for (const [path, fragment, line] of expected) {
    expect(
      issues.some((i) => i.path === path && i.message.includes(fragment) && i.line === line),
      `no "${path}: …${fragment}… (line ${line})" among\n${show(issues)}`,
    ).toBe(true)
  }
  expect(issues, show(issues)).toHaveLength(expected.length)
}

const HEADER = `code: "2026-02"
series: demo-monthly
name: 2026年第2次文明程度指数测评
indicatorSet: sample-civility@2026.1
period: { from: "2026-02-01", to: "2026-02-28" }
evaluator: 江州市某某调查咨询有限公司
`

describe('a valid round file', () => {
  it('reads the example fixture round', () => {
    const round = ok(readFileSync(SAMPLE_ROUND, 'utf8'))
    expect(round).toMatchObject({
      code: '2026-01',
      series: 'demo-monthly',
      indicatorSet: { code: 'sample-civility', version: '2026.1' },
      period: { from: '2026-01-01', to: '2026-01-31' },
      tiebreak: [],
    })
    expect(round.consequences).toEqual({
      minGroupSize: 2,
      transfers: [{ payer: 'last', payee: 'first', amount: '200000.00', ties: 'split' }],
      lists: { red: { top: 1 }, black: { bottom: 1 } },
      selfCriticism: { bottom: 1 },
      escalation: ['约谈（分管市领导）', '约谈（市委组织部）', '问责'],
    })
    expect(round.groups).toHaveLength(1)
    expect(round.groups[0]!.consequences).toBeNull()
    expect(round.groups[0]!.units.map((u) => [u.code, u.head])).toEqual([
      ['a', '张三'],
      ['b', '李四'],
      ['c', '王五'],
      ['d', null],
    ])
    expect(round.points.map((p) => p.code)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5'])
  })

  it('normalises defaults, selectors (also numbers written as YAML text), amounts and group overrides', () => {
    const round = ok(`${HEADER}tiebreak: [component:field, findings, visits, total]
consequences:
  transfers:
    - { payer: last, payee: first, amount: 200000 }
    - { payer: { fromBottom: 2 }, payee: { rank: 2 }, amount: 500000.5, ties: skip }
    - { payer: { fromBottom: "3" }, payee: { rank: "3" }, amount: "1.10", ties: split }
    - { payer: first, payee: last, amount: "0.01" }
  lists: { red: { top: 2 }, black: { below: 85 } }
groups:
  - code: district
    name: 县区
    weights: { field: "0.70", material: 0.15, survey: .15 }
    units:
      - { code: a, name: 甲区, head: " 张三 " }
      - { code: b, name: 乙区 }
  - code: dept
    name: 市直部门
    consequences:
      minGroupSize: 3
      lists: { red: { min: 90 } }
      selfCriticism: { bottom: 2 }
    units: [{ code: x, name: 市城管局, head: 赵六 }]
points:
  - { code: P1, name: 菱湖农贸市场, type: market, unit: a, address: 菱湖路1号, lat: 30.5, lng: "117.05" }
  - { code: P9, name: 城管局窗口, type: road, unit: x }
`)
    expect(round.tiebreak).toEqual(['component:field', 'findings', 'visits', 'total'])
    expect(round.consequences).toEqual({
      minGroupSize: 1, // default
      transfers: [
        { payer: 'last', payee: 'first', amount: '200000.00', ties: 'split' }, // ties default: split
        { payer: { fromBottom: 2 }, payee: { rank: 2 }, amount: '500000.50', ties: 'skip' },
        { payer: { fromBottom: 3 }, payee: { rank: 3 }, amount: '1.10', ties: 'split' },
        { payer: 'first', payee: 'last', amount: '0.01', ties: 'split' },
      ],
      lists: { red: { top: 2 }, black: { below: '85' } },
      selfCriticism: null,
      escalation: [], // default
    })
    const [district, dept] = round.groups
    expect(district).toEqual({
      code: 'district',
      name: '县区',
      weights: { field: '0.7', material: '0.15', survey: '0.15' },
      consequences: null, // the round's rules apply
      units: [
        { code: 'a', name: '甲区', head: '张三' },
        { code: 'b', name: '乙区', head: null },
      ],
    })
    // A group's consequences replace the round's entirely: no transfers, no black list, no
    // escalation inherited from the round.
    expect(dept!.weights).toBeNull()
    expect(dept!.consequences).toEqual({ minGroupSize: 3, transfers: [], lists: { red: { min: '90' } }, selfCriticism: { bottom: 2 }, escalation: [] })
    expect(round.points).toEqual([
      { code: 'P1', name: '菱湖农贸市场', type: 'market', unit: 'a', address: '菱湖路1号', lat: '30.5', lng: '117.05' },
      { code: 'P9', name: '城管局窗口', type: 'road', unit: 'x', address: null, lat: null, lng: null },
    ])
  })

  it('accepts the same round written in JSON syntax', () => {
    const round = ok(
      JSON.stringify({
        code: '2026-02',
        series: 'demo-monthly',
        name: 'JSON 轮次',
        indicatorSet: 'sample-civility@2026.1',
        period: { from: '2026-02-01', to: '2026-02-28' },
        evaluator: '某公司',
        consequences: { transfers: [{ payer: { fromBottom: 1 }, payee: { rank: 1 }, amount: '600000' }] },
        groups: [{ code: 'g', name: '组', units: [{ code: 'a', name: '甲区' }] }],
      }),
    )
    expect(round.consequences.transfers).toEqual([{ payer: { fromBottom: 1 }, payee: { rank: 1 }, amount: '600000.00', ties: 'split' }])
    expect(round.points).toEqual([])
  })
})

describe('the indifference margin δ and requireMargin (SPEC §5)', () => {
  const group = 'groups: [{ code: g, name: 组, units: [{ code: a, name: 甲区 }] }]\n'

  it('reads δ as points of the total with 2 decimals, at round level and per group', () => {
    const round = ok(`${HEADER}consequences:
  indifference: 0.5
  transfers:
    - { payer: last, payee: first, amount: "200000", requireMargin: true }
    - { payer: { fromBottom: 2 }, payee: { rank: 2 }, amount: "100000", requireMargin: false }
groups:
  - { code: g, name: 组, units: [{ code: a, name: 甲区 }] }
  - code: h
    name: 市直部门
    consequences:
      indifference: "0"
      transfers: [{ payer: last, payee: first, amount: "1", requireMargin: true }]
    units: [{ code: x, name: 市城管局 }]
  - code: k
    name: 街道
    consequences: { transfers: [{ payer: last, payee: first, amount: "1" }] }
    units: [{ code: y, name: 人民路街道 }]
`)
    expect(round.consequences.indifference).toBe('0.50')
    expect(round.consequences.transfers).toEqual([
      { payer: 'last', payee: 'first', amount: '200000.00', ties: 'split', requireMargin: true },
      { payer: { fromBottom: 2 }, payee: { rank: 2 }, amount: '100000.00', ties: 'split' }, // false is the default, left out
    ])
    const [, h, k] = round.groups
    expect(h!.consequences).toMatchObject({ indifference: '0.00', transfers: [{ requireMargin: true }] })
    // A group's consequences replace the round's: no δ inherited.
    expect(k!.consequences).toEqual({ minGroupSize: 1, transfers: [{ payer: 'last', payee: 'first', amount: '1.00', ties: 'split' }], lists: {}, selfCriticism: null, escalation: [] })
  })

  it('has no δ when the file sets none', () => {
    const round = ok(`${HEADER}consequences: { transfers: [{ payer: last, payee: first, amount: "1" }] }\n${group}`)
    expect('indifference' in round.consequences).toBe(false)
  })

  it('refuses a δ that is negative, not a number or finer than 2 decimals, with its line', () => {
    for (const [value, fragment] of [
      ['"-0.5"', 'must be a margin in points of the total, 0 or more, such as "0.50" (got "-0.5")'],
      ['half', 'must be a margin in points of the total, 0 or more, such as "0.50" (got "half")'],
      ['0.125', 'must have at most 2 decimals, as published totals do (got "0.125")'],
    ] as const) {
      const issues = issuesOf(`${HEADER}consequences:\n  indifference: ${value}\n${group}`)
      expectExactly(issues, [['consequences.indifference', fragment, 8]])
    }
  })

  it('refuses requireMargin without a δ in the same consequences, and a requireMargin that is not true or false', () => {
    const issues = issuesOf(`${HEADER}consequences:
  transfers:
    - { payer: last, payee: first, amount: "200000", requireMargin: true }
    - { payer: last, payee: first, amount: "1", requireMargin: "yes" }
groups:
  - code: g
    name: 组
    consequences:
      transfers: [{ payer: last, payee: first, amount: "1", requireMargin: true }]
    units: [{ code: a, name: 甲区 }]
`)
    expectExactly(issues, [
      ['consequences.transfers[0].requireMargin', 'needs an indifference margin: set indifference (points of the total, such as "0.50") in the same consequences', 9],
      ['consequences.transfers[1].requireMargin', 'must be of type boolean', 10],
      ['groups[0].consequences.transfers[0].requireMargin', "in the same consequences (a group's consequences replace the round's)", 15],
    ])
  })

  it('reports a malformed δ once, not again at the rule that needs it', () => {
    const issues = issuesOf(`${HEADER}consequences:
  indifference: "-1"
  transfers: [{ payer: last, payee: first, amount: "1", requireMargin: true }]
${group}`)
    expectExactly(issues, [['consequences.indifference', 'must be a margin in points of the total', 8]])
  })
})

/**
 * One file with every defect the validator knows. Line numbers are 1-based; the comment at
 * the end of each defective line names the defect.
 */
const BAD_ROUND = `code: "2026-bad"
series: demo-monthly
name: 有缺陷的轮次
indicatorSet: nosuch@9
period: { from: "2026-03-31", to: "2026-03-01" }
evaluator: 某公司
colour: red
tiebreak:
  - random
  - component:noise
consequences:
  transfers:
    - payer: { rank: 0 }
      payee: { second: 1 }
      amount: "200000"
    - payer: middle
      payee: first
      amount: 100.005
    - payer: last
      payee: first
      amount: "0"
      ties: random
    - payer: last
      payee: first
      amount: -5
  lists:
    red: { top: -1 }
    black: { bottom: 1 }
  selfCriticism: { top: 1 }
groups:
  - code: district
    name: 县区
    weights: { field: "0.7", material: "0.15", noise: "0.15" }
    units:
      - { code: a, name: 甲区, nickname: 甲 }
      - { code: a, name: 甲区又一次 }
      - { code: b, name: 乙区 }
  - code: dept
    name: 市直部门
    weights: { field: "0.5", survey: "0.4" }
    consequences:
      lists: { red: { min: abc } }
    units:
      - { code: b, name: 乙区 }
      - { code: x, name: 市城管局 }
points:
  - { code: P1, name: 菱湖农贸市场, type: market, unit: a }
  - { code: P1, name: 人民路, type: road, unit: a }
  - { code: P3, name: 码头, type: harbour, unit: b }
  - { code: P4, name: 外区市场, type: market, unit: z }
`

/** Defects found without the indicator set: [path, message fragment, line]. */
const SET_INDEPENDENT: [string, string, number][] = [
  ['period', 'the period ends (2026-03-01) before it starts (2026-03-31)', 5],
  ['colour', 'unknown field "colour"', 7],
  ['tiebreak[0]', 'must be component:<code>, total, findings or visits', 9],
  ['consequences.transfers[0].payer.rank', 'must be a whole number of 1 or more', 13],
  ['consequences.transfers[0].payee', 'must be first, last, { rank: k } or { fromBottom: k }', 14],
  ['consequences.transfers[1].payer', 'must be first, last, { rank: k } or { fromBottom: k }', 16],
  ['consequences.transfers[1].amount', 'must be whole fen (at most 2 decimals)', 18],
  ['consequences.transfers[2].amount', 'must be more than 0', 21],
  ['consequences.transfers[2].ties', 'must be one of split, skip', 22],
  ['consequences.transfers[3].amount', 'must be more than 0', 25],
  ['consequences.lists.red.top', 'must be a whole number of 1 or more', 27],
  ['consequences.selfCriticism', 'must be { bottom: M }', 29],
  ['groups[0].units[0].nickname', 'unknown field "nickname"', 35],
  ['groups[0].units[1].code', 'duplicate unit "a" in group district', 36],
  ['groups[1].weights', 'weights must sum to exactly 1 (they sum to 0.9)', 40],
  ['groups[1].consequences.lists.red.min', 'must be a score such as "85"', 42],
  ['groups[1].units[0].code', 'unit "b" is already in group district', 44],
  ['points[1].code', 'duplicate point "P1"', 48],
  ['points[3].unit', 'unit "z" is not in any group of this round', 50],
]

/** Defects that need the indicator set's components and point types. */
const SET_DEPENDENT: [string, string, number][] = [
  ['tiebreak[1]', 'unknown component "noise"', 10],
  ['groups[0].weights.noise', 'unknown component "noise"', 33],
  ['points[2].type', 'unknown point type "harbour"', 49],
]

describe('a round file with every defect', () => {
  it('reports the unknown set and every defect that does not need the set, each with its path and line', () => {
    const issues = issuesOf(BAD_ROUND, null)
    expectExactly(issues, [['indicatorSet', 'indicator set nosuch@9 is not loaded', 4], ...SET_INDEPENDENT])
  })

  it('with the set at hand, also reports unknown components and point types', () => {
    // The same file validated against the sample set (as if nosuch@9 were its name): every
    // defect but the missing set.
    const issues = issuesOf(BAD_ROUND, set)
    expectExactly(issues, [...SET_INDEPENDENT, ...SET_DEPENDENT])
  })

  it('reports dates that are not calendar dates (and then no period order)', () => {
    const issues = issuesOf(
      HEADER.replace('period: { from: "2026-02-01", to: "2026-02-28" }', 'period: { from: "2026-02-30", to: 2026/03/01 }') +
        'groups: [{ code: g, name: 组, units: [{ code: a, name: 甲区 }] }]\n',
    )
    expectExactly(issues, [
      ['period.from', '"2026-02-30" is not a date (YYYY-MM-DD)', 5],
      ['period.to', '"2026/03/01" is not a date (YYYY-MM-DD)', 5],
    ])
  })

  it('reports a black list written as a red one, a malformed code@version and missing fields', () => {
    const issues = issuesOf(
      `code: "2026-x"
series: demo-monthly
indicatorSet: no-version
period: { from: "2026-02-01", to: "2026-02-28" }
evaluator: 某公司
consequences:
  lists: { black: { min: "90" } }
groups: [{ code: g, name: 组, units: [{ code: a, name: 甲区 }] }]
`,
    )
    expectExactly(issues, [
      ['', 'missing required field "name"', 1],
      ['indicatorSet', 'must be code@version', 3],
      ['consequences.lists.black', 'must be { bottom: N } or { below: "score" }', 7],
    ])
  })

  it('refuses text that is not YAML with its line', () => {
    const read = readRoundText('code: "2026-01"\ngroups: [unclosed\n')
    expect(read.issues.length).toBeGreaterThan(0)
    expect(read.issues[0]!.message).toMatch(/not readable as YAML or JSON/)
    expect(read.issues[0]!.line).toBeGreaterThanOrEqual(2)
  })
})
