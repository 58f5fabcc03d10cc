import { boolean, index, integer, numeric, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core'

/** An evaluated unit (被测评单位): district, street, department, window industry … */
export const units = pgTable('units', {
  id: serial('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

/** The point registry (点位): concrete places, each owned by one unit. Upserted by round files. */
export const points = pgTable(
  'points',
  {
    id: serial('id').primaryKey(),
    code: text('code').notNull().unique(),
    name: text('name').notNull(),
    /** Point-type code of the indicator sets that use it (农贸市场 → market). */
    pointType: text('point_type').notNull(),
    unitId: integer('unit_id')
      .notNull()
      .references(() => units.id),
    address: text('address'),
    lat: numeric('lat'),
    lng: numeric('lng'),
    active: boolean('active').notNull().default(true),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('points_unit_idx').on(t.unitId)],
)
