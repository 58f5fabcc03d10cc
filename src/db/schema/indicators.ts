import { index, integer, jsonb, numeric, pgTable, primaryKey, serial, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { users } from './access.js'

/**
 * An indicator-set version (测评体系). Immutable: loading the same code and version again is a
 * no-op when the content hash matches and an error otherwise. `definition` holds the
 * normalised set; the tables below flatten it for queries.
 */
export const indicatorSets = pgTable(
  'indicator_sets',
  {
    id: serial('id').primaryKey(),
    code: text('code').notNull(),
    version: text('version').notNull(),
    name: text('name').notNull(),
    naPolicy: text('na_policy').notNull(),
    definition: jsonb('definition').notNull(),
    contentHash: text('content_hash').notNull(),
    sourceText: text('source_text'),
    loadedAt: timestamp('loaded_at', { withTimezone: true }).notNull().defaultNow(),
    loadedBy: integer('loaded_by').references(() => users.id),
  },
  (t) => [unique('indicator_sets_code_version_uq').on(t.code, t.version)],
)

export const indicatorComponents = pgTable(
  'indicator_components',
  {
    setId: integer('set_id')
      .notNull()
      .references(() => indicatorSets.id),
    code: text('code').notNull(),
    name: text('name').notNull(),
    weight: numeric('weight').notNull(),
    source: text('source').notNull(),
    ordinal: integer('ordinal').notNull(),
  },
  (t) => [primaryKey({ columns: [t.setId, t.code] })],
)

export const indicatorPointTypes = pgTable(
  'indicator_point_types',
  {
    setId: integer('set_id')
      .notNull()
      .references(() => indicatorSets.id),
    code: text('code').notNull(),
    name: text('name').notNull(),
    ordinal: integer('ordinal').notNull(),
  },
  (t) => [primaryKey({ columns: [t.setId, t.code] })],
)

/** Every node of the tree; `kind = 'standard'` rows are the leaves findings point at. */
export const indicatorNodes = pgTable(
  'indicator_nodes',
  {
    id: serial('id').primaryKey(),
    setId: integer('set_id')
      .notNull()
      .references(() => indicatorSets.id),
    code: text('code').notNull(),
    parentId: integer('parent_id'),
    kind: text('kind').notNull(),
    /** Indicator name, or the standard's text. */
    name: text('name').notNull(),
    component: text('component'),
    points: numeric('points').notNull(),
    ruleKind: text('rule_kind'),
    rule: jsonb('rule'),
    pointTypes: text('point_types').array().notNull().default([]),
    /** Code of the top-level indicator the node sits under (itself at the top). */
    topCode: text('top_code').notNull(),
    depth: integer('depth').notNull(),
    /** Position in a pre-order walk of the tree: the file's order. */
    ordinal: integer('ordinal').notNull(),
  },
  (t) => [unique('indicator_nodes_set_code_uq').on(t.setId, t.code), index('indicator_nodes_set_kind_idx').on(t.setId, t.kind)],
)
