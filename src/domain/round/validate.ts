/**
 * Reads a round file (SPEC §6.1) and checks it against its indicator set, reporting every
 * defect at once: unknown indicator set, duplicate unit codes, a unit in two groups, group
 * weights that name unknown components or do not sum to exactly 1, bad selectors and list
 * rules, amounts that are not whole fen, unknown tiebreak keys, bad dates, points of unknown
 * type or of units outside the round.
 *
 * Decisions: a group's `consequences` replaces the round's entirely (no merging, so what a
 * group gets is written in one place); `minGroupSize` defaults to 1, relying on the rule that
 * no unit pays itself; a transfer's `ties` defaults to split; a transfer's optional
 * `minConfidence` (the §5 confidence gate) is a probability in (0, 1], kept as canonical text;
 * `indifference` (the §5 indifference margin δ, points of the total) is a decimal ≥ 0 with at
 * most 2 decimals, kept with exactly 2; a transfer with `requireMargin: true` needs a δ in the
 * same consequences block (a group's block replaces the round's, δ included).
 */
import type * as YAML from 'yaml'
import { Decimal, canonical, dec, isDecimalText } from '../decimal.js'
import type { Issue } from '../errors.js'
import type { IndicatorSet } from '../indicator-set/model.js'
import { parseSetRef } from '../indicator-set/model.js'
import type { BlackList, Consequences, RedList, Selector, TransferRule } from '../scoring/types.js'
import { IssueList, isObject, isString, parseDecimalPreservingYaml, schemaIssues, type Json, type Segment } from '../validation.js'
import { RoundFileSchema } from './schema.js'

export interface RoundPoint {
  code: string
  name: string
  type: string
  unit: string
  address: string | null
  lat: string | null
  lng: string | null
}

export interface RoundDefinition {
  code: string
  series: string
  name: string
  indicatorSet: { code: string; version: string }
  period: { from: string; to: string }
  evaluator: string
  tiebreak: string[]
  consequences: Consequences
  groups: {
    code: string
    name: string
    weights: Record<string, string> | null
    consequences: Consequences | null
    units: { code: string; name: string; head: string | null }[]
  }[]
  points: RoundPoint[]
}

export type RoundParse = { ok: true; round: RoundDefinition } | { ok: false; issues: Issue[] }

export const EMPTY_CONSEQUENCES: Consequences = { minGroupSize: 1, transfers: [], lists: {}, selfCriticism: null, escalation: [] }

const Exact = Decimal.clone({ precision: 1e9 })
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function isDate(text: string): boolean {
  const m = DATE.exec(text)
  if (!m) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
}

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1
const intText = (v: unknown): number | null => (positiveInt(v) ? v : isString(v) && /^[1-9]\d*$/.test(v) ? Number(v) : null)

function readSelector(issues: IssueList, at: Segment[], raw: unknown): Selector | null {
  if (raw === 'first' || raw === 'last') return raw
  if (isObject(raw)) {
    const keys = Object.keys(raw)
    if (keys.length === 1 && (keys[0] === 'rank' || keys[0] === 'fromBottom')) {
      const k = intText(raw[keys[0]])
      if (k !== null) return keys[0] === 'rank' ? { rank: k } : { fromBottom: k }
      issues.add([...at, keys[0]], 'must be a whole number of 1 or more')
      return null
    }
  }
  issues.add(at, 'must be first, last, { rank: k } or { fromBottom: k }')
  return null
}

function readThreshold(issues: IssueList, at: Segment[], raw: unknown): string | null {
  if (!isString(raw) || !isDecimalText(raw.trim())) {
    issues.add(at, 'must be a score such as "85"')
    return null
  }
  const d = dec(raw.trim())
  if (d.isNegative() || d.greaterThan(100)) {
    issues.add(at, 'must be a score from 0 to 100')
    return null
  }
  return canonical(d)
}

function readList(issues: IssueList, at: Segment[], raw: unknown, kind: 'red' | 'black'): RedList | BlackList | null {
  const [countKey, thresholdKey] = kind === 'red' ? ['top', 'min'] : ['bottom', 'below']
  if (isObject(raw) && Object.keys(raw).length === 1) {
    if (raw[countKey] !== undefined) {
      const n = intText(raw[countKey])
      if (n !== null) return (kind === 'red' ? { top: n } : { bottom: n })
      issues.add([...at, countKey], 'must be a whole number of 1 or more')
      return null
    }
    if (raw[thresholdKey] !== undefined) {
      const t = readThreshold(issues, [...at, thresholdKey], raw[thresholdKey])
      return t === null ? null : ((kind === 'red' ? { min: t } : { below: t }))
    }
  }
  issues.add(at, `must be { ${countKey}: N } or { ${thresholdKey}: "score" }`)
  return null
}

/**
 * A transfer's confidence gate (SPEC §5): a probability greater than 0 and at most 1, as
 * canonical decimal text ("0.90" → "0.9"). null when it is not one (reported).
 */
function readConfidence(issues: IssueList, at: Segment[], raw: unknown): string | null {
  if (!isString(raw)) return null // the shape check already reported it
  const text = raw.trim()
  if (!isDecimalText(text) || !dec(text).greaterThan(0) || dec(text).greaterThan(1)) {
    issues.add(at, `must be a probability greater than 0 and at most 1, such as "0.9" (got ${JSON.stringify(raw)})`)
    return null
  }
  return canonical(text)
}

/**
 * The indifference margin δ (SPEC §5): points of the total, 0 or more, at most 2 decimals (totals
 * are published to 2), as text with exactly 2 decimals ("0.5" → "0.50"). null when it is not one
 * (reported).
 */
function readIndifference(issues: IssueList, at: Segment[], raw: unknown): string | null {
  if (!isString(raw)) return null // the shape check already reported it
  const text = raw.trim()
  if (!isDecimalText(text) || dec(text).isNegative()) {
    issues.add(at, `must be a margin in points of the total, 0 or more, such as "0.50" (got ${JSON.stringify(raw)})`)
    return null
  }
  if (!dec(text).times(100).isInteger()) {
    issues.add(at, `must have at most 2 decimals, as published totals do (got ${JSON.stringify(raw)})`)
    return null
  }
  return dec(text).toFixed(2)
}

function readConsequences(issues: IssueList, at: Segment[], raw: unknown): Consequences {
  if (!isObject(raw)) return EMPTY_CONSEQUENCES
  const indifference = raw.indifference === undefined ? undefined : readIndifference(issues, [...at, 'indifference'], raw.indifference)
  const transfers: TransferRule[] = []
  if (Array.isArray(raw.transfers)) {
    raw.transfers.forEach((t, i) => {
      if (!isObject(t)) return
      const here = [...at, 'transfers', i]
      const payer = readSelector(issues, [...here, 'payer'], t.payer)
      const payee = readSelector(issues, [...here, 'payee'], t.payee)
      let amount: string | null = null
      if (isString(t.amount)) {
        const text = t.amount.trim()
        if (!isDecimalText(text)) issues.add([...here, 'amount'], `"${t.amount}" is not an amount in yuan`)
        else if (!dec(text).greaterThan(0)) issues.add([...here, 'amount'], 'must be more than 0')
        else if (!dec(text).times(100).isInteger()) issues.add([...here, 'amount'], 'must be whole fen (at most 2 decimals)')
        else amount = dec(text).toFixed(2)
      }
      const minConfidence = t.minConfidence === undefined ? undefined : readConfidence(issues, [...here, 'minConfidence'], t.minConfidence)
      const requireMargin = t.requireMargin === true
      // A δ that is there but malformed is reported once, at the δ.
      if (requireMargin && raw.indifference === undefined)
        issues.add([...here, 'requireMargin'], `needs an indifference margin: set indifference (points of the total, such as "0.50") in the same consequences${at[0] === 'groups' ? " (a group's consequences replace the round's)" : ''}`)
      if (payer && payee && amount && minConfidence !== null)
        transfers.push({
          payer,
          payee,
          amount,
          ties: t.ties === 'skip' ? 'skip' : 'split',
          ...(minConfidence === undefined ? {} : { minConfidence }),
          ...(requireMargin ? { requireMargin } : {}),
        })
    })
  }
  const lists: Consequences['lists'] = {}
  if (isObject(raw.lists)) {
    if (raw.lists.red !== undefined) {
      const red = readList(issues, [...at, 'lists', 'red'], raw.lists.red, 'red')
      if (red) lists.red = red as RedList
    }
    if (raw.lists.black !== undefined) {
      const black = readList(issues, [...at, 'lists', 'black'], raw.lists.black, 'black')
      if (black) lists.black = black as BlackList
    }
  }
  let selfCriticism: Consequences['selfCriticism'] = null
  if (raw.selfCriticism !== undefined) {
    const n = isObject(raw.selfCriticism) && Object.keys(raw.selfCriticism).length === 1 ? intText(raw.selfCriticism.bottom) : null
    if (n === null) issues.add([...at, 'selfCriticism'], 'must be { bottom: M }')
    else selfCriticism = { bottom: n }
  }
  let minGroupSize = 1
  if (raw.minGroupSize !== undefined) {
    const n = intText(raw.minGroupSize)
    if (n === null) issues.add([...at, 'minGroupSize'], 'must be a whole number of 1 or more')
    else minGroupSize = n
  }
  return {
    minGroupSize,
    transfers,
    lists,
    selfCriticism,
    escalation: Array.isArray(raw.escalation) ? raw.escalation.filter(isString) : [],
    ...(indifference === undefined || indifference === null ? {} : { indifference }),
  }
}

/**
 * Validates a parsed round against its indicator set (null when the set is not loaded, which
 * is itself reported). Returns the normalised definition or every issue.
 */
export function validateRoundValue(
  value: unknown,
  set: IndicatorSet | null,
  doc: YAML.Document.Parsed | null = null,
  lines: YAML.LineCounter | null = null,
): RoundParse {
  const issues = new IssueList(doc, lines)
  if (!isObject(value)) {
    issues.add([], 'a round file must be a mapping with code, series, indicatorSet, groups …')
    return { ok: false, issues: issues.items }
  }
  schemaIssues(RoundFileSchema, value, issues)

  let setRef: { code: string; version: string } | null = null
  if (isString(value.indicatorSet)) {
    setRef = parseSetRef(value.indicatorSet)
    if (!setRef) issues.add(['indicatorSet'], 'must be code@version, e.g. city-mock@2026.1')
    else if (!set) issues.add(['indicatorSet'], `indicator set ${value.indicatorSet} is not loaded (load it with civindex indicators load)`)
  }
  const components = new Map((set?.components ?? []).map((c) => [c.code, c]))
  const pointTypes = new Set((set?.pointTypes ?? []).map((p) => p.code))

  if (isObject(value.period) && isString(value.period.from) && isString(value.period.to)) {
    const { from, to } = value.period
    if (!isDate(from)) issues.add(['period', 'from'], `"${from}" is not a date (YYYY-MM-DD)`)
    if (!isDate(to)) issues.add(['period', 'to'], `"${to}" is not a date (YYYY-MM-DD)`)
    if (isDate(from) && isDate(to) && from > to) issues.add(['period'], `the period ends (${to}) before it starts (${from})`)
  }

  const tiebreak: string[] = []
  if (Array.isArray(value.tiebreak)) {
    value.tiebreak.forEach((key, i) => {
      if (!isString(key)) return
      const component = key.startsWith('component:') ? key.slice('component:'.length) : null
      if (key === 'total' || key === 'findings' || key === 'visits') tiebreak.push(key)
      else if (component !== null && (components.has(component) || !set)) tiebreak.push(key)
      else if (component !== null) issues.add(['tiebreak', i], `unknown component "${component}"`)
      else issues.add(['tiebreak', i], 'must be component:<code>, total, findings or visits')
    })
  }

  const consequences = value.consequences === undefined ? EMPTY_CONSEQUENCES : readConsequences(issues, ['consequences'], value.consequences)

  const groups: RoundDefinition['groups'] = []
  const groupCodes = new Map<string, number>()
  const unitGroup = new Map<string, string>()
  if (Array.isArray(value.groups)) {
    value.groups.forEach((g, gi) => {
      if (!isObject(g) || !isString(g.code)) return
      const here: Segment[] = ['groups', gi]
      const groupCode = g.code
      if (groupCodes.has(g.code)) issues.add([...here, 'code'], `duplicate group "${g.code}"`)
      groupCodes.set(g.code, gi)
      let weights: Record<string, string> | null = null
      if (isObject(g.weights)) {
        weights = {}
        let total = new Exact(0)
        let readable = true
        for (const [code, w] of Object.entries(g.weights)) {
          if (set && !components.has(code)) issues.add([...here, 'weights', code], `unknown component "${code}"`)
          if (!isString(w) || !isDecimalText(w.trim()) || dec(w.trim()).isNegative()) {
            issues.add([...here, 'weights', code], 'must be a decimal weight from 0 to 1')
            readable = false
            continue
          }
          weights[code] = canonical(w.trim())
          total = total.plus(w.trim())
        }
        if (readable && !total.equals(1)) issues.add([...here, 'weights'], `weights must sum to exactly 1 (they sum to ${total.toFixed()})`)
      }
      const groupConsequences = g.consequences === undefined ? null : readConsequences(issues, [...here, 'consequences'], g.consequences)
      const units: RoundDefinition['groups'][number]['units'] = []
      if (Array.isArray(g.units)) {
        g.units.forEach((u: unknown, ui) => {
          if (!isObject(u) || !isString(u.code) || !isString(u.name)) return
          const other = unitGroup.get(u.code)
          if (other === groupCode) issues.add([...here, 'units', ui, 'code'], `duplicate unit "${u.code}" in group ${groupCode}`)
          else if (other !== undefined) issues.add([...here, 'units', ui, 'code'], `unit "${u.code}" is already in group ${other}; a unit belongs to one group of a round`)
          else unitGroup.set(u.code, groupCode)
          units.push({ code: u.code, name: u.name, head: isString(u.head) && u.head.trim() !== '' ? u.head.trim() : null })
        })
      }
      if (isString(g.name)) groups.push({ code: g.code, name: g.name, weights, consequences: groupConsequences, units })
    })
  }

  const points: RoundPoint[] = []
  const pointCodes = new Set<string>()
  if (Array.isArray(value.points)) {
    value.points.forEach((p, i) => {
      if (!isObject(p) || !isString(p.code)) return
      const here: Segment[] = ['points', i]
      if (pointCodes.has(p.code)) issues.add([...here, 'code'], `duplicate point "${p.code}"`)
      pointCodes.add(p.code)
      if (isString(p.type) && set && !pointTypes.has(p.type)) issues.add([...here, 'type'], `unknown point type "${p.type}" (the set has ${[...pointTypes].join(', ')})`)
      if (isString(p.unit) && !unitGroup.has(p.unit)) issues.add([...here, 'unit'], `unit "${p.unit}" is not in any group of this round`)
      for (const key of ['lat', 'lng'] as const) {
        const v = p[key]
        if (v !== undefined && (!isString(v) || !isDecimalText(v.trim()))) issues.add([...here, key], 'must be a decimal coordinate')
      }
      if (isString(p.name) && isString(p.type) && isString(p.unit))
        points.push({
          code: p.code,
          name: p.name,
          type: p.type,
          unit: p.unit,
          address: isString(p.address) ? p.address : null,
          lat: isString(p.lat) ? p.lat.trim() : null,
          lng: isString(p.lng) ? p.lng.trim() : null,
        })
    })
  }

  if (issues.items.length > 0 || !setRef) return { ok: false, issues: issues.items }
  const v = value as Json & { period: { from: string; to: string } }
  return {
    ok: true,
    round: {
      code: v.code as string,
      series: v.series as string,
      name: v.name as string,
      indicatorSet: setRef,
      period: { from: v.period.from, to: v.period.to },
      evaluator: v.evaluator as string,
      tiebreak,
      consequences,
      groups,
      points,
    },
  }
}

/** The indicator-set reference of a round file, to look the set up before validating. */
export function readRoundText(text: string): { value: unknown; setRef: { code: string; version: string } | null; issues: Issue[]; doc: YAML.Document.Parsed; lines: YAML.LineCounter } {
  const parsed = parseDecimalPreservingYaml(text)
  const raw = isObject(parsed.value) ? parsed.value.indicatorSet : undefined
  return { value: parsed.value, setRef: isString(raw) ? parseSetRef(raw) : null, issues: parsed.issues, doc: parsed.doc, lines: parsed.lines }
}
