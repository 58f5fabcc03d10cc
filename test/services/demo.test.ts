/**
 * The demo end to end on a fresh embedded database (a smaller city than `npm run demo` makes, so
 * the suite stays quick): three rounds published, escalation shown, and the three notice files
 * written and readable — the PDF's text read back with pdf.js.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runDemo } from '../../src/services/demo.js'
import { tempDir } from '../helpers/db.js'
import { readPdf } from '../helpers/pdf.js'

const root = tempDir()
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

describe('npm run demo', () => {
  it('refuses to empty a directory that is not an embedded database, keeping its files', async () => {
    const dir = path.join(root, 'not-a-database')
    fs.mkdirSync(dir)
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine')
    await expect(runDemo({ dataDir: dir, outDir: path.join(root, 'unused'), progress: () => {} })).rejects.toThrow(/not an embedded database directory/)
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine')
  })

  it('publishes three rounds and writes the last notice as PDF, XLSX and HTML', async () => {
    const lines: string[] = []
    const outcome = await runDemo({ dataDir: path.join(root, 'data'), outDir: path.join(root, 'reports'), progress: (l) => lines.push(l), size: { visits: 600, findings: 3000 } })
    expect(outcome.rounds.map((r) => r.revision)).toEqual([1, 1, 1])
    expect(new Set(outcome.rounds.map((r) => r.hash)).size).toBe(3)
    expect(lines.length).toBeGreaterThanOrEqual(7)
    // The demo city keeps one unit last round after round: its escalation reaches the third step.
    expect(outcome.last.groups.flatMap((g) => g.escalation).some((e) => e.consecutive === 3)).toBe(true)
    expect(outcome.last.groups.some((g) => g.ranking.some((u) => u.tied))).toBe(true)

    for (const file of Object.values(outcome.files)) expect(fs.statSync(file).size).toBeGreaterThan(1000)
    const { text } = await readPdf(outcome.files.pdf)
    expect(text).toContain('关于2026年11月文明程度指数模拟测评结果的通报')
    for (const g of outcome.last.groups) for (const u of g.ranking) expect(text).toContain(u.name)
    expect(fs.readFileSync(outcome.files.html, 'utf8')).toContain('2026年11月文明程度指数模拟测评')
  })
})
