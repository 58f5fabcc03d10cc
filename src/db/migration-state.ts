/**
 * Whether a database has every migration of this build, read without DDL: the server may run as
 * a role that owns nothing (README, "A server role that owns nothing"), and drizzle's migrator
 * starts with CREATE SCHEMA, which such a role may not run even when nothing is pending. Drizzle
 * applies a migration when its journal time is later than the latest one recorded in
 * drizzle.__drizzle_migrations; this reads the same two things and draws the same conclusion.
 */
import fs from 'node:fs'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { DomainError } from '../domain/errors.js'
import { MIGRATIONS_DIR } from '../paths.js'
import type { Queryable } from './client.js'
import { queryRows, toCount } from './sql.js'

interface JournalEntry {
  when: number
  tag: string
}

let journal: JournalEntry[] | null = null

/** The migrations of this build, oldest first (read once: they do not change while the process runs). */
export function journalEntries(): JournalEntry[] {
  if (!journal) {
    const file = path.join(MIGRATIONS_DIR, 'meta', '_journal.json')
    const entries = (JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: JournalEntry[] }).entries
    journal = entries.map((e) => ({ when: e.when, tag: e.tag })).sort((a, b) => a.when - b.when)
  }
  return journal
}

export interface MigrationState {
  /** Migrations of this build the database has (by drizzle's rule). */
  applied: number
  /** Tags of those it lacks, oldest first. */
  pending: string[]
}

export async function migrationState(db: Queryable): Promise<MigrationState> {
  const entries = journalEntries()
  const [present] = await queryRows<{ n: unknown }>(
    db,
    sql`select count(*) as n from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'drizzle' and c.relname = '__drizzle_migrations'`,
  )
  if (toCount(present!.n) === 0) return { applied: 0, pending: entries.map((e) => e.tag) }
  let last: number | null
  try {
    const [row] = await queryRows<{ last: string | null }>(db, sql`select max(created_at)::text as last from drizzle.__drizzle_migrations`)
    last = row?.last == null ? null : Number(row.last)
  } catch (error) {
    if ((error as { code?: string }).code === '42501' || (error as { cause?: { code?: string } }).cause?.code === '42501') {
      throw new DomainError(
        'DATABASE_PRIVILEGES',
        'this database role may not read drizzle.__drizzle_migrations: run `civindex db grant <role>` as the owner role (README, "A server role that owns nothing")',
      )
    }
    throw error
  }
  const pending = entries.filter((e) => last === null || last < e.when).map((e) => e.tag)
  return { applied: entries.length - pending.length, pending }
}

/**
 * Whether the connected role may apply migrations: a superuser, a member of the role that owns
 * the tables, or, on a database without them yet, a role that may create in schema public.
 */
export async function mayMigrate(db: Queryable): Promise<{ allowed: boolean; role: string; owner: string | null }> {
  const [row] = await queryRows<{ role: string; superuser: boolean; owner: string | null; member: boolean | null; can_create: boolean }>(
    db,
    sql`select current_user::text as role,
               (select rolsuper from pg_catalog.pg_roles where rolname = current_user) as superuser,
               o.rolname::text as owner,
               case when o.oid is null then null else pg_catalog.pg_has_role(current_user, o.oid, 'MEMBER') end as member,
               pg_catalog.has_schema_privilege('public', 'CREATE') as can_create
        from (select 1) one
        left join pg_catalog.pg_class c on c.relname = 'audit_log' and c.relnamespace = 'public'::regnamespace
        left join pg_catalog.pg_roles o on o.oid = c.relowner`,
  )
  const r = row!
  const allowed = r.superuser || (r.member === null ? r.can_create : r.member)
  return { allowed, role: r.role, owner: r.owner }
}
