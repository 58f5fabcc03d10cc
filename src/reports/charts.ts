/**
 * The notice's charts as SVG text, rendered by ECharts on the server (no DOM, no canvas):
 * a horizontal bar chart of each group's totals in rank order, and a line chart of each
 * unit's total across the series' rounds. The same SVG goes into the PDF (pdfmake draws it
 * with svg-to-pdfkit) and inline into the public page.
 *
 * Two things the PDF path needs (see STACK.md): text is drawn with the font family named
 * in the SVG, so `fontFamily` must start with the pdfmake font key; and value labels get a
 * transparent outline, because ECharts' default white text outline hides them there.
 * Charts are sized in px = pt, so a 10 px label prints at 10 pt on the A4 page. Titles are
 * left to the document (a heading in the PDF, a caption on the page).
 */
import * as echarts from 'echarts/core'
import { BarChart, LineChart } from 'echarts/charts'
import { GridComponent } from 'echarts/components'
import { LabelLayout } from 'echarts/features'
import { SVGRenderer } from 'echarts/renderers'
import type { BarChartData, TrendChartData } from './model.js'

echarts.use([BarChart, LineChart, GridComponent, LabelLayout, SVGRenderer])

export interface ChartOptions {
  /** Width in px (= pt in the PDF). */
  width: number
  /** CSS font-family list; for the PDF its first entry must be the pdfmake font key. */
  fontFamily: string
}

export const LIST_COLOURS = { red: '#c8161d', black: '#3a3a3a', plain: '#4f7cb8' } as const

/** Ten line colours that stay apart in print (Tableau 10); past ten, lines repeat them dashed. */
const PALETTE = ['#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#b07aa1', '#76b7b2', '#9c755f', '#edc948', '#ff9da7', '#bab0ac']

/**
 * ECharts' SVG without what only matters on screen: hover styles, class names, interaction
 * metadata, and the per-series clip paths (every value lies inside the axis range, so nothing
 * is clipped). A printed chart looks the same; svg-to-pdfkit has far fewer nodes to walk.
 */
export function staticSvg(svg: string): string {
  return svg
    .replace(/<style[^>]*>[\s\S]*?<\/style>\s*/g, '')
    .replace(/<defs[^>]*>[\s\S]*?<\/defs>\s*/g, (defs) => (/<clipPath/.test(defs) && !/<(?:linearGradient|radialGradient|pattern)/.test(defs) ? '' : defs))
    .replace(/<g clip-path="url\(#[^)]*\)">\s*([\s\S]*?)\s*<\/g>/g, '$1')
    .replace(/ (?:ecmeta_[a-z_]+|pointer-events|class)="[^"]*"/g, '')
}

function render(width: number, height: number, option: echarts.EChartsCoreOption): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height })
  try {
    chart.setOption(option)
    // Interaction metadata means nothing on paper or in a static page, and every byte is parsed
    // twice on the way into the PDF.
    return staticSvg(chart.renderToSVGString())
  } finally {
    chart.dispose()
  }
}

/**
 * Where the score axis starts: at least 3 points below the lowest total, down to a multiple
 * of 10, so differences of a point or two stay visible without exaggerating them.
 */
export function axisMin(values: readonly number[]): number {
  const lowest = Math.min(...values)
  return Number.isFinite(lowest) ? Math.max(0, Math.floor((lowest - 3) / 10) * 10) : 0
}

/** Horizontal bars, first place on top; red-list units red, black-list units dark grey. */
export function barChartSvg(data: BarChartData, opts: ChartOptions): string {
  // Up to 30 bars at 20 px; more share about 620 px (a page, less the title and axis).
  const rowHeight = Math.max(6, Math.min(20, Math.floor(620 / Math.max(1, data.bars.length))))
  const height = 8 + rowHeight * Math.max(1, data.bars.length) + 26
  const longestName = Math.max(2, ...data.bars.map((b) => [...b.name].length))
  const fontSize = Math.max(6, Math.min(10, rowHeight - 3))
  return render(opts.width, height, {
    animation: false,
    textStyle: { fontFamily: opts.fontFamily, fontSize },
    grid: { left: Math.min(180, 12 + longestName * fontSize), right: 48, top: 8, bottom: 24, containLabel: false },
    xAxis: {
      type: 'value',
      min: axisMin(data.bars.map((b) => b.total)),
      max: 100,
      axisLabel: { fontFamily: opts.fontFamily, fontSize: 9, color: '#555' },
      splitLine: { lineStyle: { color: '#e3e3e3' } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: data.bars.map((b) => b.name),
      axisTick: { show: false },
      axisLabel: { fontFamily: opts.fontFamily, fontSize, color: '#222', interval: 0 },
    },
    series: [
      {
        type: 'bar',
        barMaxWidth: 14,
        // The score axis starts above 0: bars are cut at the axis (ECharts trims the rectangles
        // themselves, no clip path).
        clip: true,
        data: data.bars.map((b) => ({
          value: b.total,
          itemStyle: { color: b.list === 'red' ? LIST_COLOURS.red : b.list === 'black' ? LIST_COLOURS.black : LIST_COLOURS.plain },
          ...(b.labelled ? {} : { label: { show: false } }),
        })),
        label: {
          show: true,
          position: 'right',
          formatter: (p: { value?: unknown }) => (typeof p.value === 'number' ? p.value.toFixed(2) : ''),
          fontFamily: opts.fontFamily,
          fontSize: fontSize - 1,
          color: '#222',
          textBorderColor: 'transparent',
          textBorderWidth: 0,
        },
      },
    ],
  })
}

/**
 * One line per unit across the rounds, each named at its right end (direct labels read faster
 * than a legend of a dozen colours; labels that would overlap are moved apart). A round where
 * the unit was not ranked leaves a gap; a point with no neighbour gets a marker so it shows.
 */
export function trendChartSvg(data: TrendChartData, opts: ChartOptions): string {
  const longestName = Math.max(2, ...data.series.map((s) => [...s.name].length))
  const labelWidth = Math.min(160, 10 + longestName * 9 + 36)
  const plot = Math.max(230, data.series.length * 18)
  const height = 12 + plot + 28
  const values = data.series.flatMap((s) => s.totals.filter((t): t is number => t !== null))
  return render(opts.width, height, {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: opts.fontFamily, fontSize: 9 },
    grid: { left: 40, right: labelWidth, top: 12, height: plot, containLabel: false },
    labelLayout: { moveOverlap: 'shiftY' },
    xAxis: {
      type: 'category',
      boundaryGap: false,
      data: data.rounds,
      axisLabel: { fontFamily: opts.fontFamily, fontSize: 9, color: '#555', interval: 0 },
    },
    yAxis: {
      type: 'value',
      min: axisMin(values),
      max: 100,
      axisLabel: { fontFamily: opts.fontFamily, fontSize: 9, color: '#555' },
      splitLine: { lineStyle: { color: '#e3e3e3' } },
    },
    series: data.series.map((s, i) => ({
      type: 'line',
      name: s.name,
      // Markers cost a path each; only a point with no neighbour needs one to be seen.
      symbol: 'none',
      data: s.totals.map((v, j) =>
        v !== null && (s.totals[j - 1] ?? null) === null && (s.totals[j + 1] ?? null) === null ? { value: v, symbol: 'rect', symbolSize: 5 } : v,
      ),
      connectNulls: false,
      clip: false,
      lineStyle: { width: 1.5, type: i >= PALETTE.length ? 'dashed' : 'solid' },
      endLabel: {
        show: true,
        formatter: '{a}',
        fontFamily: opts.fontFamily,
        fontSize: 9,
        color: '#222',
        distance: 4,
        padding: [1.5, 0],
        textBorderColor: 'transparent',
        textBorderWidth: 0,
      },
    })),
  })
}
