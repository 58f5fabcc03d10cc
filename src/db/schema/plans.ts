import { index, integer, jsonb, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core'
import { users } from './access.js'
import { settlePlanStatus } from './enums.js'
import { rounds } from './rounds.js'

/**
 * An accepted settle plan (SPEC §5): the extra visits the credibility analysis recommended to
 * settle a group's last place, as the server computed them when the office accepted them. The
 * visits recorded at the planned points after `acceptedAt` are its progress; once they are in,
 * the ranking's gate is evaluated again. A plan stays open until the office accepts the group's
 * next recommendation, which closes it (done).
 */
export const settlePlans = pgTable(
  'settle_plans',
  {
    id: serial('id').primaryKey(),
    roundId: integer('round_id')
      .notNull()
      .references(() => rounds.id),
    groupCode: text('group_code').notNull(),
    /** The SettlePlan of the group's credibility (src/domain/scoring/types.ts), as accepted. */
    plan: jsonb('plan').notNull(),
    acceptedBy: integer('accepted_by').references(() => users.id),
    /** The actor's name as the audit log records it (a CLI user has no id). */
    acceptedByName: text('accepted_by_name').notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
    status: settlePlanStatus('status').notNull().default('open'),
    doneAt: timestamp('done_at', { withTimezone: true }),
  },
  (t) => [index('settle_plans_round_group_idx').on(t.roundId, t.groupCode)],
)
