/**
 * The notice read back with a real PDF reader (pdf.js, test/helpers/pdf.ts), the way a person or
 * an archive would see it: text, pages, document information and fonts.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noticeModel } from '../../src/reports/model.js'
import { fitTables, renderPdf } from '../../src/reports/pdf.js'
import type { ReportInput } from '../../src/reports/snapshot.js'
import { snapshotHash } from '../../src/reports/snapshot.js'
import { compact, readPdf, type PdfDocument } from '../helpers/pdf.js'
import { sampleInput, withHostileText } from './sample-input.js'

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civindex-pdf-'))
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

function write(name: string, pdf: Buffer): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, pdf)
  return file
}

/** The whole text without any white space, so wrapped lines and table cells read as one text. */
async function text(file: string): Promise<string> {
  return compact((await readPdf(file)).text)
}

describe('PDF notice', () => {
  const input = sampleInput()
  const model = noticeModel(input)
  let pdf: Buffer
  let read: PdfDocument

  beforeAll(async () => {
    pdf = await renderPdf(input)
    read = await readPdf(write('notice.pdf', pdf))
  })

  it('reads back with the title, every unit, the transfers, the withheld reason and the hash', () => {
    const t = compact(read.text)
    expect(t).toContain('文明程度指数测评通报')
    expect(t).toContain(model.title)
    for (const g of input.snapshot.result.groups) for (const u of [...g.ranking, ...g.unranked]) expect(t, u.name).toContain(u.name)
    for (const g of model.groups) {
      for (const tr of g.transfers) {
        expect(t).toContain(tr.sentence)
        if (tr.pairs.length > 1) for (const p of tr.pairs) expect(t).toContain(p.text)
      }
      for (const w of g.withheld) expect(t).toContain(w.text.replace(/\s+/g, ''))
      for (const d of g.duties) expect(t).toContain(d)
      for (const e of g.escalation) expect(t).toContain(e)
    }
    expect(t).toContain('末位单位市卫生健康委向第一名市交通运输局拨付人民币20万元（200,000.00元）')
    expect(t).toContain(input.hash)
    expect(t).toContain(input.hash.slice(0, 16))
  })

  it('says how sure the ranking is, what was sampled and what would settle the last place', () => {
    // The running text without the page footers, so a paragraph that crosses a page reads whole.
    const t = compact(read.pages.map((p) => p.text.split('\n').filter((line) => !/第\d+页\s*共\d+页/.test(line)).join('\n')).join('\n'))
    expect(t).toContain(`排名可信度的计算：${model.credibilityMethod ?? ''}`)
    expect(t).toContain('末位石化路街道与上一名老峰镇相差1.08分，小于本次测评精度（1.20分），视为并列。')
    for (const g of model.groups) if (g.settle) expect(t).toContain(g.settle)
    expect(t).toContain('街道各单位抽样与精度')
    const street = model.groups.find((g) => g.code === 'street')!.precision!
    expect(t).toContain(street.rows[0]!.cells.join(''))
    // Only the department's last place is settled.
    expect(t.split('末位排名在统计上可靠').length - 1).toBe(1)
    expect(t).not.toMatch(/自助抽样|Bootstrap/)
  })

  it('carries the problem statistics and the chart labels as text', () => {
    const t = compact(read.text)
    expect(t).toContain('主要问题')
    expect(t).toContain(model.groups[0]!.problems[0]!.text)
    expect(t).toContain('县区总分走势')
    expect(t).toContain('2017年第3次')
  })

  it('numbers every page and prints the footer on each', () => {
    const pages = read.pages.length
    expect(pages).toBeGreaterThan(1)
    for (let p = 1; p <= pages; p++) {
      const page = compact(read.pages[p - 1]!.text)
      expect(page).toContain(`第${p}页共${pages}页`)
      expect(page).toContain('安徽某某调查咨询有限公司·2017年9月5日发布·第1版')
      expect(page).toContain(`SHA-256${input.hash.slice(0, 16)}`)
    }
  })

  it('embeds Noto Sans SC as subsets, regular and bold', () => {
    const fonts = read.fonts.filter((f) => f.baseName.startsWith('NotoSansSC'))
    expect(fonts.some((f) => /^[A-Z]{6}\+NotoSansSC-Regular$/.test(f.name))).toBe(true)
    expect(fonts.some((f) => /^[A-Z]{6}\+NotoSansSC-Bold$/.test(f.name))).toBe(true)
    for (const f of fonts) {
      expect(f, f.name).toMatchObject({ embedded: true, subset: true })
      // Its text reads back as Chinese: the font maps its glyphs to Unicode.
      expect(f.text, f.name).toMatch(/\p{Script=Han}/u)
    }
    // Nothing on the page depends on a font the reader's machine may lack.
    for (const f of read.fonts) expect(f.embedded, f.name).toBe(true)
    expect(pdf.length).toBeLessThan(400_000)
  })

  it('dates the document at publication and titles it', () => {
    expect(read.title).toBe('关于2017年第4次文明程度指数测评结果的通报')
    expect(read.creationDate?.toISOString()).toBe('2017-09-05T02:00:00.000Z')
    // A4 portrait.
    expect(read.pages[0]).toMatchObject({ width: 595.28, height: 841.89 })
  })

  it('renders the same input to the same bytes', async () => {
    const again = await renderPdf(structuredClone(input))
    expect(again.equals(pdf)).toBe(true)
  })

  it('renders without charts on request', async () => {
    const plain = await renderPdf(input, { charts: false })
    const t = await text(write('plain.pdf', plain))
    expect(t).not.toContain('总分走势')
    expect(t).toContain(model.title)
  })

  it('prints markup and formula-like names as plain text', async () => {
    const hostile = withHostileText(sampleInput())
    const t = await text(write('hostile.pdf', await renderPdf(hostile)))
    for (const u of hostile.snapshot.result.groups[0]!.ranking) expect(t).toContain(u.name.replace(/\s+/g, ''))
    expect(t).toContain('<script>alert("x")</script>')
    expect(t).toContain('<b>&amp;"quoted"</b>')
  })

  it('shows a correction on a later revision', async () => {
    const corrected = sampleInput({ revision: 2 })
    const t = await text(write('r2.pdf', await renderPdf(corrected)))
    expect(t).toContain('本通报为第2版')
    expect(t).toContain('市直部门组问卷调查得分录入有误')
  })
})

describe('PDF notice with many component columns', () => {
  const EXTRA = ['志愿服务', '网上测评', '未成年人思想道德', '诚信建设', '公共文明指数', '群众满意度']

  function wide(): ReportInput {
    const input = sampleInput()
    const s = input.snapshot
    EXTRA.forEach((name, i) => s.components.push({ code: `x${i}`, name }))
    for (const g of s.result.groups)
      for (const u of g.ranking) EXTRA.forEach((_, i) => (u.components[`x${i}`] = (80 + ((i * 7 + u.rank * 3) % 19) + 0.25).toFixed(2)))
    input.hash = snapshotHash(s)
    return input
  }

  it('moves the ranking tables to landscape pages and keeps every column', async () => {
    const input = wide()
    const model = noticeModel(input)
    expect(fitTables(model.groups).landscape).toBe(true)
    const read = await readPdf(write('wide.pdf', await renderPdf(input)))
    expect(read.pages.some((p) => p.width === 841.89 && p.height === 595.28)).toBe(true)
    expect(read.pages[0]).toMatchObject({ width: 595.28, height: 841.89 })
    const t = compact(read.text)
    for (const name of EXTRA) expect(t).toContain(name.slice(0, 2))
    // The last column and the last value of every row are on the page, not cut off.
    for (const g of model.groups) for (const r of g.rows) expect(t).toContain(`${r.cells[r.cells.length - 3]}${r.cells[r.cells.length - 2]}${r.cells[r.cells.length - 1]}`)
  })

  it('keeps a notice with the usual columns in portrait', () => {
    expect(fitTables(noticeModel(sampleInput()).groups)).toEqual({ landscape: false, fontSize: 9, wrap: false })
  })
})

describe('the PDF reader used here', () => {
  /** A one-page PDF written by hand: Helvetica (not embedded), two words on a line, one below. */
  function handMade(): Buffer {
    const content = 'BT /F1 12 Tf 72 720 Td (Hello) Tj ET BT /F1 12 Tf 200 720 Td (world) Tj ET BT /F1 12 Tf 72 700 Td (next line) Tj ET'
    const objects = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
      `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    ]
    let out = '%PDF-1.4\n'
    const offsets = objects.map((body, i) => {
      const at = out.length
      out += `${i + 1} 0 obj\n${body}\nendobj\n`
      return at
    })
    const xref = out.length
    out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
    out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
    return Buffer.from(out, 'latin1')
  }

  it('tells a font that is not embedded and not a subset, and keeps lines and gaps', async () => {
    const read = await readPdf(handMade())
    expect(read.fonts).toEqual([{ name: 'Helvetica', baseName: 'Helvetica', embedded: false, subset: false, text: 'Helloworldnext line' }])
    expect(read.pages).toEqual([{ number: 1, width: 612, height: 792, text: 'Hello world\nnext line' }])
  })
})
