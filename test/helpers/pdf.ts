/**
 * A PDF read back in JavaScript with pdf.js (pdfjs-dist), the way a person or an archive would
 * see it: the text of each page, the page sizes, the document information and the fonts. It
 * replaces poppler's pdftotext, pdfinfo and pdffonts so the suite needs no system package.
 *
 * Text is rebuilt line by line from the positioned text items: items whose baselines agree
 * within half a glyph form a line, read left to right. Items that abut are joined as they are;
 * a visible gap becomes one space, as pdftotext does — but between two CJK glyphs only a gap
 * wider than a glyph counts (a table column), since Chinese has no spaces between words and a
 * phrase is often drawn as several items.
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { getDocument, GlobalWorkerOptions, OPS, PDFDateString, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs'
import type { TextItem } from 'pdfjs-dist/types/src/display/api.js'

// The legacy build runs in Node; its worker then runs in this process (no worker thread).
GlobalWorkerOptions.workerSrc = pathToFileURL(createRequire(import.meta.url).resolve('pdfjs-dist/legacy/build/pdf.worker.mjs')).href

export interface PdfPage {
  /** 1-based. */
  number: number
  /** In points, after the page's rotation: A4 portrait is 595.28 × 841.89. */
  width: number
  height: number
  /** The page's text, one line of the page per line. */
  text: string
}

export interface PdfFont {
  /** The name the PDF gives the font, with the subset tag if there is one (`ABCDEF+NotoSansSC-Regular`). */
  name: string
  /** The name without the subset tag. */
  baseName: string
  /** The font program is inside the file. */
  embedded: boolean
  /** Only the glyphs used are embedded: the name carries a six-capital-letter tag and a `+`. */
  subset: boolean
  /** All text drawn with this font as a reader extracts it, so a missing Unicode map shows. */
  text: string
}

export interface PdfDocument {
  pages: PdfPage[]
  fonts: PdfFont[]
  /** The document information dictionary. */
  title: string | null
  author: string | null
  creationDate: Date | null
  /** All pages' text, pages separated by a form feed as pdftotext does. */
  text: string
}

const SUBSET_TAG = /^[A-Z]{6}\+/
const CJK = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u

interface Placed {
  str: string
  x: number
  y: number
  end: number
  size: number
}

function isTextItem(item: unknown): item is TextItem {
  return typeof item === 'object' && item !== null && 'str' in item
}

function placed(item: TextItem): Placed {
  const [a, b, c, d, x, y] = item.transform as number[]
  const size = item.height > 0 ? item.height : Math.hypot(c ?? 0, d ?? 0)
  // Rotated text (an axis title in a chart) is kept whole; its direction does not matter here.
  const horizontal = Math.abs(b ?? 0) < 1e-6 && (a ?? 0) > 0
  return { str: item.str, x: x ?? 0, y: y ?? 0, end: horizontal ? (x ?? 0) + item.width : Number.POSITIVE_INFINITY, size: size > 0 ? size : 1 }
}

function joinLine(items: Placed[]): string {
  const sorted = [...items].sort((p, q) => p.x - q.x)
  let line = ''
  let previous: Placed | null = null
  for (const item of sorted) {
    if (previous) {
      const gap = item.x - previous.end
      const cjkPair = CJK.test(line.at(-1) ?? '') && CJK.test(item.str[0] ?? '')
      const threshold = (cjkPair ? 1 : 0.2) * Math.min(item.size, previous.size)
      if (gap > threshold && !/\s$/.test(line) && !/^\s/.test(item.str)) line += ' '
    }
    line += item.str
    previous = item
  }
  return line.trimEnd()
}

/** Groups items into lines, top of the page first. */
function pageText(items: TextItem[]): string {
  const all = items.map(placed).sort((p, q) => q.y - p.y || p.x - q.x)
  const lines: Placed[][] = []
  for (const item of all) {
    const current = lines.at(-1)
    const first = current?.[0]
    if (current && first && Math.abs(first.y - item.y) <= 0.5 * Math.min(first.size, item.size)) current.push(item)
    else lines.push([item])
  }
  return lines.map(joinLine).join('\n')
}

/** The PDF at `source` (a path or the bytes) read with pdf.js. */
export async function readPdf(source: string | Uint8Array): Promise<PdfDocument> {
  // pdf.js takes ownership of the array it is given: hand it a copy.
  const data = typeof source === 'string' ? new Uint8Array(fs.readFileSync(source)) : new Uint8Array(source)
  // fontExtraProperties keeps each font's program after loading, so its presence can be checked.
  const doc = await getDocument({ data, verbosity: VerbosityLevel.ERRORS, isEvalSupported: false, useSystemFonts: false, disableFontFace: true, fontExtraProperties: true }).promise
  try {
    const pages: PdfPage[] = []
    const fonts = new Map<string, { name: string; embedded: boolean; text: string[] }>()
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n)
      const viewport = page.getViewport({ scale: 1 })
      const content = await page.getTextContent()
      // pdf.js adds items of white space where it sees gaps; the gaps are judged here instead.
      const items = content.items.filter(isTextItem).filter((i) => i.str.trim().length > 0)
      pages.push({ number: n, width: round2(viewport.width), height: round2(viewport.height), text: pageText(items) })
      // Fonts are loaded into the document's shared objects while the page's operators are read.
      const operators = await page.getOperatorList()
      const ids = new Set<string>()
      operators.fnArray.forEach((fn, i) => {
        const id: unknown = (operators.argsArray[i] as unknown[] | undefined)?.[0]
        if (fn === OPS.setFont && typeof id === 'string') ids.add(id)
      })
      for (const id of ids) {
        const font = page.commonObjs.get(id) as { name?: unknown; missingFile?: unknown; data?: { byteLength: number } | null }
        const entry = fonts.get(id) ?? { name: typeof font.name === 'string' ? font.name : '', embedded: font.missingFile === false && (font.data?.byteLength ?? 0) > 0, text: [] }
        entry.text.push(...items.filter((i) => i.fontName === id).map((i) => i.str))
        fonts.set(id, entry)
      }
      page.cleanup()
    }
    const info = new Map<string, unknown>(Object.entries((await doc.getMetadata()).info))
    const field = (key: string): string | null => {
      const value = info.get(key)
      return typeof value === 'string' ? value : null
    }
    const created = field('CreationDate')
    return {
      pages,
      fonts: [...fonts.values()].map((f) => ({ name: f.name, baseName: f.name.replace(SUBSET_TAG, ''), embedded: f.embedded, subset: SUBSET_TAG.test(f.name), text: f.text.join('') })),
      title: field('Title'),
      author: field('Author'),
      creationDate: created ? PDFDateString.toDateObject(created) : null,
      text: pages.map((p) => p.text).join('\n\f'),
    }
  } finally {
    await doc.destroy()
  }
}

/** Text without any white space, so wrapped lines and table cells read as one text. */
export function compact(text: string): string {
  return text.replace(/\s+/g, '')
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
}
