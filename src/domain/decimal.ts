/**
 * Exact decimal arithmetic for scores and money.
 *
 * Every score, weight and amount in civindex is a decimal string at the edges and a
 * `Decimal` (decimal.js, 40 significant digits) inside computations. Binary floats never
 * touch them: 0.85 × 87.63 + 0.15 × 92.53 is exactly 88.365 here and rounds half up to
 * 88.37, where IEEE doubles give 88.36499… and round the wrong way.
 */
import { Decimal as DecimalJs } from 'decimal.js'

export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 })
export type Decimal = InstanceType<typeof Decimal>

/** Plain decimal notation: optional sign, digits, optional fraction. No exponent, no spaces. */
export const DECIMAL_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)$/

export function isDecimalText(text: string): boolean {
  return DECIMAL_PATTERN.test(text)
}

export function dec(value: string | number | Decimal): Decimal {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw new TypeError(`refusing to build a decimal from the binary float ${value}; pass its text`)
  }
  return new Decimal(value)
}

/** Canonical text of a decimal: no trailing zeros, no exponent ("2.50" → "2.5", "2.0" → "2"). */
export function canonical(value: string | Decimal): string {
  return dec(value).toFixed()
}

/** Half-up (四舍五入) rounding to 2 decimals, as text with exactly 2 decimals. */
export function round2(value: Decimal): string {
  return value.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2)
}

export function sum(values: readonly Decimal[]): Decimal {
  let total = new Decimal(0)
  for (const v of values) total = total.plus(v)
  return total
}
