/**
 * Golden scoring fixtures (test/fixtures/scoring/*.yaml, format in test/fixtures/README.md):
 * listing and loading. Each fixture is one self-contained YAML file holding an inline indicator
 * set, an inline round, data records, optional history and the expected result. Loading goes
 * through the same readers as production: the file is read with the decimal-preserving YAML
 * reader (every number arrives as its source text), the set with validateIndicatorSetValue and
 * the round with validateRoundValue. Data counts arrive as text and are turned into integers
 * here, as the data import does.
 *
 * Reused by the golden test and by any test that wants a realistic, hand-checked round
 * (e.g. the database scoring path must give the same result as the in-memory one).
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { IndicatorSet } from '../../src/domain/indicator-set/model.js'
import { validateIndicatorSetValue } from '../../src/domain/indicator-set/validate.js'
import { validateRoundValue, type RoundDefinition } from '../../src/domain/round/validate.js'
import type { DataFile } from '../../src/domain/scoring/from-records.js'
import { expect } from 'vitest'
import type { GroupResult, RoundResult, UnitHistory } from '../../src/domain/scoring/types.js'
import { isObject, isString, parseDecimalPreservingYaml } from '../../src/domain/validation.js'

export const SCORING_FIXTURE_DIR = fileURLToPath(new URL('../fixtures/scoring/', import.meta.url))

export interface ExpectedRanked {
  unit: string
  rank: number
  tied: boolean
  total: string
  components?: Record<string, string>
  change?: string
  findings?: number
  visits?: number
  bottom?: number
}

export interface ExpectedGroup {
  code: string
  ranking: ExpectedRanked[]
  unranked?: { unit: string; reason: string }[]
  transfers?: { payer: string; payee: string; amount: string; rule: number }[]
  /** `reason` is a regular expression source, matched against the actual reason. */
  withheld?: { rule: number; reason: string }[]
  lists?: { red: string[]; black: string[] }
  selfCriticism?: string[]
  selfCriticismDuties?: { unit: string; head: string | null }[]
  escalation?: { unit: string; consecutive?: number; action?: string | null }[]
}

export interface ScoringFixture {
  /** File name, e.g. "01-deduct-point-flooring.yaml". */
  file: string
  title: string
  arithmetic: string
  /** Set when the fixture asserts SPEC behaviour the product does not have yet (the golden test marks it it.fails). */
  knownBug: string | null
  set: IndicatorSet
  round: RoundDefinition
  data: DataFile
  history: Record<string, UnitHistory>
  expect: { groups: ExpectedGroup[] }
}

/** Fixture file names, sorted. */
export function listScoringFixtures(dir: string = SCORING_FIXTURE_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => /^\d\d-[a-z0-9-]+\.yaml$/.test(f))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

class FixtureError extends Error {
  constructor(file: string, where: string, message: string) {
    super(`${file}: ${where}: ${message}`)
  }
}

function int(file: string, where: string, v: unknown): number {
  const text = typeof v === 'number' ? String(v) : v
  if (!isString(text) || !/^\d+$/.test(text.trim())) throw new FixtureError(file, where, `expected a whole number, got ${JSON.stringify(v)}`)
  return Number(text.trim())
}

function str(file: string, where: string, v: unknown): string {
  if (!isString(v)) throw new FixtureError(file, where, `expected text, got ${JSON.stringify(v)}`)
  return v
}

function list(file: string, where: string, v: unknown): unknown[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw new FixtureError(file, where, 'expected a list')
  return v
}

function obj(file: string, where: string, v: unknown): Record<string, unknown> {
  if (!isObject(v)) throw new FixtureError(file, where, 'expected a mapping')
  return v
}

function readData(file: string, raw: unknown): DataFile {
  const d = raw === undefined || raw === null ? {} : obj(file, 'data', raw)
  const known = new Set(['visits', 'findings', 'externalScores', 'measures', 'directScores'])
  for (const k of Object.keys(d)) if (!known.has(k)) throw new FixtureError(file, `data.${k}`, 'unknown record kind')
  return {
    visits: list(file, 'data.visits', d.visits).map((v, i) => {
      const r = obj(file, `data.visits[${i}]`, v)
      return { id: str(file, `data.visits[${i}].id`, r.id), point: str(file, `data.visits[${i}].point`, r.point) }
    }),
    findings: list(file, 'data.findings', d.findings).map((v, i) => {
      const r = obj(file, `data.findings[${i}]`, v)
      const f: NonNullable<DataFile['findings']>[number] = {
        id: str(file, `data.findings[${i}].id`, r.id),
        visit: str(file, `data.findings[${i}].visit`, r.visit),
        standard: str(file, `data.findings[${i}].standard`, r.standard),
      }
      if (r.count !== undefined) f.count = int(file, `data.findings[${i}].count`, r.count)
      if (r.deduction !== undefined) f.deduction = str(file, `data.findings[${i}].deduction`, r.deduction)
      return f
    }),
    externalScores: list(file, 'data.externalScores', d.externalScores).map((v, i) => {
      const r = obj(file, `data.externalScores[${i}]`, v)
      const at = `data.externalScores[${i}]`
      return { unit: str(file, `${at}.unit`, r.unit), component: str(file, `${at}.component`, r.component), value: str(file, `${at}.value`, r.value) }
    }),
    measures: list(file, 'data.measures', d.measures).map((v, i) => {
      const r = obj(file, `data.measures[${i}]`, v)
      const at = `data.measures[${i}]`
      return { unit: str(file, `${at}.unit`, r.unit), standard: str(file, `${at}.standard`, r.standard), value: str(file, `${at}.value`, r.value) }
    }),
    directScores: list(file, 'data.directScores', d.directScores).map((v, i) => {
      const r = obj(file, `data.directScores[${i}]`, v)
      const at = `data.directScores[${i}]`
      return { unit: str(file, `${at}.unit`, r.unit), standard: str(file, `${at}.standard`, r.standard), value: str(file, `${at}.value`, r.value) }
    }),
  }
}

function readHistory(file: string, raw: unknown): Record<string, UnitHistory> {
  if (raw === undefined || raw === null) return {}
  const out: Record<string, UnitHistory> = {}
  for (const [unit, h] of Object.entries(obj(file, 'history', raw))) {
    const r = obj(file, `history.${unit}`, h)
    out[unit] = {
      previousRank: r.previousRank === null || r.previousRank === undefined ? null : int(file, `history.${unit}.previousRank`, r.previousRank),
      blackListStreak: r.blackListStreak === undefined ? 0 : int(file, `history.${unit}.blackListStreak`, r.blackListStreak),
    }
  }
  return out
}

function readExpect(file: string, raw: unknown): { groups: ExpectedGroup[] } {
  const e = obj(file, 'expect', raw)
  const groups = list(file, 'expect.groups', e.groups).map((g, gi): ExpectedGroup => {
    const at = `expect.groups[${gi}]`
    const r = obj(file, at, g)
    const out: ExpectedGroup = {
      code: str(file, `${at}.code`, r.code),
      ranking: list(file, `${at}.ranking`, r.ranking).map((u, ui) => {
        const here = `${at}.ranking[${ui}]`
        const x = obj(file, here, u)
        if (typeof x.tied !== 'boolean') throw new FixtureError(file, `${here}.tied`, 'expected true or false')
        const ranked: ExpectedRanked = {
          unit: str(file, `${here}.unit`, x.unit),
          rank: int(file, `${here}.rank`, x.rank),
          tied: x.tied,
          total: str(file, `${here}.total`, x.total),
        }
        if (x.components !== undefined) {
          ranked.components = {}
          for (const [c, v] of Object.entries(obj(file, `${here}.components`, x.components))) ranked.components[c] = str(file, `${here}.components.${c}`, v)
        }
        if (x.change !== undefined) ranked.change = str(file, `${here}.change`, x.change)
        if (x.findings !== undefined) ranked.findings = int(file, `${here}.findings`, x.findings)
        if (x.visits !== undefined) ranked.visits = int(file, `${here}.visits`, x.visits)
        if (x.bottom !== undefined) ranked.bottom = int(file, `${here}.bottom`, x.bottom)
        return ranked
      }),
    }
    if (r.unranked !== undefined)
      out.unranked = list(file, `${at}.unranked`, r.unranked).map((u, i) => {
        const x = obj(file, `${at}.unranked[${i}]`, u)
        return { unit: str(file, `${at}.unranked[${i}].unit`, x.unit), reason: str(file, `${at}.unranked[${i}].reason`, x.reason) }
      })
    if (r.transfers !== undefined)
      out.transfers = list(file, `${at}.transfers`, r.transfers).map((t, i) => {
        const here = `${at}.transfers[${i}]`
        const x = obj(file, here, t)
        return { payer: str(file, `${here}.payer`, x.payer), payee: str(file, `${here}.payee`, x.payee), amount: str(file, `${here}.amount`, x.amount), rule: int(file, `${here}.rule`, x.rule) }
      })
    if (r.withheld !== undefined)
      out.withheld = list(file, `${at}.withheld`, r.withheld).map((w, i) => {
        const x = obj(file, `${at}.withheld[${i}]`, w)
        return { rule: int(file, `${at}.withheld[${i}].rule`, x.rule), reason: str(file, `${at}.withheld[${i}].reason`, x.reason) }
      })
    if (r.lists !== undefined) {
      const l = obj(file, `${at}.lists`, r.lists)
      out.lists = {
        red: list(file, `${at}.lists.red`, l.red).map((u, i) => str(file, `${at}.lists.red[${i}]`, u)),
        black: list(file, `${at}.lists.black`, l.black).map((u, i) => str(file, `${at}.lists.black[${i}]`, u)),
      }
    }
    if (r.selfCriticism !== undefined) out.selfCriticism = list(file, `${at}.selfCriticism`, r.selfCriticism).map((u, i) => str(file, `${at}.selfCriticism[${i}]`, u))
    if (r.selfCriticismDuties !== undefined)
      out.selfCriticismDuties = list(file, `${at}.selfCriticismDuties`, r.selfCriticismDuties).map((d, i) => {
        const x = obj(file, `${at}.selfCriticismDuties[${i}]`, d)
        return { unit: str(file, `${at}.selfCriticismDuties[${i}].unit`, x.unit), head: x.head === null ? null : str(file, `${at}.selfCriticismDuties[${i}].head`, x.head) }
      })
    if (r.escalation !== undefined)
      out.escalation = list(file, `${at}.escalation`, r.escalation).map((d, i) => {
        const here = `${at}.escalation[${i}]`
        const x = obj(file, here, d)
        const e: NonNullable<ExpectedGroup['escalation']>[number] = { unit: str(file, `${here}.unit`, x.unit) }
        if (x.consecutive !== undefined) e.consecutive = int(file, `${here}.consecutive`, x.consecutive)
        if (x.action !== undefined) e.action = x.action === null ? null : str(file, `${here}.action`, x.action)
        return e
      })
    return out
  })
  return { groups }
}

const TOP_LEVEL = new Set(['title', 'arithmetic', 'knownBug', 'indicatorSet', 'round', 'data', 'history', 'expect'])

/** Reads and validates one fixture; throws with every issue when its set or round is invalid. */
export function loadScoringFixture(file: string, dir: string = SCORING_FIXTURE_DIR): ScoringFixture {
  const text = readFileSync(path.join(dir, file), 'utf8')
  const parsed = parseDecimalPreservingYaml(text)
  if (parsed.issues.length > 0) throw new FixtureError(file, 'yaml', parsed.issues.map((i) => `line ${i.line}: ${i.message}`).join('; '))
  const value = obj(file, '(top)', parsed.value)
  for (const k of Object.keys(value)) if (!TOP_LEVEL.has(k)) throw new FixtureError(file, k, 'unknown top-level field')

  const setParse = validateIndicatorSetValue(value.indicatorSet)
  if (!setParse.ok) throw new FixtureError(file, 'indicatorSet', setParse.issues.map((i) => `${i.path}: ${i.message}`).join('; '))
  const set = setParse.set
  const roundRaw = obj(file, 'round', value.round)
  if (roundRaw.indicatorSet !== `${set.code}@${set.version}`)
    throw new FixtureError(file, 'round.indicatorSet', `must be ${set.code}@${set.version} (the inline set), got ${JSON.stringify(roundRaw.indicatorSet)}`)
  const roundParse = validateRoundValue(roundRaw, set)
  if (!roundParse.ok) throw new FixtureError(file, 'round', roundParse.issues.map((i) => `${i.path}: ${i.message}`).join('; '))

  return {
    file,
    title: str(file, 'title', value.title),
    arithmetic: str(file, 'arithmetic', value.arithmetic),
    knownBug: value.knownBug === undefined ? null : str(file, 'knownBug', value.knownBug),
    set,
    round: roundParse.round,
    data: readData(file, value.data),
    history: readHistory(file, value.history),
    expect: readExpect(file, value.expect),
  }
}

function pick<T extends object>(actual: T, keys: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {}
  for (const k of keys) out[k] = (actual as Record<string, unknown>)[k]
  return out as Partial<T>
}

function compareGroup(actual: GroupResult, want: ExpectedGroup, skip: ReadonlySet<string>): void {
  const where = `group ${want.code}`
  // Ranking: exact order and length, then the fields each entry gives.
  expect(actual.ranking.map((u) => u.unit), `${where}: ranking order`).toEqual(want.ranking.map((u) => u.unit))
  want.ranking.forEach((w, i) => {
    const a = actual.ranking[i]!
    const keys = Object.keys(w).filter((k) => !skip.has(k))
    expect(pick(a, keys), `${where}: ranking[${i}] (${w.unit})`).toEqual(pick(w, keys))
  })
  if (want.unranked) expect(actual.unranked.map((u) => ({ unit: u.unit, reason: u.reason })), `${where}: unranked`).toEqual(want.unranked)
  if (want.transfers) expect(actual.transfers, `${where}: transfers`).toEqual(want.transfers)
  if (want.withheld) {
    expect(actual.withheld.map((w) => w.rule), `${where}: withheld rules`).toEqual(want.withheld.map((w) => w.rule))
    want.withheld.forEach((w, i) => expect(actual.withheld[i]!.reason, `${where}: withheld[${i}] reason`).toMatch(new RegExp(w.reason)))
  }
  if (want.lists) expect(actual.lists, `${where}: lists`).toEqual(want.lists)
  if (want.selfCriticism) expect(actual.selfCriticism, `${where}: selfCriticism`).toEqual(want.selfCriticism)
  if (want.selfCriticismDuties)
    expect(actual.selfCriticismDuties.map((d) => ({ unit: d.unit, head: d.head })), `${where}: selfCriticismDuties`).toEqual(want.selfCriticismDuties)
  if (want.escalation && !skip.has('escalation')) {
    expect(actual.escalation.map((e) => e.unit), `${where}: escalation units`).toEqual(want.escalation.map((e) => e.unit))
    want.escalation.forEach((w, i) => expect(pick(actual.escalation[i]!, Object.keys(w)), `${where}: escalation[${i}]`).toEqual(w))
  }
}

/**
 * Compares a result with the fixture's `expect`. `skip` names fields left out (the database
 * path skips `change` and `escalation` of fixtures whose history is given rather than loaded).
 */
export function compareWithExpected(fx: ScoringFixture, result: RoundResult, skip: ReadonlySet<string> = new Set()): void {
  expect(result.groups.map((g) => g.code), 'every group of the round is listed in expect, in order').toEqual(fx.expect.groups.map((g) => g.code))
  for (const want of fx.expect.groups) compareGroup(result.groups.find((g) => g.code === want.code)!, want, skip)
}

