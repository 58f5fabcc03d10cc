/**
 * Exact decimal arithmetic for scores and money.
 *
 * Every score, weight and amount in civindex is a decimal string at the edges and a
 * `Decimal` (decimal.js, 50 significant digits) inside computations. Binary floats never
 * touch them: 0.85 × 87.63 + 0.15 × 92.53 is exactly 88.365 here and rounds half up to
 * 88.37, where IEEE doubles give 88.36499… and round the wrong way.
 *
 * Divisions (a mean over visits, Σ score / Σ points) can repeat forever, so a total that is
 * exactly x.xx5 as a fraction may be computed as x.xx4999…9 in the 50th digit. Publication
 * rounding therefore first snaps to 40 significant digits (10 guard digits), then rounds half
 * up to 2 decimals. A value genuinely within 10⁻³⁸ of a boundary without being on it would need
 * denominators far beyond anything visit counts and points produce.
 */
import { Decimal as DecimalJs } from 'decimal.js'

export const Decimal = DecimalJs.clone({ precision: 50, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -50, toExpPos: 50 })
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

/**
 * A computed value with the last 10 of its 50 digits dropped: the form in which values are
 * compared (tiebreaks) and shown unrounded, so 1/3 + 1/3 and 2/3 are equal, as they are.
 */
export function snap(value: Decimal): Decimal {
  return value.toSignificantDigits(40, Decimal.ROUND_HALF_UP)
}

/** Half-up (四舍五入) rounding to 2 decimals, as text with exactly 2 decimals. */
export function round2(value: Decimal): string {
  return snap(value).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2)
}

export function sum(values: readonly Decimal[]): Decimal {
  let total = new Decimal(0)
  for (const v of values) total = total.plus(v)
  return total
}
