/**
 * Worker threads for the credibility analysis (credibility-worker.ts): a run of B = 10,000
 * replicates over a city's visits takes seconds of CPU, which on the server's own thread would
 * hold up every other request, /healthz included.
 *
 * - At most `size` workers (by default one per core but one, at least one), started when a job
 *   needs one and stopped after `idleMs` without work; an idle worker does not keep the process
 *   alive, so the CLI exits when its command is done.
 * - Jobs beyond the busy workers wait in order; at most `maxQueued` wait. One more is refused
 *   with CREDIBILITY_BUSY (503) at once, before its samples are packed: a client that sends more
 *   work than the machine can do learns so in milliseconds instead of waiting minutes.
 * - The samples cross as typed arrays that are transferred, not copied (packed-samples.ts).
 * - A worker that dies (an uncaught error, out of memory) fails its job as an internal error and
 *   is replaced for the next one.
 *
 * The worker's file: civindex.js bundles credibility-worker.ts as an entry of its own next to
 * the chunk this module ends up in, so the bundle finds `./credibility-worker.js`. Run from the
 * TypeScript sources (vitest, tsx), this module is a .ts file and starts the worker through
 * credibility-worker-tsx.js, which loads the .ts with tsx (a devDependency, never used by the
 * bundle).
 */
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import { DomainError, ErrorCodes } from '../domain/errors.js'
import type { CredibilityOptions, Registry, RoundSamples } from '../domain/credibility/index.js'
import { packedBuffers, packSamples } from '../domain/credibility/packed-samples.js'
import type { RoundInput, RoundResult } from '../domain/scoring/types.js'
import { WORKER_MARK, type JobError, type JobMessage, type JobOutcome, type PlanBasis, type ReplyMessage } from './credibility-worker.js'

const FROM_SOURCES = import.meta.url.endsWith('.ts')
const WORKER_URL = new URL(FROM_SOURCES ? './credibility-worker-tsx.js' : './credibility-worker.js', import.meta.url)

export const DEFAULT_MAX_QUEUED = 8
export const DEFAULT_IDLE_MS = 60_000

export interface PoolOptions {
  /** Workers at most (default: cores − 1, at least 1). */
  size?: number
  /** Jobs that may wait for a worker (default 8). */
  maxQueued?: number
  /** A worker without work stops after this long (default 60 s). */
  idleMs?: number
}

export interface PoolStats {
  size: number
  maxQueued: number
  /** Workers running (busy or idle). */
  workers: number
  /** Workers with a job. */
  busy: number
  /** Jobs waiting for a worker. */
  queued: number
  /** Jobs refused because every worker was busy and the queue full, since the pool was made. */
  refused: number
}

interface Task {
  message: JobMessage
  transfer: ArrayBuffer[]
  resolve(outcome: JobOutcome): void
  reject(error: Error): void
}

/** A job as the caller hands it, before it has an id. */
type WithoutId<M> = M extends unknown ? Omit<M, 'id'> : never
type Job = WithoutId<JobMessage>

interface Slot {
  worker: Worker
  task: Task | null
  idle: NodeJS.Timeout | null
}

function rebuild(error: JobError): Error {
  if (error.domain && error.code in ErrorCodes) return new DomainError(error.code, error.detail, error.issues)
  const e = new Error(`credibility worker: ${error.domain ? error.detail : error.message}`)
  if (!error.domain && error.stack) e.stack = error.stack
  return e
}

export class CredibilityPool {
  readonly size: number
  readonly maxQueued: number
  private readonly idleMs: number
  private readonly slots: Slot[] = []
  private readonly queue: Task[] = []
  private nextId = 1
  private refused = 0
  private closed = false

  constructor(options: PoolOptions = {}) {
    this.size = options.size ?? Math.max(1, os.availableParallelism() - 1)
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS
    if (!Number.isInteger(this.size) || this.size < 1) throw new Error(`a credibility pool needs at least one worker (got ${this.size})`)
    if (!Number.isInteger(this.maxQueued) || this.maxQueued < 0) throw new Error(`maxQueued must be a whole number (got ${this.maxQueued})`)
  }

  stats(): PoolStats {
    return {
      size: this.size,
      maxQueued: this.maxQueued,
      workers: this.slots.length,
      busy: this.slots.filter((s) => s.task !== null).length,
      queued: this.queue.length,
      refused: this.refused,
    }
  }

  /**
   * scoreRound(input), then analyseCredibility over it, in a worker. Rejects with
   * CREDIBILITY_BUSY when every worker is busy and `maxQueued` jobs wait already.
   */
  run(input: RoundInput, samples: RoundSamples, options: CredibilityOptions): Promise<RoundResult> {
    return this.submit(samples, (packed) => ({ kind: 'analyse', input, samples: packed, options })).then((outcome) => {
      if (outcome.kind !== 'analyse') throw new Error(`credibility worker: an analysis came back as ${outcome.kind}`)
      return outcome.result
    })
  }

  /**
   * What a plan learns from a round (domain/credibility planBasis), in a worker: it runs the
   * analysis with few draws, too long for the server's thread on a city's round. Refused like run().
   */
  planBasis(input: RoundInput, samples: RoundSamples, registry: Registry | undefined): Promise<PlanBasis> {
    return this.submit(samples, (packed) => ({ kind: 'plan-basis', input, samples: packed, registry })).then((outcome) => {
      if (outcome.kind !== 'plan-basis') throw new Error(`credibility worker: a plan basis came back as ${outcome.kind}`)
      return outcome.basis
    })
  }

  private submit(samples: RoundSamples, job: (packed: ReturnType<typeof packSamples>) => Job): Promise<JobOutcome> {
    if (this.closed) return Promise.reject(new Error('the credibility pool is closed'))
    const free = this.slots.some((s) => s.task === null) || this.slots.length < this.size
    if (!free && this.queue.length >= this.maxQueued) {
      this.refused++
      const { busy, queued } = this.stats()
      return Promise.reject(
        new DomainError('CREDIBILITY_BUSY', `${busy} credibility analyses are running and ${queued} are waiting, the most this server takes; try again when they are done`),
      )
    }
    const packed = packSamples(samples)
    return new Promise<JobOutcome>((resolve, reject) => {
      this.queue.push({ message: { ...job(packed), id: this.nextId++ }, transfer: packedBuffers(packed), resolve, reject })
      this.dispatch()
    })
  }

  /** Stops every worker; running and waiting jobs fail. */
  async close(): Promise<void> {
    this.closed = true
    for (const task of this.queue.splice(0)) task.reject(new Error('the credibility pool was closed'))
    await Promise.all([...this.slots].map((s) => this.stop(s)))
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.task === null) ?? (this.slots.length < this.size ? this.start() : null)
      if (!slot) return
      const task = this.queue.shift()!
      if (slot.idle) clearTimeout(slot.idle)
      slot.idle = null
      slot.task = task
      slot.worker.ref()
      slot.worker.postMessage(task.message, task.transfer)
    }
  }

  private start(): Slot {
    const worker = new Worker(WORKER_URL, { workerData: WORKER_MARK, name: 'civindex-credibility' })
    const slot: Slot = { worker, task: null, idle: null }
    this.slots.push(slot)
    worker.on('message', (reply: ReplyMessage) => {
      const task = slot.task
      if (!task || reply.id !== task.message.id) return
      slot.task = null
      if (reply.ok) task.resolve(reply.outcome)
      else task.reject(rebuild(reply.error))
      worker.unref()
      slot.idle = setTimeout(() => void this.stop(slot), this.idleMs).unref()
      this.dispatch()
    })
    const fail = (error: Error): void => {
      const index = this.slots.indexOf(slot)
      if (index >= 0) this.slots.splice(index, 1)
      if (slot.idle) clearTimeout(slot.idle)
      const task = slot.task
      slot.task = null
      task?.reject(error)
      if (!this.closed) this.dispatch()
    }
    worker.on('error', (error) => fail(new Error(`the credibility worker failed: ${error.message}`, { cause: error })))
    worker.on('exit', (code) => fail(new Error(`the credibility worker stopped (exit code ${code})`)))
    return slot
  }

  private async stop(slot: Slot): Promise<void> {
    const index = this.slots.indexOf(slot)
    if (index >= 0) this.slots.splice(index, 1)
    if (slot.idle) clearTimeout(slot.idle)
    await slot.worker.terminate()
  }
}

let shared: CredibilityPool | null = null

/** The process's pool: the server's requests, the CLI's commands and publication share the cores. */
export function credibilityPool(): CredibilityPool {
  shared ??= new CredibilityPool()
  return shared
}
