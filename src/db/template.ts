/**
 * A fresh PGlite directory costs ≈6 s of initdb on this class of machine. civindex keeps one
 * initialised, fully migrated, empty database directory as a template and copies it into
 * every new data directory (≈0.1 s, then a normal ≈0.6 s open). The template is keyed by the
 * PGlite version and the migrations, so a new migration or engine makes a new template.
 * `npm install` prepares it (the `prepare` script); otherwise the first fresh start does.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { CACHE_DIR, MIGRATIONS_DIR, PROJECT_ROOT } from '../paths.js'
import { PGlite } from '@electric-sql/pglite'
import { drizzle } from 'drizzle-orm/pglite'
import { migrate } from 'drizzle-orm/pglite/migrator'
import * as schema from './schema/index.js'

export { MIGRATIONS_DIR }
const COMPLETE = '.civindex-template'

const byName = (a: fs.Dirent, b: fs.Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)

function key(): string {
  const hash = createHash('sha256')
  const pkg = path.join(PROJECT_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')
  hash.update(fs.existsSync(pkg) ? (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version : 'unknown')
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort(byName)) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.sql') || entry.name === '_journal.json') hash.update(entry.name).update(fs.readFileSync(full))
    }
  }
  walk(MIGRATIONS_DIR)
  return hash.digest('hex').slice(0, 16)
}

function cacheDirs(): string[] {
  return [CACHE_DIR, path.join(os.tmpdir(), `civindex-cache-${os.userInfo().uid}`)]
}

function existingTemplate(name: string): string | null {
  for (const dir of cacheDirs()) {
    const candidate = path.join(dir, name)
    if (fs.existsSync(path.join(candidate, COMPLETE))) return candidate
  }
  return null
}

/** The template directory, created (initdb + migrations, ≈6 s) if it is not there yet. */
export async function ensureTemplate(): Promise<string> {
  const name = `pglite-${key()}`
  const found = existingTemplate(name)
  if (found) return found
  let lastError: unknown = null
  for (const dir of cacheDirs()) {
    let work: string | null = null
    try {
      fs.mkdirSync(dir, { recursive: true })
      work = fs.mkdtempSync(path.join(dir, `${name}.partial-`))
      const client = await PGlite.create(work)
      await migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS_DIR })
      await client.close()
      fs.writeFileSync(path.join(work, COMPLETE), `${name}\n`)
      const final = path.join(dir, name)
      try {
        fs.renameSync(work, final) // atomic: a parallel process sees no template or a whole one
      } catch (error) {
        // Another process finished first; theirs is as good as ours.
        if (!existingTemplate(name)) throw error
        fs.rmSync(work, { recursive: true, force: true })
      }
      return final
    } catch (error) {
      lastError = error
      if (work) fs.rmSync(work, { recursive: true, force: true })
    }
  }
  throw lastError instanceof Error ? lastError : new Error('could not prepare the embedded database template')
}

/** Fills an empty data directory from the template. */
export async function initialiseFromTemplate(dataDir: string): Promise<void> {
  copyTree(await ensureTemplate(), dataDir)
}

/** fs.cp walks in JavaScript and took 0.5–1.5 s for the template's ≈1,100 files; this takes ≈0.06 s. */
function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true })
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.name === COMPLETE) continue
    const source = path.join(from, entry.name)
    const target = path.join(to, entry.name)
    if (entry.isDirectory()) copyTree(source, target)
    else fs.copyFileSync(source, target)
  }
}
