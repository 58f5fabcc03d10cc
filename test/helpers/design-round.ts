/**
 * Rounds with a real two-stage design for the planning and settle tests: each unit has a
 * registry of 6 markets and 4 roads (sample indicator set), and a round visits some of them,
 * some twice, with findings that vary between points and between visits (a seeded generator,
 * so every run has the same data). Unit and point codes carry a prefix of the caller's, so that
 * rounds of different tests never share units (a unit's registry is every point it owns).
 */
import { randomUUID } from 'node:crypto'
import { poisson } from '../../src/demo/random.js'
import { mulberry32 } from './random.js'

export interface DesignUnit {
  code: string
  name: string
  /** Expected findings per visit (the unit's level). */
  level: number
}

export interface DesignRoundOptions {
  code: string
  series: string
  prefix: string
  period?: { from: string; to: string }
  /** minConfidence of the transfer rule (no gate by default). */
  minConfidence?: string
  units: DesignUnit[]
  /** Registered points per type and unit (default market 6, road 4). */
  registered?: { market: number; road: number }
}

export const pointCode = (prefix: string, unit: string, type: 'market' | 'road', n: number): string => `${prefix}-${unit}-${type === 'market' ? 'M' : 'R'}${n}`

export function designRoundText(o: DesignRoundOptions): string {
  const period = o.period ?? { from: '2026-03-01', to: '2026-03-31' }
  const registered = o.registered ?? { market: 6, road: 4 }
  const gate = o.minConfidence ? `, minConfidence: "${o.minConfidence}"` : ''
  const points: string[] = []
  for (const u of o.units) {
    for (let n = 1; n <= registered.market; n++) points.push(`  - { code: ${pointCode(o.prefix, u.code, 'market', n)}, name: ${u.name}市场${n}, type: market, unit: ${o.prefix}-${u.code} }`)
    for (let n = 1; n <= registered.road; n++) points.push(`  - { code: ${pointCode(o.prefix, u.code, 'road', n)}, name: ${u.name}道路${n}, type: road, unit: ${o.prefix}-${u.code} }`)
  }
  return [
    `code: "${o.code}"`,
    `series: ${o.series}`,
    `name: 设计测试轮次${o.code}`,
    'indicatorSet: sample-civility@2026.1',
    `period: { from: "${period.from}", to: "${period.to}" }`,
    'evaluator: 测试调查公司',
    'consequences:',
    '  minGroupSize: 2',
    `  transfers: [{ payer: last, payee: first, amount: "200000"${gate} }]`,
    'groups:',
    '  - code: district',
    '    name: 县区',
    `    units: [${o.units.map((u) => `{ code: ${o.prefix}-${u.code}, name: ${u.name} }`).join(', ')}]`,
    'points:',
    ...points,
    '',
  ].join('\n')
}



export interface DesignVisitsOptions {
  prefix: string
  units: DesignUnit[]
  /** Visited points per type (the first n of the registry) and visits per point. */
  markets?: number
  roads?: number
  visitsPerPoint?: number
  month?: string
  seed?: number
}

/** Visits and findings (SPEC §6.1 records) for a design round. */
export function designVisits(o: DesignVisitsOptions): { visits: { id: string; point: string; at: string }[]; findings: { id: string; visit: string; standard: string; count: number }[] } {
  const random = mulberry32(o.seed ?? 20_260_301)
  const month = o.month ?? '2026-03'
  const visits: { id: string; point: string; at: string }[] = []
  const findings: { id: string; visit: string; standard: string; count: number }[] = []
  let day = 1
  for (const u of o.units) {
    for (const [type, n, standard] of [
      ['market', o.markets ?? 3, '01-01-01'],
      ['road', o.roads ?? 2, '01-02-01'],
    ] as const) {
      for (let p = 1; p <= n; p++) {
        // A point's own level: between-point variation around the unit's.
        const pointLevel = u.level * (0.4 + 1.2 * random())
        for (let v = 0; v < (o.visitsPerPoint ?? 2); v++) {
          const id = randomUUID()
          visits.push({ id, point: pointCode(o.prefix, u.code, type, p), at: `${month}-${String((day++ % 27) + 1).padStart(2, '0')}T10:00:00+08:00` })
          const count = poisson(random, pointLevel)
          if (count > 0) findings.push({ id: randomUUID(), visit: id, standard, count })
        }
      }
    }
  }
  return { visits, findings }
}

/** Survey, measure and material scores for every unit, all equal, so the field visits decide. */
export function designValues(prefix: string, units: DesignUnit[]) {
  return {
    externalScores: units.map((u) => ({ unit: `${prefix}-${u.code}`, component: 'survey', value: '90' })),
    measures: units.map((u) => ({ unit: `${prefix}-${u.code}`, standard: '04-01-01', value: '4' })),
    directScores: units.map((u) => ({ unit: `${prefix}-${u.code}`, standard: '04-01-02', value: '5' })),
  }
}
