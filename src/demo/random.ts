/**
 * Seeded randomness for the demo city. Everything is derived from the seed text, so the same
 * seed gives byte-identical data; nothing here reads Math.random or the clock.
 *
 * Streams: every purpose draws from its own stream, named `<seed>/<purpose>/…` (cyrb128 of the
 * name seeds an sfc32 generator, as in the credibility analysis), so adding draws to one part of
 * the generator does not shift the numbers of another.
 *
 * Ids: a record's UUID is a pure function of (seed, round, kind, index): the stream name is
 * hashed once into four 32-bit words, and word i of record n is fmix32(word_i ⊕ odd × (n + 1) ⊕ …),
 * a bijection of n for a fixed word, so no two records of one kind and round can share an id.
 * The version nibble is set to 4 and the variant bits to 10, so ids are valid v4-shaped UUIDs.
 */
import { cyrb128, fmix32, sfc32, type RandomSource } from '../domain/credibility/random.js'

export type { RandomSource }

export function stream(name: string): RandomSource {
  return sfc32(cyrb128(name))
}

/** A whole number in [0, n). */
export function int(random: RandomSource, n: number): number {
  return Math.floor(random() * n)
}

/** A whole number in [lo, hi]. */
export function between(random: RandomSource, lo: number, hi: number): number {
  return lo + int(random, hi - lo + 1)
}

export function pick<T>(random: RandomSource, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick from an empty list')
  return items[int(random, items.length)]!
}

/** Index drawn with probability proportional to its weight. */
export function weighted(random: RandomSource, weights: readonly number[]): number {
  let total = 0
  for (const w of weights) total += w
  let x = random() * total
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i]!
    if (x < 0) return i
  }
  return weights.length - 1
}

/** Standard normal deviate (Box–Muller, one of the pair). */
export function normal(random: RandomSource): number {
  const u = 1 - random() // (0, 1]
  const v = random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Poisson deviate (Knuth's product method; the demo only needs small means). */
export function poisson(random: RandomSource, mean: number): number {
  const limit = Math.exp(-mean)
  let k = 0
  let p = random()
  while (p > limit) {
    k++
    p *= random()
  }
  return k
}

/** Fisher–Yates shuffle into a new array. */
export function shuffled<T>(random: RandomSource, items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = int(random, i + 1)
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}


const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const hex8 = (n: number): string => HEX[(n >>> 24) & 255]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!
const hex4 = (n: number): string => HEX[(n >>> 8) & 255]! + HEX[n & 255]!

/** Deterministic v4-shaped UUIDs for one stream of records (see the header). */
export function uuidMaker(name: string): (index: number) => string {
  const [a, b, c, d] = cyrb128(name)
  return (index) => {
    const n = Math.imul(index + 1, 0x9e3779b1)
    const w0 = fmix32(a ^ n)
    const w1 = fmix32(b ^ n ^ w0)
    const w2 = fmix32(c ^ n ^ w1)
    const w3 = fmix32(d ^ n ^ w2)
    // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx with y in 8–b (variant 10).
    return `${hex8(w0)}-${hex4(w1 >>> 16)}-${hex4(0x4000 | (w1 & 0x0fff))}-${hex4(0x8000 | (w2 & 0x3fff))}-${hex4(w2 >>> 16)}${hex8(w3)}`
  }
}
