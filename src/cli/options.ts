/** Option readers shared by several commands; a refused value is explained in Chinese. */
import { InvalidArgumentError } from 'commander'
import { SETTLE_MAX_VISITS } from '../domain/credibility/settle.js'

/** Extra visits of the settle recommendation (score, round publish, settle): 1 … SETTLE_MAX_VISITS. */
export function settleVisitsOption(value: string): number {
  const n = Number(value)
  if (!/^\d{1,4}$/.test(value) || n < 1 || n > SETTLE_MAX_VISITS) throw new InvalidArgumentError(`补充考察次数须为1至${SETTLE_MAX_VISITS}的整数`)
  return n
}
