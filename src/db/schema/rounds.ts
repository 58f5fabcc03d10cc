import { boolean, date, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { roundStatus } from './enums.js'
import { indicatorSets } from './indicators.js'
import { units } from './organisation.js'

/** An evaluation round (测评轮次): one indicator-set version, groups of units, rules, a period. */
export const rounds = pgTable('rounds', {
  id: serial('id').primaryKey(),
  code: text('code').notNull().unique(),
  /** Rank change and escalation compare rounds of one series, ordered by period. */
  series: text('series').notNull(),
  name: text('name').notNull(),
  indicatorSetId: integer('indicator_set_id')
    .notNull()
    .references(() => indicatorSets.id),
  periodFrom: date('period_from').notNull(),
  periodTo: date('period_to').notNull(),
  evaluator: text('evaluator').notNull(),
  status: roundStatus('status').notNull().default('draft'),
  /** Default consequence rules for every group (SPEC §4.4). */
  consequences: jsonb('consequences'),
  /** Tiebreak keys applied in order (SPEC §4.3). */
  tiebreak: jsonb('tiebreak'),
  /** Options such as bootstrap replicates; the round file as loaded is in `source`. */
  options: jsonb('options'),
  source: jsonb('source'),
  /** Latest published revision; 0 while never published. */
  revision: integer('revision').notNull().default(0),
  /**
   * Whether visit_standard_totals holds this round's per-visit totals. They are built in one
   * statement when fieldwork closes and kept up to date by triggers from then on; during
   * fieldwork findings are written without that work and scoring aggregates them directly.
   */
  totalsReady: boolean('totals_ready').notNull().default(false),
  /** Why the published round was reopened for correction; cleared when the next revision is published. */
  correctionReason: text('correction_reason'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** A group of units ranked against each other (测评组别) inside a round. */
export const roundGroups = pgTable(
  'round_groups',
  {
    id: serial('id').primaryKey(),
    roundId: integer('round_id')
      .notNull()
      .references(() => rounds.id),
    code: text('code').notNull(),
    name: text('name').notNull(),
    /** Component weight override; null = the indicator set's weights. */
    weights: jsonb('weights'),
    /** Consequence override; null = the round's. */
    consequences: jsonb('consequences'),
    ordinal: integer('ordinal').notNull(),
  },
  (t) => [unique('round_groups_round_code_uq').on(t.roundId, t.code)],
)

/** Round membership: a unit belongs to at most one group of a round (the primary key says so). */
export const roundMembers = pgTable(
  'round_members',
  {
    roundId: integer('round_id')
      .notNull()
      .references(() => rounds.id),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
    groupId: integer('group_id')
      .notNull()
      .references(() => roundGroups.id),
    /** The unit's head (主要负责人) at the time of the round, named in self-criticism duties. */
    head: text('head'),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.unitId] })],
)
