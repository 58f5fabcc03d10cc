/**
 * Database care for the office's IT staff: `db backup`, `db restore`, `db grant` and
 * `audit verify` (README, "Backup and restore" and "A server role that owns nothing").
 */
import type { Command } from 'commander'
import { loadConfig } from '../config.js'
import { DomainError } from '../domain/errors.js'
import { grantServerRole } from '../db/privileges.js'
import { auditEntryCount, verifyAuditChain } from '../db/queries/audit.js'
import { backupDatabase, restoreDatabase } from '../services/backup.js'
import { err, out, withDatabase } from './context.js'

const size = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`)

export function addDatabaseCommands(program: Command, db: Command): void {
  db.command('backup')
    .description('write a backup of the database to <file> (PostgreSQL: pg_dump custom format; embedded: a gzipped tar of the data directory, server stopped — or GET /api/v1/admin/backup while it runs)')
    .argument('<file>')
    .action(async (file: string) => {
      const b = await backupDatabase(loadConfig(), file)
      out(`${b.file}: backup of the ${b.source} (${size(b.bytes)}, ${b.seconds.toFixed(1)} s)`)
    })

  db.command('restore')
    .description('restore a backup made by `db backup` (or the admin backup endpoint), check its publications and audit chain, then put it in place of the database')
    .argument('<file>')
    .option('--force', 'replace a database that holds data')
    .action(async (file: string, opts: { force?: boolean }) => {
      const r = await restoreDatabase(loadConfig(), file, { force: opts.force === true, progress: (line) => err(line) })
      out(`restored ${file} into ${r.target} in ${r.seconds.toFixed(1)} s. Checked:`)
      const i = r.integrity
      out(
        i.publications === 0
          ? '  no publications to check'
          : `  ${i.publications} publication(s): each snapshot matches its SHA-256, is canonical JSON, and is the one the audit log recorded at publication`,
      )
      out(`  audit chain of ${i.auditEntries} entries intact: every entry's hash recomputes and links to the entry before it`)
      out(`  ledger of ${i.ledgerEntries} entries: every publication's postings sum to zero`)
      if (r.migrated.length > 0) out(`  brought up to this version: ${r.migrated.length} migration(s) applied (${r.migrated.join(', ')})`)
      for (const role of r.regranted) out(`  privileges of the server role ${role} granted again`)
    })

  db.command('grant')
    .description('PostgreSQL: give the server\'s login role exactly what it needs (no ownership; INSERT only on append-only tables); run as the owner role after every `db migrate`')
    .argument('<role>')
    .action(async (role: string) => {
      const config = loadConfig()
      if (!config.databaseUrl) throw new DomainError('VALIDATION_FAILED', 'db grant is for PostgreSQL (set DATABASE_URL to the owner role\'s connection string); the embedded database has no roles')
      await withDatabase(config, async (h) => {
        const g = await grantServerRole(h.db, role)
        out(`granted ${g.role} on database ${g.database}:`)
        out(`  SELECT, INSERT only (append-only): ${g.appendOnly.join(', ')}`)
        out(`  SELECT, INSERT, UPDATE, DELETE: ${g.readWrite.length} other tables`)
        out(`  USAGE, SELECT on ${g.sequences} sequence(s); EXECUTE on ${g.functions} function(s); SELECT on drizzle.__drizzle_migrations`)
        out('  no ownership, TRUNCATE, TRIGGER or CREATE: it cannot disable triggers, empty or drop tables')
      })
    })

  const audit = program.command('audit').description('the hash-chained audit log')
  audit
    .command('verify')
    .description('recompute the whole audit chain; exits 1 naming the first entry that does not verify')
    .action(async () => {
      await withDatabase(loadConfig(), async (h) => {
        const chain = await verifyAuditChain(h.db)
        if (chain.brokenAt === null) return out(`audit chain of ${chain.checked} entries intact: every entry's hash recomputes and links to the entry before it`)
        const total = await auditEntryCount(h.db)
        throw new DomainError(
          'AUDIT_CHAIN_BROKEN',
          `audit chain broken at entry #${chain.brokenAt}: ${chain.reason ?? 'it does not verify'} (the ${chain.checked - 1} entries before it verify; ${total} entries in all)`,
        )
      })
    })
}
