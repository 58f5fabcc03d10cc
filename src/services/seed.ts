/**
 * The indicator sets shipped in indicators/ are loaded at server start, so a fresh install
 * has something to work with. Loading is idempotent (an unchanged set is a no-op); a bundled
 * file that conflicts with a stored version is reported and skipped, never forced.
 */
import fs from 'node:fs'
import path from 'node:path'
import { BUNDLED_INDICATORS_DIR } from '../paths.js'
import { isDomainError } from '../domain/errors.js'
import type { Database } from '../db/client.js'
import { loadIndicatorSet, validateIndicatorSet, type ValidationOutcome } from './indicator-sets.js'

export { BUNDLED_INDICATORS_DIR }

export function indicatorFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir)
    .filter((name) => /\.(ya?ml|json)$/i.test(name))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => path.join(dir, name))
}

export interface SeedReport {
  file: string
  outcome: 'created' | 'unchanged' | 'skipped'
  ref?: string
  reason?: string
}

export interface BundledSet {
  file: string
  text: string
  outcome: ValidationOutcome
}

/** Reads and validates the bundled files (CPU only; the server overlaps it with opening the database). */
export function readBundledSets(dir: string = BUNDLED_INDICATORS_DIR): BundledSet[] {
  return indicatorFiles(dir).map((file) => {
    const text = fs.readFileSync(file, 'utf8')
    return { file, text, outcome: validateIndicatorSet(text) }
  })
}

export async function seedIndicatorSets(db: Database, sets: BundledSet[] = readBundledSets()): Promise<SeedReport[]> {
  const reports: SeedReport[] = []
  for (const { file, text, outcome } of sets) {
    if (!outcome.ok) {
      reports.push({ file, outcome: 'skipped', reason: `${outcome.issues.length} problem(s), e.g. ${outcome.issues[0]?.path ?? ''}: ${outcome.issues[0]?.message ?? ''}` })
      continue
    }
    try {
      const result = await loadIndicatorSet(db, outcome.set, text, { id: null, name: 'system:seed' })
      reports.push({ file, outcome: result.status, ref: result.set.ref })
    } catch (error) {
      if (!isDomainError(error)) throw error
      reports.push({ file, outcome: 'skipped', reason: error.message })
    }
  }
  return reports
}
