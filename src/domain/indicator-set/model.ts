/**
 * A validated indicator set, normalised: inherited components and point types are resolved
 * onto every node, numbers are canonical decimal text, and each indicator carries the sum of
 * its standards' points. Files that differ only in formatting, comments, key order, number
 * spelling ("2.50" / 2.5) or repeating an inherited value normalise to the same value, so the
 * content hash does not change for them. Indicators keep what was declared at their own level.
 */

export type NaPolicy = 'exclude' | 'peer-mean'
export type ComponentSource = 'findings' | 'external'

export interface Component {
  code: string
  name: string
  /** Decimal text in [0, 1]; the set's weights sum to exactly 1. */
  weight: string
  source: ComponentSource
  description?: string
}

export interface PointType {
  code: string
  name: string
  description?: string
}

export type Rule =
  | { kind: 'deduct'; per: string; scope: 'point' | 'unit' }
  | { kind: 'check' }
  | { kind: 'gate' }
  | { kind: 'measure'; target: string; unit?: string }
  | { kind: 'direct' }

export interface StandardNode {
  type: 'standard'
  code: string
  text: string
  points: string
  rule: Rule
  component: string
  /** Point types where the standard applies; empty for measure and direct rules. */
  pointTypes: string[]
  method?: string
}

export interface IndicatorNode {
  type: 'indicator'
  code: string
  name: string
  /** Sum of the points of every standard below. */
  points: string
  component: string | null
  pointTypes: string[]
  method?: string
  children: TreeNode[]
}

export type TreeNode = IndicatorNode | StandardNode

export interface IndicatorSet {
  code: string
  version: string
  name: string
  description?: string
  naPolicy: NaPolicy
  components: Component[]
  pointTypes: PointType[]
  indicators: TreeNode[]
}

/** A standard with the codes of its ancestors, top-level indicator first. */
export interface PlacedStandard extends StandardNode {
  path: string[]
}

export function setRef(set: Pick<IndicatorSet, 'code' | 'version'>): string {
  return `${set.code}@${set.version}`
}

/** Parses "code@version"; returns null when the text is not of that form. */
export function parseSetRef(ref: string): { code: string; version: string } | null {
  const at = ref.lastIndexOf('@')
  if (at <= 0 || at === ref.length - 1) return null
  return { code: ref.slice(0, at), version: ref.slice(at + 1) }
}

export function standardsOf(set: Pick<IndicatorSet, 'indicators'>): PlacedStandard[] {
  const out: PlacedStandard[] = []
  const walk = (nodes: TreeNode[], path: string[]): void => {
    for (const node of nodes) {
      if (node.type === 'standard') out.push({ ...node, path })
      else walk(node.children, [...path, node.code])
    }
  }
  walk(set.indicators, [])
  return out
}

export function countNodes(set: Pick<IndicatorSet, 'indicators'>): { indicators: number; standards: number } {
  let indicators = 0
  let standards = 0
  const walk = (nodes: TreeNode[]): void => {
    for (const node of nodes) {
      if (node.type === 'standard') standards++
      else {
        indicators++
        walk(node.children)
      }
    }
  }
  walk(set.indicators)
  return { indicators, standards }
}
