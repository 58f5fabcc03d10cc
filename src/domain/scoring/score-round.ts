/**
 * Scores a round (SPEC §4.2–4.5): standards → components → total → ranking → consequences.
 *
 * Components. For a findings-sourced component c, over its standards that are not N/A:
 *   raw_c = 100 × Σ score / Σ points
 * With naPolicy `peer-mean`, an N/A standard instead takes the mean of that standard's score
 * over the other units of the same group where it is not N/A (and stays out when there are
 * none). If every standard of c is N/A for the unit, raw_c is missing under both policies: a
 * unit nobody inspected is not given the group's average. An external component's raw value is
 * the supplied score.
 * Total. total = Σ_c weight_c × raw_c from unrounded raw values, with the group's weights if
 * it overrides the set's; published total = round half up to 2 decimals. A unit missing the raw
 * value of a component weighted above 0 is not ranked (未参评), with the reason.
 *   e.g. weights 0.85 / 0.15, raw 87.63 / 92.53 → 74.4855 + 13.8795 = 88.365 → 88.37
 *   (binary floating point gives 88.36499999… and would publish 88.36).
 */
import { Decimal, dec, round2, snap, sum } from '../decimal.js'
import type { Component } from '../indicator-set/model.js'
import { applyConsequences } from './consequences.js'
import { rankUnits, type Rankable } from './ranking.js'
import { standardScore } from './standard-score.js'
import type { GroupInput, GroupResult, RankedUnit, RoundInput, RoundResult, ScoringStandard, UnitInput, UnrankedUnit } from './types.js'

const byCode = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

export type ScoreMatrix = Map<string, Map<string, Decimal | null>>

/** Every unit's score for every findings-sourced standard of the group (null = N/A). */
export function scoreMatrix(standards: readonly ScoringStandard[], units: readonly UnitInput[]): ScoreMatrix {
  const matrix: ScoreMatrix = new Map()
  for (const unit of units) {
    const row = new Map<string, Decimal | null>()
    for (const s of standards) row.set(s.code, standardScore(s, unit))
    matrix.set(unit.code, row)
  }
  return matrix
}

/** raw_c per unit and findings component, applying the N/A policy. */
export function componentRaws(
  components: readonly Component[],
  standards: readonly ScoringStandard[],
  units: readonly UnitInput[],
  matrix: ScoreMatrix,
  naPolicy: RoundInput['naPolicy'],
): Map<string, Map<string, Decimal | undefined>> {
  // Only a unit whose own score is N/A takes the peer mean, so "the other units where it is
  // not N/A" are simply all units where it is not N/A.
  const peerMean = new Map<string, Decimal | null>()
  if (naPolicy === 'peer-mean') {
    for (const s of standards) {
      const present: Decimal[] = []
      for (const unit of units) {
        const v = matrix.get(unit.code)?.get(s.code) ?? null
        if (v !== null) present.push(v)
      }
      peerMean.set(s.code, present.length === 0 ? null : sum(present).dividedBy(present.length))
    }
  }
  const out = new Map<string, Map<string, Decimal | undefined>>()
  for (const unit of units) {
    const raws = new Map<string, Decimal | undefined>()
    for (const c of components) {
      if (c.source === 'external') {
        const v = unit.external[c.code]
        raws.set(c.code, v === undefined ? undefined : dec(v))
        continue
      }
      let scored = new Decimal(0)
      let possible = new Decimal(0)
      let own = 0 // standards of c that are not N/A for the unit itself
      for (const s of standards) {
        if (s.component !== c.code) continue
        let score = matrix.get(unit.code)?.get(s.code) ?? null
        if (score !== null) own++
        if (score === null && naPolicy === 'peer-mean') score = peerMean.get(s.code) ?? null
        if (score === null) continue
        scored = scored.plus(score)
        possible = possible.plus(s.points)
      }
      // Every standard of c N/A for the unit: raw_c is missing, peer means or not (§4.2).
      raws.set(c.code, own === 0 || possible.isZero() ? undefined : scored.times(100).dividedBy(possible))
    }
    out.set(unit.code, raws)
  }
  return out
}

export function effectiveWeights(components: readonly Component[], group: Pick<GroupInput, 'weights'>): Record<string, string> {
  return Object.fromEntries(components.map((c) => [c.code, group.weights?.[c.code] ?? (group.weights ? '0' : c.weight)]))
}

function unitFindings(unit: UnitInput): number {
  let n = 0
  for (const ev of Object.values(unit.evidence)) n += ev.findings
  return n
}

function unitVisits(unit: UnitInput): number {
  let n = 0
  for (const v of Object.values(unit.visitsByPointType)) n += v
  return n
}

export function changeText(previousRank: number | null | undefined, rank: number): string {
  if (previousRank === null || previousRank === undefined) return 'new'
  const diff = previousRank - rank
  return diff > 0 ? `↑${diff}` : diff < 0 ? `↓${-diff}` : '—'
}

export function scoreGroup(input: RoundInput, group: GroupInput): GroupResult {
  const weights = effectiveWeights(input.components, group)
  const matrix = scoreMatrix(input.standards, group.units)
  const raws = componentRaws(input.components, input.standards, group.units, matrix, input.naPolicy)

  const rankable: (Rankable & { name: string; head: string | null })[] = []
  const unranked: UnrankedUnit[] = []
  for (const unit of group.units) {
    const unitRaws = raws.get(unit.code) ?? new Map<string, Decimal | undefined>()
    const missing = input.components.filter((c) => !dec(weights[c.code] ?? '0').isZero() && unitRaws.get(c.code) === undefined)
    if (missing.length > 0) {
      unranked.push({ unit: unit.code, name: unit.name, reason: `missing component ${missing.map((c) => c.code).join(', ')}` })
      continue
    }
    const exactTotal = sum(input.components.map((c) => dec(weights[c.code] ?? '0').times(unitRaws.get(c.code) ?? 0)))
    rankable.push({
      unit: unit.code,
      name: unit.name,
      head: unit.head,
      published: dec(round2(exactTotal)),
      exactTotal,
      exactComponents: Object.fromEntries(unitRaws),
      findings: unitFindings(unit),
      visits: unitVisits(unit),
    })
  }

  const ranked = rankUnits(rankable, input.tiebreak)
  const ranking: RankedUnit[] = ranked.map((u) => {
    const present = input.components.filter((c) => u.exactComponents[c.code] !== undefined)
    return {
      unit: u.unit,
      name: u.name,
      rank: u.rank,
      tied: u.tied,
      total: round2(u.exactTotal),
      components: Object.fromEntries(present.map((c) => [c.code, round2(u.exactComponents[c.code]!)])),
      findings: u.findings,
      visits: u.visits,
      change: changeText(input.history[u.unit]?.previousRank, u.rank),
      exact: { total: snap(u.exactTotal).toFixed(), components: Object.fromEntries(present.map((c) => [c.code, snap(u.exactComponents[c.code]!).toFixed()])) },
      bottom: u.bottom,
    }
  })

  const placed = ranked.map((u) => ({ unit: u.unit, name: u.name, head: u.head, rank: u.rank, bottom: u.bottom, published: round2(u.exactTotal) }))
  return {
    code: group.code,
    name: group.name,
    weights,
    ranking,
    unranked: unranked.sort((a, b) => byCode(a.unit, b.unit)),
    ...applyConsequences(placed, group.consequences, input.history),
  }
}

export function scoreRound(input: RoundInput): RoundResult {
  return { round: input.code, indicatorSet: input.indicatorSet, status: 'computed', groups: input.groups.map((g) => scoreGroup(input, g)) }
}
