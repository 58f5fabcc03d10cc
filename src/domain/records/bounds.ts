/**
 * The domain bounds of every value a record may carry (SPEC §6.1), in one place: the batch API,
 * JSON files, workbook rows and corrections of a finding are all read against these
 * (src/domain/records/parse.ts), so no path lets a value through that another refuses, and
 * every sum the database computes over accepted records stays far inside its types.
 *
 * Why these numbers:
 * - count: problems of one kind seen at one visit. Field protocols count along a 500 m walk or
 *   over 5 minutes at a junction; dozens is a bad street, hundreds is the ceiling of what an
 *   evaluator can count. 999 leaves room and keeps Σ count of a round of ten million findings
 *   below 2⁵³ (the totals are bigint in the database and exact numbers in JavaScript).
 * - decimals (deduction, measure, direct score): 9 digits before the point, 6 after. Points of
 *   a standard are single or double digits; a measured quantity (minutes, metres, a count of
 *   ads) is far below 10⁹. External scores keep their own rule: 0–100, 4 decimals (SPEC §4.2).
 * - text: a problem note is about ten characters in practice (a 44,000-finding data set had a
 *   median of 10), a long one a few sentences: 1,000 characters. Names of evaluators 64.
 *   Codes (points, standards, units, components) 64, as the round file allows.
 * - photos: 20 a finding.
 * - coordinates: WGS-84 latitude −90…90, longitude −180…180, 8 decimals (about a millimetre).
 * - times: a visit (and a finding's own time) lies in the round's period, from 00:00 of its
 *   first day to 24:00 of its last day, China time, with a tolerance of one day either side
 *   for clocks and work that runs past midnight. Outside any round the year is 2000–2099.
 */

export const RECORD_BOUNDS = {
  maxCount: 999,
  decimalIntegerDigits: 9,
  decimalFractionDigits: 6,
  externalScoreDecimals: 4,
  noteLength: 1000,
  nameLength: 64,
  codeLength: 64,
  photosPerFinding: 20,
  coordinateDecimals: 8,
  periodToleranceDays: 1,
  minYear: 2000,
  maxYear: 2099,
} as const

const DAY_MS = 24 * 3600 * 1000

/** The times a round accepts: its period in China time (UTC+8), widened by the tolerance. */
export interface TimeWindow {
  from: Date
  to: Date
  /** The period as written, for messages. */
  period: { from: string; to: string }
}

/** The window of a period given as dates (YYYY-MM-DD), inclusive of both days. */
export function periodWindow(period: { from: string; to: string }): TimeWindow {
  const start = Date.parse(`${period.from}T00:00:00+08:00`)
  const end = Date.parse(`${period.to}T00:00:00+08:00`) + DAY_MS
  const slack = RECORD_BOUNDS.periodToleranceDays * DAY_MS
  return { from: new Date(start - slack), to: new Date(end + slack), period }
}

export function inWindow(window: TimeWindow, at: Date): boolean {
  const t = at.getTime()
  return t >= window.from.getTime() && t < window.to.getTime()
}
