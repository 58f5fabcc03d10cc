import { describe, expect, it } from 'vitest'
import { escapeHtml, renderHtml } from '../../src/reports/html.js'
import { noticeModel } from '../../src/reports/model.js'
import { sampleInput, withHostileText } from './sample-input.js'

describe('HTML public page', () => {
  const input = sampleInput()
  const html = renderHtml(input)
  const model = noticeModel(input)

  it('is a standalone Chinese page for phones', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<html lang="zh-CN">')
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">')
    expect(html).toContain('<meta charset="utf-8">')
    expect(html).toContain(`<title>${model.title}</title>`)
    expect(html).toContain('@media print')
    expect(html).toMatch(/\.table-wrap\{overflow-x:auto/)
  })

  it('loads nothing from elsewhere and runs no script', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i)
    expect(html).not.toMatch(/\s(?:src|href)=/i)
  })

  it('shows every unit, the transfers, duties and the hash', () => {
    for (const g of input.snapshot.result.groups) for (const u of [...g.ranking, ...g.unranked]) expect(html, u.name).toContain(escapeHtml(u.name))
    for (const g of model.groups) {
      for (const t of g.transfers) expect(html).toContain(escapeHtml(t.sentence))
      for (const w of g.withheld) expect(html).toContain(escapeHtml(w.text))
      for (const d of g.duties) expect(html).toContain(d)
      for (const e of g.escalation) expect(html).toContain(e)
    }
    expect(html).toContain(input.hash)
  })

  it('puts each table in its own horizontal scroll box', () => {
    const wrapped = html.match(/<div class="table-wrap"[^>]*><table>/g) ?? []
    expect(wrapped.length).toBe(model.groups.length + model.groups.filter((g) => g.precision !== null).length + model.groups.filter((g) => g.problems.length > 0).length)
    expect(html.match(/<table>/g)?.length).toBe(wrapped.length)
  })

  it('says how sure the ranking is, what was sampled and what would settle the last place', () => {
    expect(html).toContain(`<strong>排名可信度的计算：</strong>${model.credibilityMethod ?? ''}`)
    expect(html).toContain('末位石化路街道与上一名老峰镇相差1.08分，小于本次测评精度（1.20分），视为并列。')
    expect(html).toContain('<strong class="red">末位尚未确定：</strong>目前最可能排名末位的是石化路街道（概率62.0%）。建议对石化路街道农贸市场补充考察3个点位')
    expect(html).toContain('<h4>街道各单位抽样与精度</h4>')
    expect(html.split('登记点位6个、抽查其中2个').length - 1).toBe(1)
    expect(html.split('末位排名在统计上可靠').length - 1).toBe(1)
    expect(html).not.toMatch(/自助抽样|Bootstrap/)
  })

  it('inlines the charts as SVG', () => {
    const svgs = html.match(/<svg[\s>]/g) ?? []
    expect(svgs.length).toBe(model.charts.bars.length + model.charts.trend.length)
    expect(html).toContain('<figcaption>县区总分</figcaption>')
    expect(html).not.toContain('ecmeta_')
  })

  it('escapes names and texts that carry markup', () => {
    const hostile = withHostileText(sampleInput())
    const page = renderHtml(hostile)
    expect(page).not.toContain('<script>')
    expect(page).not.toContain('<b>&amp;')
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(page).toContain('&lt;b&gt;&amp;amp; &quot;quoted&quot;&lt;/b&gt;')
    const name = hostile.snapshot.result.groups[0]!.ranking[2]!.name
    const escaped = escapeHtml(name)
    // In the table, the lists, the duties and the chart alike.
    expect(page.split(escaped).length - 1).toBeGreaterThanOrEqual(2)
  })
})
