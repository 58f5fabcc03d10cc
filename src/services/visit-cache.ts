/**
 * Stored visits as the batch API needs them: the round, unit and point type that a finding
 * borrows from its visit, and the content hash that tells a retried visit from a clash.
 *
 * A stored visit never changes: its id names one content (other content under the same id is
 * refused as a clash), nothing in civindex updates or deletes visits, and the database refuses
 * to delete a visit that has findings. So a visit read once stays true, and the batches that
 * refer to visits sent earlier (the usual way evaluators work: the visit, then its findings)
 * take them from here instead of from the database. Only committed state goes in: rows read
 * outside a transaction, and a batch's own visits once its transaction has committed.
 *
 * Visits can still be removed or changed with SQL, by hand, while any number of servers keep
 * them in memory, or the whole database replaced by a restore. A change moves a counter
 * (migration 0016) in its own transaction, a restore changes the database's identity, and every
 * batch reads both with its round (findRoundForEntry): when the reading differs from the one the
 * entries were read under, they are all dropped and the batch's visits read anew, so no server
 * answers "unchanged" for a visit that is gone, or lends a finding a visit's old unit. An entry
 * is kept only if no other reading was seen between its read and its arrival here. Should the
 * database still disagree (a removal committed while a batch was under way), its reference
 * check refuses the batch and the caller forgets the cache before the batch is tried again.
 *
 * The first batch of a round that misses reads the round's stored visits all at once (up to
 * half the bound): the batches after it name the same visits, and one read of 40,000 visits
 * takes what 10 to 13 lookups of a thousand take, where a round's fieldwork sends hundreds.
 *
 * One cache per database handle, bounded: past MAX_VISITS the oldest entries go first.
 */
import type { Database } from '../db/client.js'
import { visitsByIds, visitsOfRound } from '../db/queries/records.js'

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
  /** The reading of the visits counter (see findRoundForEntry) the entries hold at; null before the first batch. */
  private version: string | null = null

  constructor(private readonly limit = MAX_VISITS) {}

  get size(): number {
    return this.visits.size
  }

  /**
   * The stored visits a batch names, by id (`ids`: its findings' visits and its own visit ids,
   * canonical, as parseRecords lists them), from memory, and what memory lacks from the database
   * (committed rows). The map is the batch's own, so that nothing dropped meanwhile is missed.
   * The first miss of the round `roundCode` reads all its stored visits (see above).
   *
   * `version` is the visits counter's reading taken with the batch's round, at the same time as
   * this lookup: when it differs from the one of the entries the lookup used, they are dropped and
   * the lookup made again. Before the first batch it is awaited first: there is nothing to compare.
   */
  async forBatch(db: Database, ids: readonly string[], roundCode: string, version: Promise<string>): Promise<Map<string, StoredVisit>> {
    if (this.version === null) this.observe(await version)
    const asOf = this.version!
    const found = await this.lookUp(db, ids, roundCode, asOf)
    const reading = await version
    if (reading === asOf) return found
    this.observe(reading)
    return this.lookUp(db, ids, roundCode, this.version!)
  }

  /**
   * Takes a reading of the visits counter: when it is not the entries', they are dropped and
   * later ones kept under it. (Readings are compared for equality only: after a restore they may
   * go back. A batch that read its round just before a change costs the others one more read.)
   */
  private observe(reading: string): void {
    if (reading === this.version) return
    this.clear()
    this.version = reading
  }

  /** The lookup itself, on entries held at `asOf`; what it reads is kept only if no other reading was seen meanwhile. */
  private async lookUp(db: Database, ids: readonly string[], roundCode: string, asOf: string): Promise<Map<string, StoredVisit>> {
    const found = new Map<string, StoredVisit>()
    const missing = new Set<string>()
    for (const id of ids) {
      const hit = this.visits.get(id)
      if (hit) found.set(id, hit)
      else missing.add(id)
    }
    if (missing.size > 0 && !this.roundsRead.has(roundCode)) {
      this.roundsRead.add(roundCode)
      for (const visit of await visitsOfRound(db, roundCode, Math.floor(this.limit / 2))) this.remember(visit, asOf)
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
        this.remember(visit, asOf)
        found.set(visit.id, visit)
      }
    return found
  }

  /**
   * Adds a visit whose row is committed, read (or stored) after the visits counter's reading
   * `asOf`, unless another reading has been seen since.
   */
  remember(visit: StoredVisit, asOf: string): void {
    if (asOf !== this.version) return
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

  /** Drops every entry (the counter reading stays). */
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
