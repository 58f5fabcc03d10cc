/**
 * The credibility analysis (SPEC §5) in a worker thread, so the server keeps answering while it
 * runs; credibility-pool.ts starts it and hands it one job at a time. The job is what the
 * analysis takes in-process — the scoring input, the visit samples (packed into typed arrays,
 * see packed-samples.ts) and the options with the round code as the seed — and the worker does
 * what computeRanking did in-process: the exact score, then the analysis over it. Both are pure
 * and seeded, so the result is the in-process result.
 *
 * Errors go back as data: a DomainError as its code, detail and issues (the pool throws it again,
 * so a bad option is still a 400), anything else as its message and stack.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { analyseCredibility, type CredibilityOptions } from '../domain/credibility/index.js'
import { unpackSamples, type PackedSamples } from '../domain/credibility/packed-samples.js'
import { isDomainError, type ErrorCode, type Issue } from '../domain/errors.js'
import { scoreRound } from '../domain/scoring/score-round.js'
import type { RoundInput, RoundResult } from '../domain/scoring/types.js'

export interface JobMessage {
  id: number
  input: RoundInput
  samples: PackedSamples
  options: CredibilityOptions
}

export type JobError = { domain: true; code: ErrorCode; detail: string; issues: Issue[] } | { domain: false; message: string; stack: string | undefined }

export type ReplyMessage = { id: number; ok: true; result: RoundResult } | { id: number; ok: false; error: JobError }

function describe(error: unknown): JobError {
  if (isDomainError(error)) return { domain: true, code: error.code, detail: error.message, issues: error.issues }
  if (error instanceof Error) return { domain: false, message: error.message, stack: error.stack }
  return { domain: false, message: String(error), stack: undefined }
}

export function runJob(job: JobMessage): ReplyMessage {
  try {
    const result = analyseCredibility(job.input, unpackSamples(job.samples), scoreRound(job.input), job.options)
    return { id: job.id, ok: true, result }
  } catch (error) {
    return { id: job.id, ok: false, error: describe(error) }
  }
}

/** What the pool passes as workerData, so that importing this module elsewhere listens to nothing. */
export const WORKER_MARK = 'civindex-credibility'

const port = parentPort
if (port && workerData === WORKER_MARK) port.on('message', (job: JobMessage) => port.postMessage(runJob(job)))
