#!/usr/bin/env node
/**
 * The `civindex` command. It runs src/ as one ESM bundle that esbuild writes to
 * node_modules/.cache/civindex/cli (rebuilt in ≈0.1 s whenever a source file changes): a
 * TypeScript loader hook would send every module import, node_modules included, through
 * Node 20's off-thread loader, which cost about a second and a half of every start.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const entry = path.join(root, 'src', 'cli', 'run.ts')
// The credibility analysis runs in worker threads (src/services/credibility-pool.ts), which start
// this entry's output by its file name, credibility-worker.js, beside the bundle's chunks.
const workerEntry = path.join(root, 'src', 'services', 'credibility-worker.ts')
const cacheDir = path.join(root, 'node_modules', '.cache', 'civindex')
const outDir = path.join(cacheDir, 'cli')
const outFile = path.join(outDir, 'run.js')
const stampFile = path.join(outDir, 'sources.txt')

/** Every source file with its size and modification time: the bundle is current while this matches. */
function sourceStamp() {
  const lines = []
  const walk = (dir) => {
    for (const entryName of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, entryName)
      const stat = fs.statSync(full)
      if (stat.isDirectory()) walk(full)
      else if (/\.(ts|js|json)$/.test(entryName)) lines.push(`${full}\t${stat.size}\t${stat.mtimeMs}`)
    }
  }
  walk(path.join(root, 'src'))
  lines.push(`package.json\t${fs.statSync(path.join(root, 'package.json')).mtimeMs}`)
  return lines.join('\n')
}

function externalPackages() {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]
  return names.filter((name) => name !== 'typebox').flatMap((name) => [name, `${name}/*`])
}

async function ensureBundle() {
  const stamp = sourceStamp()
  if (fs.existsSync(outFile) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return
  const { build } = await import('esbuild')
  fs.mkdirSync(cacheDir, { recursive: true })
  const partial = fs.mkdtempSync(path.join(cacheDir, 'cli.partial-'))
  // Dynamic imports become chunks of their own, so what they import (exceljs for the Excel
  // workflow) loads only when used.
  await build({
    // Named entries keep both outputs at the top of the directory, where the chunks are.
    entryPoints: { run: entry, 'credibility-worker': workerEntry },
    outdir: partial,
    splitting: true,
    outExtension: { '.js': '.js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Packages load natively from node_modules, except TypeBox: it is hundreds of small
    // modules (≈0.4 s to import one by one) and bundles into one.
    external: externalPackages(),
    sourcemap: 'inline',
    logLevel: 'error',
  })
  fs.writeFileSync(path.join(partial, 'package.json'), '{"type":"module"}\n')
  fs.writeFileSync(path.join(partial, 'sources.txt'), stamp)
  // Swap the whole directory: a parallel start sees the old bundle or the new one, never half.
  const old = `${outDir}.old-${process.pid}`
  try {
    if (fs.existsSync(outDir)) fs.renameSync(outDir, old)
    fs.renameSync(partial, outDir)
  } catch (error) {
    // Another start installed a bundle meanwhile; keep it if it is built from the same sources.
    fs.rmSync(partial, { recursive: true, force: true })
    if (!(fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp)) throw error
  } finally {
    fs.rmSync(old, { recursive: true, force: true })
  }
}

process.setSourceMapsEnabled(true)
await ensureBundle()
await import(pathToFileURL(outFile).href)
