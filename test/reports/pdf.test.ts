/**
 * The notice read back with poppler (pdftotext, pdfinfo, pdffonts from poppler-utils), the
 * way a person or an archive would see it.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noticeModel } from '../../src/reports/model.js'
import { fitTables, renderPdf } from '../../src/reports/pdf.js'
import type { ReportInput } from '../../src/reports/snapshot.js'
import { snapshotHash } from '../../src/reports/snapshot.js'
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

function poppler(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8' })
}

/** pdftotext output without any white space, so wrapped lines and table cells read as one text. */
function text(file: string): string {
  return poppler('pdftotext', ['-enc', 'UTF-8', file, '-']).replace(/\s+/g, '')
}

describe('PDF notice', () => {
  const input = sampleInput()
  const model = noticeModel(input)
  let pdf: Buffer
  let file: string

  beforeAll(async () => {
    pdf = await renderPdf(input)
    file = write('notice.pdf', pdf)
  })

  it('reads back with the title, every unit, the transfers, the withheld reason and the hash', () => {
    const t = text(file)
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

  it('carries the problem statistics and the chart labels as text', () => {
    const t = text(file)
    expect(t).toContain('主要问题')
    expect(t).toContain(model.groups[0]!.problems[0]!.text)
    expect(t).toContain('县区总分走势')
    expect(t).toContain('2017年第3次')
  })

  it('numbers every page and prints the footer on each', () => {
    const pages = Number(/Pages:\s+(\d+)/.exec(poppler('pdfinfo', [file]))?.[1])
    expect(pages).toBeGreaterThan(1)
    for (let p = 1; p <= pages; p++) {
      const page = poppler('pdftotext', ['-f', String(p), '-l', String(p), file, '-']).replace(/\s+/g, '')
      expect(page).toContain(`第${p}页共${pages}页`)
      expect(page).toContain('安徽某某调查咨询有限公司·2017年9月5日发布·第1版')
      expect(page).toContain(`SHA-256${input.hash.slice(0, 16)}`)
    }
  })

  it('embeds Noto Sans SC as subsets, regular and bold', () => {
    const fonts = poppler('pdffonts', [file])
    const lines = fonts.split('\n').filter((l) => l.includes('NotoSansSC'))
    expect(lines.some((l) => /\+NotoSansSC-Regular\s/.test(l))).toBe(true)
    expect(lines.some((l) => /\+NotoSansSC-Bold\s/.test(l))).toBe(true)
    for (const l of lines) expect(l).toMatch(/yes\s+yes\s+yes/)
    expect(pdf.length).toBeLessThan(400_000)
  })

  it('dates the document at publication and titles it', () => {
    const info = poppler('pdfinfo', ['-isodates', file])
    expect(info).toMatch(/Title:\s+关于2017年第4次文明程度指数测评结果的通报/)
    expect(info).toMatch(/CreationDate:\s+2017-09-05T02:00:00Z|CreationDate:\s+2017-09-05T10:00:00\+08/)
    expect(info).toMatch(/Page size:\s+595\.28 x 841\.89/)
  })

  it('renders the same input to the same bytes', async () => {
    const again = await renderPdf(structuredClone(input))
    expect(again.equals(pdf)).toBe(true)
  })

  it('renders without charts on request', async () => {
    const plain = await renderPdf(input, { charts: false })
    const t = text(write('plain.pdf', plain))
    expect(t).not.toContain('总分走势')
    expect(t).toContain(model.title)
  })

  it('prints markup and formula-like names as plain text', async () => {
    const hostile = withHostileText(sampleInput())
    const t = text(write('hostile.pdf', await renderPdf(hostile)))
    for (const u of hostile.snapshot.result.groups[0]!.ranking) expect(t).toContain(u.name.replace(/\s+/g, ''))
    expect(t).toContain('<script>alert("x")</script>')
    expect(t).toContain('<b>&amp;"quoted"</b>')
  })

  it('shows a correction on a later revision', async () => {
    const corrected = sampleInput({ revision: 2 })
    const t = text(write('r2.pdf', await renderPdf(corrected)))
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
    const file = write('wide.pdf', await renderPdf(input))
    const sizes = poppler('pdfinfo', ['-f', '1', '-l', '40', file])
    expect(sizes).toMatch(/Page\s+\d+ size:\s+841\.89 x 595\.28/)
    expect(sizes).toMatch(/Page\s+1 size:\s+595\.28 x 841\.89/)
    const t = text(file)
    for (const name of EXTRA) expect(t).toContain(name.slice(0, 2))
    // The last column and the last value of every row are on the page, not cut off.
    for (const g of model.groups) for (const r of g.rows) expect(t).toContain(`${r.cells[r.cells.length - 3]}${r.cells[r.cells.length - 2]}${r.cells[r.cells.length - 1]}`)
  })

  it('keeps a notice with the usual columns in portrait', () => {
    expect(fitTables(noticeModel(sampleInput()).groups)).toEqual({ landscape: false, fontSize: 9, wrap: false })
  })
})
