/**
 * What every file and body validator shares: a YAML reader that keeps numbers as the text
 * they were written as, a list of issues that knows each path's line, and one translation of
 * schema errors into plain sentences.
 */
import * as YAML from 'yaml'
import Value from 'typebox/value'
import { Settings } from 'typebox/system'
import type { TSchema } from 'typebox'
import type { Issue } from './errors.js'
import { textProblem } from './text.js'

Settings.Set({ maxErrors: 1000 })

export type Json = Record<string, unknown>

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
export const isString = (v: unknown): v is string => typeof v === 'string'

export type Segment = string | number

/** `indicators[0].children[2].points` from ['indicators', 0, 'children', 2, 'points']. */
export function formatPath(segments: readonly Segment[]): string {
  let out = ''
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`
  return out
}

/**
 * Parses YAML text with every number kept as the text it was written as ("2.50" stays
 * "2.50"; 0.1 never becomes 0.1000000000000000055…).
 */
export function parseDecimalPreservingYaml(text: string): { doc: YAML.Document.Parsed; lines: YAML.LineCounter; value: unknown; issues: Issue[] } {
  const lines = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false })
  const issues: Issue[] = doc.errors.map((e) => ({
    path: '',
    message: `not readable as YAML or JSON: ${e.message.split('\n')[0] ?? e.code}`,
    line: lines.linePos(e.pos[0]).line,
  }))
  if (issues.length > 0) return { doc, lines, value: undefined, issues }
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'number' && typeof node.source === 'string') node.value = node.source.trim()
      // "\0" and "\ud800" escapes in quoted scalars give text PostgreSQL or UTF-8 cannot hold.
      const problem = typeof node.value === 'string' ? textProblem(node.value) : null
      if (problem) issues.push({ path: '', message: `text ${problem}`, ...(node.range ? { line: lines.linePos(node.range[0]).line } : {}) })
    },
  })
  if (issues.length > 0) return { doc, lines, value: undefined, issues }
  try {
    return { doc, lines, value: doc.toJS({ maxAliasCount: 100 }) as unknown, issues }
  } catch (error) {
    // Aliases that expand past maxAliasCount (a "billion laughs" document), or nesting too deep to convert.
    issues.push({ path: '', message: `not readable as YAML or JSON: ${error instanceof Error ? error.message : String(error)}` })
    return { doc, lines, value: undefined, issues }
  }
}

export class IssueList {
  readonly items: Issue[] = []
  constructor(
    private readonly doc: YAML.Document.Parsed | null,
    private readonly lines: YAML.LineCounter | null,
  ) {}

  add(segments: readonly Segment[], message: string): void {
    this.items.push({ path: formatPath(segments), message, ...this.lineOf(segments) })
  }

  /** The line of the deepest node of the path that exists in the document. */
  private lineOf(segments: readonly Segment[]): { line?: number } {
    if (!this.doc || !this.lines) return {}
    for (let n = segments.length; n >= 0; n--) {
      const node = this.doc.getIn(segments.slice(0, n), true)
      if (YAML.isNode(node) && node.range) return { line: this.lines.linePos(node.range[0]).line }
    }
    return {}
  }
}

function pointerToSegments(pointer: string): Segment[] {
  if (pointer === '') return []
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
}

/** Turns a schema's errors into one plain sentence per place. */
export function schemaIssues(schema: TSchema, value: unknown, issues: IssueList): void {
  const seenUnion = new Set<string>()
  // A union of literals reports one `const` error per option before its `anyOf` error.
  const allowedAt = new Map<string, string[]>()
  for (const error of Value.Errors(schema, value)) {
    const at = pointerToSegments(error.instancePath)
    const params = error.params as Record<string, unknown>
    switch (error.keyword) {
      case 'boolean':
        break // reported once by the additionalProperties error of the parent
      case 'additionalProperties':
        for (const name of (params.additionalProperties as string[] | undefined) ?? []) issues.add([...at, name], `unknown field "${name}"`)
        break
      case 'required':
        for (const name of (params.requiredProperties as string[] | undefined) ?? []) issues.add(at, `missing required field "${name}"`)
        break
      case 'const': {
        const list = allowedAt.get(error.instancePath) ?? []
        if (typeof params.allowedValue === 'string') list.push(params.allowedValue)
        allowedAt.set(error.instancePath, list)
        break // reported by the enclosing anyOf
      }
      case 'anyOf': {
        if (seenUnion.has(error.instancePath)) break
        seenUnion.add(error.instancePath)
        const allowed = allowedAt.get(error.instancePath) ?? []
        issues.add(at, allowed.length > 0 ? `must be one of ${allowed.join(', ')}` : 'has an unexpected value')
        break
      }
      case 'type':
        issues.add(at, `must be ${describeType(String(params.type))}`)
        break
      case 'pattern':
        issues.add(at, 'is not a valid code (letters, digits, "-", "_" or "."; node codes may also be Chinese; no spaces, control characters or "@")')
        break
      case 'minimum':
        issues.add(at, `must be at least ${String(params.limit ?? params.minimum)}`)
        break
      case 'format':
        issues.add(at, `must be a ${String(params.format)}`)
        break
      case 'minLength':
        issues.add(at, 'must not be empty')
        break
      case 'maxLength':
        issues.add(at, `is too long (at most ${String(params.limit)} characters)`)
        break
      case 'minItems':
        issues.add(at, `must list at least ${String(params.limit)} item(s)`)
        break
      default:
        issues.add(at, error.message)
    }
  }
}

function describeType(type: string): string {
  switch (type) {
    case 'string':
      return 'text (numbers may be written plainly, e.g. 0.5)'
    case 'array':
      return 'a list'
    case 'object':
      return 'a mapping of fields'
    default:
      return `of type ${type}`
  }
}
