/**
 * `civindex score --credibility` through the real bin: the esbuild bundle runs the analysis in its
 * bundled worker (credibility-worker.js beside the chunks) and prints exactly the figures of the
 * in-process analysis of the same records; `--replicates` above MAX_REPLICATES exits 1 naming the
 * bound, on score and on round publish, before touching the database.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson } from '../../src/domain/canonical-json.js'
import { analyseCredibility, MAX_REPLICATES, visitSamples } from '../../src/domain/credibility/index.js'
import { parseIndicatorSetText } from '../../src/domain/indicator-set/validate.js'
import { readRoundText, validateRoundValue } from '../../src/domain/round/validate.js'
import { buildRoundInput, type DataFile } from '../../src/domain/scoring/from-records.js'
import { scoreRound } from '../../src/domain/scoring/score-round.js'
import { engineName } from '../helpers/db.js'
import { freshChildDatabase, killChildren, runCli, type ChildDatabase, type RunResult } from '../helpers/process.js'
import { sampleData, sampleFixture } from '../helpers/sample-round.js'
import { readFileSync } from 'node:fs'
import { registryOf } from '../helpers/registry.js'

const TIMEOUT = 60_000
const SET = 'indicators/sample-civility-2026.1.yaml'
const ROUND = 'test/fixtures/rounds/sample-2026-01.yaml'
const DATA = 'test/fixtures/rounds/sample-2026-01.data.json'

let db: ChildDatabase
beforeAll(async () => {
  db = await freshChildDatabase()
})
afterEach(async () => {
  await killChildren()
})
afterAll(async () => {
  await killChildren()
  await db?.drop()
})

const show = (r: RunResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
async function ok(args: string[]): Promise<RunResult> {
  const r = await runCli(args, db.env)
  expect(r.code, `civindex ${args.join(' ')}\n${show(r)}`).toBe(0)
  return r
}

/** The analysis of the sample records and registry in this process, as the bundle's worker must give it. */
function inProcess(replicates: number): string {
  const parsed = parseIndicatorSetText(readFileSync(new URL(`../../${SET}`, import.meta.url), 'utf8'))
  if (!parsed.ok) throw new Error('the sample set does not validate')
  const read = readRoundText(sampleFixture('sample-2026-01.yaml'))
  const round = validateRoundValue(read.value, parsed.set, read.doc, read.lines)
  if (!round.ok) throw new Error('the sample round does not validate')
  const data = sampleData() as DataFile
  const input = buildRoundInput(parsed.set, round.round, data)
  return canonicalJson(analyseCredibility(input, visitSamples(parsed.set, round.round, data), scoreRound(input), { seed: round.round.code, replicates, registry: registryOf(round.round) }))
}

describe(`civindex score --credibility (${engineName})`, () => {
  it(
    'prints the in-process figures, computed in the bundled worker',
    async () => {
      await ok(['indicators', 'load', SET])
      await ok(['round', 'load', ROUND])
      await ok(['round', 'open', '2026-01'])
      await ok(['import', '2026-01', DATA])
      const r = await ok(['score', '2026-01', '--credibility', '--json', '--replicates', '300'])
      expect(canonicalJson(JSON.parse(r.stdout))).toBe(inProcess(300))
    },
    TIMEOUT,
  )

  it(
    `refuses --replicates above ${MAX_REPLICATES}`,
    async () => {
      for (const args of [
        ['score', '2026-01', '--credibility', '--replicates', String(MAX_REPLICATES + 1)],
        ['round', 'publish', '2026-01', '--replicates', '100000'],
      ]) {
        const r = await runCli(args, db.env)
        expect(r.code, show(r)).toBe(1)
        expect(r.stderr).toContain(`must be at most ${MAX_REPLICATES}`)
      }
    },
    TIMEOUT,
  )
})
