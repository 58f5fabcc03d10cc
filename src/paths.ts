/**
 * Where civindex's own files are. Found by walking up to civindex's package.json rather than
 * relative to each module, because the CLI runs a bundled copy of src/ from a cache directory
 * (see src/cli/civindex.js) and `import.meta.url` then points there.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

function findProjectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = path.join(dir, 'package.json')
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'civindex') return dir
    const parent = path.dirname(dir)
    if (parent === dir) throw new Error(`cannot find civindex's package.json above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
}

export const PROJECT_ROOT = findProjectRoot()
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'src', 'db', 'migrations')
export const BUNDLED_INDICATORS_DIR = path.join(PROJECT_ROOT, 'indicators')
export const CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'civindex')
