/** The sample indicator set and round 2026-01 (test/fixtures/rounds), loaded into a test database. */
import fs from 'node:fs'
import type { Database } from '../../src/db/client.js'
import { loadIndicatorSetText } from '../../src/services/indicator-sets.js'
import { importRecords } from '../../src/services/records.js'
import { getRound, loadRound, transitionRound } from '../../src/services/rounds.js'
import { parseRecords } from '../../src/domain/records/parse.js'

export const SAMPLE_ROUND = '2026-01'
const actor = { id: null, name: 'test' }

export function sampleFixture(name: string): string {
  return fs.readFileSync(new URL(`../fixtures/rounds/${name}`, import.meta.url), 'utf8')
}

export function sampleData(): Record<string, unknown[]> {
  return JSON.parse(sampleFixture('sample-2026-01.data.json')) as Record<string, unknown[]>
}

/** Loads the set and the round, opens fieldwork and imports the sample records; returns the round id. */
export async function loadSampleRound(db: Database, options: { open?: boolean; data?: boolean } = {}): Promise<number> {
  await loadIndicatorSetText(db, fs.readFileSync(new URL('../../indicators/sample-civility-2026.1.yaml', import.meta.url), 'utf8'), actor)
  await loadRound(db, sampleFixture('sample-2026-01.yaml'), actor)
  if (options.open ?? true) await transitionRound(db, SAMPLE_ROUND, 'open', actor)
  if ((options.open ?? true) && (options.data ?? true)) await importRecords(db, SAMPLE_ROUND, parseRecords(sampleData()), actor)
  return (await getRound(db, SAMPLE_ROUND)).id
}
