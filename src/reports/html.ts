/**
 * The public page of a published round: one self-contained HTML document (inline CSS, inline
 * SVG charts, no script, no external resource) with the same sections and wording as the PDF
 * notice. Readable on a phone — wide tables scroll sideways inside their own box, the page
 * itself never does — and printable (@media print drops the scroll boxes and keeps figures
 * whole). Every text that comes from data is HTML-escaped; the chart SVG comes from ECharts,
 * which escapes its text content.
 */
import { barChartSvg, LIST_COLOURS, trendChartSvg } from './charts.js'
import { WEB_FONT_STACK } from './fonts.js'
import { noticeModel, type NoticeGroup, type NoticeModel, type NoticeTable } from './model.js'
import type { ReportInput } from './snapshot.js'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
}

const CHART_WIDTH = 440

const CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#f4f4f2;color:#1f1f1f;font-family:${WEB_FONT_STACK};font-size:16px;line-height:1.7}
main{max-width:860px;margin:0 auto;background:#fff;padding:28px 20px 40px}
.masthead{color:${LIST_COLOURS.red};text-align:center;font-size:clamp(24px,7vw,38px);font-weight:700;letter-spacing:.12em;margin:8px 0 6px}
.reference{text-align:center;font-size:14px;color:#333;margin:0 0 6px}
.rule{border:0;border-top:2px solid ${LIST_COLOURS.red};margin:0 0 20px}
h1{font-size:clamp(19px,5vw,24px);text-align:center;margin:0 0 18px;line-height:1.45}
h2{font-size:19px;margin:30px 0 10px}
h3{font-size:17px;margin:22px 0 8px}
h4{font-size:15px;margin:14px 0 4px}
p{margin:0 0 10px}
.indent{text-indent:2em}
.correction{color:${LIST_COLOURS.red};border-left:4px solid ${LIST_COLOURS.red};padding:6px 10px;background:#fff5f5}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:8px;margin:12px 0 6px;padding:0}
.figures div{background:#f6f7f9;border-radius:6px;padding:8px 10px}
.figures dt{font-size:13px;color:#555}.figures dd{margin:0;font-size:18px;font-weight:700}
.note{font-size:14px;color:#444}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:6px 0 10px;border:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:14px;white-space:nowrap}
th,td{border:1px solid #ddd;padding:5px 8px}
th{background:#eef1f5;font-weight:700;text-align:center;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.center{text-align:center}
td.wrap{white-space:normal;min-width:12em}
tr.list-red td.unit{color:${LIST_COLOURS.red};font-weight:700}
tr.list-black td{background:#ececec}
tr.list-black td.unit{font-weight:700}
.red{color:${LIST_COLOURS.red};font-weight:700}
figure{margin:10px 0 18px}
figure svg{display:block;width:100%;height:auto;max-width:${Math.round(CHART_WIDTH * 1.3)}px;margin:0 auto}
figcaption{text-align:center;font-weight:700;font-size:15px;margin-bottom:4px}
ul.pairs{margin:0 0 10px;padding-left:2.2em}
.sign{text-align:right;margin:24px 0}
.integrity{font-size:12px;color:#555;overflow-wrap:anywhere;word-break:break-all}
.integrity code{font-family:ui-monospace,Menlo,Consolas,monospace}
footer{max-width:860px;margin:0 auto;padding:12px 20px;font-size:12px;color:#666;text-align:center}
@media (max-width:480px){main{padding:18px 12px 28px}body{font-size:15px}table{font-size:13px}}
@media print{
  @page{size:A4;margin:16mm 14mm}
  body{background:#fff;font-size:11pt}
  main{max-width:none;padding:0}
  .table-wrap{overflow:visible;border:0}
  table{white-space:normal;font-size:9.5pt}
  th{position:static}
  tr,figure{break-inside:avoid;page-break-inside:avoid}
  h2,h3,h4{break-after:avoid;page-break-after:avoid}
  footer{padding:8px 0}
}
`

function attr(text: string): string {
  return escapeHtml(text)
}

function para(text: string, cls = 'indent'): string {
  return `<p class="${cls}">${escapeHtml(text)}</p>`
}

function rankingTable(g: NoticeGroup): string {
  const head = g.columns.map((c) => `<th scope="col">${escapeHtml(c.title)}</th>`).join('')
  const body = g.rows
    .map((r) => {
      const cells = g.columns
        .map((c, i) => {
          const cls = c.key === 'unit' ? 'unit' : c.numeric || c.align === 'right' ? 'num' : 'center'
          const text = escapeHtml(r.cells[i] ?? '')
          return `<td class="${cls}">${text}</td>`
        })
        .join('')
      return `<tr${r.list ? ` class="list-${r.list}"` : ''}>${cells}</tr>`
    })
    .join('\n')
  return `<div class="table-wrap" role="region" aria-label="${attr(`${g.name}排名`)}" tabindex="0"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`
}

/** A group's sample and precision per unit (a plain table, no list colours). */
function precisionTable(t: NoticeTable): string {
  const head = t.columns.map((c) => `<th scope="col">${escapeHtml(c.title)}</th>`).join('')
  const body = t.rows
    .map((r) => `<tr>${t.columns.map((c, i) => `<td class="${c.key === 'unit' ? 'unit' : c.numeric ? 'num' : 'center'}">${escapeHtml(r.cells[i] ?? '')}</td>`).join('')}</tr>`)
    .join('\n')
  return `<div class="table-wrap" role="region" aria-label="${attr(t.title)}" tabindex="0"><table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`
}

function problemTable(g: NoticeGroup): string {
  const rows = g.problems
    .map((p, i) => `<tr><td class="center">${i + 1}</td><td>${escapeHtml(p.standard)}</td><td class="wrap">${escapeHtml(p.text)}</td><td>${escapeHtml(p.indicator)}</td><td class="num">${p.occurrences}</td><td class="num">${p.units}</td></tr>`)
    .join('\n')
  return `<div class="table-wrap"><table><thead><tr><th>序号</th><th>标准</th><th>问题描述</th><th>所属指标</th><th>出现次数</th><th>涉及单位</th></tr></thead><tbody>\n${rows}\n</tbody></table></div>`
}

function figure(title: string, svg: string): string {
  return `<figure><figcaption>${escapeHtml(title)}</figcaption>${svg}</figure>`
}

function rewards(g: NoticeGroup): string {
  const parts: string[] = []
  if (g.red.length > 0 || g.black.length > 0) {
    parts.push('<h4>红黑榜</h4>')
    if (g.red.length > 0) parts.push(`<p><span class="red">红榜：</span>${escapeHtml(g.red.join('、'))}</p>`)
    if (g.black.length > 0) parts.push(`<p><strong>黑榜：</strong>${escapeHtml(g.black.join('、'))}</p>`)
  }
  if (g.transfers.length > 0 || g.withheld.length > 0) {
    parts.push('<h4>资金划拨</h4>')
    for (const t of g.transfers) {
      parts.push(para(`${t.sentence}${t.pairs.length > 1 ? '：' : '。'}`))
      if (t.pairs.length > 1) parts.push(`<ul class="pairs">${t.pairs.map((p) => `<li>${escapeHtml(p.text)}；</li>`).join('')}</ul>`)
    }
    for (const w of g.withheld) parts.push(para(w.text))
  }
  if (g.duties.length > 0) parts.push('<h4>公开检讨</h4>', ...g.duties.map((d) => para(d)))
  if (g.escalation.length > 0) parts.push('<h4>问责升级</h4>', ...g.escalation.map((e) => para(e)))
  return parts.length > 0 ? `<h3>${escapeHtml(g.heading)}</h3>\n${parts.join('\n')}` : ''
}

function body(m: NoticeModel): string {
  const out: string[] = []
  out.push(`<div class="masthead">${escapeHtml(m.masthead)}</div>`)
  out.push(`<p class="reference">${escapeHtml(m.reference)}</p><hr class="rule">`)
  out.push(`<h1>${escapeHtml(m.title)}</h1>`)
  if (m.correction) out.push(`<p class="correction">${escapeHtml(m.correction)}</p>`)
  out.push(para(m.opening))
  out.push(`<dl class="figures">${m.keyFigures.map((f) => `<div><dt>${escapeHtml(f.label)}</dt><dd>${escapeHtml(f.value)}</dd></div>`).join('')}</dl>`)

  const chartOptions = { width: CHART_WIDTH, fontFamily: WEB_FONT_STACK }
  out.push('<h2>一、测评排名</h2>')
  if (m.credibilityMethod) out.push(`<p class="note"><strong>排名可信度的计算：</strong>${escapeHtml(m.credibilityMethod)}</p>`)
  let legend = true
  for (const g of m.groups) {
    out.push(`<section><h3>${escapeHtml(g.heading)}</h3>`)
    out.push(`<p class="note">权重：${escapeHtml(g.weights)}；${escapeHtml(g.caption)}。</p>`)
    out.push(g.rows.length > 0 ? rankingTable(g) : '<p>本组无参与排名的单位。</p>')
    for (const u of g.unranked) out.push(`<p class="note">未参评：${escapeHtml(u.name)}（${escapeHtml(u.reason)}）</p>`)
    if (g.credibility.length > 0) out.push(`<p class="note"><strong>排名可信度：</strong>${escapeHtml(g.credibility.join(''))}</p>`)
    if (g.settle) out.push(`<p class="note settle">${escapeHtml(g.settle).replace(/^(.+?：)/, '<strong class="red">$1</strong>')}</p>`)
    if (g.precision) {
      out.push(`<h4>${escapeHtml(g.precision.title)}</h4>`)
      // The legend once, at the first table.
      if (legend) out.push(`<p class="note">${escapeHtml(g.precision.legend)}</p>`)
      legend = false
      out.push(precisionTable(g.precision))
    }
    const bars = m.charts.bars.find((b) => b.group === g.code)
    if (bars && bars.bars.length > 0) out.push(figure(bars.title, barChartSvg(bars, chartOptions)))
    out.push('</section>')
  }
  const rewardParts = m.groups.map(rewards).filter((x) => x !== '')
  out.push('<h2>二、奖惩与问责</h2>', rewardParts.length > 0 ? rewardParts.join('\n') : para('本期无奖惩事项。'))
  out.push('<h2>三、主要问题</h2>')
  const withProblems = m.groups.filter((g) => g.problems.length > 0)
  for (const g of withProblems) out.push(`<h3>${escapeHtml(g.heading)}</h3>`, problemTable(g))
  if (withProblems.length === 0) out.push(para('本期未发现问题。'))
  if (m.charts.trend.length > 0) {
    out.push('<h2>四、总分走势</h2>')
    for (const t of m.charts.trend) out.push(figure(t.title, trendChartSvg(t, chartOptions)))
  }
  for (const p of m.closing) out.push(para(p))
  out.push(`<div class="sign">${escapeHtml(m.footer.evaluator)}<br>${escapeHtml(m.footer.date)}</div>`)
  out.push(`<p class="integrity">${m.integrity.map((i) => `${escapeHtml(i.label)}：<code>${escapeHtml(i.value)}</code>`).join('<br>')}</p>`)
  return out.join('\n')
}

export function renderHtml(input: ReportInput): string {
  const m = noticeModel(input)
  const footer = `${m.footer.evaluator} · ${m.footer.date}发布 · ${m.footer.revision} · SHA-256 ${m.footer.hashShort}…`
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="civindex">
<meta name="description" content="${attr(m.title)}">
<title>${escapeHtml(m.title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body(m)}
</main>
<footer>${escapeHtml(footer)}</footer>
</body>
</html>
`
}
