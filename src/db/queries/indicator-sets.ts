import { and, asc, eq } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { indicatorComponents, indicatorNodes, indicatorPointTypes, indicatorSets } from '../schema/index.js'
import type { IndicatorSet, TreeNode } from '../../domain/indicator-set/model.js'

export interface StoredSetSummary {
  id: number
  code: string
  version: string
  name: string
  naPolicy: string
  contentHash: string
  loadedAt: Date
}

const summaryColumns = {
  id: indicatorSets.id,
  code: indicatorSets.code,
  version: indicatorSets.version,
  name: indicatorSets.name,
  naPolicy: indicatorSets.naPolicy,
  contentHash: indicatorSets.contentHash,
  loadedAt: indicatorSets.loadedAt,
}

export async function findSetSummary(db: Queryable, code: string, version: string): Promise<StoredSetSummary | null> {
  const [row] = await db
    .select(summaryColumns)
    .from(indicatorSets)
    .where(and(eq(indicatorSets.code, code), eq(indicatorSets.version, version)))
    .limit(1)
  return row ?? null
}

/** Every stored set with its definition, in one query. */
export async function listSetSummaries(db: Queryable): Promise<(StoredSetSummary & { definition: IndicatorSet })[]> {
  const rows = await db
    .select({ ...summaryColumns, definition: indicatorSets.definition })
    .from(indicatorSets)
    .orderBy(asc(indicatorSets.code), asc(indicatorSets.version))
  return rows.map((r) => ({ ...r, definition: r.definition as IndicatorSet }))
}

export async function findSetDefinition(db: Queryable, id: number): Promise<IndicatorSet | null> {
  const [row] = await db.select({ definition: indicatorSets.definition }).from(indicatorSets).where(eq(indicatorSets.id, id)).limit(1)
  return row ? (row.definition as IndicatorSet) : null
}

/** Stores a validated set and flattens its tree into indicator_nodes (pre-order, file order). */
export async function insertSet(
  tx: Queryable,
  set: IndicatorSet,
  meta: { contentHash: string; sourceText: string | null; loadedBy: number | null },
): Promise<number> {
  const [row] = await tx
    .insert(indicatorSets)
    .values({
      code: set.code,
      version: set.version,
      name: set.name,
      naPolicy: set.naPolicy,
      definition: set,
      contentHash: meta.contentHash,
      sourceText: meta.sourceText,
      loadedBy: meta.loadedBy,
    })
    .returning({ id: indicatorSets.id })
  if (!row) throw new Error('insert into indicator_sets returned nothing')
  const setId = row.id

  if (set.components.length > 0)
    await tx
      .insert(indicatorComponents)
      .values(set.components.map((c, ordinal) => ({ setId, code: c.code, name: c.name, weight: c.weight, source: c.source, ordinal })))
  if (set.pointTypes.length > 0)
    await tx.insert(indicatorPointTypes).values(set.pointTypes.map((p, ordinal) => ({ setId, code: p.code, name: p.name, ordinal })))

  // One multi-row insert per depth, parents first, so each child knows its parent's id.
  type Pending = { node: TreeNode; parentCode: string | null; topCode: string; depth: number; ordinal: number }
  const levels: Pending[][] = []
  let ordinal = 0
  const walk = (nodes: TreeNode[], parentCode: string | null, topCode: string | null, depth: number): void => {
    for (const node of nodes) {
      const top = topCode ?? node.code
      ;(levels[depth] ??= []).push({ node, parentCode, topCode: top, depth, ordinal: ordinal++ })
      if (node.type === 'indicator') walk(node.children, node.code, top, depth + 1)
    }
  }
  walk(set.indicators, null, null, 0)
  const ids = new Map<string, number>()
  for (const level of levels) {
    const rows = await tx
      .insert(indicatorNodes)
      .values(
        level.map(({ node, parentCode, topCode, depth, ordinal: position }) => ({
          setId,
          code: node.code,
          parentId: parentCode === null ? null : (ids.get(parentCode) ?? null),
          kind: node.type,
          name: node.type === 'standard' ? node.text : node.name,
          component: node.component,
          points: node.points,
          ruleKind: node.type === 'standard' ? node.rule.kind : null,
          rule: node.type === 'standard' ? node.rule : null,
          pointTypes: node.pointTypes,
          topCode,
          depth,
          ordinal: position,
        })),
      )
      .returning({ id: indicatorNodes.id, code: indicatorNodes.code })
    for (const row of rows) ids.set(row.code, row.id)
  }
  return setId
}
