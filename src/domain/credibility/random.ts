/**
 * The seeded random source of the credibility analysis. Every figure must be reproducible from
 * the round code alone, so nothing here touches Math.random.
 *
 * Seed text → state: cyrb128, a 128-bit string hash (four rounds of Math.imul mixing per UTF-16
 * code unit, then a final avalanche), gives the four 32-bit words of the state.
 * State → numbers: sfc32 (Chris Doty-Humphrey's Small Fast Counter, 128-bit state with a
 * counter, so no short cycles; passes PractRand to many terabytes). The first 15 outputs are
 * discarded so that similar seeds ("2017-04", "2017-05") start far apart.
 * Each output is a 32-bit word divided by 2³², a number in [0, 1) with 32 random bits.
 *
 * Streams: every analysis (posterior draws, weight runs, settle plans) of every group draws from its own stream,
 * seeded with `<seed>/<analysis>/<group code>`, so a group's figures do not depend on the
 * other groups of the round or on the order in which they are analysed.
 */

/** A source of numbers uniform in [0, 1), the form simple-statistics' samplers accept. */
export type RandomSource = () => number

export function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

export function sfc32(seedWords: readonly [number, number, number, number]): RandomSource {
  let [a, b, c, d] = seedWords
  const next = (): number => {
    a |= 0
    b |= 0
    c |= 0
    d |= 0
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  for (let i = 0; i < 15; i++) next()
  return next
}

/** The random source of one analysis of one group (see the header for the stream layout). */
export function randomStream(seed: string, analysis: 'weights' | 'posterior' | 'plan', group: string): RandomSource {
  return sfc32(cyrb128(`${seed}/${analysis}/${group}`))
}

/** murmur3's 32-bit finaliser: a bijection of 32-bit words that mixes every input bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
