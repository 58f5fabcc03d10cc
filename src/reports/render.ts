/**
 * One entry point for the four published formats. Renderers load on first use (pdfmake, the
 * fonts, ECharts and exceljs are heavy), so a server start or a CLI command that renders
 * nothing does not pay for them.
 */
import { canonicalJson } from '../domain/canonical-json.js'
import { reportBaseName, type ReportInput } from './snapshot.js'

export const REPORT_FORMATS = ['pdf', 'xlsx', 'html', 'json'] as const
export type ReportFormat = (typeof REPORT_FORMATS)[number]

export const REPORT_MEDIA_TYPES: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
}

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value)
}

/**
 * The document's bytes. JSON is the snapshot's canonical JSON: byte for byte the stored text its
 * hash is over (the snapshot is stored as its canonical JSON).
 */
export async function renderReport(input: ReportInput, format: ReportFormat): Promise<Buffer> {
  switch (format) {
    case 'pdf':
      return (await import('./pdf.js')).renderPdf(input)
    case 'xlsx':
      return (await import('./xlsx.js')).renderXlsx(input)
    case 'html':
      return Buffer.from((await import('./html.js')).renderHtml(input), 'utf8')
    case 'json':
      return Buffer.from(canonicalJson(input.snapshot), 'utf8')
  }
}

/** "notice-2017-04-r1.pdf" */
export function reportFileName(input: ReportInput, format: ReportFormat): string {
  return `${reportBaseName(input.snapshot)}.${format}`
}
