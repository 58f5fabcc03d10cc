/**
 * The server's PostgreSQL role (README, "A server role that owns nothing"). The append-only
 * triggers keep honest code honest; a role that owns the tables, or a superuser, can still
 * disable them, TRUNCATE or DROP. So the owner role applies the migrations and the server logs
 * in as a role that owns nothing and holds only what it needs:
 *
 * - CONNECT on the database, USAGE on schemas public and drizzle;
 * - SELECT and INSERT on the append-only tables (those carrying the civindex_forbid_change
 *   trigger, read from the database itself, so a later migration's append-only table is
 *   covered without a change here); SELECT, INSERT, UPDATE, DELETE on every other table;
 * - USAGE and SELECT on the sequences (nextval, and the points-registry counter it reads);
 * - EXECUTE on the functions; SELECT on drizzle's migrations table (start-up checks the
 *   migrations are current without DDL).
 *
 * Never TRUNCATE, REFERENCES or TRIGGER, never ownership: ALTER TABLE … DISABLE TRIGGER, DROP
 * and TRUNCATE are refused to it. `grantServerRole` is idempotent: it first revokes whatever
 * else the role held on the tables, so running it again after `db migrate` is always right.
 */
import { sql } from 'drizzle-orm'
import { DomainError } from '../domain/errors.js'
import type { Queryable } from './client.js'
import { queryRows } from './sql.js'

export interface GrantSummary {
  role: string
  database: string
  appendOnly: string[]
  readWrite: string[]
  sequences: number
  functions: number
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** The tables the database keeps append-only: those with the civindex_forbid_change trigger. */
export async function appendOnlyTables(db: Queryable): Promise<string[]> {
  const rows = await queryRows<{ table: string }>(
    db,
    sql`select distinct c.relname::text as "table"
        from pg_catalog.pg_trigger t
        join pg_catalog.pg_class c on c.oid = t.tgrelid
        join pg_catalog.pg_proc p on p.oid = t.tgfoid
        where p.proname = 'civindex_forbid_change' and c.relnamespace = 'public'::regnamespace and not t.tgisinternal`,
  )
  return rows.map((r) => r.table).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

type RoleRow = {
  rolname: string
  rolsuper: boolean
  rolcreaterole: boolean
  rolcanlogin: boolean
  member_of_owner: boolean
  owns: unknown
}

/** Grants `role` exactly the server's privileges. Run as the owner role (or a superuser). */
export async function grantServerRole(db: Queryable, role: string): Promise<GrantSummary> {
  if (!/^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/.test(role)) throw new DomainError('VALIDATION_FAILED', `"${role}" is not a role name civindex accepts (letters, digits, _ $ -)`)
  const [target] = await queryRows<RoleRow>(
    db,
    sql`select r.rolname::text as rolname, r.rolsuper, r.rolcreaterole, r.rolcanlogin,
               coalesce((select pg_catalog.pg_has_role(r.oid, c.relowner, 'MEMBER') from pg_catalog.pg_class c
                         where c.relname = 'audit_log' and c.relnamespace = 'public'::regnamespace), false) as member_of_owner,
               (select count(*) from pg_catalog.pg_class c where c.relowner = r.oid and c.relnamespace = 'public'::regnamespace) as owns
        from pg_catalog.pg_roles r where r.rolname = ${role}`,
  )
  if (!target) throw new DomainError('NOT_FOUND', `there is no role ${role}: create it first, e.g. CREATE ROLE ${ident(role)} LOGIN PASSWORD '…'`)
  const unsafe: string[] = []
  if (target.rolsuper) unsafe.push('it is a superuser')
  if (target.rolcreaterole) unsafe.push('it has CREATEROLE (it could make itself a member of the owner role)')
  if (target.member_of_owner) unsafe.push('it is, or is a member of, the role that owns the tables')
  if (Number(target.owns) > 0) unsafe.push('it owns objects in schema public')
  if (unsafe.length > 0) {
    throw new DomainError('DATABASE_PRIVILEGES', `${role} cannot be the server's role: ${unsafe.join('; ')}. Create a plain login role that owns nothing and grant it instead`)
  }
  const [me] = await queryRows<{ allowed: boolean; database: string }>(
    db,
    sql`select coalesce((select pg_catalog.pg_has_role(current_user, c.relowner, 'MEMBER') from pg_catalog.pg_class c
                         where c.relname = 'audit_log' and c.relnamespace = 'public'::regnamespace), false) as allowed,
               current_database()::text as database`,
  )
  if (!me?.allowed) throw new DomainError('DATABASE_PRIVILEGES', 'run `civindex db grant` as the role that owns the tables (the one `civindex db migrate` ran as), on a migrated database')

  const appendOnly = await appendOnlyTables(db)
  const tables = (await queryRows<{ table: string }>(db, sql`select tablename::text as "table" from pg_catalog.pg_tables where schemaname = 'public' order by tablename`)).map((r) => r.table)
  const readWrite = tables.filter((t) => !appendOnly.includes(t))
  const [counts] = await queryRows<{ sequences: unknown; functions: unknown }>(
    db,
    sql`select (select count(*) from pg_catalog.pg_class where relkind = 'S' and relnamespace = 'public'::regnamespace) as sequences,
               (select count(*) from pg_catalog.pg_proc where pronamespace = 'public'::regnamespace) as functions`,
  )
  const r = ident(role)
  const statements = [
    `GRANT CONNECT ON DATABASE ${ident(me.database)} TO ${r}`,
    `GRANT USAGE ON SCHEMA public TO ${r}`,
    `REVOKE CREATE ON SCHEMA public FROM ${r}`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${r}`,
    ...readWrite.map((t) => `GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.${ident(t)} TO ${r}`),
    ...appendOnly.map((t) => `GRANT SELECT, INSERT ON TABLE public.${ident(t)} TO ${r}`),
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`,
    `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${r}`,
    `GRANT USAGE ON SCHEMA drizzle TO ${r}`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA drizzle FROM ${r}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA drizzle TO ${r}`,
    `GRANT SELECT ON ALL SEQUENCES IN SCHEMA drizzle TO ${r}`,
  ]
  for (const statement of statements) await db.execute(sql.raw(statement))
  return { role, database: me.database, appendOnly, readWrite, sequences: Number(counts!.sequences), functions: Number(counts!.functions) }
}

/** Roles other than the owner holding privileges on civindex's tables: those a restore must grant again. */
export async function grantedRoles(db: Queryable): Promise<string[]> {
  const rows = await queryRows<{ grantee: string }>(
    db,
    sql`select distinct g.grantee::text as grantee
        from information_schema.role_table_grants g
        join pg_catalog.pg_class c on c.relname = g.table_name and c.relnamespace = 'public'::regnamespace
        join pg_catalog.pg_roles o on o.oid = c.relowner
        where g.table_schema = 'public' and g.grantee <> o.rolname and g.grantee <> 'PUBLIC'
          and g.table_name = 'audit_log'`,
  )
  return rows.map((r) => r.grantee).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
