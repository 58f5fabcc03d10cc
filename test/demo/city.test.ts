/**
 * The demo city (src/demo): three monthly rounds of 江州市 against
 * indicators/city-mock-2026.1.yaml. Every round file goes through the production round reader
 * and validator, every data file through the record validator, and every round is scored with
 * the real core, history carried from round to round, to check what the demo promises:
 *   (a) a tie (并列) in the last round; (b) one unit last of its group in consecutive rounds, so
 *   the escalation shows; (c) every unit ranked; (d) visit and finding counts near the targets,
 *   totals mostly 80–95; plus determinism, realistic records and speed. Pure: no database.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEMO_MONTHS, demoCity, type DemoCity } from '../../src/demo/city.js'
import { NOTES } from '../../src/demo/notes.js'
import { GROUPS, POINTS } from '../../src/demo/registry.js'
import { standardsOf, type IndicatorSet } from '../../src/domain/indicator-set/model.js'
import { parseIndicatorSetText } from '../../src/domain/indicator-set/validate.js'
import { parseTime, validateRecords, type RecordContext } from '../../src/domain/records/validate.js'
import { readRoundText, validateRoundValue, type RoundDefinition } from '../../src/domain/round/validate.js'
import { buildRoundInput } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import type { RoundResult, UnitHistory } from '../../src/domain/scoring/types.js'
import { BUNDLED_INDICATORS_DIR } from '../../src/paths.js'

const city = demoCity()

function loadSet(file: string): IndicatorSet {
  const parsed = parseIndicatorSetText(readFileSync(file, 'utf8'))
  if (!parsed.ok) throw new Error(`${file} does not validate: ${JSON.stringify(parsed.issues.slice(0, 3))}`)
  return parsed.set
}
const set = loadSet(city.setFile)

/** Reads a round file as `civindex round load` would: its text (JSON is YAML), then the validator. */
const definitions = new Map<unknown, RoundDefinition>()
function readRound(file: unknown): RoundDefinition {
  const known = definitions.get(file)
  if (known) return known
  const read = readRoundText(JSON.stringify(file, null, 2))
  expect(read.issues).toEqual([])
  const outcome = validateRoundValue(read.value, set, read.doc, read.lines)
  if (!outcome.ok) throw new Error(`round file does not validate:\n${outcome.issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`)
  definitions.set(file, outcome.round)
  return outcome.round
}

/** The record validator's context for a round, as the import service builds it from the database. */
function recordContext(round: RoundDefinition): RecordContext {
  const unitIds = new Map(round.groups.flatMap((g) => g.units).map((u, i) => [u.code, i + 1]))
  return {
    standards: new Map(standardsOf(set).map((s, i) => [s.code, { id: i + 1, kind: s.rule.kind, points: s.points, pointTypes: s.pointTypes }])),
    components: new Map(set.components.map((c) => [c.code, c.source])),
    points: new Map(round.points.map((p, i) => [p.code, { id: i + 1, type: p.type, unitId: unitIds.get(p.unit)! }])),
    units: unitIds,
    storedVisits: new Map(),
    photos: new Set(),
  }
}

/** Scores the rounds in order, each with the history of the ones before (rank change, black-list streak). */
function scoreAll(c: DemoCity): RoundResult[] {
  const results: RoundResult[] = []
  let history: Record<string, UnitHistory> = {}
  for (const r of c.rounds) {
    const result = scoreRound(buildRoundInput(set, readRound(r.file), r.data, history))
    const next: Record<string, UnitHistory> = {}
    for (const g of result.groups)
      for (const u of g.ranking)
        next[u.unit] = { previousRank: u.rank, blackListStreak: g.lists.black.includes(u.unit) ? (history[u.unit]?.blackListStreak ?? 0) + 1 : 0 }
    history = next
    results.push(result)
  }
  return results
}
const results = scoreAll(city)

describe('demo city: the registry', () => {
  it('uses the bundled realistic indicator set', () => {
    expect(city.setFile).toBe(path.join(BUNDLED_INDICATORS_DIR, 'city-mock-2026.1.yaml'))
    expect(path.isAbsolute(city.setFile)).toBe(true)
    expect(`${set.code}@${set.version}`).toBe('city-mock@2026.1')
  })

  it('has about 30 units in three groups, each with a head', () => {
    expect(GROUPS.map((g) => [g.code, g.name])).toEqual([
      ['district', '县区'],
      ['street', '街道'],
      ['department', '市直部门（窗口单位）'],
    ])
    const units = GROUPS.flatMap((g) => g.units)
    expect(units.length).toBeGreaterThanOrEqual(28)
    expect(units.length).toBeLessThanOrEqual(32)
    for (const g of GROUPS) expect(g.units.length).toBeGreaterThanOrEqual(8)
    expect(new Set(units.map((u) => u.code)).size).toBe(units.length)
    expect(new Set(units.map((u) => u.head)).size).toBe(units.length)
    for (const u of units) expect(u.head).toMatch(/^[\u4e00-\u9fff]{2,3}$/)
  })

  it('gives every unit points with unique codes and names, of every point type of the set', () => {
    expect(new Set(POINTS.map((p) => p.code)).size).toBe(POINTS.length)
    expect(new Set(POINTS.map((p) => p.name)).size).toBe(POINTS.length)
    for (const p of POINTS) expect(p.code).toMatch(/^P\d{4}$/)
    for (const u of GROUPS.flatMap((g) => g.units)) expect(POINTS.filter((p) => p.unit === u.code).length).toBeGreaterThanOrEqual(6)
    expect(new Set(POINTS.map((p) => p.type))).toEqual(new Set(set.pointTypes.map((t) => t.code)))
  })

  it('gives departments only the points of their trade, never streets or alleys', () => {
    const departments = new Set(GROUPS.find((g) => g.code === 'department')!.units.map((u) => u.code))
    const types = new Set(POINTS.filter((p) => departments.has(p.unit)).map((p) => p.type))
    expect(types.has('alley')).toBe(false)
    expect(types.has('bus')).toBe(true)
    expect(types.has('window')).toBe(true)
    expect(POINTS.filter((p) => p.type === 'bus').every((p) => p.unit === 'transport')).toBe(true)
  })

  it('has a note for every standard scored at visits', () => {
    for (const s of standardsOf(set)) if (s.pointTypes.length > 0) expect(NOTES[s.code], s.code).toBeDefined()
  })
})

describe('demo city: round files', () => {
  it('has three consecutive monthly rounds of one series, oldest first', () => {
    expect(city.rounds.map((r) => r.code)).toEqual(['2026-09', '2026-10', '2026-11'])
    expect(DEMO_MONTHS.map((m) => m.code)).toEqual(city.rounds.map((r) => r.code))
    const defs = city.rounds.map((r) => readRound(r.file))
    expect(new Set(defs.map((d) => d.series)).size).toBe(1)
    expect(defs.map((d) => d.period)).toEqual([
      { from: '2026-09-01', to: '2026-09-30' },
      { from: '2026-10-01', to: '2026-10-31' },
      { from: '2026-11-01', to: '2026-11-30' },
    ])
    expect(defs.map((d) => d.name)).toEqual(['2026年9月文明程度指数模拟测评', '2026年10月文明程度指数模拟测评', '2026年11月文明程度指数模拟测评'])
    for (const d of defs) {
      expect(d.code).toMatch(/^2026-\d{2}$/)
      expect(d.evaluator).toMatch(/有限公司$/)
      expect(d.indicatorSet).toEqual({ code: 'city-mock', version: '2026.1' })
    }
  })

  it('pays 200,000 from last to first, lists and escalates as in SPEC §4.4', () => {
    const def = readRound(city.rounds[0]!.file)
    expect(def.consequences).toEqual({
      minGroupSize: 3,
      transfers: [{ payer: { fromBottom: 1 }, payee: { rank: 1 }, amount: '200000.00', ties: 'split', minConfidence: '0.9' }],
      lists: { red: { top: 1 }, black: { bottom: 1 } },
      selfCriticism: { bottom: 1 },
      escalation: ['约谈（分管市领导）', '约谈（市委组织部）', '问责'],
    })
  })

  it('registers the same points in every round', () => {
    const [first, ...rest] = city.rounds.map((r) => r.file.points)
    for (const points of rest) expect(points).toEqual(first)
    expect(first).toHaveLength(POINTS.length)
  })
})

describe('demo city: data files', () => {
  for (const round of city.rounds) {
    it(`round ${round.code}: every record passes the record validator`, () => {
      const def = readRound(round.file)
      const { records, issues } = validateRecords(round.data, recordContext(def))
      expect(issues.slice(0, 5)).toEqual([])
      expect(records.visits).toHaveLength(round.data.visits!.length)
      expect(records.findings).toHaveLength(round.data.findings!.length)
      expect(records.externalScores).toHaveLength(def.groups.flatMap((g) => g.units).length)
    })

    it(`round ${round.code}: visits fall within the period, in China time, at daytime hours`, () => {
      const def = readRound(round.file)
      const from = parseTime(def.period.from)!.getTime()
      const to = parseTime(def.period.to)!.getTime() + 24 * 3600 * 1000
      const wrong = round.data.visits!.filter((v) => {
        const t = parseTime(v.at)?.getTime() ?? NaN
        return !/^\d{4}-\d{2}-\d{2}T(0[7-9]|1\d|2[0-2]):[0-5]\d:00\+08:00$/.test(v.at ?? '') || !(t >= from && t < to) || !/^CP\d{2}$/.test(v.evaluator ?? '')
      })
      expect(wrong).toEqual([])
    })

    it(`round ${round.code}: findings have counts mostly 1–3 and short Chinese notes`, () => {
      const findings = round.data.findings!
      const counts = findings.map((f) => f.count ?? 1)
      expect(counts.every((n) => n >= 1 && n <= 3)).toBe(true)
      expect(counts.filter((n) => n === 1).length / counts.length).toBeGreaterThan(0.5)
      expect(findings.filter((f) => !/[\u4e00-\u9fff]/.test(f.note ?? '') || f.note!.length > 24 || f.note!.includes('{n}'))).toEqual([])
    })

    it(`round ${round.code}: survey scores are 0–100 with 2 decimals; material values are sensible`, () => {
      for (const e of round.data.externalScores!) {
        expect(e.component).toBe('survey')
        expect(e.value).toMatch(/^\d{2,3}\.\d{2}$/)
        expect(Number(e.value)).toBeGreaterThanOrEqual(0)
        expect(Number(e.value)).toBeLessThanOrEqual(100)
      }
      for (const d of round.data.directScores!) expect(d.value).toMatch(/^\d(\.5)?$/)
      for (const m of round.data.measures!) expect(m.value).toMatch(/^\d+(\.\d)?$/)
    })
  }

  it('ids are v4-shaped UUIDs, unique across all rounds', () => {
    const ids = city.rounds.flatMap((r) => [...r.data.visits!.map((v) => v.id), ...r.data.findings!.map((f) => f.id)])
    expect(ids.filter((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toEqual([])
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('(d) hits the targets: 3,000 visits and about 20,000 finding rows per round', () => {
    for (const r of city.rounds) {
      expect(r.data.visits).toHaveLength(3000)
      expect(Math.abs(r.data.findings!.length - 20000)).toBeLessThanOrEqual(200)
    }
  })

  it('(d) follows other targets', () => {
    const small = demoCity({ seed: 'small', visits: 600, findings: 4000 })
    for (const r of small.rounds) {
      expect(r.data.visits).toHaveLength(600)
      expect(Math.abs(r.data.findings!.length - 4000)).toBeLessThanOrEqual(80)
    }
    const none = demoCity({ seed: 'none', visits: 300, findings: 0 })
    for (const r of none.rounds) expect(r.data.findings).toHaveLength(0)
    expect(() => demoCity({ visits: 10 })).toThrow(/visits/)
  })
})

describe('demo city: scored with the real core', () => {
  it('(c) ranks every unit in every round', () => {
    for (const result of results)
      for (const g of result.groups) {
        expect(g.unranked).toEqual([])
        expect(g.ranking).toHaveLength(GROUPS.find((x) => x.code === g.code)!.units.length)
      }
  })

  it('(d) publishes totals mostly between 80 and 95', () => {
    const totals = results.flatMap((r) => r.groups.flatMap((g) => g.ranking.map((u) => Number(u.total))))
    expect(totals.filter((t) => t >= 80 && t <= 95).length / totals.length).toBeGreaterThan(0.75)
    expect(Math.min(...totals)).toBeGreaterThan(60)
    expect(Math.max(...totals)).toBeLessThan(100)
  })

  it('(a) has two units of one group with equal published totals in the last round', () => {
    const last = results[results.length - 1]!
    const tied = last.groups.flatMap((g) => {
      const byTotal = new Map<string, typeof g.ranking>()
      for (const u of g.ranking) byTotal.set(u.total, [...(byTotal.get(u.total) ?? []), u])
      return [...byTotal.values()].filter((us) => us.length >= 2)
    })
    expect(tied.length).toBeGreaterThanOrEqual(1)
    for (const us of tied) {
      expect(new Set(us.map((u) => u.rank)).size).toBe(1)
      expect(us.every((u) => u.tied)).toBe(true)
    }
  })

  it('(b) keeps one unit alone in last place of its group in consecutive rounds, and escalates', () => {
    const lastOf = (r: RoundResult, group: string): string[] =>
      r.groups.find((g) => g.code === group)!.ranking.filter((u) => u.bottom === 1).map((u) => u.unit)
    const streaks = GROUPS.map((g) => {
      const lasts = results.map((r) => lastOf(r, g.code))
      const unit = lasts[lasts.length - 1]!.length === 1 ? lasts[lasts.length - 1]![0]! : null
      let n = 0
      for (let i = lasts.length - 1; i >= 0 && unit !== null && lasts[i]!.length === 1 && lasts[i]![0] === unit; i--) n++
      return { group: g.code, unit, n }
    })
    const district = streaks.find((s) => s.group === 'district')!
    expect(district.n).toBe(3)
    const last = results[results.length - 1]!.groups.find((g) => g.code === 'district')!
    expect(last.lists.black).toEqual([district.unit])
    expect(last.selfCriticism).toEqual([district.unit])
    expect(last.escalation).toEqual([expect.objectContaining({ unit: district.unit, consecutive: 3, action: '问责' })])
    expect(last.transfers).toHaveLength(1)
    expect(last.transfers[0]).toMatchObject({ payer: district.unit, amount: '200000.00' })
    const middle = results[1]!.groups.find((g) => g.code === 'district')!
    expect(middle.escalation).toEqual([expect.objectContaining({ unit: district.unit, consecutive: 2, action: '约谈（市委组织部）' })])
  })

  it('moves ranks between months, but not wildly', () => {
    const last = results[results.length - 1]!
    const changes = last.groups.flatMap((g) => g.ranking.map((u) => u.change))
    expect(changes.every((c) => c !== 'new')).toBe(true)
    expect(changes.some((c) => c !== '—')).toBe(true)
    const sizes = changes.map((c) => (c === '—' ? 0 : Number(c.slice(1))))
    expect(sizes.filter((n) => n <= 3).length / sizes.length).toBeGreaterThan(0.7)
  })
})

describe('demo city: determinism and speed', () => {
  it('gives byte-identical output for the same seed', () => {
    expect(JSON.stringify(demoCity())).toBe(JSON.stringify(city))
  })

  it('gives other data, on the same registry, for another seed', () => {
    const other = demoCity({ seed: 'another city day' })
    expect(JSON.stringify(other.rounds.map((r) => r.data))).not.toBe(JSON.stringify(city.rounds.map((r) => r.data)))
    expect(other.rounds.map((r) => r.file)).toEqual(city.rounds.map((r) => r.file))
    expect(new Set(other.rounds[0]!.data.visits!.map((v) => v.id)).has(city.rounds[0]!.data.visits![0]!.id)).toBe(false)
  })

  it('keeps its promises for other seeds too', () => {
    for (const seed of ['a', 'b']) {
      const r = scoreAll(demoCity({ seed }))
      expect(r.every((x) => x.groups.every((g) => g.unranked.length === 0))).toBe(true)
      expect(r[r.length - 1]!.groups.some((g) => g.ranking.some((u) => u.tied))).toBe(true)
      const laggards = r.map((x) => x.groups.find((g) => g.code === 'district')!.ranking.filter((u) => u.bottom === 1).map((u) => u.unit))
      expect(laggards.every((l) => l.length === 1 && l[0] === laggards[0]![0])).toBe(true)
    }
  })

  it('generates three rounds well within 2 seconds of processor time', () => {
    const before = process.cpuUsage()
    demoCity({ seed: 'timing' })
    const used = process.cpuUsage(before)
    expect((used.user + used.system) / 1000).toBeLessThan(2000)
  })
})
