/**
 * Bearer tokens: 32 random bytes shown once at creation and stored only as a SHA-256 hash
 * (a token is high-entropy, so a fast hash is enough; nothing reversible is kept).
 */
import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../domain/canonical-json.js'
import { DomainError } from '../domain/errors.js'
import type { Database } from '../db/client.js'
import { appendAudit, type Actor } from '../db/queries/audit.js'
import { countUsers, findActiveUserByTokenHash, findUnitIdByCode, insertUser, listUsers, type UserRow } from '../db/queries/users.js'
import { ROLES, type Role } from '../db/schema/index.js'

export type { UserRow }
export const TOKEN_PREFIX = 'civ_'

export function hashToken(token: string): string {
  return sha256Hex(token)
}

function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value)
}

export interface NewUser {
  name: string
  role: string
  /** Required for the `unit` role: the code of the unit the user answers for. */
  unit?: string | null
}

export async function createUser(db: Database, input: NewUser, actor: Actor): Promise<{ id: number; name: string; role: Role; token: string }> {
  const name = input.name.trim()
  const issues = []
  if (name === '') issues.push({ path: 'name', message: 'must not be empty' })
  if (!isRole(input.role)) issues.push({ path: 'role', message: `must be one of ${ROLES.join(', ')} (got "${input.role}")` })
  if (input.role === 'unit' && !input.unit) issues.push({ path: 'unit', message: 'a unit user needs the code of its unit' })
  if (input.role !== 'unit' && input.unit) issues.push({ path: 'unit', message: 'only users with the unit role belong to a unit' })
  if (issues.length > 0) throw new DomainError('VALIDATION_FAILED', issues.map((i) => `${i.path} ${i.message}`).join('; '), issues)
  const role = input.role as Role

  return db.transaction(async (tx) => {
    let unitId: number | null = null
    if (input.unit) {
      unitId = await findUnitIdByCode(tx, input.unit)
      if (unitId === null) throw new DomainError('NOT_FOUND', `no unit with code "${input.unit}"`, [{ path: 'unit', message: 'unknown unit' }])
    }
    const token = newToken()
    const id = await insertUser(tx, { name, role, unitId, tokenHash: hashToken(token) })
    await appendAudit(tx, actor, { action: 'user.create', entity: 'user', entityKey: String(id), details: { name, role, unit: input.unit ?? null } })
    return { id, name, role, token }
  })
}

export async function authenticate(db: Database, token: string): Promise<UserRow | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null
  return findActiveUserByTokenHash(db, hashToken(token))
}

/** On a database without users, creates the first admin and returns its token (shown once). */
export async function ensureFirstAdmin(db: Database): Promise<string | null> {
  if ((await countUsers(db)) > 0) return null
  const { token } = await createUser(db, { name: '系统管理员', role: 'admin' }, { id: null, name: 'system' })
  return token
}

export { listUsers }
