/**
 * The Excel entry workflow (SPEC §6.2): the template of a round, the streaming import, and the
 * marked copy of a rejected file. See each module for details.
 */
export { buildTemplate, templateContext, writeTemplate, type TemplateContext } from './template.js'
export {
  IssueList,
  cellRef,
  locate,
  locateInChunk,
  readWorkbook,
  readWorkbookChunks,
  type CellLocation,
  type ChunkReadOptions,
  type ImportResult,
  type ImportedData,
  type ImportedFinding,
  type ImportedVisit,
  type Origins,
  type ReadOptions,
  type RecordChunk,
  type SheetIssue,
} from './import.js'
export { markErrors, type MarkIssue, type MarkOptions, type MarkResult } from './errors-workbook.js'
export { ERRORS_SHEET, INSTRUCTIONS_SHEET, RECORD_KINDS, SHEETS, type RecordKind } from './layout.js'
export { XlsxFileError } from './xlsx-stream.js'
