import { and, count, eq, isNull } from 'drizzle-orm'
import type { Queryable } from '../client.js'
import { units, users, type Role } from '../schema/index.js'

export interface UserRow {
  id: number
  name: string
  role: Role
  unitId: number | null
  unitCode: string | null
}

export async function countUsers(db: Queryable): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users)
  return row?.n ?? 0
}

export async function insertUser(db: Queryable, values: { name: string; role: Role; unitId: number | null; tokenHash: string }): Promise<number> {
  const [row] = await db.insert(users).values(values).returning({ id: users.id })
  if (!row) throw new Error('insert into users returned nothing')
  return row.id
}

export async function findActiveUserByTokenHash(db: Queryable, tokenHash: string): Promise<UserRow | null> {
  const [row] = await db
    .select({ id: users.id, name: users.name, role: users.role, unitId: users.unitId, unitCode: units.code })
    .from(users)
    .leftJoin(units, eq(units.id, users.unitId))
    .where(and(eq(users.tokenHash, tokenHash), isNull(users.disabledAt)))
    .limit(1)
  return row ?? null
}

export async function listUsers(db: Queryable): Promise<(UserRow & { createdAt: Date; disabled: boolean })[]> {
  const rows = await db
    .select({
      id: users.id,
      name: users.name,
      role: users.role,
      unitId: users.unitId,
      unitCode: units.code,
      createdAt: users.createdAt,
      disabledAt: users.disabledAt,
    })
    .from(users)
    .leftJoin(units, eq(units.id, users.unitId))
    .orderBy(users.id)
  return rows.map(({ disabledAt, ...r }) => ({ ...r, disabled: disabledAt !== null }))
}

export async function findUnitIdByCode(db: Queryable, code: string): Promise<number | null> {
  const [row] = await db.select({ id: units.id }).from(units).where(eq(units.code, code)).limit(1)
  return row?.id ?? null
}
