/**
 * Small factories for database tests. Each call makes a round and records nobody else in the
 * database uses — a fresh round code in a series of its own (rank change and escalation look
 * only inside a series), fresh visit and finding ids (ids are unique across rounds) — so a test
 * runs alone, in any order and next to any other, and counts only its own rows.
 *
 * The rounds reuse the sample round's units (a–d) and points (P1–P5): round files upsert the
 * registry, and every round made here writes the same units and points.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { eq, sql } from 'drizzle-orm'
import type { Database, Queryable } from '../../src/db/client.js'
import { directScores, externalScores, findings, measures, rounds, visits } from '../../src/db/schema/index.js'
import { parseRecords } from '../../src/domain/records/parse.js'
import { loadIndicatorSetText } from '../../src/services/indicator-sets.js'
import { importRecords } from '../../src/services/records.js'
import { getRound, loadRound, transitionRound } from '../../src/services/rounds.js'
import { sampleFixture } from './sample-round.js'

const actor = { id: null, name: 'test' }
const SET_TEXT = fs.readFileSync(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url), 'utf8')

let made = 0
/** A code no other call in this process returns (round codes, series). */
export function uniqueCode(prefix = 't'): string {
  made += 1
  return `${prefix}-${made}-${randomBytes(3).toString('hex')}`
}

// Type aliases, not interfaces: they stay assignable to Record<string, unknown> (the Excel helpers take that).
export type SampleVisit = { id: string; point: string; at: string }
export type SampleFinding = { id: string; visit: string; standard: string; count?: number; note?: string }
export type UnitValue = { unit: string; value: string | number; component?: string; standard?: string }
/** The records of test/fixtures/rounds/sample-2026-01.data.json. */
export type SampleRecords = {
  visits: SampleVisit[]
  findings: SampleFinding[]
  externalScores: UnitValue[]
  measures: UnitValue[]
  directScores: UnitValue[]
}

export interface RoundTextOptions {
  code: string
  series: string
  name?: string
  /** Default: January 2026, as the sample. */
  period?: { from: string; to: string }
}

/** The sample round file (test/fixtures/rounds/sample-2026-01.yaml) under another code, series, name or period. */
export function sampleRoundText(options: RoundTextOptions): string {
  const replace = (text: string, from: string, to: string): string => {
    if (!text.includes(from)) throw new Error(`the sample round file no longer contains ${from}`)
    return text.replace(from, to)
  }
  let text = sampleFixture('sample-2026-01.yaml')
  text = replace(text, 'code: "2026-01"', `code: "${options.code}"`)
  text = replace(text, 'series: demo-monthly', `series: ${options.series}`)
  if (options.name) text = replace(text, 'name: 2026年第1次文明程度指数测评', `name: ${options.name}`)
  if (options.period) text = replace(text, 'period: { from: "2026-01-01", to: "2026-01-31" }', `period: { from: "${options.period.from}", to: "${options.period.to}" }`)
  return text
}

/**
 * The sample records with fresh visit and finding ids (a finding keeps pointing at its visit).
 * `month` (YYYY-MM) moves the visits from January 2026 into that month, same days and hours.
 */
export function freshSampleData(options: { month?: string } = {}): SampleRecords {
  const data = JSON.parse(sampleFixture('sample-2026-01.data.json')) as SampleRecords
  const ids = new Map<string, string>()
  const fresh = (id: string): string => {
    const known = ids.get(id)
    if (known) return known
    const made = randomUUID()
    ids.set(id, made)
    return made
  }
  const month = options.month
  return {
    ...data,
    visits: data.visits.map((v) => ({ ...v, id: fresh(v.id), at: month ? v.at.replace(/^2026-01/, month) : v.at })),
    findings: data.findings.map((f) => ({ ...f, id: fresh(f.id), visit: fresh(f.visit) })),
  }
}

export interface SampleRound {
  id: number
  code: string
  series: string
  /** The round file as loaded. */
  text: string
  /** The records this round was given (or, with `data: false`, would be given). */
  data: SampleRecords
}

export interface SampleRoundOptions extends Partial<RoundTextOptions> {
  /** Open fieldwork (default true). */
  open?: boolean
  /** Import the sample records once open (default true). */
  data?: boolean
  /** Month of the visits (YYYY-MM), for a period other than January 2026. */
  month?: string
}

/** Loads the sample indicator set sample-civility@2026.1; a no-op once it is loaded. */
export async function loadSampleSet(db: Database): Promise<void> {
  await loadIndicatorSetText(db, SET_TEXT, actor)
}

/** Loads the sample indicator set (a no-op once loaded) and a fresh copy of the sample round. */
export async function createSampleRound(db: Database, options: SampleRoundOptions = {}): Promise<SampleRound> {
  await loadSampleSet(db)
  const code = options.code ?? uniqueCode('round')
  const series = options.series ?? uniqueCode('series')
  const text = sampleRoundText({ code, series, ...(options.name ? { name: options.name } : {}), ...(options.period ? { period: options.period } : {}) })
  await loadRound(db, text, actor)
  const data = freshSampleData(options.month ? { month: options.month } : {})
  const open = options.open ?? true
  if (open) await transitionRound(db, code, 'open', actor)
  if (open && (options.data ?? true)) await importRecords(db, code, parseRecords(data), actor)
  return { id: (await getRound(db, code)).id, code, series, text, data }
}

export interface RoundRowCounts {
  visits: number
  findings: number
  externalScores: number
  measures: number
  directScores: number
}

/** How many rows of each record kind one round holds: counts scoped to the round, never a whole table. */
export async function roundRowCounts(db: Queryable, code: string): Promise<RoundRowCounts> {
  const [round] = await db.select({ id: rounds.id }).from(rounds).where(eq(rounds.code, code))
  if (!round) throw new Error(`no round ${code}`)
  const count = async (table: typeof visits | typeof findings | typeof externalScores | typeof measures | typeof directScores): Promise<number> =>
    (await db.select({ n: sql<number>`count(*)::int` }).from(table).where(eq(table.roundId, round.id)))[0]!.n
  return {
    visits: await count(visits),
    findings: await count(findings),
    externalScores: await count(externalScores),
    measures: await count(measures),
    directScores: await count(directScores),
  }
}
