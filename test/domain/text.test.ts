/**
 * Text that cannot be stored (NUL, lone surrogates) is found exactly, and the cheap scan of
 * JSON text that decides whether a parsed body is walked never misses one.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { findUnstorableText, mayHoldUnstorableText, textProblem } from '../../src/domain/text.js'

/** JSON as clients that escape everything but ASCII write it (Python's json.dumps by default). */
const asciiJson = (value: unknown): string => JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)

describe('unstorable text', () => {
  it('refuses NUL and lone surrogates, and nothing else', () => {
    expect(textProblem('a\u0000b')).toMatch(/NUL/)
    expect(textProblem('\ud800')).toMatch(/lone surrogate/)
    expect(textProblem('x\udfff')).toMatch(/lone surrogate/)
    expect(textProblem('\udc00\ud800')).toMatch(/lone surrogate/)
    for (const fine of ['', '南门处地面存在垃圾', '😀', 'a\u0001b', '\\u0000', '\ufffd']) expect(textProblem(fine)).toBeNull()
  })

  it('names the place of the first such text in a parsed document, keys included, at any depth', () => {
    expect(findUnstorableText({ findings: [{ note: 'ok' }, { note: 'a\u0000', evaluator: '\udc00' }], visits: ['\u0000'] })).toEqual([
      { path: 'findings[1].note', message: expect.stringMatching(/NUL/) },
      { path: 'findings[1].evaluator', message: expect.stringMatching(/lone surrogate/) },
      { path: 'visits[0]', message: expect.stringMatching(/NUL/) },
    ])
    expect(findUnstorableText({ a: { 'b\ud800': '\u0000' } })).toEqual([{ path: 'a."b\\ud800"', message: expect.stringMatching(/^field name .*lone surrogate/) }])
    expect(findUnstorableText(Array(500).fill('\u0000'))).toHaveLength(100)
    let deep: unknown = ['\u0000']
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(findUnstorableText(deep)[0]?.message).toMatch(/NUL/)
    expect(findUnstorableText({ a: ['😀', 1, null, true, { b: '\\u0000' }] })).toEqual([])
  })

  it('scans JSON text without missing an escaped NUL or lone surrogate, however the text is written', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\\', '\\ud83d', 'u', 'd', '8', 'c', '0', '"'), fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c))), maxLength: 12 })
    fc.assert(
      fc.property(fc.array(text, { maxLength: 4 }), (strings) => {
        const bad = strings.some((s) => textProblem(s) !== null)
        for (const json of [JSON.stringify(strings), asciiJson(strings), JSON.stringify(Object.fromEntries(strings.map((s, i) => [s, i])))]) {
          if (bad && json.startsWith('[')) expect(mayHoldUnstorableText(json)).toBe(true)
          if (!mayHoldUnstorableText(json)) expect(findUnstorableText(JSON.parse(json))).toEqual([])
        }
      }),
      { seed: 20_260_113, numRuns: 2000 },
    )
  })

  it('lets emoji written as escaped surrogate pairs through the scan', () => {
    expect(mayHoldUnstorableText(asciiJson({ note: '乱扔垃圾😀' }))).toBe(false)
    expect(mayHoldUnstorableText(JSON.stringify({ note: '乱扔垃圾😀' }))).toBe(false)
    expect(mayHoldUnstorableText('"\\\\ud83d\\udc00"')).toBe(true)
  })
})
