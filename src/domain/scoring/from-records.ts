/**
 * Builds the scoring core's input from records in the data-file shape of SPEC §6.1, in memory.
 * The database path aggregates the same quantities in SQL (src/db/queries/scoring.ts); this
 * one serves golden fixtures, property tests and simulations. Records are assumed valid
 * (the import validates them).
 */
import { Decimal, dec } from '../decimal.js'
import type { IndicatorSet } from '../indicator-set/model.js'
import { standardsOf } from '../indicator-set/model.js'
import type { RoundDefinition } from '../round/validate.js'
import { EMPTY_CONSEQUENCES } from '../round/validate.js'
import type { RoundInput, ScoringStandard, StandardEvidence, UnitHistory, UnitInput } from './types.js'

export interface DataFile {
  visits?: { id: string; point: string; at?: string; evaluator?: string; note?: string }[]
  findings?: { id: string; visit: string; standard: string; count?: number; deduction?: string; note?: string; photos?: string[] }[]
  externalScores?: { unit: string; component: string; value: string }[]
  measures?: { unit: string; standard: string; value: string }[]
  directScores?: { unit: string; standard: string; value: string }[]
}

export function scoringStandards(set: IndicatorSet): ScoringStandard[] {
  return standardsOf(set).map((s) => ({
    code: s.code,
    points: s.points,
    rule: s.rule,
    component: s.component,
    pointTypes: s.pointTypes,
    topCode: s.path[0] ?? s.code,
  }))
}

export function buildRoundInput(
  set: IndicatorSet,
  round: RoundDefinition,
  data: DataFile,
  history: Record<string, UnitHistory> = {},
  /** Findings to leave out (rejected in review). */
  excluded: ReadonlySet<string> = new Set(),
): RoundInput {
  const standards = scoringStandards(set)
  const byCode = new Map(standards.map((s) => [s.code, s]))
  const pointByCode = new Map(round.points.map((p) => [p.code, p]))
  const visitById = new Map<string, { unit: string; type: string }>()

  const units = new Map<string, UnitInput>()
  for (const g of round.groups)
    for (const u of g.units) units.set(u.code, { code: u.code, name: u.name, head: u.head, visitsByPointType: {}, evidence: {}, measures: {}, directScores: {}, external: {} })

  for (const v of data.visits ?? []) {
    const point = pointByCode.get(v.point)
    const unit = point ? units.get(point.unit) : undefined
    if (!point || !unit) continue
    visitById.set(v.id, { unit: unit.code, type: point.type })
    unit.visitsByPointType[point.type] = (unit.visitsByPointType[point.type] ?? 0) + 1
  }

  // D_v per (unit, standard, visit), then the evidence sums.
  const perVisit = new Map<string, { unit: string; standard: string; d: Decimal; n: number }>()
  for (const f of data.findings ?? []) {
    if (excluded.has(f.id)) continue
    const visit = visitById.get(f.visit)
    const standard = byCode.get(f.standard)
    if (!visit || !standard) continue
    const count = f.count ?? 1
    const per = standard.rule.kind === 'deduct' ? standard.rule.per : '0'
    const d = f.deduction !== undefined ? dec(f.deduction) : dec(per).times(count)
    const key = `${visit.unit}\u0000${f.standard}\u0000${f.visit}`
    const acc = perVisit.get(key) ?? { unit: visit.unit, standard: f.standard, d: new Decimal(0), n: 0 }
    acc.d = acc.d.plus(d)
    acc.n += count
    perVisit.set(key, acc)
  }
  for (const { unit, standard, d, n } of perVisit.values()) {
    const u = units.get(unit)!
    const points = dec(byCode.get(standard)!.points)
    const ev: StandardEvidence = u.evidence[standard] ?? { visitsWithFindings: 0, findings: 0, deductions: '0', cappedDeductions: '0' }
    u.evidence[standard] = {
      visitsWithFindings: ev.visitsWithFindings + 1,
      findings: ev.findings + n,
      deductions: dec(ev.deductions).plus(d).toFixed(),
      cappedDeductions: dec(ev.cappedDeductions).plus(Decimal.min(points, d)).toFixed(),
    }
  }

  for (const e of data.externalScores ?? []) {
    const u = units.get(e.unit)
    if (u) u.external[e.component] = e.value
  }
  for (const m of data.measures ?? []) {
    const u = units.get(m.unit)
    if (u) u.measures[m.standard] = m.value
  }
  for (const s of data.directScores ?? []) {
    const u = units.get(s.unit)
    if (u) u.directScores[s.standard] = s.value
  }

  return {
    code: round.code,
    indicatorSet: `${set.code}@${set.version}`,
    naPolicy: set.naPolicy,
    components: set.components,
    standards,
    tiebreak: round.tiebreak,
    history,
    groups: round.groups.map((g) => ({
      code: g.code,
      name: g.name,
      weights: g.weights,
      consequences: g.consequences ?? round.consequences ?? EMPTY_CONSEQUENCES,
      units: g.units.map((u) => units.get(u.code)!),
    })),
  }
}
