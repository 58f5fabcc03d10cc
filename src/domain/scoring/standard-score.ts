/**
 * A standard's score for one unit (SPEC §4.1). Exact decimals throughout; nothing is rounded
 * here. `null` means N/A: no applicable visit (visit-based rules) or no recorded value
 * (measure, direct).
 *
 * Let P = the standard's points, V = the unit's visits whose point type is one of the
 * standard's point types, D_v = Σ over visit v's findings of (deduction ?? per × count).
 *
 *   deduct, scope point: mean over V of max(0, P − D_v)
 *                        = (|V| × P − Σ_v min(P, D_v)) / |V|
 *       e.g. P = 2, per 0.5, 4 visits, findings of counts 1 and 5 at two of them:
 *       D = 0.5 and 2.5 → visit scores 1.5, 0, 2, 2 → (8 − (0.5 + 2)) / 4 = 1.375
 *   deduct, scope unit:  max(0, P − Σ_v D_v)              (扣完为止)
 *       e.g. P = 2, per 0.5, counts 1 and 5 → max(0, 2 − 3) = 0
 *   check:               P × (|V| − #{v : F(v) ≠ ∅}) / |V|   (= P × 符合率)
 *       e.g. P = 1, 4 visits, problems at 1 → 0.75
 *   gate:                0 if any finding in V, else P     (此项不得分)
 *   measure:             min(P, P × m / target)
 *       e.g. P = 4, target 4 场, m = 3 → 3; m = 6 → 4
 *   direct:              s, as recorded (0 ≤ s ≤ P is checked at entry)
 */
import { Decimal, dec } from '../decimal.js'
import type { ScoringStandard, StandardEvidence, UnitInput } from './types.js'

const NO_EVIDENCE: StandardEvidence = { visitsWithFindings: 0, findings: 0, deductions: '0', cappedDeductions: '0' }

export function applicableVisits(standard: ScoringStandard, unit: Pick<UnitInput, 'visitsByPointType'>): number {
  let n = 0
  for (const type of standard.pointTypes) n += unit.visitsByPointType[type] ?? 0
  return n
}

export function standardScore(standard: ScoringStandard, unit: UnitInput): Decimal | null {
  const points = dec(standard.points)
  const rule = standard.rule
  switch (rule.kind) {
    case 'measure': {
      const m = unit.measures[standard.code]
      if (m === undefined) return null
      return Decimal.min(points, points.times(m).dividedBy(rule.target))
    }
    case 'direct': {
      const s = unit.directScores[standard.code]
      return s === undefined ? null : dec(s)
    }
    default: {
      const visits = applicableVisits(standard, unit)
      if (visits === 0) return null
      const ev = unit.evidence[standard.code] ?? NO_EVIDENCE
      switch (rule.kind) {
        case 'deduct':
          if (rule.scope === 'unit') return Decimal.max(0, points.minus(ev.deductions))
          return points.times(visits).minus(ev.cappedDeductions).dividedBy(visits)
        case 'check':
          return points.times(visits - ev.visitsWithFindings).dividedBy(visits)
        case 'gate':
          return ev.visitsWithFindings > 0 ? new Decimal(0) : points
      }
    }
  }
}
