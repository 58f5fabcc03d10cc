/**
 * Per-visit evidence, the input of the bootstrap. The scoring core sees a unit's evidence summed
 * over its visits (StandardEvidence); resampling visits needs it before the sum: for each visit,
 * its point type (the stratum) and, per standard with findings there, the findings' count and
 * D_v = Σ (deduction ?? per × count). The database extraction and visitSamples() below produce
 * the same shape; summing a unit's samples gives back its StandardEvidence exactly.
 */
import { Decimal, dec } from '../decimal.js'
import type { IndicatorSet } from '../indicator-set/model.js'
import type { RoundDefinition } from '../round/validate.js'
import { scoringStandards, type DataFile } from '../scoring/from-records.js'

/** One standard's findings at one visit. */
export interface VisitStandard {
  code: string
  /** Σ count of the visit's findings against the standard (≥ 1). */
  findings: number
  /** D_v = Σ (deduction ?? per × count), decimal text; "0" for check and gate standards without overrides. */
  deduction: string
}

/**
 * One visit of a unit. `standards` lists only the standards with findings that count (not
 * rejected in review); a visit without findings has an empty list and still counts in the
 * denominators (UnitInput.visitsByPointType).
 */
export interface VisitSample {
  pointType: string
  /** Code of the registered point visited: visits at one point are alike (the design's second stage). */
  point: string
  standards: VisitStandard[]
}

/** A round's samples: every unit's visits, by unit code. */
export type RoundSamples = Record<string, VisitSample[]>

/**
 * In-memory counterpart of the database extraction, for tests and simulations: the per-visit
 * samples of every unit of `round` from a data file, with the same reading as buildRoundInput
 * (a visit's unit is its point's unit; findings of unknown visits or standards, and `excluded`
 * ones, are left out). Every unit of the round has an entry, [] when it has no visit.
 */
export function visitSamples(set: IndicatorSet, round: RoundDefinition, data: DataFile, excluded: ReadonlySet<string> = new Set()): RoundSamples {
  const standards = new Map(scoringStandards(set).map((s) => [s.code, s]))
  const pointByCode = new Map(round.points.map((p) => [p.code, p]))
  const out: RoundSamples = {}
  for (const g of round.groups) for (const u of g.units) out[u.code] = []

  const byVisit = new Map<string, { sample: VisitSample; perStandard: Map<string, { findings: number; d: Decimal }> }>()
  for (const v of data.visits ?? []) {
    const point = pointByCode.get(v.point)
    const unitVisits = point ? out[point.unit] : undefined
    if (!point || !unitVisits) continue
    const sample: VisitSample = { pointType: point.type, point: point.code, standards: [] }
    unitVisits.push(sample)
    byVisit.set(v.id, { sample, perStandard: new Map() })
  }
  for (const f of data.findings ?? []) {
    if (excluded.has(f.id)) continue
    const visit = byVisit.get(f.visit)
    const standard = standards.get(f.standard)
    if (!visit || !standard) continue
    const count = f.count ?? 1
    const per = standard.rule.kind === 'deduct' ? standard.rule.per : '0'
    const d = f.deduction !== undefined ? dec(f.deduction) : dec(per).times(count)
    const acc = visit.perStandard.get(f.standard) ?? { findings: 0, d: new Decimal(0) }
    acc.findings += count
    acc.d = acc.d.plus(d)
    visit.perStandard.set(f.standard, acc)
  }
  for (const { sample, perStandard } of byVisit.values())
    for (const [code, acc] of perStandard) sample.standards.push({ code, findings: acc.findings, deduction: acc.d.toFixed() })
  return out
}
