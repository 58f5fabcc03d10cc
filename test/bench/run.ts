/**
 * `npm run bench [name …]`: runs the benchmarks (all by default) and prints their figures.
 * Each benchmark measures its subject and a baseline side by side in the same run and prints
 * the ratio, since absolute times drift on a shared machine.
 */
const benches: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  startup: () => import('./startup.js'),
  scoring: () => import('./scoring.js'),
  ingest: () => import('./ingest.js'),
  load: () => import('./load.js'),
  excel: () => import('./excel.js'),
  credibility: () => import('./credibility.js'),
  calibration: () => import('./credibility-calibration.js'),
  pdf: () => import('./pdf.js'),
  backup: () => import('./backup.js'),
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const names = wanted.length > 0 ? wanted : Object.keys(benches)
for (const name of names) {
  const load = benches[name]
  if (!load) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}\n`)
    process.exit(1)
  }
  process.stdout.write(`\n== ${name}\n`)
  await (await load()).run()
}
