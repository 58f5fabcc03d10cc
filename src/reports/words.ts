/**
 * Chinese wording shared by the CLI table and the notices: positions, money in words and
 * figures, ranks with 并列, rank change. Pure.
 */
import { dec } from '../domain/decimal.js'
import type { Selector } from '../domain/scoring/types.js'

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十']

export function chineseOrdinal(n: number): string {
  if (n <= 10) return DIGITS[n] ?? String(n)
  if (n < 20) return `十${DIGITS[n - 10] ?? ''}`
  if (n < 100 && n % 10 === 0) return `${DIGITS[n / 10] ?? ''}十`
  if (n < 100) return `${DIGITS[Math.floor(n / 10)] ?? ''}十${DIGITS[n % 10] ?? ''}`
  return String(n)
}

/** 「末位单位」「第一名」「倒数第二名」「第3名」… */
export function positionWords(s: Selector, role: 'payer' | 'payee'): string {
  if (s === 'last' || (typeof s === 'object' && 'fromBottom' in s && s.fromBottom === 1)) return role === 'payer' ? '末位单位' : '末位'
  if (s === 'first' || (typeof s === 'object' && 'rank' in s && s.rank === 1)) return '第一名'
  if ('rank' in s) return `第${chineseOrdinal(s.rank)}名`
  return `倒数第${chineseOrdinal(s.fromBottom)}名`
}

/** 200000.00 → 「20万元」; 22222.23 → 「22,222.23元」. */
export function yuanWords(amount: string): string {
  const d = dec(amount)
  if (d.isInteger() && d.modulo(10000).isZero() && d.greaterThanOrEqualTo(10000)) return `${d.dividedBy(10000).toFixed()}万元`
  const [whole, fraction] = d.toFixed(2).split('.')
  return `${(whole ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction === '00' ? '' : `.${fraction ?? ''}`}元`
}

export function rankWords(rank: number, tied: boolean): string {
  return tied ? `${rank}（并列）` : String(rank)
}

export function changeWords(change: string): string {
  if (change === 'new') return '新进'
  if (change === '—') return '持平'
  return change.startsWith('↑') ? `上升${change.slice(1)}位` : change.startsWith('↓') ? `下降${change.slice(1)}位` : change
}

/** "missing component survey" → 「缺少问卷调查得分」 */
export function unrankedReasonWords(reason: string, componentNames: Record<string, string>): string {
  const m = /^missing component (.+)$/.exec(reason)
  if (!m?.[1]) return reason
  return `缺少${m[1]
    .split(', ')
    .map((c) => componentNames[c] ?? c)
    .join('、')}得分，不参与排名`
}

/** Terminal width of a string: CJK and full-width characters take two columns. */
export function displayWidth(text: string): number {
  let w = 0
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0
    w += (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || cp >= 0x20000 ? 2 : 1
  }
  return w
}

export function padDisplay(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const pad = ' '.repeat(Math.max(0, width - displayWidth(text)))
  return align === 'left' ? text + pad : pad + text
}

/** "2017-08-01" (or an ISO time, read in China Standard Time, UTC+8 all year) → 「2017年8月1日」. */
export function dateWords(value: string): string {
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (plain) return `${Number(plain[1])}年${Number(plain[2])}月${Number(plain[3])}日`
  const t = Date.parse(value)
  if (Number.isNaN(t)) return value
  const cst = new Date(t + 8 * 3600_000)
  return `${cst.getUTCFullYear()}年${cst.getUTCMonth() + 1}月${cst.getUTCDate()}日`
}

/** A probability as decimal text ("0.873") → 「87.3%」. */
export function percentWords(probability: string, decimals = 1): string {
  return `${dec(probability).times(100).toFixed(decimals)}%`
}

/** A score difference with an explicit sign for negatives, using a true minus sign: "-0.31" → 「−0.31」. */
export function signedWords(value: string): string {
  return value.startsWith('-') ? `−${value.slice(1)}` : value
}

/** A 90% interval: [1, 3] → 「1–3」, [2, 2] → 「2」; decimal bounds keep their text. */
export function intervalWords(interval: readonly [number | string, number | string]): string {
  const [lo, hi] = interval.map((v) => signedWords(String(v)))
  return lo === hi ? (lo ?? '') : `${lo ?? ''}–${hi ?? ''}`
}

/** A 90% interval of scores in a sentence: ["-0.22", "2.38"] → 「−0.22至2.38」. */
export function rangeWords(interval: readonly [string, string]): string {
  return `${signedWords(interval[0])}至${signedWords(interval[1])}`
}

/** A list of names the way Chinese prose joins them: 「甲」「甲和乙」「甲、乙和丙」. */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? ''
  return `${names.slice(0, -1).join('、')}和${names[names.length - 1] ?? ''}`
}

const SELECTOR_WORDS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^first place$/, () => '第一名'],
  [/^last place$/, () => '末位'],
  [/^rank (\d+)$/, (m) => `第${chineseOrdinal(Number(m[1]))}名`],
  [/^place (\d+) from the bottom$/, (m) => (m[1] === '1' ? '末位' : `倒数第${chineseOrdinal(Number(m[1]))}名`)],
]

function selectorWords(text: string): string {
  for (const [re, words] of SELECTOR_WORDS) {
    const m = re.exec(text)
    if (m) return words(m)
  }
  return text
}

/** One failing figure of the confidence gate (src/domain/credibility/gate.ts): "P(last) of daguan is 0.620 (620 of 1000 replicates) < 0.9". */
const GATE_FIGURE = /^P\((.+?)\) of (.+?)( without its most damaging point)? is ([\d.]+) \((\d+) of (\d+) replicates\) < ([\d.]+)$/

/** One gap of the indifference check (src/domain/scoring/consequences.ts): "d is 0.32 below c", "c, d are 0.30 below b". */
const INDIFFERENCE_GAP = /^(.+?) (?:is|are) ([\d.]+) (below|above) (.+)$/

function gatePositionWords(label: string): string {
  if (label === 'last') return '排名末位'
  if (label === 'first') return '排名第一'
  const rank = /^rank (\d+)$/.exec(label)
  if (rank) return `排名第${chineseOrdinal(Number(rank[1]))}名`
  const bottom = /^place (\d+) from the bottom$/.exec(label)
  if (bottom) return `排名倒数第${chineseOrdinal(Number(bottom[1]))}名`
  return `处于${label}`
}

/**
 * Why a transfer was not made, in the notice's Chinese. Knows the reasons the consequence rules
 * record (src/domain/scoring/consequences.ts, the indifference margin's included) and the
 * confidence gate's (src/domain/credibility/gate.ts, each failing unit's share of the replicates; a
 * looser form naming P(last) or P(first) and a threshold is read too). Any other reason is
 * returned as it is, so a new reason is never hidden, only left untranslated. Unit codes in a
 * reason become names.
 */
export function withheldReasonWords(reason: string, names: Readonly<Record<string, string>>): string {
  const name = (code: string): string => names[code.trim()] ?? code.trim()
  let m = /^the group has (\d+) ranked unit\(s\), fewer than minGroupSize (\d+)$/.exec(reason)
  if (m) return `本组参与排名的单位仅${m[1]}个，少于规则要求的${m[2]}个，不实施资金划拨`
  m = /^no unit holds (.+) \((payer|payee)\)$/.exec(reason)
  if (m) return `因排名并列，没有单位处于${selectorWords(m[1] ?? '')}（${m[2] === 'payer' ? '付款方' : '收款方'}），不实施资金划拨`
  m = /^(.+) would be both payer and payee; no unit pays itself$/.exec(reason)
  if (m) return `${(m[1] ?? '').split(',').map(name).join('、')}同时处于付款方和收款方位置（全部并列），不实施资金划拨`
  m = /^tie: (\d+) payer\(s\) and (\d+) payee\(s\), and the rule skips ties$/.exec(reason)
  if (m) return `付款方${m[1]}个单位、收款方${m[2]}个单位，存在并列，按规则并列时不划拨`
  const margin = /^indifference margin ([\d.]+): (.+)$/.exec(reason)
  const gaps = margin?.[2]?.split('; ').map((part) => INDIFFERENCE_GAP.exec(part))
  if (margin && gaps && gaps.length > 0 && gaps.every((g) => g !== null)) {
    const said = gaps.map((g) => `${(g[1] ?? '').split(', ').map(name).join('、')}比${name(g[4] ?? '')}${g[3] === 'below' ? '低' : '高'}${g[2] ?? ''}分`)
    return `${said.join('，')}，小于本次测评精度（${margin[1] ?? ''}分），视为并列，本期暂不划拨`
  }
  if (reason === 'the rule requires the indifference margin, but none is set') return '规则要求排名差距达到测评精度，但本轮未设定测评精度，本期暂不划拨'
  const gate = /^confidence gate: (.+)$/.exec(reason)
  const figures = gate?.[1]?.split('; ').map((part) => GATE_FIGURE.exec(part))
  if (figures && figures.length > 0 && figures.every((f) => f !== null)) {
    const [first] = figures
    const checks = figures.map((f) => `${f[3] ? '去掉其扣分最多的一个点位后，' : ''}${name(f[2] ?? '')}${gatePositionWords(f[1] ?? '')}的概率为${percentWords(f[4] ?? '0')}`)
    return `经排名可信度检验（模拟${first?.[6] ?? ''}次），${checks.join('，')}，低于规则要求的${percentWords(first?.[7] ?? '0', 0)}，排名在统计上不够确定，本期暂不划拨`
  }
  if (/P\((last|first)\)/.test(reason) && /confidence/i.test(reason)) {
    const side = /P\(first\)/.test(reason) ? 'first' : 'last'
    const unit = Object.keys(names)
      .filter((code) => new RegExp(`(^|[^\\w-])${code.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w-]|$)`).test(reason))
      .sort((a, b) => b.length - a.length)[0]
    const probabilities = [...reason.matchAll(/(?<![\d.])(0\.\d+|1\.0+)(?![\d.])/g)].map((x) => x[1] ?? '')
    const [p, threshold] = probabilities
    const who = unit ? name(unit) : side === 'last' ? '末位单位' : '第一名单位'
    const what = side === 'last' ? '排名末位' : '排名第一'
    if (p !== undefined && threshold !== undefined)
      return `经排名可信度检验，${who}${what}的概率为${percentWords(p)}，低于规则要求的${percentWords(threshold, 0)}，排名在统计上不够确定，本期暂不划拨`
    return `经排名可信度检验，${who}${what}的把握不足规则要求，本期暂不划拨`
  }
  return reason
}
