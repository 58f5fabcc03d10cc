/**
 * Indicator sets: validate a file, load it (immutable per code + version), list and read.
 * The same functions serve the CLI and the HTTP API.
 */
import { hashCanonical } from '../domain/canonical-json.js'
import { DomainError, type Issue } from '../domain/errors.js'
import { countNodes, setRef, type IndicatorSet } from '../domain/indicator-set/model.js'
import { parseIndicatorSetText } from '../domain/indicator-set/validate.js'
import type { Database } from '../db/client.js'
import { appendAudit, type Actor } from '../db/queries/audit.js'
import { findSetDefinition, findSetSummary, insertSet, listSetSummaries, type StoredSetSummary } from '../db/queries/indicator-sets.js'

export interface SetSummary {
  code: string
  version: string
  ref: string
  name: string
  naPolicy: string
  contentHash: string
  loadedAt: string
  components: { code: string; name: string; weight: string; source: string }[]
  indicators: number
  standards: number
}

export type ValidationOutcome = { ok: true; set: IndicatorSet } | { ok: false; issues: Issue[] }

/** Checks an indicator-set file's text; stores nothing. */
export function validateIndicatorSet(text: string): ValidationOutcome {
  return parseIndicatorSetText(text)
}

export function contentHashOf(set: IndicatorSet): string {
  return hashCanonical(set)
}

function summarise(row: StoredSetSummary, set: IndicatorSet): SetSummary {
  const counts = countNodes(set)
  return {
    code: row.code,
    version: row.version,
    ref: setRef(row),
    name: row.name,
    naPolicy: row.naPolicy,
    contentHash: row.contentHash,
    loadedAt: row.loadedAt.toISOString(),
    components: set.components.map(({ code, name, weight, source }) => ({ code, name, weight, source })),
    ...counts,
  }
}

export interface LoadResult {
  status: 'created' | 'unchanged'
  set: SetSummary
}

/**
 * Loads a validated set. Same code + version with the same content: nothing changes
 * ("unchanged"). Same code + version with other content: an error, since rounds may already
 * be scored with it; a change is a new version.
 */
export async function loadIndicatorSet(db: Database, set: IndicatorSet, sourceText: string | null, actor: Actor): Promise<LoadResult> {
  const contentHash = contentHashOf(set)
  return db.transaction(async (tx) => {
    const existing = await findSetSummary(tx, set.code, set.version)
    if (existing) {
      if (existing.contentHash === contentHash) return { status: 'unchanged' as const, set: summarise(existing, set) }
      throw new DomainError(
        'INDICATOR_SET_IMMUTABLE',
        `${setRef(set)} is already loaded with different content. A loaded version never changes (rounds are scored with it): give the changed set a new version.`,
      )
    }
    const id = await insertSet(tx, set, { contentHash, sourceText, loadedBy: actor.id })
    await appendAudit(tx, actor, { action: 'indicator-set.load', entity: 'indicator-set', entityKey: setRef(set), details: { contentHash, ...countNodes(set) } })
    const stored = await findSetSummary(tx, set.code, set.version)
    if (!stored || stored.id !== id) throw new Error('the stored indicator set could not be read back')
    return { status: 'created' as const, set: summarise(stored, set) }
  })
}

/** Validates and loads text; invalid input raises INDICATOR_SET_INVALID with every issue. */
export async function loadIndicatorSetText(db: Database, text: string, actor: Actor): Promise<LoadResult> {
  const outcome = validateIndicatorSet(text)
  if (!outcome.ok) throw invalid(outcome.issues)
  return loadIndicatorSet(db, outcome.set, text, actor)
}

export function invalid(issues: Issue[]): DomainError {
  return new DomainError('INDICATOR_SET_INVALID', `the indicator set has ${issues.length} problem(s)`, issues)
}

export async function listIndicatorSets(db: Database): Promise<SetSummary[]> {
  return (await listSetSummaries(db)).map(({ definition, ...row }) => summarise(row, definition))
}

export async function getIndicatorSet(db: Database, code: string, version: string): Promise<SetSummary & { definition: IndicatorSet }> {
  const row = await findSetSummary(db, code, version)
  const set = row ? await findSetDefinition(db, row.id) : null
  if (!row || !set) throw new DomainError('INDICATOR_SET_NOT_FOUND', `no indicator set ${code}@${version}`)
  return { ...summarise(row, set), definition: set }
}
