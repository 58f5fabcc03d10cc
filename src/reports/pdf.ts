/**
 * The notice (通报) as a PDF, with pdfmake 0.3 on the server: A4 portrait, a red masthead and
 * rule, the title, an opening paragraph, one ranking table per group (header row repeated on
 * every page), rewards and duties, credibility notes, problem statistics and the ECharts
 * charts drawn as vectors. Every page carries the evaluator, the publication date, 第x页 共y页,
 * the revision and the start of the snapshot hash; the full hash closes the document.
 *
 * Fonts: Noto Sans SC regular and bold (./fonts.ts), subset into the file. pdfmake keeps fonts
 * process-wide, so they are set before every render. Access policies: no URL is ever fetched,
 * and the only local files a document may read are the two font files.
 *
 * Reproducible: the document's CreationDate and ModDate are the publication time, the
 * producer is fixed, and pdfkit derives the file ID from that metadata, so the same input gives
 * a byte-identical file.
 *
 * Ranking tables that would not fit the portrait width (many component columns) move to
 * landscape pages; past that, their font shrinks, so no column is ever clipped.
 */
import pdfmake from 'pdfmake'
import { barChartSvg, LIST_COLOURS, trendChartSvg } from './charts.js'
import { FONT_KEY, fontFiles } from './fonts.js'
import { noticeModel, type NoticeColumn, type NoticeGroup, type NoticeModel, type NoticeTable } from './model.js'
import type { ReportInput } from './snapshot.js'

export interface PdfOptions {
  /** Draw the bar and trend charts (default true). */
  charts?: boolean
}

type Content = string | { [key: string]: unknown } | Content[]

const RED = LIST_COLOURS.red
const A4 = { width: 595.28, height: 841.89 }
const MARGINS: [number, number, number, number] = [56, 56, 56, 64]
const PORTRAIT_WIDTH = A4.width - MARGINS[0] - MARGINS[2]
const LANDSCAPE_WIDTH = A4.height - MARGINS[0] - MARGINS[2]
const CELL_PADDING = 8
const LINE_SPACING = 1.3

/** Estimated printed width of a line of text in Noto Sans SC: ideographs and full-width forms 1 em, the rest about 0.6 em. */
export function textWidth(text: string, fontSize: number): number {
  let em = 0
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0
    em += cp >= 0x2e80 || (cp >= 0x2010 && cp <= 0x2027) ? 1 : 0.6
  }
  return em * fontSize
}

/** A column title split in two lines at its middle (「实地/考察」), for narrow numeric columns. */
function twoLines(title: string): string {
  const chars = [...title]
  if (chars.length < 4 || /[()（）]/.test(title)) return title
  const half = Math.ceil(chars.length / 2)
  return `${chars.slice(0, half).join('')}\n${chars.slice(half).join('')}`
}

function headerText(title: string, wrap: boolean): string {
  return wrap ? twoLines(title) : title
}

/** Columns and rows of a table: a group's ranking or its precision table. */
interface TableShape {
  columns: NoticeColumn[]
  rows: { cells: string[] }[]
}

/** Width each column needs: its longest cell or its title (on one line, or two when `wrap`). */
function columnWidths(g: TableShape, fontSize: number, wrap: boolean): number[] {
  return g.columns.map((c, i) => {
    const header = Math.max(...headerText(c.title, wrap && c.key !== 'unit').split('\n').map((line) => textWidth(line, fontSize)))
    const cells = Math.max(0, ...g.rows.map((r) => textWidth(r.cells[i] ?? '', fontSize)))
    return Math.ceil(Math.max(header, cells, fontSize * 2) + CELL_PADDING + 2)
  })
}

export interface TableFit {
  landscape: boolean
  fontSize: number
  /** Column titles on two lines. */
  wrap: boolean
}

/**
 * The first layout in which every group's table fits: portrait at 9 pt with one-line titles,
 * then two-line titles, then landscape, then landscape at smaller sizes down to 5 pt.
 */
export function fitTables(groups: readonly NoticeGroup[]): TableFit {
  const need = (size: number, wrap: boolean): number => Math.max(0, ...groups.map((g) => columnWidths(g, size, wrap).reduce((a, b) => a + b, 0)))
  if (need(9, false) <= PORTRAIT_WIDTH) return { landscape: false, fontSize: 9, wrap: false }
  if (need(9, true) <= PORTRAIT_WIDTH) return { landscape: false, fontSize: 9, wrap: true }
  for (let size = 9; size > 5; size -= 0.5) if (need(size, true) <= LANDSCAPE_WIDTH) return { landscape: true, fontSize: size, wrap: true }
  return { landscape: true, fontSize: 5, wrap: true }
}

/** The precision table's font: 8 pt, shrinking (with two-line titles) to what fits `width`, at least 5.5 pt. */
function fitPlain(t: NoticeTable, width: number): { fontSize: number; wrap: boolean } {
  const need = (size: number, wrap: boolean): number => columnWidths(t, size, wrap).reduce((a, b) => a + b, 0)
  if (need(8, false) <= width) return { fontSize: 8, wrap: false }
  for (let size = 8; size > 5.5; size -= 0.5) if (need(size, true) <= width) return { fontSize: size, wrap: true }
  return { fontSize: 5.5, wrap: true }
}

const tableLayout = {
  hLineWidth: (i: number, node: { table: { body: unknown[]; headerRows?: number } }) => (i === 0 || i === node.table.body.length ? 1 : i === 1 ? 0.8 : 0.4),
  vLineWidth: () => 0.4,
  hLineColor: (i: number) => (i <= 1 ? '#333333' : '#bbbbbb'),
  vLineColor: () => '#bbbbbb',
  paddingLeft: () => CELL_PADDING / 2,
  paddingRight: () => CELL_PADDING / 2,
  paddingTop: () => 2,
  paddingBottom: () => 2,
}

function heading(text: string, level: 1 | 2): Content {
  return { text, style: level === 1 ? 'h1' : 'h2' }
}

/*
 * Keeping headings with what follows. pdfmake's pageBreakBefore hook would re-run the whole
 * layout for every heading it moves (with the charts, each run re-parses their SVG); instead
 * the document is built so that no heading can be left alone at the foot of a page: a heading
 * and the block it introduces go into one unbreakable stack when the block is estimated to fit
 * well within a page, and a block too long for that (a ranking table of dozens of units)
 * starts a new page. The estimates are generous, so an unbreakable block never reaches a page's
 * height (pdfmake cannot split one).
 */

/** Line height of Noto Sans SC (ascender + descender, 1.448 em) at the document's line spacing. */
function lineHeight(fontSize: number): number {
  return fontSize * 1.448 * LINE_SPACING
}

/** Estimated height of a paragraph `width` wide. */
function textHeight(text: string, fontSize: number, width: number): number {
  return Math.max(1, Math.ceil(textWidth(text, fontSize) / width)) * lineHeight(fontSize)
}

function tableHeight(rows: number, fontSize: number, headerLines: number): number {
  const row = lineHeight(fontSize) + 4 + 1
  return (rows + headerLines) * row + 4
}

function innerHeight(landscape: boolean): number {
  return (landscape ? A4.width : A4.height) - MARGINS[1] - MARGINS[3]
}

/** `lead` kept with `body` when the whole is safely shorter than a page; else `body` starts a page. */
function keepTogether(lead: Content[], body: Content[], height: number, landscape: boolean, first: boolean): Content[] {
  if (height <= 0.8 * innerHeight(landscape)) return [{ stack: [...lead, ...body], unbreakable: true }]
  if (first) return [...lead, ...body]
  return [{ stack: lead, pageBreak: 'before' }, ...body]
}

function paragraph(text: string, extra: Record<string, unknown> = {}): Content {
  return { text, style: 'body', leadingIndent: 21, ...extra }
}

function bullets(items: readonly string[]): Content {
  return { ul: [...items], style: 'body', margin: [10, 0, 0, 4] }
}

function rankingTable(g: NoticeGroup, fit: TableFit): Content {
  const widths = columnWidths(g, fit.fontSize, fit.wrap)
  const unitColumn = g.columns.findIndex((c) => c.key === 'unit')
  const header = g.columns.map((c) => ({ text: headerText(c.title, fit.wrap && c.key !== 'unit'), style: 'th', alignment: 'center' }))
  const body = g.rows.map((r, rowIndex) =>
    g.columns.map((c, i) => ({
      text: r.cells[i] ?? '',
      alignment: c.align,
      color: i === unitColumn && r.list === 'red' ? RED : undefined,
      bold: i === unitColumn && r.list !== null,
      // A unit's name never breaks (its column is sized to the longest), and measured whole it
      // is laid out once for the whole document: the charts' labels reuse that layout.
      noWrap: i === unitColumn,
      fillColor: r.list === 'black' ? '#ececec' : rowIndex % 2 === 1 ? '#fafafa' : undefined,
    })),
  )
  return {
    table: {
      headerRows: 1,
      keepWithHeaderRows: 1,
      dontBreakRows: true,
      // pdfmake's widths exclude the cell padding and rules that columnWidths counts in.
      widths: widths.map((w, i) => (i === unitColumn ? '*' : w - CELL_PADDING - 1)),
      body: [header, ...body],
    },
    layout: tableLayout,
    fontSize: fit.fontSize,
    margin: [0, 2, 0, 4],
  }
}

/**
 * The precision table split by columns where even 6.5 pt with two-line titles would not fit:
 * each part repeats the unit column and takes as many of the next columns as fit (a city's
 * indicator set may have fifteen point types or more).
 */
function precisionParts(t: NoticeTable, width: number): NoticeTable[] {
  const unit = t.columns.findIndex((c) => c.key === 'unit')
  const widths = columnWidths(t, 6.5, true)
  if (widths.reduce((a, b) => a + b, 0) <= width || unit < 0) return [t]
  const parts: number[][] = []
  let current: number[] = []
  let used = widths[unit]!
  t.columns.forEach((_, i) => {
    if (i === unit) return
    if (current.length > 0 && used + widths[i]! > width) {
      parts.push(current)
      current = []
      used = widths[unit]!
    }
    current.push(i)
    used += widths[i]!
  })
  if (current.length > 0) parts.push(current)
  return parts.map((columns) => {
    const keep = [unit, ...columns]
    return { ...t, columns: keep.map((i) => t.columns[i]!), rows: t.rows.map((r) => ({ ...r, cells: keep.map((i) => r.cells[i] ?? '') })) }
  })
}

/** What each unit sampled per point type, with its total's 90% interval and standard error. */
function precisionTable(t: NoticeTable, width: number): { table: Content; height: number } {
  const fit = fitPlain(t, width)
  const widths = columnWidths(t, fit.fontSize, fit.wrap)
  const unitColumn = t.columns.findIndex((c) => c.key === 'unit')
  const header = t.columns.map((c) => ({ text: headerText(c.title, fit.wrap && c.key !== 'unit'), style: 'th', alignment: 'center' }))
  const body = t.rows.map((r, rowIndex) =>
    t.columns.map((c, i) => ({ text: r.cells[i] ?? '', alignment: c.align, noWrap: true, fillColor: rowIndex % 2 === 1 ? '#fafafa' : undefined })),
  )
  return {
    table: {
      table: { headerRows: 1, keepWithHeaderRows: 1, dontBreakRows: true, widths: widths.map((w, i) => (i === unitColumn ? '*' : w - CELL_PADDING - 1)), body: [header, ...body] },
      layout: tableLayout,
      fontSize: fit.fontSize,
      margin: [0, 2, 0, 6],
    },
    height: tableHeight(t.rows.length, fit.fontSize, fit.wrap ? 2 : 1),
  }
}

function problemTable(g: NoticeGroup): Content {
  return {
    table: {
      headerRows: 1,
      keepWithHeaderRows: 1,
      dontBreakRows: true,
      widths: [20, 52, '*', 52, 40, 40],
      body: [
        ['序号', '标准', '问题描述', '所属指标', '出现次数', '涉及单位'].map((t) => ({ text: t, style: 'th', alignment: 'center' })),
        ...g.problems.map((p, i) => [
          { text: String(i + 1), alignment: 'center' },
          { text: p.standard },
          { text: p.text },
          { text: p.indicator },
          { text: String(p.occurrences), alignment: 'right' },
          { text: String(p.units), alignment: 'right' },
        ]),
      ],
    },
    layout: tableLayout,
    fontSize: 9,
    margin: [0, 2, 0, 8],
  }
}

/**
 * A chart with its caption, never split; `lead` (a section heading) goes into the same block,
 * so a heading never stays behind at the foot of a page while its chart moves on.
 */
function chart(title: string, svg: string, width: number, lead: Content[] = []): Content {
  return {
    stack: [
      ...lead,
      { text: title, bold: true, fontSize: 10.5, alignment: 'center', margin: [0, 6, 0, 2] },
      { svg, width, alignment: 'center', margin: [0, 0, 0, 8] },
    ],
    unbreakable: true,
  }
}

/** 「末位尚未确定：」 in bold red, then the plan. */
function settleNote(text: string): Content {
  const [label, ...rest] = text.split('：')
  return { text: [{ text: `${label ?? ''}：`, bold: true, color: RED }, rest.join('：')], style: 'note', margin: [0, 0, 0, 6] }
}

function masthead(m: NoticeModel): Content[] {
  return [
    { text: m.masthead, fontSize: 30, bold: true, color: RED, alignment: 'center', characterSpacing: 4, margin: [0, 4, 0, 10] },
    { text: m.reference, fontSize: 10.5, alignment: 'center', margin: [0, 0, 0, 4] },
    { canvas: [{ type: 'line', x1: 0, y1: 0, x2: PORTRAIT_WIDTH, y2: 0, lineWidth: 2, lineColor: RED }], margin: [0, 0, 0, 16] },
    { text: m.title, fontSize: 17, bold: true, alignment: 'center', margin: [0, 0, 0, 14] },
  ]
}

function documentDefinition(input: ReportInput, m: NoticeModel, withCharts: boolean): Record<string, unknown> {
  const fit = fitTables(m.groups)
  const published = new Date(input.snapshot.publishedAt)
  if (Number.isNaN(published.getTime())) throw new Error(`publishedAt ${input.snapshot.publishedAt} is not an ISO time`)
  const content: Content[] = [...masthead(m)]
  if (m.correction) content.push({ text: m.correction, style: 'body', color: RED, margin: [0, 0, 0, 8] })
  content.push(paragraph(m.opening))

  if (fit.landscape) content.push({ text: '', pageBreak: 'before', pageOrientation: 'landscape' })
  let legend = true
  const method: Content[] = m.credibilityMethod ? [{ text: [{ text: '排名可信度的计算：', bold: true }, m.credibilityMethod], style: 'note', margin: [0, 0, 0, 4] }] : []
  m.groups.forEach((g, i) => {
    const lead: Content[] = [...(i === 0 ? [heading('一、测评排名', 1), ...method] : []), heading(g.heading, 2), { text: `权重：${g.weights}；${g.caption}。`, style: 'note' }]
    const table = g.rows.length > 0 ? rankingTable(g, fit) : { text: '本组无参与排名的单位。', style: 'body' }
    const methodHeight = i === 0 && m.credibilityMethod ? textHeight(m.credibilityMethod, 9, fit.landscape ? LANDSCAPE_WIDTH : PORTRAIT_WIDTH) + 4 : 0
    const height = (i === 0 ? 40 : 0) + methodHeight + 32 + lineHeight(9) + tableHeight(g.rows.length, fit.fontSize, fit.wrap ? 2 : 1)
    content.push(...keepTogether(lead, [table], height, fit.landscape, i === 0))
    for (const u of g.unranked) content.push({ text: `未参评：${u.name}（${u.reason}）`, style: 'note' })
    if (g.credibility.length > 0) content.push({ text: [{ text: '排名可信度：', bold: true }, g.credibility.join('')], style: 'note', margin: [0, 2, 0, 4] })
    if (g.settle) content.push(settleNote(g.settle))
    if (g.precision) {
      const width = fit.landscape ? LANDSCAPE_WIDTH : PORTRAIT_WIDTH
      const parts = precisionParts(g.precision, width)
      parts.forEach((part, k) => {
        const { table: precision, height } = precisionTable(part, width)
        // The legend once, at the first table; the title once per group, its parts numbered.
        const title = parts.length > 1 ? `${g.precision!.title}（${k + 1}/${parts.length}）` : g.precision!.title
        const lead: Content[] = [{ text: title, style: 'h3' }, ...(legend ? [{ text: g.precision!.legend, style: 'note' }] : [])]
        content.push(...keepTogether(lead, [precision], 30 + (legend ? textHeight(g.precision!.legend, 9, width) : 0) + height, fit.landscape, true))
        legend = false
      })
    }
  })
  if (withCharts && m.charts.bars.length > 0) {
    const chartWidth = PORTRAIT_WIDTH
    let lead: Content[] = [heading('二、各组总分', 1), { text: '红色为红榜单位，深灰色为黑榜单位；横轴未从0开始。', style: 'note' }]
    if (fit.landscape) content.push({ text: '', pageBreak: 'before', pageOrientation: 'portrait' })
    for (const b of m.charts.bars) {
      if (b.bars.length === 0) continue
      content.push(chart(b.title, barChartSvg(b, { width: chartWidth, fontFamily: FONT_KEY }), chartWidth, lead))
      lead = []
    }
  }

  const sections: [string, (g: NoticeGroup) => Content[]][] = [
    [
      '红黑榜',
      (g) => [
        ...(g.red.length > 0 ? [{ text: [{ text: '红榜：', bold: true, color: RED }, g.red.join('、')], style: 'body' }] : []),
        ...(g.black.length > 0 ? [{ text: [{ text: '黑榜：', bold: true }, g.black.join('、')], style: 'body' }] : []),
      ],
    ],
    [
      '资金划拨',
      (g) => [
        ...g.transfers.flatMap((t): Content[] => [
          paragraph(`${t.sentence}${t.pairs.length > 1 ? '：' : '。'}`),
          ...(t.pairs.length > 1 ? [bullets(t.pairs.map((p) => `${p.text}；`))] : []),
        ]),
        ...g.withheld.map((w) => paragraph(w.text)),
      ],
    ],
    ['公开检讨', (g) => g.duties.map((d) => paragraph(d))],
    ['问责升级', (g) => g.escalation.map((e) => paragraph(e))],
  ]
  const numbering = withCharts && m.charts.bars.length > 0 ? ['三', '四', '五', '六'] : ['二', '三', '四', '五']
  if (fit.landscape && !(withCharts && m.charts.bars.length > 0)) content.push({ text: '', pageBreak: 'before', pageOrientation: 'portrait' })
  let part: Content[] = [heading(`${numbering[0] ?? ''}、奖惩与问责`, 1)]
  for (const g of m.groups) {
    const parts = sections.flatMap(([title, of]) => {
      const body = of(g)
      return body.length > 0 ? [{ text: title, style: 'h3' }, ...body] : []
    })
    if (parts.length === 0) continue
    const texts = [...g.red, ...g.black, ...g.transfers.flatMap((t) => [t.sentence, ...t.pairs.map((p) => p.text)]), ...g.withheld.map((w) => w.text), ...g.duties, ...g.escalation]
    const height = 40 + part.length * 40 + 4 * 26 + texts.reduce((h, t) => h + textHeight(t, 10.5, PORTRAIT_WIDTH - 21) + 4, 0)
    content.push(...keepTogether([...part, heading(g.heading, 2)], parts, height, false, true))
    part = []
  }
  if (part.length > 0) content.push(...part, paragraph('本期无奖惩事项。'))

  part = [heading(`${numbering[1] ?? ''}、主要问题`, 1)]
  for (const g of m.groups) {
    if (g.problems.length === 0) continue
    const height = 40 + part.length * 40 + g.problems.reduce((h, p) => h + textHeight(p.text, 9, PORTRAIT_WIDTH - 250) + 5, lineHeight(9) + 5)
    content.push(...keepTogether([...part, heading(g.heading, 2)], [problemTable(g)], height, false, true))
    part = []
  }
  if (part.length > 0) content.push(...part, paragraph('本期未发现问题。'))

  if (withCharts && m.charts.trend.length > 0) {
    let lead: Content[] = [heading(`${numbering[2] ?? ''}、总分走势`, 1)]
    for (const t of m.charts.trend) {
      content.push(chart(t.title, trendChartSvg(t, { width: PORTRAIT_WIDTH, fontFamily: FONT_KEY }), PORTRAIT_WIDTH, lead))
      lead = []
    }
  }

  content.push({ text: '', margin: [0, 6, 0, 0] })
  for (const p of m.closing) content.push(paragraph(p))
  content.push({
    stack: [
      { text: m.footer.evaluator, alignment: 'right' },
      { text: m.footer.date, alignment: 'right' },
    ],
    style: 'body',
    margin: [0, 14, 0, 14],
    unbreakable: true,
  })
  for (const i of m.integrity) content.push({ text: [`${i.label}：`, { text: i.value, font: FONT_KEY }], style: 'note', fontSize: 8 })

  return {
    pageSize: 'A4',
    pageOrientation: 'portrait',
    pageMargins: MARGINS,
    info: {
      title: m.title,
      author: m.footer.evaluator,
      subject: `${input.snapshot.round.code} ${m.footer.revision} SHA-256 ${input.hash}`,
      keywords: `civindex; ${input.snapshot.round.code}; r${input.snapshot.revision}`,
      creator: 'civindex',
      producer: 'civindex',
      creationDate: published,
      modDate: published,
    },
    language: 'zh-CN',
    defaultStyle: { font: FONT_KEY, fontSize: 10.5, lineHeight: LINE_SPACING },
    styles: {
      h1: { fontSize: 13, bold: true, margin: [0, 12, 0, 6] },
      h2: { fontSize: 11.5, bold: true, margin: [0, 8, 0, 4] },
      h3: { fontSize: 10.5, bold: true, margin: [0, 4, 0, 2] },
      body: { fontSize: 10.5, margin: [0, 0, 0, 4] },
      note: { fontSize: 9, color: '#444444', margin: [0, 0, 0, 3] },
      th: { bold: true, fillColor: '#eeeeee' },
      footer: { fontSize: 7.5, color: '#555555' },
    },
    footer: (currentPage: number, pageCount: number) => ({
      style: 'footer',
      margin: [MARGINS[0], 18, MARGINS[2], 0],
      columns: [
        { text: `${m.footer.evaluator} · ${m.footer.date}发布 · ${m.footer.revision}`, style: 'footer', alignment: 'left', width: '*' },
        { text: `第${currentPage}页 共${pageCount}页`, style: 'footer', alignment: 'center', width: 70 },
        { text: `SHA-256 ${m.footer.hashShort}…`, style: 'footer', alignment: 'right', width: 'auto' },
      ],
    }),
    content,
  }
}

function configure(): void {
  const files = fontFiles()
  pdfmake.setFonts({ [FONT_KEY]: { normal: files.regular, bold: files.bold, italics: files.regular, bolditalics: files.bold } })
  pdfmake.setUrlAccessPolicy(() => false)
  pdfmake.setLocalAccessPolicy((path) => path === files.regular || path === files.bold)
}

export async function renderPdf(input: ReportInput, options: PdfOptions = {}): Promise<Buffer> {
  const model = noticeModel(input)
  const definition = documentDefinition(input, model, options.charts ?? true)
  configure()
  return pdfmake.createPdf(definition).getBuffer()
}
