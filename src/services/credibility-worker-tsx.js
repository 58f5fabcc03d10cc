/**
 * Entry of the credibility worker when civindex runs from its TypeScript sources (vitest, tsx
 * scripts): registers tsx's loader in this thread, then loads credibility-worker.ts. On Node 20 a
 * worker started with `execArgv: ['--import', 'tsx']` still refuses a .ts entry (the hooks are
 * registered after the entry is resolved), hence this step. The `civindex` command never comes
 * here: it bundles credibility-worker.ts as an entry of its own (src/cli/civindex.js).
 */
import { register } from 'tsx/esm/api'

register()
await import('./credibility-worker.ts')
