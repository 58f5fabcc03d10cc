import { bigserial, boolean, index, integer, jsonb, numeric, pgTable, serial, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { users } from './access.js'
import { units } from './organisation.js'
import { rounds } from './rounds.js'

/** The latest computed ranking of a round (a cache keyed by the digest of its inputs). */
export const computedResults = pgTable('computed_results', {
  roundId: integer('round_id')
    .primaryKey()
    .references(() => rounds.id),
  inputsDigest: text('inputs_digest').notNull(),
  result: jsonb('result').notNull(),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
})

/**
 * A published revision: the snapshot's canonical JSON text is stored as written, so its
 * SHA-256 can be re-checked byte for byte. Append-only (migration 0001).
 */
export const publications = pgTable(
  'publications',
  {
    id: serial('id').primaryKey(),
    roundId: integer('round_id')
      .notNull()
      .references(() => rounds.id),
    revision: integer('revision').notNull(),
    reason: text('reason'),
    snapshotText: text('snapshot_text').notNull(),
    hash: text('hash').notNull(),
    inputsDigest: text('inputs_digest').notNull(),
    publishedBy: integer('published_by').references(() => users.id),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('publications_round_revision_uq').on(t.roundId, t.revision)],
)

/** Per-unit figures of each publication, for series history (rank change, escalation, trends). */
export const unitResults = pgTable(
  'unit_results',
  {
    publicationId: integer('publication_id')
      .notNull()
      .references(() => publications.id),
    roundId: integer('round_id')
      .notNull()
      .references(() => rounds.id),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
    groupCode: text('group_code').notNull(),
    ranked: boolean('ranked').notNull(),
    total: numeric('total'),
    rank: integer('rank'),
    bottom: integer('bottom'),
    onBlackList: boolean('on_black_list').notNull().default(false),
    onRedList: boolean('on_red_list').notNull().default(false),
    components: jsonb('components'),
  },
  (t) => [unique('unit_results_publication_unit_uq').on(t.publicationId, t.unitId), index('unit_results_unit_idx').on(t.unitId)],
)

/**
 * The money ledger (资金台账), double entry: each transfer is two rows, −amount on the payer's
 * account and +amount on the payee's, so every publication balances to the fen. A correction
 * adds reversing rows; nothing is edited or deleted (migration 0001 forbids it).
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    publicationId: integer('publication_id')
      .notNull()
      .references(() => publications.id),
    roundId: integer('round_id')
      .notNull()
      .references(() => rounds.id),
    groupCode: text('group_code').notNull(),
    rule: integer('rule').notNull(),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
    counterpartyId: integer('counterparty_id')
      .notNull()
      .references(() => units.id),
    /** Signed, from the account holder's side: negative pays, positive receives. */
    amount: numeric('amount').notNull(),
    kind: text('kind').notNull(),
    reversesId: integer('reverses_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('ledger_entries_unit_idx').on(t.unitId), index('ledger_entries_round_idx').on(t.roundId)],
)
