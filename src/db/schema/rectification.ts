import { bigserial, boolean, index, integer, pgTable, serial, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { users } from './access.js'
import { findings } from './entry.js'
import { rectificationStatus } from './enums.js'
import { indicatorNodes } from './indicators.js'
import { points, units } from './organisation.js'
import { rounds } from './rounds.js'

/**
 * A rectification order (整改交办单): a finding handed to its unit with a deadline set by
 * severity. issued → replied (fix reported with evidence) → closed (销号) after a passing
 * re-inspection (回头看); a failing re-inspection reopens it. `reboundOf` marks a recurrence of
 * the same standard at the same point (反弹).
 */
export const rectificationOrders = pgTable(
  'rectification_orders',
  {
    id: serial('id').primaryKey(),
    code: text('code').notNull().unique(),
    roundId: integer('round_id')
      .notNull()
      .references(() => rounds.id),
    findingId: uuid('finding_id')
      .notNull()
      .references(() => findings.id),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
    pointId: integer('point_id')
      .notNull()
      .references(() => points.id),
    standardId: integer('standard_id')
      .notNull()
      .references(() => indicatorNodes.id),
    severity: text('severity').notNull(),
    deadline: timestamp('deadline', { withTimezone: true }).notNull(),
    status: rectificationStatus('status').notNull().default('issued'),
    rebound: boolean('rebound').notNull().default(false),
    reboundOf: integer('rebound_of'),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    reworkCount: integer('rework_count').notNull().default(0),
  },
  (t) => [index('rectification_orders_unit_idx').on(t.unitId, t.status)],
)

/** Every step of an order: issue, reply with evidence, re-check pass or fail, close. */
export const rectificationEvents = pgTable(
  'rectification_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orderId: integer('order_id')
      .notNull()
      .references(() => rectificationOrders.id),
    event: text('event').notNull(),
    note: text('note'),
    evidence: text('evidence').array().notNull().default([]),
    actorId: integer('actor_id').references(() => users.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('rectification_events_order_idx').on(t.orderId)],
)
