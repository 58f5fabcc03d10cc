/**
 * The Excel workflow of a round: its template, and importing a filled workbook. An import is
 * all or nothing, like a JSON batch: sheet problems (headers, formulas, merged cells, unreadable
 * values) and record problems (unknown point, standard not applicable, …) are all reported as
 * sheet!cell: reason, and a copy of the workbook with the bad cells marked can be written.
 */
import { DomainError, isDomainError, type Issue } from '../domain/errors.js'
import type { IndicatorSet } from '../domain/indicator-set/model.js'
import type { RoundDefinition } from '../domain/round/validate.js'
import type { Database } from '../db/client.js'
import type { Actor } from '../db/queries/audit.js'
import { findSetDefinition } from '../db/queries/indicator-sets.js'
import type { MarkIssue } from '../excel/index.js'

/** The Excel code (and exceljs) loads on first use: a server start does not pay for it. */
const excel = () => import('../excel/index.js')
import { importRecords, type ImportSummary } from './records.js'
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

export async function importWorkbook(
  db: Database,
  roundCode: string,
  file: string,
  actor: Actor,
  options: { onProgress?: (rows: number) => void } = {},
): Promise<ImportSummary & { rows: number }> {
  await getRound(db, roundCode) // an unknown round fails before the file is read
  const { readWorkbook, XlsxFileError } = await excel()
  const read = await readWorkbook(file, { roundCode, ...(options.onProgress ? { onProgress: options.onProgress } : {}) }).catch((error: unknown) => {
    // A file that is not a readable workbook is bad input, not a failure of the server.
    if (error instanceof XlsxFileError) throw new DomainError('VALIDATION_FAILED', error.message, [{ path: 'file', message: error.message }])
    throw error
  })
  if (read.issues.length > 0) {
    const marks = read.issues.map((i) => ({ sheet: i.sheet, row: i.row, column: i.column, message: i.message }))
    throw new WorkbookRejected(marks, new DomainError('VALIDATION_FAILED', `${marks.length} problem(s) in the workbook; nothing was stored`, marks.map(toIssue)))
  }
  try {
    return { ...(await importRecords(db, roundCode, read.data, actor)), rows: read.rows }
  } catch (error) {
    if (!isDomainError(error) || error.issues.length === 0) throw error
    const marks: MarkIssue[] = error.issues.map((issue) => {
      const at = read.locate(issue.path)
      return at ? { ...at, message: issue.message } : { sheet: '', row: 0, column: '', message: `${issue.path}: ${issue.message}` }
    })
    throw new WorkbookRejected(marks, new DomainError(error.code, error.message, marks.map(toIssue)))
  }
}

export async function markErrorsCopy(file: string, rejected: WorkbookRejected, out: string): Promise<void> {
  const { markErrors } = await excel()
  await markErrors(file, rejected.marks, out)
}
