/**
 * `civindex plan` and `civindex settle` through the real bin (SPEC §5), on a fresh database: the
 * plan in Chinese from the previous round of the series or a stated prior, its JSON, the Chinese
 * refusal without a basis and of bad options; the settle recommendation, accepting it and its
 * progress; `score --settle-visits` bounds; point types named in the score table.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RoundPlan } from '../../src/domain/credibility/index.js'
import type { RoundResult } from '../../src/domain/scoring/types.js'
import { engineName, tempDir } from '../helpers/db.js'
import { designRoundText, designValues, designVisits, type DesignUnit } from '../helpers/design-round.js'
import { freshChildDatabase, killChildren, runCli, type ChildDatabase, type RunResult } from '../helpers/process.js'

const TIMEOUT = 120_000
const SET = 'indicators/sample-civility-2026.1.yaml'
const UNITS: DesignUnit[] = [
  { code: 'a', name: '甲区', level: 0.1 },
  { code: 'b', name: '乙区', level: 0.3 },
  { code: 'c', name: '丙区', level: 0.7 },
  { code: 'd', name: '丁区', level: 0.8 },
]
const PRIOR = { pointTypes: { market: { betweenPoints: '0.80', withinPoint: '1.20' }, road: { betweenPoints: '0.40', withinPoint: '0.90' } }, spread: '3.00' }

let db: ChildDatabase
let dir: string
beforeAll(async () => {
  db = await freshChildDatabase()
  dir = tempDir('civindex-plan-')
})
afterEach(async () => {
  await killChildren()
})
afterAll(async () => {
  await killChildren()
  await db?.drop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

const show = (r: RunResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`
async function ok(args: string[]): Promise<RunResult> {
  const r = await runCli(args, db.env, 60_000)
  expect(r.code, `civindex ${args.join(' ')}\n${show(r)}`).toBe(0)
  return r
}
async function fails(args: string[]): Promise<RunResult> {
  const r = await runCli(args, db.env, 60_000)
  expect(r.code, `civindex ${args.join(' ')}\n${show(r)}`).toBe(1)
  return r
}
function file(name: string, content: string): string {
  const p = path.join(dir, name)
  fs.writeFileSync(p, content)
  return p
}

describe(`civindex plan and settle (${engineName})`, () => {
  it(
    'plans from the previous round, from a stated prior, and refuses without a basis or with bad options, in Chinese',
    async () => {
      await ok(['indicators', 'load', SET])
      const prefix = 'cp'
      await ok(['round', 'load', file('mar.yaml', designRoundText({ code: 'cp-03', series: 'cli-plan', prefix, units: UNITS, period: { from: '2026-03-01', to: '2026-03-31' } }))])
      await ok(['round', 'load', file('apr.yaml', designRoundText({ code: 'cp-04', series: 'cli-plan', prefix, units: UNITS, period: { from: '2026-04-01', to: '2026-04-30' } }))])
      await ok(['round', 'open', 'cp-03'])
      await ok(['import', 'cp-03', file('mar.json', JSON.stringify({ ...designVisits({ prefix, units: UNITS }), ...designValues(prefix, UNITS) }))])

      const text = (await ok(['plan', 'cp-04'])).stdout
      expect(text).toContain('按上一轮（cp-03）的抽样误差，末位与上一名真实相差1.00分时，有80%的把握使90%的置信门槛放行：每个单位各类点位需抽查')
      expect(text).toMatch(/单位\s+农贸市场需抽查\/已登记\s+主次干道需抽查\/已登记\s+预计标准误\s+能否分辨/)
      expect(text).toMatch(/甲区\s+\d+\/6\s+\d+\/4\s+\d+\.\d\d\s+(能|不能)/)
      expect(text).toContain('合计需抽查')
      expect(text).not.toMatch(/\bmarket\b/)

      const plan = JSON.parse((await ok(['plan', 'cp-04', '--json', '--from', 'cp-03', '--margin', '6', '--power', '0.6', '--confidence', '0.8', '--visits-per-point', '2'])).stdout) as RoundPlan
      expect(plan).toMatchObject({ round: 'cp-04', basis: { kind: 'round', round: 'cp-03' }, margin: '6.00', confidence: '0.800', power: '0.600', visitsPerPoint: 2 })

      // The first round of its series has no basis: a stated prior is needed.
      const none = await fails(['plan', 'cp-03'])
      expect(none.stderr).toContain('先验')
      expect(none.stderr).toContain('cp-03')
      const prior = file('prior.json', JSON.stringify(PRIOR))
      const fromPrior = (await ok(['plan', 'cp-03', '--prior', prior, '--margin', '2'])).stdout
      expect(fromPrior).toContain('按给定的先验抽样误差，末位与上一名真实相差2.00分时')
      expect(fromPrior).toContain('农贸市场点位之间0.80、同一点位各次之间1.20')

      for (const [args, message] of [
        [['--margin', '0'], '差距Δ须为大于0且不超过100的数'],
        [['--margin', 'abc'], '差距Δ须为'],
        [['--confidence', '1'], '概率须为大于0.5且小于1的数'],
        [['--power', '0.5'], '概率须为'],
        [['--visits-per-point', '11'], '每个点位的考察次数须为1至10的整数'],
        [['--from', 'cp-03', '--prior', prior], '--from 与 --prior 只能给出其一'],
        [['--prior', file('bad.json', JSON.stringify({ pointTypes: { market: { betweenPoints: 'abc' } } }))], 'betweenPoints'],
        [['--prior', file('broken.json', '{')], '不是有效的 JSON'],
      ] as const) {
        const r = await fails(['plan', 'cp-04', ...args])
        expect(r.stderr, args.join(' ')).toContain(message)
      }
    },
    TIMEOUT,
  )

  it(
    'recommends extra visits, accepts them, shows their progress; bounds --settle-visits; names point types in the score table',
    async () => {
      const prefix = 'cs'
      await ok(['indicators', 'load', SET])
      await ok(['round', 'load', file('settle.yaml', designRoundText({ code: 'cs-03', series: 'cli-settle', prefix, units: UNITS }))])
      await ok(['round', 'open', 'cs-03'])
      await ok(['import', 'cs-03', file('settle.json', JSON.stringify({ ...designVisits({ prefix, units: UNITS }), ...designValues(prefix, UNITS) }))])

      const advice = (await ok(['settle', 'cs-03', '--visits', '4', '--replicates', '300'])).stdout
      expect(advice).toContain('末位补充考察建议')
      expect(advice).toContain('【县区】')
      expect(advice).toContain('末位尚未确定：目前最可能排名末位的是')

      const accepted = (await ok(['settle', 'cs-03', '--accept', '--visits', '4', '--replicates', '300'])).stdout
      expect(accepted).toMatch(/^已接受县区的补充考察计划（计划\d+）：共补充考察4次，预计完成后确定末位的把握为\d+\.\d%。/)
      expect(accepted).toContain('请在实地考察中录入这些补充考察')

      const progress = (await ok(['settle', 'cs-03', '--visits', '4', '--replicates', '300'])).stdout
      expect(progress).toContain('已接受的补充考察计划：')
      expect(progress).toMatch(/计划\d+：\d+年\d+月\d+日 \d\d:\d\d由cli:[^，]+接受，补充考察4次，已录入0次（进行中）/)

      expect((await fails(['settle', 'cs-03', '--visits', '0'])).stderr).toContain('补充考察次数须为1至200的整数')
      expect((await fails(['score', 'cs-03', '--credibility', '--settle-visits', '201'])).stderr).toContain('补充考察次数须为1至200的整数')
      expect((await fails(['round', 'publish', 'cs-03', '--settle-visits', 'x'])).stderr).toContain('补充考察次数须为1至200的整数')
      const scored = JSON.parse((await ok(['score', 'cs-03', '--credibility', '--json', '--replicates', '300', '--settle-visits', '3'])).stdout) as RoundResult
      expect(scored.groups[0]!.credibility!.settle!.visits).toBe(3)

      const table = (await ok(['score', 'cs-03', '--credibility', '--replicates', '300'])).stdout
      expect(table).toContain('农贸市场3/6个点位、6次')
      expect(table).toContain('主次干道2/4个点位、4次')
    },
    TIMEOUT,
  )
})
