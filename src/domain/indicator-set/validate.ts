/**
 * Reads an indicator-set file (YAML, or JSON, which is YAML) and either returns the
 * normalised set or every defect found, each with its path and line. Nothing stops at the
 * first problem: a clerk fixing a 300-standard file wants the whole list at once.
 *
 * Checks (SPEC §3): shape (schema.ts); duplicate codes anywhere in the set; component weights
 * in [0, 1] summing to exactly 1; every standard has points and a rule; visit-based standards
 * (deduct, check, gate) have point types, inherited or their own; point types and components
 * are declared; no negative numbers; `per` ≤ `points`; a declared indicator subtotal equals
 * the sum of its standards; every findings component has standards and no external one has.
 */
import type * as YAML from 'yaml'
import { Decimal, dec, canonical, isDecimalText } from '../decimal.js'
import type { Issue } from '../errors.js'
import { IssueList, formatPath, isObject, isString, parseDecimalPreservingYaml, schemaIssues, type Json, type Segment } from '../validation.js'
import { IndicatorSetFileSchema, VisitRuleKinds, type RuleKind } from './schema.js'
import type { Component, IndicatorSet, PointType, Rule, TreeNode, NaPolicy } from './model.js'

export type ParseResult = { ok: true; set: IndicatorSet } | { ok: false; issues: Issue[] }

/** Sums checked for equality (weights = 1, subtotals) must be exact whatever the digits. */
const Exact = Decimal.clone({ precision: 1e9 })
function exactSum(values: readonly Decimal[]): string {
  let total = new Exact(0)
  for (const v of values) total = total.plus(v.toFixed())
  return total.toFixed()
}
const exactEquals = (a: string, b: string): boolean => new Exact(a).equals(new Exact(b))

/**
 * The written points of every standard below (leaves without children), read from the raw
 * file so a defect elsewhere in a standard does not distort the subtotal check; null when
 * some leaf's points cannot be read (that leaf is reported on its own).
 */
function rawLeafPoints(nodes: unknown): Decimal[] | null {
  if (!Array.isArray(nodes)) return null
  const out: Decimal[] = []
  for (const node of nodes) {
    if (!isObject(node)) return null
    if (Array.isArray(node.children) && node.children.length > 0) {
      const below = rawLeafPoints(node.children)
      if (below === null) return null
      out.push(...below)
    } else {
      if (!isString(node.points) || !isDecimalText(node.points.trim())) return null
      out.push(dec(node.points.trim()))
    }
  }
  return out
}
interface Context {
  issues: IssueList
  components: Map<string, Json>
  pointTypes: Set<string>
  codes: Map<string, string>
  standardsByComponent: Map<string, number>
}

/** A non-negative decimal, or null after recording why not. */
function readDecimal(ctx: Context, at: Segment[], value: unknown, opts: { positive?: boolean } = {}): Decimal | null {
  if (!isString(value)) return null // the shape check already reported it
  const text = value.trim()
  if (!isDecimalText(text)) {
    ctx.issues.add(at, `"${value}" is not a decimal number`)
    return null
  }
  const d = dec(text)
  if (d.isNegative() && !d.isZero()) {
    ctx.issues.add(at, `must not be negative (got ${text})`)
    return null
  }
  if (opts.positive && d.isZero()) {
    ctx.issues.add(at, 'must be greater than 0')
    return null
  }
  return d
}

function claimCode(ctx: Context, at: Segment[], code: unknown): void {
  if (!isString(code)) return
  const first = ctx.codes.get(code)
  if (first !== undefined) ctx.issues.add([...at, 'code'], `duplicate code "${code}" (first used at ${first})`)
  else ctx.codes.set(code, formatPath(at))
}

function normaliseRule(ctx: Context, at: Segment[], raw: Json, points: Decimal | null): Rule | null {
  const kind = raw.kind as RuleKind
  const extra = (field: string, why: string): void => {
    if (raw[field] !== undefined) ctx.issues.add([...at, field], why)
  }
  switch (kind) {
    case 'deduct': {
      extra('target', '"target" belongs to measure rules, not deduct')
      extra('unit', '"unit" belongs to measure rules, not deduct')
      if (raw.per === undefined) {
        ctx.issues.add(at, 'a deduct rule needs "per" (points deducted per finding)')
        return null
      }
      const per = readDecimal(ctx, [...at, 'per'], raw.per, { positive: true })
      if (per && points && per.greaterThan(points)) {
        ctx.issues.add([...at, 'per'], `per (${canonical(per)}) is greater than the standard's points (${canonical(points)})`)
        return null
      }
      return per ? { kind, per: canonical(per), scope: raw.scope === 'unit' ? 'unit' : 'point' } : null
    }
    case 'measure': {
      extra('per', '"per" belongs to deduct rules, not measure')
      extra('scope', '"scope" belongs to deduct rules, not measure')
      if (raw.target === undefined) {
        ctx.issues.add(at, 'a measure rule needs "target" (the value that earns full points)')
        return null
      }
      const target = readDecimal(ctx, [...at, 'target'], raw.target, { positive: true })
      if (!target) return null
      return isString(raw.unit) ? { kind, target: canonical(target), unit: raw.unit } : { kind, target: canonical(target) }
    }
    case 'check':
    case 'gate':
    case 'direct':
      for (const field of ['per', 'scope', 'target', 'unit']) extra(field, `"${field}" does not apply to a ${kind} rule`)
      return { kind }
    default:
      return null
  }
}

function normaliseNodes(
  ctx: Context,
  at: Segment[],
  nodes: unknown,
  inherited: { component: string | null; pointTypes: string[] | null; componentRejected?: boolean },
): TreeNode[] {
  if (!Array.isArray(nodes)) return []
  const out: TreeNode[] = []
  nodes.forEach((raw, index) => {
    if (!isObject(raw)) return
    const here: Segment[] = [...at, index]
    claimCode(ctx, here, raw.code)
    const code = isString(raw.code) ? raw.code : `#${index}`

    let component = inherited.component
    // Once a node's component is reported, the nodes below are not told again that they lack one.
    let componentRejected = inherited.componentRejected ?? false
    if (raw.component !== undefined && isString(raw.component)) {
      const declared = ctx.components.get(raw.component)
      componentRejected = true
      if (!declared) ctx.issues.add([...here, 'component'], `unknown component "${raw.component}"`)
      else if (declared.source === 'external')
        ctx.issues.add([...here, 'component'], `component "${raw.component}" is external (its scores are supplied per unit), so no indicator can belong to it`)
      else {
        component = raw.component
        componentRejected = false
      }
    }

    let pointTypes = inherited.pointTypes
    if (Array.isArray(raw.pointTypes)) {
      const seen = new Set<string>()
      raw.pointTypes.forEach((pt, i) => {
        if (!isString(pt)) return
        if (!ctx.pointTypes.has(pt)) ctx.issues.add([...here, 'pointTypes', i], `unknown point type "${pt}"`)
        if (seen.has(pt)) ctx.issues.add([...here, 'pointTypes', i], `point type "${pt}" is listed twice`)
        seen.add(pt)
      })
      pointTypes = [...seen]
    }
    const method = isString(raw.method) ? { method: raw.method } : {}

    const hasChildren = Array.isArray(raw.children) && raw.children.length > 0
    if (hasChildren) {
      if (raw.rule !== undefined) ctx.issues.add([...here, 'rule'], 'an indicator with children cannot have a rule; only standards (leaves) are scored')
      if (raw.text !== undefined && raw.name === undefined) ctx.issues.add(here, 'an indicator needs a "name" ("text" is for standards)')
      else if (raw.name === undefined) ctx.issues.add(here, 'an indicator needs a "name"')
      const children = normaliseNodes(ctx, [...here, 'children'], raw.children, { component, pointTypes, componentRejected })
      const total = exactSum(children.map((n) => dec(n.points)))
      if (raw.points !== undefined) {
        const declared = readDecimal(ctx, [...here, 'points'], raw.points)
        const written = rawLeafPoints(raw.children)
        const writtenTotal = written === null ? null : exactSum(written)
        if (declared && writtenTotal !== null && !exactEquals(declared.toFixed(), writtenTotal))
          ctx.issues.add([...here, 'points'], `declared ${canonical(declared)} points but its standards add up to ${canonical(writtenTotal)}`)
      }
      out.push({
        type: 'indicator',
        code,
        name: isString(raw.name) ? raw.name : isString(raw.text) ? raw.text : code,
        points: canonical(total),
        component: component,
        pointTypes: pointTypes ?? [],
        ...method,
        children,
      })
      return
    }

    // A leaf: a standard.
    if (Array.isArray(raw.children)) ctx.issues.add([...here, 'children'], 'an empty children list: give the indicator standards, or make it a standard with points and a rule')
    const text = isString(raw.text) ? raw.text : isString(raw.name) ? raw.name : null
    if (text === null) ctx.issues.add(here, 'a standard needs "text" (what the evaluator checks)')
    let points: Decimal | null = null
    if (raw.points === undefined) ctx.issues.add(here, 'a standard needs "points"')
    else points = readDecimal(ctx, [...here, 'points'], raw.points, { positive: true })
    let rule: Rule | null = null
    if (raw.rule === undefined) ctx.issues.add(here, 'a standard needs a "rule" (deduct, check, gate, measure or direct)')
    else if (isObject(raw.rule)) rule = normaliseRule(ctx, [...here, 'rule'], raw.rule, points)

    if (component === null && !componentRejected) ctx.issues.add(here, 'no component: set "component" on this standard or on an indicator above it')
    // Judged on the written kind, so a defect inside the rule does not hide this one.
    const kind = isObject(raw.rule) && isString(raw.rule.kind) ? (raw.rule.kind as RuleKind) : null
    const visitBased = kind !== null && VisitRuleKinds.includes(kind)
    if (visitBased && (pointTypes === null || pointTypes.length === 0))
      ctx.issues.add(here, `a ${kind} standard is scored at visits and needs "pointTypes", its own or an indicator's above it`)
    if ((kind === 'measure' || kind === 'direct') && Array.isArray(raw.pointTypes))
      ctx.issues.add([...here, 'pointTypes'], `a ${kind} standard is scored once per unit, not at visits, so point types do not apply to it`)

    if (component !== null) ctx.standardsByComponent.set(component, (ctx.standardsByComponent.get(component) ?? 0) + 1)
    if (text !== null && points !== null && rule !== null && component !== null) {
      out.push({
        type: 'standard',
        code,
        text,
        points: canonical(points),
        rule,
        component,
        pointTypes: visitBased ? (pointTypes ?? []) : [],
        ...method,
      })
    }
  })
  return out
}

/** Validates an already-parsed value (from YAML, JSON or an API body). */
export function validateIndicatorSetValue(value: unknown, doc: YAML.Document.Parsed | null = null, lines: YAML.LineCounter | null = null): ParseResult {
  const issues = new IssueList(doc, lines)
  if (!isObject(value)) {
    issues.add([], 'an indicator set must be a mapping with code, version, name, components …')
    return { ok: false, issues: issues.items }
  }
  schemaIssues(IndicatorSetFileSchema, value, issues)

  const ctx: Context = { issues, components: new Map(), pointTypes: new Set(), codes: new Map(), standardsByComponent: new Map() }

  const components: Component[] = []
  const weights: Decimal[] = []
  let weightsReadable = true
  if (Array.isArray(value.components)) {
    value.components.forEach((raw, i) => {
      if (!isObject(raw) || !isString(raw.code)) return
      if (ctx.components.has(raw.code)) issues.add(['components', i, 'code'], `duplicate component "${raw.code}"`)
      ctx.components.set(raw.code, raw)
      const w = readDecimal(ctx, ['components', i, 'weight'], raw.weight)
      if (w === null) weightsReadable = false
      else {
        if (w.greaterThan(1)) issues.add(['components', i, 'weight'], `a weight is a share of the total and cannot exceed 1 (got ${canonical(w)})`)
        weights.push(w)
      }
      if (isString(raw.name) && (raw.source === 'findings' || raw.source === 'external') && w !== null)
        components.push({
          code: raw.code,
          name: raw.name,
          weight: canonical(w),
          source: raw.source,
          ...(isString(raw.description) ? { description: raw.description } : {}),
        })
    })
    const total = exactSum(weights)
    if (weightsReadable && weights.length > 0 && !exactEquals(total, '1'))
      issues.add(['components'], `component weights must sum to exactly 1 (they sum to ${total})`)
  }

  const pointTypes: PointType[] = []
  if (Array.isArray(value.pointTypes)) {
    value.pointTypes.forEach((raw, i) => {
      if (!isObject(raw) || !isString(raw.code)) return
      if (ctx.pointTypes.has(raw.code)) issues.add(['pointTypes', i, 'code'], `duplicate point type "${raw.code}"`)
      ctx.pointTypes.add(raw.code)
      if (isString(raw.name))
        pointTypes.push({ code: raw.code, name: raw.name, ...(isString(raw.description) ? { description: raw.description } : {}) })
    })
  }

  const indicators = normaliseNodes(ctx, ['indicators'], value.indicators, { component: null, pointTypes: null })

  if (Array.isArray(value.components)) {
    value.components.forEach((raw, i) => {
      if (!isObject(raw) || !isString(raw.code) || raw.source !== 'findings') return
      if ((ctx.standardsByComponent.get(raw.code) ?? 0) === 0)
        issues.add(['components', i], `component "${raw.code}" is scored from standards but no standard belongs to it`)
    })
  }

  if (issues.items.length > 0) return { ok: false, issues: issues.items }
  const set: IndicatorSet = {
    code: value.code as string,
    version: value.version as string,
    name: value.name as string,
    ...(isString(value.description) ? { description: value.description } : {}),
    naPolicy: (value.naPolicy as NaPolicy | undefined) ?? 'exclude',
    components,
    pointTypes,
    indicators,
  }
  return { ok: true, set }
}

/** Reads the text of an indicator-set file (YAML or JSON). */
export function parseIndicatorSetText(text: string): ParseResult {
  const parsed = parseDecimalPreservingYaml(text)
  if (parsed.issues.length > 0) return { ok: false, issues: parsed.issues }
  const result = validateIndicatorSetValue(parsed.value, parsed.doc, parsed.lines)
  if (result.ok) return result
  // Top to bottom, as the clerk reads the file; issues without a line keep their order first.
  const issues = result.issues
    .map((issue, order) => ({ issue, order }))
    .sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || a.order - b.order)
    .map(({ issue }) => issue)
  return { ok: false, issues }
}
