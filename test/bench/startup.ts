/**
 * Start-up of `civindex serve` on an empty embedded database: from spawning the process to the
 * first 200 from /healthz (bundled indicator sets loaded, first admin created). The baseline is
 * a bare `node -e 0` spawned the same way, so the ratio shows what civindex adds to starting Node.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PROJECT_ROOT } from '../../src/paths.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function timeNode(): Promise<number> {
  const started = performance.now()
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
    child.on('exit', () => resolve())
    child.on('error', reject)
  })
  return performance.now() - started
}

async function timeServe(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'civindex-bench-start-'))
  const port = 20000 + Math.floor(Math.random() * 20000)
  const env: NodeJS.ProcessEnv = { ...process.env, CIVINDEX_DATA: path.join(dir, 'data'), PORT: String(port), LOG_LEVEL: 'warn' }
  delete env.DATABASE_URL
  const started = performance.now()
  const child = spawn(process.execPath, ['src/cli/civindex.js', 'serve'], { cwd: PROJECT_ROOT, env, stdio: 'ignore' })
  try {
    for (;;) {
      if (performance.now() - started > 30_000) throw new Error('the server did not answer within 30 s')
      try {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`)
        if (res.ok) return performance.now() - started
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10))
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export async function run(): Promise<void> {
  await timeServe() // warms the bundle and the template, as `npm install` would have
  const serve: number[] = []
  const node: number[] = []
  for (let i = 0; i < RUNS; i++) {
    node.push(await timeNode())
    serve.push(await timeServe())
  }
  const s = median(serve)
  const n = median(node)
  console.log(`fresh embedded start to first /healthz 200: median ${s.toFixed(0)} ms over ${RUNS} runs (min ${Math.min(...serve).toFixed(0)}, max ${Math.max(...serve).toFixed(0)})`)
  console.log(`bare node start: median ${n.toFixed(0)} ms`)
  console.log(`ratio civindex start / node start: ${(s / n).toFixed(1)}×`)
}
