/**
 * The credibility analysis (SPEC §5) in a worker thread, so the server keeps answering while it
 * runs; credibility-pool.ts starts it and hands it one job at a time. The job is what the
 * analysis takes in-process — the scoring input, the visit samples (packed into typed arrays,
 * see packed-samples.ts) and the options with the round code as the seed — and the worker does
 * what computeRanking did in-process: the exact score, then the analysis over it. Both are pure
 * and seeded, so the result is the in-process result. A plan's basis (services/plan.ts) is a job
 * of its own kind: the exact score, then planBasis over it.
 *
 * Errors go back as data: a DomainError as its code, detail and issues (the pool throws it again,
 * so a bad option is still a 400), anything else as its message and stack.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { analyseCredibility, planBasis, type CredibilityOptions, type Registry } from '../domain/credibility/index.js'
import { unpackSamples, type PackedSamples } from '../domain/credibility/packed-samples.js'
import { isDomainError, type ErrorCode, type Issue } from '../domain/errors.js'
import { scoreRound } from '../domain/scoring/score-round.js'
import type { RoundInput, RoundResult } from '../domain/scoring/types.js'

/** What a plan learns from a round (planBasis): its sums of squares by point type, the spread of true totals, …; plain data. */
export type PlanBasis = ReturnType<typeof planBasis>

/**
 * A job: the analysis of a round (`analyse`), or what a plan learns from a round (`plan-basis`,
 * domain/credibility planBasis: the analysis with few draws, then the pooled sums of squares).
 */
export type JobMessage =
  | { id: number; kind: 'analyse'; input: RoundInput; samples: PackedSamples; options: CredibilityOptions }
  | { id: number; kind: 'plan-basis'; input: RoundInput; samples: PackedSamples; registry: Registry | undefined }

export type JobOutcome = { kind: 'analyse'; result: RoundResult } | { kind: 'plan-basis'; basis: PlanBasis }

export type JobError = { domain: true; code: ErrorCode; detail: string; issues: Issue[] } | { domain: false; message: string; stack: string | undefined }

export type ReplyMessage = { id: number; ok: true; outcome: JobOutcome } | { id: number; ok: false; error: JobError }

function describe(error: unknown): JobError {
  if (isDomainError(error)) return { domain: true, code: error.code, detail: error.message, issues: error.issues }
  if (error instanceof Error) return { domain: false, message: error.message, stack: error.stack }
  return { domain: false, message: String(error), stack: undefined }
}

export function runJob(job: JobMessage): ReplyMessage {
  try {
    const samples = unpackSamples(job.samples)
    if (job.kind === 'plan-basis') return { id: job.id, ok: true, outcome: { kind: 'plan-basis', basis: planBasis(job.input, samples, scoreRound(job.input), job.registry) } }
    return { id: job.id, ok: true, outcome: { kind: 'analyse', result: analyseCredibility(job.input, samples, scoreRound(job.input), job.options) } }
  } catch (error) {
    return { id: job.id, ok: false, error: describe(error) }
  }
}

/** What the pool passes as workerData, so that importing this module elsewhere listens to nothing. */
export const WORKER_MARK = 'civindex-credibility'

const port = parentPort
if (port && workerData === WORKER_MARK) port.on('message', (job: JobMessage) => port.postMessage(runJob(job)))
