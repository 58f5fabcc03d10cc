/**
 * The Excel workflow of a round: its template, and importing a filled workbook. An import is
 * all or nothing, like a JSON batch: sheet problems (headers, formulas, merged cells, unreadable
 * values), record problems (unknown point, standard not applicable, an id twice in the file, …)
 * and clashes (an id stored with other content) are all reported as sheet!cell: reason, and a
 * copy of the workbook with the bad cells marked can be written.
 *
 * The workbook streams through in chunks inside one transaction: each chunk is checked and
 * stored while the next is read, so memory stays at a chunk and storing overlaps with reading.
 * After the first problem the reading goes on to report every problem (up to the listing cap)
 * but stores nothing more, and the transaction is rolled back.
 */
import { DomainError, type Issue } from '../domain/errors.js'
import type { IndicatorSet } from '../domain/indicator-set/model.js'
import type { RoundDefinition } from '../domain/round/validate.js'
import type { Database } from '../db/client.js'
import type { Actor } from '../db/queries/audit.js'
import { findSetDefinition } from '../db/queries/indicator-sets.js'
import { roundStatusForShare } from '../db/queries/rounds.js'
import type { MarkIssue, RecordChunk } from '../excel/index.js'

/** The Excel code (and exceljs) loads on first use: a server start does not pay for it. */
const excel = () => import('../excel/index.js')
import { parseRecords } from '../domain/records/parse.js'
import { ChunkedImport, loadRoundContext, type ChunkReport, type ImportSummary } from './records.js'
import { getRound } from './rounds.js'

export async function writeRoundTemplate(db: Database, roundCode: string, out: string | NodeJS.WritableStream): Promise<void> {
  const round = await getRound(db, roundCode)
  const set = (await findSetDefinition(db, round.indicatorSetId)) as IndicatorSet
  const { templateContext, writeTemplate } = await excel()
  await writeTemplate(templateContext(set, round.source as RoundDefinition), out)
}

/** An import refused: the issues name sheet!cell; `marks` can be handed to markErrorsCopy. */
export class WorkbookRejected extends DomainError {
  constructor(
    readonly marks: MarkIssue[],
    base: DomainError,
  ) {
    super(base.code, base.message, base.issues)
  }
}

/** sheet!cell, as cellRef in src/excel writes it (kept here so this module does not load exceljs). */
const toIssue = (m: MarkIssue): Issue => ({ path: m.sheet === '' ? '' : m.row <= 0 ? m.sheet : `${m.sheet}!${m.column}${m.row}`, message: m.message })

export interface WorkbookImportOptions {
  onProgress?: (rows: number) => void
  /** Records checked and stored at a time (default 10,000). */
  chunkSize?: number
}

export async function importWorkbook(db: Database, roundCode: string, file: string, actor: Actor, options: WorkbookImportOptions = {}): Promise<ImportSummary & { rows: number }> {
  const ctx = await loadRoundContext(db, roundCode) // an unknown round fails before the file is read
  const { IssueList, XlsxFileError, locateInChunk, readWorkbookChunks } = await excel()
  const issues = new IssueList()
  /** Problems that are clashes with stored records (the rest are errors in the file). */
  let clashes = 0
  try {
    return await db.transaction(async (tx) => {
      // The round stays in this state until the import commits: a concurrent close waits.
      const run = new ChunkedImport(tx, ctx, await roundStatusForShare(tx, ctx.round.id), actor.id)
      // Problems are placed by the chunk's rows; its records can go once they are checked.
      const report = ({ kind, rows }: RecordChunk): ChunkReport => (found, what) => {
        for (const i of found) issues.addAt(locateInChunk({ kind, rows }, i.path), i.path, i.message)
        if (what === 'clash') clashes += found.length
      }
      const nothingWrong = (): boolean => issues.count === 0
      const { rows } = await readWorkbookChunks(
        file,
        { roundCode, issues, ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}) },
        (chunk) => run.take(parseRecords({ [chunk.kind]: chunk.records }), report(chunk), nothingWrong),
      ).finally(() => run.settle().catch(() => undefined)) // nothing may run on after a failure
      await run.settle() // the last chunk stored, or its failure thrown
      if (issues.count > 0) {
        const marks = issues.list()
        const base =
          clashes === issues.count
            ? new DomainError('CONFLICT', `${issues.count} record(s) reuse an id with different content; nothing was stored`, marks.map(toIssue))
            : new DomainError('VALIDATION_FAILED', `${issues.count} problem(s) in the workbook; nothing was stored`, marks.map(toIssue))
        throw new WorkbookRejected(marks, base) // undoes every chunk stored so far
      }
      return { ...(await run.finish(actor)), rows }
    })
  } catch (error) {
    // A file that is not a readable workbook is bad input, not a failure of the server.
    if (error instanceof XlsxFileError) throw new DomainError('VALIDATION_FAILED', error.message, [{ path: 'file', message: error.message }])
    throw error
  }
}

export async function markErrorsCopy(file: string, rejected: WorkbookRejected, out: string): Promise<void> {
  const { markErrors } = await excel()
  await markErrors(file, rejected.marks, out)
}
