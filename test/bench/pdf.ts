/**
 * Budget: the PDF notice of a 200-unit round (4 groups × 50 units) with its charts (a bar
 * chart of totals and a trend chart per group, ECharts SVG drawn into the PDF) within 2× the
 * same notice without charts, measured side by side in the same run; the file under 1 MB.
 *
 * Rendering is single-threaded CPU work, so besides wall time the process CPU time of each
 * render is reported, and the ratio is taken on CPU time: it holds steady on a machine shared
 * with other jobs, where wall time drifts with their load. PDF_BENCH_REPEAT sets the runs per
 * side (default 7; medians are reported); the two sides alternate.
 */
import { renderPdf } from '../../src/reports/pdf.js'
import { sampleInput } from '../reports/sample-input.js'

const REPEAT = Number(process.env.PDF_BENCH_REPEAT ?? 7)
const SHAPE = { groups: 4, unitsPerGroup: 50 }

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

interface Sample {
  wall: number
  cpu: number
  bytes: number
}

async function measure(fn: () => Promise<Buffer>): Promise<Sample> {
  const cpu = process.cpuUsage()
  const t = performance.now()
  const buffer = await fn()
  const wall = performance.now() - t
  const used = process.cpuUsage(cpu)
  return { wall, cpu: (used.user + used.system) / 1000, bytes: buffer.length }
}

export async function run(): Promise<void> {
  const input = sampleInput({ shape: SHAPE })
  const units = input.snapshot.result.groups.reduce((n, g) => n + g.ranking.length + g.unranked.length, 0)
  // Warm both paths alike: fonts, ECharts and pdfmake's modules.
  await renderPdf(input, { charts: false })
  await renderPdf(input)

  const plain: Sample[] = []
  const charted: Sample[] = []
  for (let i = 0; i < REPEAT; i++) {
    plain.push(await measure(() => renderPdf(input, { charts: false })))
    charted.push(await measure(() => renderPdf(input)))
  }
  const line = (label: string, s: Sample[]): string =>
    `  ${label} ${median(s.map((x) => x.wall)).toFixed(0)} ms wall, ${median(s.map((x) => x.cpu)).toFixed(0)} ms CPU, ${(s[0]!.bytes / 1024).toFixed(0)} KiB`
  const cpuRatio = median(charted.map((x) => x.cpu)) / median(plain.map((x) => x.cpu))
  const wallRatio = median(charted.map((x) => x.wall)) / median(plain.map((x) => x.wall))
  const size = charted[0]!.bytes
  console.log(`PDF notice of ${units} units in ${SHAPE.groups} groups, median of ${REPEAT} runs each`)
  console.log(line('tables only:      ', plain))
  console.log(line('tables and charts:', charted))
  console.log(`ratio charts / tables only = ${cpuRatio.toFixed(2)}× CPU (${wallRatio.toFixed(2)}× wall) (budget 2×); file ${(size / 1e6).toFixed(2)} MB (budget < 1 MB)`)
}
