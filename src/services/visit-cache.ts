/**
 * Stored visits as the batch API needs them: the round, unit and point type that a finding
 * borrows from its visit, and the content hash that tells a retried visit from a clash.
 *
 * A stored visit never changes: its id names one content (other content under the same id is
 * refused as a clash), nothing in civindex updates or deletes visits, and the database refuses
 * to delete a visit that has findings. So a visit read once stays true, and the batches that
 * refer to visits sent earlier (the usual way evaluators work: the visit, then its findings)
 * take them from here instead of from the database. Only committed state goes in: rows read
 * outside a transaction, and a batch's own visits once its transaction has committed. Should
 * the database still disagree (a visit removed by hand), its reference check refuses the batch
 * and the caller forgets the cache before the batch is tried again.
 *
 * The first batch of a round that misses reads the round's stored visits all at once (up to
 * half the bound): the batches after it name the same visits, and one read of 40,000 visits
 * takes what 10 to 13 lookups of a thousand take, where a round's fieldwork sends hundreds.
 *
 * One cache per database handle, bounded: past MAX_VISITS the oldest entries go first.
 */
import type { Database } from '../db/client.js'
import { visitsByIds, visitsOfRound } from '../db/queries/records.js'
import { readUuid } from '../domain/records/validate.js'

export interface StoredVisit {
  id: string
  roundId: number
  unitId: number
  pointType: string
  contentHash: string
}

/** About 25 MB of entries: several rounds of a large city, each of a few thousand visits. */
export const MAX_VISITS = 100_000

export class VisitCache {
  private readonly visits = new Map<string, StoredVisit>()
  /** Rounds (by code) whose stored visits were read all at once. */
  private readonly roundsRead = new Set<string>()

  constructor(private readonly limit = MAX_VISITS) {}

  get size(): number {
    return this.visits.size
  }

  /**
   * The stored visits a batch names, by id: those its findings refer to and those it sends again
   * (its own visit ids), from memory, and what memory lacks from the database (committed rows).
   * Ids are taken as validation takes them (trimmed, lower case); malformed ones are left to
   * validation. The map is the batch's own, so that nothing dropped meanwhile is missed. The
   * first miss of the round `roundCode` reads all its stored visits (see above).
   */
  async forBatch(db: Database, data: unknown, roundCode: string): Promise<Map<string, StoredVisit>> {
    const found = new Map<string, StoredVisit>()
    const missing = new Set<string>()
    let last: unknown
    const consider = (raw: unknown): void => {
      // A visit's findings usually come one after another: each id once is enough.
      if (typeof raw !== 'string' || raw === last) return
      last = raw
      const hit = this.visits.get(raw)
      if (hit) return void found.set(raw, hit)
      const id = raw.trim().toLowerCase()
      const again = id === raw ? undefined : this.visits.get(id)
      if (again) found.set(id, again)
      else if (readUuid(id)) missing.add(id)
    }
    const records = typeof data === 'object' && data !== null ? (data as { findings?: unknown; visits?: unknown }) : {}
    if (Array.isArray(records.findings)) for (const f of records.findings) consider(typeof f === 'object' && f !== null ? (f as { visit?: unknown }).visit : undefined)
    if (Array.isArray(records.visits)) for (const v of records.visits) consider(typeof v === 'object' && v !== null ? (v as { id?: unknown }).id : undefined)
    if (missing.size > 0 && !this.roundsRead.has(roundCode)) {
      this.roundsRead.add(roundCode)
      for (const visit of await visitsOfRound(db, roundCode, Math.floor(this.limit / 2))) this.remember(visit)
      for (const id of missing) {
        const hit = this.visits.get(id)
        if (!hit) continue
        found.set(id, hit)
        missing.delete(id)
      }
    }
    // Visits of other rounds, of this round beyond what was read, or stored since.
    if (missing.size > 0)
      for (const visit of await visitsByIds(db, [...missing])) {
        this.remember(visit)
        found.set(visit.id, visit)
      }
    return found
  }

  /** Adds visits whose rows are committed. */
  remember(visit: StoredVisit): void {
    this.visits.set(visit.id, visit)
    if (this.visits.size > this.limit) {
      // Drop the oldest tenth at once, so that a full cache does not pay on every insert.
      let drop = this.visits.size - Math.floor(this.limit * 0.9)
      for (const id of this.visits.keys()) {
        if (drop-- <= 0) break
        this.visits.delete(id)
      }
    }
  }

  clear(): void {
    this.visits.clear()
    this.roundsRead.clear()
  }
}

const caches = new WeakMap<Database, VisitCache>()

export function visitCache(db: Database): VisitCache {
  let cache = caches.get(db)
  if (!cache) caches.set(db, (cache = new VisitCache()))
  return cache
}
