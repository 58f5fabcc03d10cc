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
